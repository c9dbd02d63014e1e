//! The welcome menu: a chat that has no department yet is offered the numbered menu of departments
//! (or goes straight to the only one), the customer's reply picks one, and the chat joins that
//! department's queue with its welcome text. Outside working hours the customer is told so first.

use chrono_tz::Tz;

use super::routing::enter_queue;
use super::transcript::tell_customer;
use super::{settings, working_hours, Ctx};
use crate::db::DbConnection;
use crate::domain::chat::{Placeholders, SpecialType};
use crate::domain::settings::SettingKey;
use crate::domain::WeekSchedule;
use crate::error::ApiResult;
use crate::store::chats::ChatRow;
use crate::store::departments::{self, DepartmentRow};

/// What the welcome menu needs of the desk's configuration, read at most once a second (see
/// `cache`): every new chat used to read it again inside its write transaction.
pub struct DeskSnapshot {
    company: String,
    out_of_hours: String,
    week: WeekSchedule,
    time_zone: Tz,
    /// Enabled departments in the menu, by menu index.
    menu: Vec<DepartmentRow>,
    /// The oldest enabled department: where a chat goes when no department is in the menu.
    first_enabled: Option<DepartmentRow>,
}

impl DeskSnapshot {
    fn load(c: &mut DbConnection) -> diesel::QueryResult<Self> {
        Ok(Self {
            company: settings::text(c, SettingKey::CompanyName)?,
            out_of_hours: settings::text(c, SettingKey::OutOfHoursMessage)?,
            week: working_hours::week_schedule(c)?,
            time_zone: settings::time_zone(c)?,
            menu: departments::menu(c)?,
            first_enabled: departments::enabled(c)?.into_iter().next(),
        })
    }
}

/// The desk's configuration as the welcome menu uses it, read on the caller's connection (inside
/// its transaction) when the cached copy is stale: taking a second connection here made every
/// pooled connection wait for another under a flood of new chats.
fn desk(ctx: &Ctx, c: &mut DbConnection) -> ApiResult<std::sync::Arc<DeskSnapshot>> {
    ctx.cache
        .desk
        .get_or_load(|| DeskSnapshot::load(c).map_err(Into::into))
}

/// The numbered menu of departments under `intro`.
fn menu_text(menu: &[DepartmentRow], intro: &str) -> String {
    let mut text = format!("{intro}\n");
    for d in menu {
        let name = d.name_in_menu.as_deref().unwrap_or(&d.name);
        text.push_str(&format!("{}. {name}\n", d.menu_index.unwrap_or_default()));
    }
    text.trim_end().to_owned()
}

/// Chooses the department of a chat that has none yet: a new chat gets the menu (two or more menu
/// departments) or goes to the only candidate; a reply to the menu picks the department, or gets
/// the menu again.
pub(crate) fn choose(
    ctx: &Ctx,
    c: &mut DbConnection,
    chat: &ChatRow,
    visitor_name: Option<&str>,
    reply: &str,
    is_new: bool,
    returning: bool,
) -> ApiResult<()> {
    let clock = &ctx.clock;
    let now = clock.now();
    let desk = desk(ctx, c)?;
    let menu = &desk.menu;
    if is_new && !desk.week.is_open(now.and_utc(), desk.time_zone) {
        tell_customer(c, chat.id, SpecialType::OutOfHours, &desk.out_of_hours, now)?;
    }
    if menu.len() >= 2 {
        if is_new {
            let intro = format!(
                "Welcome to {}! Reply with the number of the department you need:",
                desk.company
            );
            tell_customer(
                c,
                chat.id,
                SpecialType::WelcomeMenu,
                &menu_text(menu, &intro),
                now,
            )?;
            return Ok(());
        }
        let choice: Option<i32> = reply.trim().trim_end_matches('.').parse().ok();
        return match menu
            .iter()
            .find(|d| choice.is_some() && d.menu_index == choice)
        {
            Some(department) => {
                queue_with_welcome(c, clock, chat.id, department, visitor_name, returning)
            }
            None => {
                let intro = "Sorry, that is not one of the options. Reply with the number of the department you need:";
                tell_customer(
                    c,
                    chat.id,
                    SpecialType::InvalidMenuChoice,
                    &menu_text(menu, intro),
                    now,
                )?;
                Ok(())
            }
        };
    }
    match menu.first().or(desk.first_enabled.as_ref()) {
        Some(department) => {
            queue_with_welcome(c, clock, chat.id, department, visitor_name, returning)
        }
        None => {
            tell_customer(
                c,
                chat.id,
                SpecialType::NoDepartment,
                "Sorry, no department can take your chat right now.",
                now,
            )?;
            Ok(())
        }
    }
}

/// Queues the chat in the department and greets the customer with its welcome text, by the name
/// this chat's visitor gave (never a stored customer's name the visitor did not give: someone
/// typing another's number must not be greeted as them).
fn queue_with_welcome(
    c: &mut DbConnection,
    clock: &crate::clock::Clock,
    chat_id: i64,
    department: &DepartmentRow,
    visitor_name: Option<&str>,
    returning: bool,
) -> ApiResult<()> {
    let position = enter_queue(c, clock, chat_id, department)?;
    let now = clock.now();
    let welcome = if returning {
        department
            .welcome_returning
            .as_ref()
            .or(department.welcome_new.as_ref())
    } else {
        department.welcome_new.as_ref()
    };
    if let Some(text) = welcome {
        let text = Placeholders {
            customer_name: Some(visitor_name.unwrap_or("there")),
            position_in_queue: Some(position),
            department_name: Some(&department.name),
            agent_name: None,
        }
        .expand(text);
        tell_customer(c, chat_id, SpecialType::Welcome, &text, now)?;
    }
    Ok(())
}
