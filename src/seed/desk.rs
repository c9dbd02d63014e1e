//! The desk's configuration side, made first: settings, departments and their welcome menu,
//! tags and canned responses; the people and the channel come from `people.rs`.

use chrono::{NaiveDateTime, Timelike};
use chrono_tz::Tz;
use rand::distributions::WeightedIndex;
use rand::rngs::StdRng;

use super::people::{self, Accounts};
use super::words::{CANNED, DEPARTMENT_NAMES, OUTCOME_TAGS, TOPIC_TAGS};
use super::{SeedOptions, SeededChannel};
use crate::db::{truncate_to_micros, DbConnection};
use crate::domain::settings::SettingKey;
use crate::error::{ApiError, ApiResult};
use crate::service::{settings, Ctx};
use crate::store::departments::DepartmentValues;
use crate::store::{canned_responses, departments, tags};

pub(super) struct Department {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) menu_index: Option<i32>,
    pub(super) welcome_new: String,
    pub(super) welcome_returning: String,
}

pub(super) struct Agent {
    pub(super) id: i64,
    pub(super) name: String,
}

pub(super) struct Desk {
    pub(super) tz: Tz,
    pub(super) now: NaiveDateTime,
    pub(super) channel_id: i64,
    pub(super) departments: Vec<Department>,
    /// Departments a new chat is routed into (the menu's, or all when there is no menu).
    pub(super) entry: Vec<usize>,
    pub(super) entry_weights: WeightedIndex<f64>,
    /// The welcome menu's text, when the desk shows one (two or more menu departments).
    pub(super) menu_text: Option<String>,
    pub(super) agents: Vec<Agent>,
    /// Indexes into `agents` per department (agents only; managers take chats rarely).
    pub(super) agents_by_department: Vec<Vec<usize>>,
    pub(super) topic_tags: Vec<i64>,
    pub(super) outcome_tags: Vec<i64>,
    pub(super) max_chats_per_agent: i64,
}

fn unique_name(base: &str, taken: &mut dyn FnMut(&str) -> ApiResult<bool>) -> ApiResult<String> {
    if !taken(base)? {
        return Ok(base.to_owned());
    }
    for n in 2.. {
        let name = format!("{base} {n}");
        if !taken(&name)? {
            return Ok(name);
        }
    }
    unreachable!("an unused name exists")
}

pub(super) fn make_desk(
    ctx: &Ctx,
    c: &mut DbConnection,
    opts: &SeedOptions,
    rng: &mut StdRng,
    password_hash: &str,
) -> ApiResult<(Desk, Accounts, SeededChannel)> {
    let now = truncate_to_micros(
        ctx.now()
            .with_second(0)
            .unwrap_or(ctx.now())
            .with_nanosecond(0)
            .unwrap_or(ctx.now()),
    );
    if let Some(tz) = opts.time_zone {
        crate::store::settings::put(c, SettingKey::TimeZone.name(), tz.name(), now)?;
    }
    let tz = settings::time_zone(c)?;
    let company = settings::text(c, SettingKey::CompanyName)?;
    let max_chats_per_agent = settings::number(c, SettingKey::MaxChatsPerAgent)?;

    // Departments: the first nine (with free menu slots) form the welcome menu.
    let mut free_slots: Vec<i32> = {
        let used = departments::used_menu_indexes(c)?;
        (1..=9).filter(|i| !used.contains(i)).collect()
    };
    free_slots.reverse();
    let mut seeded_departments = Vec::new();
    for i in 0..opts.departments.max(1) {
        let base = DEPARTMENT_NAMES
            .get(i)
            .map_or_else(|| format!("Department {}", i + 1), |n| (*n).to_owned());
        let name = unique_name(&base, &mut |n| {
            Ok(departments::name_taken(c, &n.to_lowercase(), None)?)
        })?;
        let menu_index = free_slots.pop();
        let welcome_new = "Hi #CUSTOMERNAME#, welcome to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue; an agent will be with you shortly.".to_owned();
        let welcome_returning = "Welcome back, #CUSTOMERNAME#! You are number #POSITIONINQUEUE# in the #DEPARTMENTNAME# queue.".to_owned();
        let id = departments::insert(
            c,
            &DepartmentValues {
                name: name.clone(),
                name_key: name.to_lowercase(),
                include_in_menu: menu_index.is_some(),
                name_in_menu: None,
                menu_index,
                welcome_new: Some(welcome_new.clone()),
                welcome_returning: Some(welcome_returning.clone()),
                enabled: true,
                updated_at: now,
                max_chats_per_agent: None,
            },
            now,
        )?;
        seeded_departments.push(Department {
            id,
            name,
            menu_index,
            welcome_new,
            welcome_returning,
        });
    }
    let menu = departments::menu(c)?;
    let menu_text = (menu.len() >= 2).then(|| {
        let mut text =
            format!("Welcome to {company}! Reply with the number of the department you need:\n");
        for d in &menu {
            let name = d.name_in_menu.as_deref().unwrap_or(&d.name);
            text.push_str(&format!("{}. {name}\n", d.menu_index.unwrap_or_default()));
        }
        text.trim_end().to_owned()
    });
    let in_menu: Vec<usize> = (0..seeded_departments.len())
        .filter(|i| seeded_departments[*i].menu_index.is_some())
        .collect();
    let entry = if menu_text.is_some() && !in_menu.is_empty() {
        in_menu
    } else {
        (0..seeded_departments.len()).collect()
    };
    // Some departments are much busier than others.
    let entry_weights = WeightedIndex::new(entry.iter().map(|i| 1.0 / (1.0 + *i as f64 * 0.4)))
        .map_err(ApiError::internal)?;

    // Tags and canned responses.
    let mut tag_ids = Vec::new();
    for (group, names) in [("Topic", &TOPIC_TAGS[..]), ("Outcome", &OUTCOME_TAGS[..])] {
        let group_name = unique_name(group, &mut |n| {
            Ok(tags::group_name_taken(c, &n.to_lowercase(), None)?)
        })?;
        let group_id = tags::insert_group(c, &group_name, &group_name.to_lowercase(), true, now)?;
        let mut ids = Vec::new();
        for name in names {
            ids.push(tags::insert_tag(
                c,
                group_id,
                name,
                &name.to_lowercase(),
                true,
                now,
            )?);
        }
        tag_ids.push(ids);
    }
    let outcome_tags = tag_ids.pop().unwrap_or_default();
    let topic_tags = tag_ids.pop().unwrap_or_default();
    for (name, text) in CANNED {
        canned_responses::insert(c, name, text, now)?;
    }

    let (accounts, seeded_agents, agents_by_department) =
        people::make_staff(c, opts, rng, password_hash, &seeded_departments, now)?;
    let channel = people::make_channel(c, opts, now)?;
    let channel_id = channel.channel_id;
    Ok((
        Desk {
            tz,
            now,
            channel_id,
            departments: seeded_departments,
            entry,
            entry_weights,
            menu_text,
            agents: seeded_agents,
            agents_by_department,
            topic_tags,
            outcome_tags,
            max_chats_per_agent,
        },
        accounts,
        channel,
    ))
}
