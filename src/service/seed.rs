//! `agentdesk seed`: a realistic desk built from a random seed, so new users can try the desk and
//! the benchmarks have something to measure. It writes what the desk itself would have written for
//! such a history — customers, chats in every state with consistent times, transcripts with their
//! system lines and deliveries, tags and the reporting facts (docs/reports.md) — through bulk
//! inserts of thousands of rows per statement.
//!
//! The same `--seed` gives the same desk, anchored at the minute the command runs (times are
//! relative to now, so LiveMetrics and the queue look live). Channel secrets come from the OS RNG,
//! as CreateChannel makes them.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use rand::distributions::WeightedIndex;
use rand::prelude::*;
use rand::rngs::StdRng;
use serde::Serialize;

use super::{passwords, settings, Ctx};
use crate::db::{dialect, truncate_to_micros, DbConnection};
use crate::domain::chat::{ChatState, EventKind, MessageKind, Placeholders, SpecialType};
use crate::domain::settings::SettingKey;
use crate::domain::{token, AgentStatus, Password, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::bulk::{
    self, ChatInsert, ChatTagInsert, CustomerInsert, DeliveryInsert, EventInsert, MessageInsert,
};
use crate::store::channels::NewChannelRow;
use crate::store::departments::DepartmentValues;
use crate::store::{agents, canned_responses, channels, departments, tags};

/// The password every seeded agent and manager logs on with, unless `--password` says otherwise.
pub const DEFAULT_PASSWORD: &str = "agentdesk-demo";

/// What to build.
#[derive(Clone, Debug)]
pub struct SeedOptions {
    pub agents: usize,
    pub departments: usize,
    pub chats: usize,
    /// Mean messages per chat, every kind counted (customer, agent, system lines, notes).
    pub messages_per_chat: f64,
    /// One extra closed chat per entry, with that many messages.
    pub long_chats: Vec<usize>,
    pub days: i64,
    pub seed: u64,
    /// Chats left waiting in a department's queue.
    pub queued: usize,
    /// Chats assigned to an agent and still open.
    pub open: usize,
    pub password: Password,
    /// The channel server's base URL (replies go to `<ChatServer>/messageForCustomer`).
    pub chat_server: String,
    /// Seed a desk that already has chats (new rows continue after the existing ids).
    pub force: bool,
    /// Stored as the desk's `TimeZone` setting when given.
    pub time_zone: Option<Tz>,
}

/// Where the seed is, for a progress bar or log lines.
pub trait Progress {
    fn phase(&self, name: &str, total: u64);
    fn inc(&self, n: u64);
    fn finish(&self);
}

/// No progress reporting (tests).
pub struct Quiet;

impl Progress for Quiet {
    fn phase(&self, _: &str, _: u64) {}
    fn inc(&self, _: u64) {}
    fn finish(&self) {}
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct SeededChannel {
    #[serde(rename = "ChannelID")]
    pub channel_id: i64,
    pub chat_server: String,
    pub api_key: String,
    pub chat_account_token: String,
    pub signing_secret: String,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct SeededAgent {
    #[serde(rename = "AgentID")]
    pub agent_id: i64,
    pub email: String,
    #[serde(rename = "DepartmentID")]
    pub department_ids: Vec<i64>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct LongChat {
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
    pub messages: usize,
}

/// Rows written to one table and the time spent in its insert statements.
#[derive(Serialize, Debug, Clone, Default)]
#[serde(rename_all = "PascalCase")]
pub struct TableLoad {
    pub table: &'static str,
    pub rows: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
}

#[derive(Serialize, Debug, Clone, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ChatCounts {
    pub closed: usize,
    pub missed: usize,
    pub transferred: usize,
    pub open: usize,
    pub queued: usize,
    /// Unassigned, still choosing from the welcome menu (no department yet).
    pub in_menu: usize,
}

/// What was built: how to log on and connect, and how fast it went.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct SeedReport {
    pub password: String,
    pub managers: Vec<SeededAgent>,
    pub agents: Vec<SeededAgent>,
    pub departments: Vec<(i64, String)>,
    pub channel: SeededChannel,
    pub long_chats: Vec<LongChat>,
    pub chats: ChatCounts,
    pub messages: u64,
    pub tables: Vec<TableLoad>,
    pub seconds: f64,
    pub messages_per_second: f64,
}

// ---------------------------------------------------------------------------------------------
// Randomness with realistic shapes.

/// A standard normal variate (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal duration: most near `median_s`, a long tail, clamped to `[min_s, max_s]`.
fn lognormal_secs(rng: &mut StdRng, median_s: f64, sigma: f64, min_s: f64, max_s: f64) -> Duration {
    let s = (median_s.ln() + sigma * normal(rng))
        .exp()
        .clamp(min_s, max_s);
    Duration::milliseconds((s * 1000.0) as i64)
}

/// A count with mean `mean` and a log-normal spread.
fn spread_count(rng: &mut StdRng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    let sigma = 0.8;
    let mu = mean.ln() - sigma * sigma / 2.0;
    (mu + sigma * normal(rng)).exp().round().min(500.0) as usize
}

/// A start time in `[from, to)`, busier on weekdays and in working hours (desk time zone).
fn working_hours_time(
    rng: &mut StdRng,
    tz: Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> NaiveDateTime {
    let span = (to - from).num_seconds().max(1);
    loop {
        let t = from + Duration::milliseconds(rng.gen_range(0..span * 1000));
        let local = tz.from_utc_datetime(&t).naive_local();
        let day = match local.weekday().number_from_monday() {
            6 => 0.35,
            7 => 0.2,
            _ => 1.0,
        };
        let hour = local.hour() as f64 + local.minute() as f64 / 60.0;
        let by_hour = match hour {
            h if (10.0..15.0).contains(&h) => 1.0,
            h if (8.0..18.0).contains(&h) => 0.8,
            h if (7.0..8.0).contains(&h) || (18.0..21.0).contains(&h) => 0.3,
            _ => 0.04,
        };
        if rng.gen::<f64>() < day * by_hour {
            return t;
        }
    }
}

fn uniform_time(rng: &mut StdRng, from: NaiveDateTime, to: NaiveDateTime) -> NaiveDateTime {
    let span = (to - from).num_milliseconds().max(1);
    from + Duration::milliseconds(rng.gen_range(0..span))
}

const FIRST_NAMES: [&str; 32] = [
    "Thandi", "James", "Aisha", "Pieter", "Lerato", "Sipho", "Maria", "Chen", "Fatima", "John",
    "Anika", "Kofi", "Sofia", "Liam", "Nomvula", "Ravi", "Emma", "Tariq", "Zanele", "Lucas",
    "Ingrid", "Mateo", "Ama", "Noah", "Priya", "Jonas", "Lindiwe", "Omar", "Chloe", "Yusuf",
    "Hannah", "Bongani",
];
const LAST_NAMES: [&str; 32] = [
    "Naidoo",
    "Smith",
    "Dlamini",
    "van der Merwe",
    "Khumalo",
    "Botha",
    "Nkosi",
    "Patel",
    "Mokoena",
    "Jacobs",
    "Williams",
    "Pillay",
    "Mahlangu",
    "Fourie",
    "Zulu",
    "Wang",
    "Okafor",
    "Mensah",
    "Garcia",
    "Müller",
    "Rossi",
    "Ahmed",
    "Kowalski",
    "Ndlovu",
    "Johnson",
    "Le Roux",
    "Sithole",
    "Chetty",
    "Adams",
    "Kruger",
    "Moloi",
    "Davids",
];
const DEPARTMENT_NAMES: [&str; 12] = [
    "Sales",
    "Support",
    "Billing",
    "Technical",
    "Returns",
    "Accounts",
    "Deliveries",
    "Onboarding",
    "Partners",
    "Complaints",
    "VIP",
    "Insurance",
];
const TOPIC_TAGS: [&str; 8] = [
    "Billing",
    "Delivery",
    "Returns",
    "Technical",
    "Account",
    "Complaint",
    "Sales lead",
    "Feedback",
];
const OUTCOME_TAGS: [&str; 4] = ["Resolved", "Escalated", "Follow-up", "Refund issued"];
const CANNED: [(&str, &str); 8] = [
    (
        "Greeting",
        "Hi #CUSTOMERNAME#, my name is #AGENTNAME#. How can I help you today?",
    ),
    (
        "One moment",
        "Thanks for your patience, #CUSTOMERNAME#. I'm looking into it now.",
    ),
    (
        "Order number",
        "Could you give me your order number, please?",
    ),
    (
        "Refund",
        "I've started the refund; it shows on your statement within 3 to 5 working days.",
    ),
    (
        "Courier",
        "Your parcel is with the courier and should reach you within two working days.",
    ),
    (
        "Password",
        "I've sent a password reset link to the address on your account.",
    ),
    (
        "Anything else",
        "Is there anything else I can help you with?",
    ),
    (
        "Goodbye",
        "Thank you for chatting with us, #CUSTOMERNAME#. Have a great day!",
    ),
];
const OPENERS: [&str; 12] = [
    "Hi, I ordered something last week and it hasn't arrived yet. Order {order}.",
    "Hello, I was charged twice for order {order}",
    "Can I change the delivery address for order {order}?",
    "My password reset email never arrives",
    "I'd like to return the shoes I bought, they're too small. Order {order}",
    "Do you have the blue one in stock?",
    "The app crashes when I open my account page",
    "Hi there, I need an invoice for order {order} please",
    "Why was my card declined? I have enough money on it",
    "I want to cancel my subscription",
    "Hello? I need to speak to someone about my account",
    "The item I received for order {order} is damaged",
];
const CUSTOMER_LINES: [&str; 10] = [
    "It's order {order}",
    "Yes, that's right",
    "The email is the one on my account",
    "Ok, I'll wait",
    "How long will that take?",
    "I already tried that and it didn't work",
    "Can you send me a confirmation?",
    "That would be great, thanks",
    "Sorry, I meant order {order}",
    "Is there a reference number for that?",
];
const AGENT_LINES: [&str; 10] = [
    "I can see order {order} here. One moment please.",
    "I've refunded the duplicate charge; it shows within 3 to 5 working days.",
    "Could you confirm the email address on the account?",
    "I'm sorry about the delay. The courier has it and it's due tomorrow.",
    "I've sent a new reset link; please check your spam folder too.",
    "Done! I've updated that for you.",
    "Let me check with the warehouse.",
    "Your reference number is REF-{order}.",
    "I've escalated this to our technical team; they'll email you today.",
    "Thanks for waiting, I have an answer for you.",
];
const NOTES: [&str; 4] = [
    "Customer was upset about the second delay; offered free delivery next time.",
    "Same issue as last week, see the earlier chat.",
    "Asked a supervisor about the refund limit.",
    "VIP customer: handle with priority.",
];
const CLOSED_TEXT: &str = "This chat has been closed. Thank you for contacting us.";
const TRANSFERRED_TEXT: &str =
    "You have been transferred to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue.";

/// A line from `lines` with a made-up order number filled in.
fn line_from(rng: &mut StdRng, lines: &[&str]) -> String {
    let template = lines.choose(rng).copied().unwrap_or_default();
    template.replace("{order}", &rng.gen_range(10_000..100_000).to_string())
}

// ---------------------------------------------------------------------------------------------
// The desk's configuration side, made first.

struct Department {
    id: i64,
    name: String,
    menu_index: Option<i32>,
    welcome_new: String,
    welcome_returning: String,
}

struct Agent {
    id: i64,
    name: String,
}

struct Desk {
    tz: Tz,
    now: NaiveDateTime,
    channel_id: i64,
    departments: Vec<Department>,
    /// Departments a new chat is routed into (the menu's, or all when there is no menu).
    entry: Vec<usize>,
    entry_weights: WeightedIndex<f64>,
    /// The welcome menu's text, when the desk shows one (two or more menu departments).
    menu_text: Option<String>,
    agents: Vec<Agent>,
    /// Indexes into `agents` per department (agents only; managers take chats rarely).
    agents_by_department: Vec<Vec<usize>>,
    topic_tags: Vec<i64>,
    outcome_tags: Vec<i64>,
    max_chats_per_agent: i64,
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

fn person_name(rng: &mut StdRng) -> (String, String) {
    (
        FIRST_NAMES.choose(rng).copied().unwrap_or("Sam").to_owned(),
        LAST_NAMES
            .choose(rng)
            .copied()
            .unwrap_or("Jones")
            .to_owned(),
    )
}

struct Accounts {
    managers: Vec<SeededAgent>,
    agents: Vec<SeededAgent>,
}

fn make_desk(
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

    // Agents and managers, all with one password hashed once.
    let domain = {
        let mut k = 0;
        loop {
            let d = if k == 0 {
                "desk.example".to_owned()
            } else {
                format!("desk{k}.example")
            };
            if !agents::email_taken(c, &format!("agent1@{d}"), None)?
                && !agents::email_taken(c, &format!("manager1@{d}"), None)?
            {
                break d;
            }
            k += 1;
        }
    };
    let n_managers = (opts.agents / 50).max(1).min(opts.agents.max(1));
    let all_department_ids: Vec<i64> = seeded_departments.iter().map(|d| d.id).collect();
    let department_pick =
        WeightedIndex::new((0..seeded_departments.len()).map(|i| 1.0 / (1.0 + i as f64 * 0.4)))
            .map_err(ApiError::internal)?;
    let mut accounts = Accounts {
        managers: Vec::new(),
        agents: Vec::new(),
    };
    let mut seeded_agents = Vec::new();
    let mut agents_by_department = vec![Vec::new(); seeded_departments.len()];
    for i in 0..opts.agents.max(1) {
        let manager = i < n_managers;
        let (first, last) = person_name(rng);
        let name = format!("{first} {last}");
        let email = if manager {
            format!("manager{}@{domain}", i + 1)
        } else {
            format!("agent{}@{domain}", i + 1 - n_managers)
        };
        let id = agents::insert(
            c,
            &agents::NewAgentRow {
                name: &name,
                email: &email,
                email_key: &email,
                mobile: None,
                role: if manager { Role::Manager } else { Role::Agent }.id(),
                status: AgentStatus::Offline.id(),
                enabled: true,
                password_hash: Some(password_hash),
                notify_unassigned: false,
                created_at: now - Duration::days(opts.days + 1),
                updated_at: now - Duration::days(opts.days + 1),
            },
        )?;
        let mut mine: Vec<usize> = if manager {
            (0..seeded_departments.len()).collect()
        } else {
            let first = department_pick.sample(rng);
            let mut v = vec![first];
            if seeded_departments.len() > 1 && rng.gen_bool(0.25) {
                let second = department_pick.sample(rng);
                if second != first {
                    v.push(second);
                }
            }
            v
        };
        mine.sort_unstable();
        let ids: Vec<i64> = mine.iter().map(|d| all_department_ids[*d]).collect();
        agents::replace_departments(c, id, &ids)?;
        let seeded = SeededAgent {
            agent_id: id,
            email,
            department_ids: ids,
        };
        if manager {
            accounts.managers.push(seeded);
        } else {
            for d in &mine {
                agents_by_department[*d].push(seeded_agents.len());
            }
            accounts.agents.push(seeded);
        }
        seeded_agents.push(Agent { id, name });
    }
    // With few agents some departments have none of their own: managers step in there.
    let fallback: Vec<usize> = (0..seeded_agents.len()).collect();
    for list in agents_by_department.iter_mut() {
        if list.is_empty() {
            list.extend(fallback.iter().copied());
        }
    }

    // The channel customers write in through, with secrets made as CreateChannel makes them.
    let (api_key, api_key_hash) = token::generate();
    let (account_token, account_token_hash) = token::generate();
    let (signing_secret, _) = token::generate();
    let channel_id = channels::insert(
        c,
        &NewChannelRow {
            name: "Web chat (seeded)",
            chat_server: &opts.chat_server,
            api_key_hash: &api_key_hash,
            account_token_hash: &account_token_hash,
            signing_secret: &signing_secret,
            created_at: now - Duration::days(opts.days + 1),
            verifies_identity: false,
            kind: 1,
            widget_key: None,
        },
    )?;
    let channel = SeededChannel {
        channel_id,
        chat_server: opts.chat_server.clone(),
        api_key,
        chat_account_token: account_token,
        signing_secret,
    };
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

// ---------------------------------------------------------------------------------------------
// One chat's history, as the desk would have written it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Answered,
    Missed,
    Open,
    Queued,
    InMenu,
}

struct Plan {
    start: NaiveDateTime,
    fate: Fate,
    transfer: bool,
}

struct Line {
    at: NaiveDateTime,
    kind: MessageKind,
    special: Option<SpecialType>,
    agent_id: Option<i64>,
    author: String,
    text: String,
    to_customer: bool,
    read_by_agent_at: Option<NaiveDateTime>,
}

/// A chat being written: its row, lines and facts, kept as the service functions would keep them.
struct ChatBuild {
    row: ChatInsert,
    lines: Vec<Line>,
    events: Vec<EventInsert>,
    tags: Vec<ChatTagInsert>,
    first_queued: Option<NaiveDateTime>,
    /// Lines before this index were read by an agent already.
    answered_up_to: usize,
}

impl ChatBuild {
    fn touch(&mut self, at: NaiveDateTime, text: &str) {
        self.row.last_message_at = at;
        self.row.last_message_text = Some(text.chars().take(200).collect());
    }

    /// A transcript line for agents only (`outbound::record`).
    fn record(&mut self, at: NaiveDateTime, special: SpecialType, text: &str) {
        self.lines.push(Line {
            at,
            kind: MessageKind::System,
            special: Some(special),
            agent_id: None,
            author: super::transcript::SYSTEM_AUTHOR.to_owned(),
            text: text.to_owned(),
            to_customer: false,
            read_by_agent_at: None,
        });
    }

    /// A system text for the customer (`outbound::tell_customer`).
    fn tell(&mut self, at: NaiveDateTime, special: SpecialType, text: &str) {
        self.lines.push(Line {
            at,
            kind: MessageKind::System,
            special: Some(special),
            agent_id: None,
            author: super::transcript::SYSTEM_AUTHOR.to_owned(),
            text: text.to_owned(),
            to_customer: true,
            read_by_agent_at: None,
        });
        self.touch(at, text);
    }

    /// A customer's message; its MessageIn fact is written by [`Self::message_in`] after routing.
    fn customer(&mut self, at: NaiveDateTime, author: &str, text: &str) {
        self.lines.push(Line {
            at,
            kind: MessageKind::Customer,
            special: None,
            agent_id: None,
            author: author.to_owned(),
            text: text.to_owned(),
            to_customer: false,
            read_by_agent_at: None,
        });
        self.touch(at, text);
        self.row.agent_unread += 1;
    }

    fn message_in(&mut self, at: NaiveDateTime) {
        let department = self.row.department_id;
        self.fact(EventKind::MessageIn, at, None, department, None);
    }

    /// An agent's reply (`outbound::agent_reply`); the agent has read what came before.
    fn agent(&mut self, at: NaiveDateTime, agent: &Agent, text: &str) {
        // Only lines since the previous answer can be unread (a long chat stays linear).
        for line in self.lines[self.answered_up_to..].iter_mut() {
            if line.kind == MessageKind::Customer && line.read_by_agent_at.is_none() {
                line.read_by_agent_at = Some(at);
            }
        }
        self.answered_up_to = self.lines.len() + 1;
        self.row.agent_unread = 0;
        self.lines.push(Line {
            at,
            kind: MessageKind::Agent,
            special: None,
            agent_id: Some(agent.id),
            author: agent.name.clone(),
            text: text.to_owned(),
            to_customer: true,
            read_by_agent_at: None,
        });
        self.touch(at, text);
        let department = self.row.department_id;
        self.fact(EventKind::MessageOut, at, Some(agent.id), department, None);
        if self.row.first_response_at.is_none() {
            self.row.first_response_at = Some(at);
            let since = self.first_queued.map(|q| (at - q).num_seconds());
            self.fact(
                EventKind::FirstResponse,
                at,
                Some(agent.id),
                department,
                since,
            );
        }
    }

    fn note(&mut self, at: NaiveDateTime, agent: &Agent, text: &str) {
        self.lines.push(Line {
            at,
            kind: MessageKind::Note,
            special: None,
            agent_id: Some(agent.id),
            author: agent.name.clone(),
            text: text.to_owned(),
            to_customer: false,
            read_by_agent_at: None,
        });
    }

    fn fact(
        &mut self,
        kind: EventKind,
        at: NaiveDateTime,
        agent_id: Option<i64>,
        department_id: Option<i64>,
        seconds: Option<i64>,
    ) {
        self.events.push(EventInsert {
            chat_id: self.row.id,
            kind: kind.id(),
            at,
            agent_id,
            department_id,
            seconds,
        });
    }

    /// `routing::enter_queue`: to the back of the department's queue, with the Queued fact.
    fn enter_queue(&mut self, at: NaiveDateTime, department_id: i64) {
        self.row.state = ChatState::Unassigned.id();
        self.row.department_id = Some(department_id);
        self.row.agent_id = None;
        self.row.assigned_at = None;
        self.row.queued_at = Some(at);
        self.first_queued.get_or_insert(at);
        self.fact(EventKind::Queued, at, None, Some(department_id), None);
    }

    /// `routing::assigned`: the claim, the fact (wait only on the first assignment) and a line.
    fn assign(&mut self, at: NaiveDateTime, agent: &Agent) {
        let first = !self
            .events
            .iter()
            .any(|e| e.kind == EventKind::Assigned.id());
        self.row.state = ChatState::Open.id();
        self.row.agent_id = Some(agent.id);
        self.row.assigned_at = Some(at);
        let waited = first
            .then(|| self.first_queued.map(|q| (at - q).num_seconds()))
            .flatten();
        let department = self.row.department_id;
        self.fact(EventKind::Assigned, at, Some(agent.id), department, waited);
        self.record(
            at,
            SpecialType::Assigned,
            &format!("Assigned to {}", agent.name),
        );
    }

    /// `routing::close`: the Closed fact (handle time), and Missed when nobody answered a queued chat.
    fn close(&mut self, at: NaiveDateTime, reason: SpecialType, agent: Option<&Agent>) {
        self.row.state = ChatState::Closed.id();
        self.row.closed_at = Some(at);
        self.row.close_reason = Some(reason.name().to_owned());
        let handled = self.row.assigned_at.map(|a| (at - a).num_seconds());
        let department = self.row.department_id;
        let agent_id = self.row.agent_id.or(agent.map(|a| a.id));
        self.fact(EventKind::Closed, at, agent_id, department, handled);
        if self.row.first_response_at.is_none()
            && self.row.queued_at.is_some()
            && reason != SpecialType::ClosedByUser
        {
            self.fact(EventKind::Missed, at, None, department, None);
        }
        match reason {
            SpecialType::ClosedByUser => self.tell(at, SpecialType::ClosedByUser, CLOSED_TEXT),
            _ => self.record(
                at,
                SpecialType::ClosedByCustomer,
                "The customer ended the chat",
            ),
        }
    }
}

/// Customers, chats and the open-chat load per agent, as the history is written.
struct Population {
    /// (id, display name, chats so far) of every customer this run made.
    customers: Vec<(i64, Option<String>, u32)>,
    next_customer_id: i64,
    new_customers: Vec<CustomerInsert>,
    open_load: HashMap<usize, i64>,
    /// The seeded channel: its customers are recognised within it.
    channel_id: i64,
}

impl Population {
    /// A customer for a chat starting at `at`: a returning one a quarter of the time.
    fn customer_for(&mut self, rng: &mut StdRng, at: NaiveDateTime) -> (i64, Option<String>, bool) {
        if !self.customers.is_empty() && rng.gen_bool(0.25) {
            let i = rng.gen_range(0..self.customers.len());
            self.customers[i].2 += 1;
            let (id, name, _) = &self.customers[i];
            return (*id, name.clone(), true);
        }
        self.next_customer_id += 1;
        let id = self.next_customer_id;
        let (first, last) = person_name(rng);
        let full_name = rng.gen_bool(0.85).then(|| format!("{first} {last}"));
        let mobile = rng.gen_bool(0.65).then(|| format!("+2782{id:07}"));
        let email = rng.gen_bool(0.5).then(|| {
            format!(
                "{}.{}{id}@mail.example",
                first.to_lowercase(),
                last.to_lowercase()
            )
            .replace(' ', "")
        });
        self.new_customers.push(CustomerInsert {
            id,
            full_name: full_name.clone(),
            mobile,
            email_key: email.as_ref().map(|e| e.to_lowercase()),
            email,
            created_at: at,
            updated_at: at,
            identity_scope: self.channel_id,
        });
        self.customers.push((id, full_name.clone(), 1));
        (id, full_name, false)
    }
}

struct Simulation<'a> {
    desk: &'a Desk,
    rng: StdRng,
    population: Population,
}

impl Simulation<'_> {
    fn pick_agent(&mut self, department: usize, open: bool) -> ApiResult<usize> {
        let candidates = &self.desk.agents_by_department[department];
        let limit = self.desk.max_chats_per_agent;
        if !open || limit == 0 {
            return Ok(*candidates.choose(&mut self.rng).unwrap_or(&0));
        }
        // An open chat counts against the agent's capacity (MaxChatsPerAgent), as in the desk.
        let start = self.rng.gen_range(0..candidates.len());
        let everyone: Vec<usize> = (0..self.desk.agents.len()).collect();
        for list in [candidates, &everyone] {
            for k in 0..list.len() {
                let a = list[(start + k) % list.len()];
                let load = self.population.open_load.entry(a).or_insert(0);
                if *load < limit {
                    *load += 1;
                    return Ok(a);
                }
            }
        }
        Err(ApiError::new(
            ErrorCode::ValidationFailed,
            format!(
                "--open asks for more open chats than the agents may hold (MaxChatsPerAgent {limit})"
            ),
        ))
    }

    /// Writes one chat. `extra` = conversation messages after the first answer; `gap` their spacing.
    fn chat(&mut self, id: i64, plan: &Plan, extra: usize, long: bool) -> ApiResult<ChatBuild> {
        let desk = self.desk;
        let now = desk.now;
        let mut t = plan.start;
        let (customer_id, customer_name, returning) =
            self.population.customer_for(&mut self.rng, t);
        let author = customer_name
            .clone()
            .unwrap_or_else(|| "Customer".to_owned());
        let mut b = ChatBuild {
            row: ChatInsert {
                id,
                channel_id: desk.channel_id,
                external_session_id: format!("seed-{id}"),
                customer_id,
                department_id: None,
                agent_id: None,
                state: ChatState::Unassigned.id(),
                created_at: t,
                queued_at: None,
                assigned_at: None,
                first_response_at: None,
                closed_at: None,
                close_reason: None,
                last_message_at: t,
                last_message_text: None,
                agent_unread: 0,
                customer_typing_at: None,
            },
            lines: Vec::new(),
            events: Vec::new(),
            tags: Vec::new(),
            first_queued: None,
            answered_up_to: 0,
        };
        b.record(t, SpecialType::NewSession, "Chat started");
        let opener = line_from(&mut self.rng, &OPENERS);
        b.customer(t, &author, &opener);
        let entry = desk.entry[desk.entry_weights.sample(&mut self.rng)];
        if let Some(menu) = &desk.menu_text {
            b.tell(t, SpecialType::WelcomeMenu, menu);
            b.message_in(t);
            if plan.fate == Fate::InMenu {
                return Ok(b);
            }
            t += lognormal_secs(&mut self.rng, 12.0, 0.7, 3.0, 120.0);
            let index = desk.departments[entry].menu_index.unwrap_or(1);
            b.customer(t, &author, &index.to_string());
        }
        let department = &desk.departments[entry];
        b.enter_queue(t, department.id);
        let welcome = if returning {
            &department.welcome_returning
        } else {
            &department.welcome_new
        };
        let position = if plan.fate == Fate::Queued {
            1 + self.rng.gen_range(0..40)
        } else {
            1 + self.rng.gen_range(0..4)
        };
        let welcome = Placeholders {
            customer_name: Some(customer_name.as_deref().unwrap_or("there")),
            position_in_queue: Some(position),
            department_name: Some(&department.name),
            agent_name: None,
        }
        .expand(welcome);
        b.tell(t, SpecialType::Welcome, &welcome);
        b.message_in(t);

        match plan.fate {
            Fate::Queued => {
                // Some customers nudge while they wait.
                let mut nudge = t;
                while self.rng.gen_bool(0.3) {
                    nudge += lognormal_secs(&mut self.rng, 90.0, 0.8, 10.0, 1800.0);
                    if nudge >= now {
                        break;
                    }
                    b.customer(nudge, &author, "Hello? Is anyone there?");
                    b.message_in(nudge);
                }
                return Ok(b);
            }
            Fate::Missed => {
                let gone = t + lognormal_secs(&mut self.rng, 150.0, 0.8, 15.0, 1800.0);
                if self.rng.gen_bool(0.5) {
                    let nudge = t + (gone - t) / 2;
                    b.customer(nudge, &author, "Hello? Is anyone there?");
                    b.message_in(nudge);
                }
                b.close(gone, SpecialType::ClosedByCustomer, None);
                return Ok(b);
            }
            _ => {}
        }

        let open = plan.fate == Fate::Open;
        let mut department_ix = entry;
        t += lognormal_secs(&mut self.rng, 45.0, 1.0, 2.0, 1800.0);
        let mut agent_ix = self.pick_agent(department_ix, open)?;
        b.assign(t, &desk.agents[agent_ix]);
        t += lognormal_secs(&mut self.rng, 15.0, 0.8, 2.0, 300.0);
        // An open chat stops at now; a closed one ends well before it.
        let horizon = if open {
            now - Duration::seconds(5)
        } else if long {
            NaiveDateTime::MAX
        } else {
            now - Duration::minutes(10)
        };
        if t < horizon {
            let first = customer_name
                .as_deref()
                .and_then(|n| n.split(' ').next())
                .unwrap_or("there");
            let greeting = format!(
                "Hi {first}, thanks for waiting. My name is {}; let me look into that for you.",
                desk.agents[agent_ix].name.split(' ').next().unwrap_or("")
            );
            b.agent(t, &desk.agents[agent_ix], &greeting);
            let transfer_at = (plan.transfer && desk.departments.len() > 1)
                .then(|| self.rng.gen_range(0..extra.max(1)));
            let note_at = self
                .rng
                .gen_bool(0.03)
                .then(|| self.rng.gen_range(0..extra.max(1)));
            for i in 0..extra {
                if transfer_at == Some(i) {
                    t += lognormal_secs(&mut self.rng, 20.0, 0.5, 5.0, 120.0);
                    if t >= horizon {
                        break;
                    }
                    let mut to = self.rng.gen_range(0..desk.departments.len());
                    if to == department_ix {
                        to = (to + 1) % desk.departments.len();
                    }
                    let from_agent = desk.agents[agent_ix].id;
                    let target = &desk.departments[to];
                    b.enter_queue(t, target.id);
                    b.fact(
                        EventKind::Transferred,
                        t,
                        Some(from_agent),
                        Some(target.id),
                        None,
                    );
                    let text = Placeholders {
                        position_in_queue: Some(1 + self.rng.gen_range(0..4)),
                        department_name: Some(&target.name),
                        ..Default::default()
                    }
                    .expand(TRANSFERRED_TEXT);
                    b.tell(t, SpecialType::TransferedSession, &text);
                    department_ix = to;
                    t += lognormal_secs(&mut self.rng, 45.0, 1.0, 2.0, 1800.0);
                    if t >= horizon {
                        break;
                    }
                    if open {
                        // The first agent's slot moves with the chat.
                        if let Some(load) = self.population.open_load.get_mut(&agent_ix) {
                            *load -= 1;
                        }
                    }
                    agent_ix = self.pick_agent(department_ix, open)?;
                    b.assign(t, &desk.agents[agent_ix]);
                }
                t += if long {
                    lognormal_secs(&mut self.rng, 2.0, 0.3, 1.0, 5.0)
                } else {
                    lognormal_secs(&mut self.rng, 35.0, 0.9, 2.0, 480.0)
                };
                if t >= horizon {
                    break;
                }
                if note_at == Some(i) {
                    let note = NOTES.choose(&mut self.rng).copied().unwrap_or(NOTES[0]);
                    b.note(t, &desk.agents[agent_ix], note);
                }
                let last = i + 1 == extra;
                if i % 2 == 0 {
                    let text = if last {
                        "No, that's all, thanks!".to_owned()
                    } else {
                        line_from(&mut self.rng, &CUSTOMER_LINES)
                    };
                    b.customer(t, &author, &text);
                    b.message_in(t);
                } else {
                    let text = if last {
                        "You're welcome! Is there anything else I can help you with?".to_owned()
                    } else {
                        line_from(&mut self.rng, &AGENT_LINES)
                    };
                    b.agent(t, &desk.agents[agent_ix], &text);
                }
            }
        }
        if open {
            return Ok(b);
        }
        t += lognormal_secs(&mut self.rng, 30.0, 0.8, 3.0, 300.0);
        let by_customer = b.row.first_response_at.is_some() && self.rng.gen_bool(0.12);
        let agent = &desk.agents[agent_ix];
        if self.rng.gen_bool(0.7) {
            let tag = *desk.topic_tags.choose(&mut self.rng).unwrap_or(&0);
            b.tags.push(ChatTagInsert {
                chat_id: id,
                tag_id: tag,
                added_at: t - Duration::seconds(2),
                added_by: Some(agent.id),
            });
            if self.rng.gen_bool(0.35) {
                let tag = *desk.outcome_tags.choose(&mut self.rng).unwrap_or(&0);
                b.tags.push(ChatTagInsert {
                    chat_id: id,
                    tag_id: tag,
                    added_at: t - Duration::seconds(1),
                    added_by: Some(agent.id),
                });
            }
        }
        if by_customer {
            b.close(t, SpecialType::ClosedByCustomer, None);
        } else {
            b.close(t, SpecialType::ClosedByUser, Some(agent));
        }
        Ok(b)
    }
}

// ---------------------------------------------------------------------------------------------
// Writing.

const CHATS_PER_TRANSACTION: usize = 1000;
const TABLES: [&str; 6] = [
    "customers",
    "chats",
    "messages",
    "deliveries",
    "chat_events",
    "chat_tags",
];

/// The rows of one transaction, ready to insert.
struct Batch {
    customers: Vec<CustomerInsert>,
    chats: Vec<ChatInsert>,
    messages: Vec<MessageInsert>,
    deliveries: Vec<DeliveryInsert>,
    events: Vec<EventInsert>,
    chat_tags: Vec<ChatTagInsert>,
}

/// Turns built chats into rows: messages of a batch interleave by time, as they would on a live
/// desk, and get their ids in that order; each message for the customer has its delivery.
fn prepare(
    next_message_id: &mut i64,
    channel_id: i64,
    customers: Vec<CustomerInsert>,
    builds: Vec<ChatBuild>,
) -> Batch {
    let mut lines: Vec<(i64, usize, Line)> = Vec::new();
    let mut events = Vec::new();
    let mut chat_tags = Vec::new();
    let mut chats = Vec::with_capacity(builds.len());
    for b in builds {
        let chat_id = b.row.id;
        lines.extend(
            b.lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| (chat_id, i, l)),
        );
        events.extend(b.events);
        chat_tags.extend(b.tags);
        chats.push(b.row);
    }
    lines.sort_by_key(|(chat, seq, line)| (line.at, *chat, *seq));
    events.sort_by_key(|e| e.at);
    let mut messages = Vec::with_capacity(lines.len());
    let mut deliveries = Vec::new();
    for (chat_id, _, l) in lines {
        *next_message_id += 1;
        let id = *next_message_id;
        if l.to_customer {
            deliveries.push(DeliveryInsert {
                message_id: id,
                chat_id,
                channel_id,
                state: crate::domain::delivery::DeliveryState::Delivered.id(),
                attempts: 1,
                next_attempt_at: l.at,
                lease_until: None,
                last_error: None,
                delivered_at: Some(l.at + Duration::milliseconds(300)),
                created_at: l.at,
            });
        }
        messages.push(MessageInsert {
            id,
            chat_id,
            kind: l.kind.id(),
            special_type: l.special.map(SpecialType::name),
            agent_id: l.agent_id,
            author: l.author,
            text: l.text,
            attachment_id: None,
            to_customer: l.to_customer,
            created_at: l.at,
            read_by_agent_at: l.read_by_agent_at,
            read_by_customer_at: None,
        });
    }
    Batch {
        customers,
        chats,
        messages,
        deliveries,
        events,
        chat_tags,
    }
}

/// Inserts batches and keeps the time spent per table.
struct Writer {
    loads: Vec<TableLoad>,
    messages: u64,
}

impl Writer {
    fn timed(
        &mut self,
        table: usize,
        f: impl FnOnce() -> diesel::QueryResult<usize>,
    ) -> ApiResult<()> {
        let started = Instant::now();
        let rows = f()?;
        let load = &mut self.loads[table];
        load.rows += rows as u64;
        load.seconds += started.elapsed().as_secs_f64();
        Ok(())
    }

    /// One batch, one write transaction.
    fn write(&mut self, ctx: &Ctx, b: &Batch) -> ApiResult<()> {
        self.messages += b.messages.len() as u64;
        ctx.write(|c| {
            self.timed(0, || bulk::customers(c, &b.customers))?;
            self.timed(1, || bulk::chats(c, &b.chats))?;
            self.timed(2, || bulk::messages(c, &b.messages))?;
            self.timed(3, || bulk::deliveries(c, &b.deliveries))?;
            self.timed(4, || bulk::events(c, &b.events))?;
            self.timed(5, || bulk::chat_tags(c, &b.chat_tags))?;
            Ok(())
        })
    }
}

/// What the generating thread hands the writing one.
enum Work {
    Chats(Batch, u64),
    Long(Batch, LongChat),
}

/// Builds the desk. Refuses a desk that already has chats unless `force`.
pub fn seed(ctx: &Ctx, opts: &SeedOptions, progress: &dyn Progress) -> ApiResult<SeedReport> {
    let started = Instant::now();
    let fixed = opts.queued + opts.open;
    if fixed > opts.chats {
        return Err(ApiError::field(
            "chats",
            "must be at least --queued plus --open",
        ));
    }
    let mut rng = StdRng::seed_from_u64(opts.seed);

    progress.phase("desk: departments, agents, tags, channel", 1);
    let existing = ctx.read(bulk::count_chats)?;
    if existing > 0 && !opts.force {
        return Err(ApiError::conflict(
            ErrorCode::Conflict,
            format!("the database already has {existing} chats; seed an empty database, or pass --force to add to it"),
        ));
    }
    let password = opts.password.clone();
    let password_hash = passwords::hash(ctx, &password)?;
    let (desk, accounts, channel) =
        ctx.write(|c| make_desk(ctx, c, opts, &mut rng, &password_hash))?;
    let max = ctx.read(bulk::max_ids)?;
    progress.inc(1);

    // Plans: when each chat starts and how it ends, in time order (ids follow time, as on a desk).
    let now = desk.now;
    let history_from = now - Duration::days(opts.days.max(1));
    let history_to = now - Duration::hours(3);
    let in_menu = (opts.queued / 50).min(20).min(opts.chats - fixed);
    let closed = opts.chats - fixed - in_menu;
    let mut plans = Vec::with_capacity(opts.chats);
    for _ in 0..closed {
        let missed = rng.gen_bool(0.05);
        plans.push(Plan {
            start: working_hours_time(
                &mut rng,
                desk.tz,
                history_from,
                history_to.max(history_from + Duration::hours(1)),
            ),
            fate: if missed { Fate::Missed } else { Fate::Answered },
            transfer: !missed && rng.gen_bool(0.04),
        });
    }
    for _ in 0..opts.open {
        plans.push(Plan {
            start: uniform_time(
                &mut rng,
                now - Duration::minutes(120),
                now - Duration::minutes(35),
            ),
            fate: Fate::Open,
            transfer: rng.gen_bool(0.03),
        });
    }
    for _ in 0..opts.queued {
        plans.push(Plan {
            start: uniform_time(
                &mut rng,
                now - Duration::minutes(180),
                now - Duration::seconds(60),
            ),
            fate: Fate::Queued,
            transfer: false,
        });
    }
    for _ in 0..in_menu {
        plans.push(Plan {
            start: uniform_time(
                &mut rng,
                now - Duration::minutes(10),
                now - Duration::seconds(5),
            ),
            fate: Fate::InMenu,
            transfer: false,
        });
    }
    plans.sort_by_key(|p| p.start);

    let sim = Simulation {
        desk: &desk,
        rng,
        population: Population {
            customers: Vec::new(),
            next_customer_id: max.customers,
            new_customers: Vec::new(),
            open_load: HashMap::new(),
            channel_id: desk.channel_id,
        },
    };
    let mut writer = Writer {
        loads: TABLES
            .iter()
            .map(|t| TableLoad {
                table: t,
                ..Default::default()
            })
            .collect(),
        messages: 0,
    };

    // Conversation length: steered so the whole history averages `messages_per_chat`, whatever
    // the mix of fates (a waiting chat has fewer lines than an answered one).
    const OVERHEAD: f64 = 8.0;
    let target_total = opts.messages_per_chat * opts.chats as f64;
    let mut talking_left = plans
        .iter()
        .filter(|p| matches!(p.fate, Fate::Answered | Fate::Open))
        .count() as f64;

    // One thread makes the rows while this one inserts them: generation and SQLite each keep a
    // core busy instead of taking turns.
    progress.phase("chats", plans.len() as u64);
    let channel_id = desk.channel_id;
    let (sim, counts, long_chats) = std::thread::scope(|scope| -> ApiResult<_> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<ApiResult<Work>>(2);
        let plans = &plans;
        let producer = scope.spawn(move || {
            let mut sim = sim;
            let mut counts = ChatCounts::default();
            let mut next_message_id = max.messages;
            let mut chat_id = max.chats;
            let mut produced: usize = 0;
            let mut generate = || -> ApiResult<()> {
                for (block_no, block) in plans.chunks(CHATS_PER_TRANSACTION).enumerate() {
                    let mut builds = Vec::with_capacity(block.len());
                    for (k, plan) in block.iter().enumerate() {
                        chat_id += 1;
                        let left = (plans.len() - block_no * CHATS_PER_TRANSACTION - k) as f64;
                        let talking = matches!(plan.fate, Fate::Answered | Fate::Open);
                        let extra = if talking {
                            let quiet_left = left - talking_left;
                            let wanted = target_total - produced as f64 - quiet_left * 5.0;
                            let mean = (wanted / talking_left.max(1.0) - OVERHEAD).max(0.0);
                            talking_left -= 1.0;
                            spread_count(&mut sim.rng, mean)
                        } else {
                            0
                        };
                        let b = sim.chat(chat_id, plan, extra, false)?;
                        produced += b.lines.len();
                        match plan.fate {
                            Fate::Answered | Fate::Missed => {
                                counts.closed += 1;
                                counts.missed += usize::from(plan.fate == Fate::Missed);
                                counts.transferred += usize::from(
                                    b.events
                                        .iter()
                                        .any(|e| e.kind == EventKind::Transferred.id()),
                                );
                            }
                            Fate::Open => counts.open += 1,
                            Fate::Queued => counts.queued += 1,
                            Fate::InMenu => counts.in_menu += 1,
                        }
                        builds.push(b);
                    }
                    let customers = std::mem::take(&mut sim.population.new_customers);
                    let batch = prepare(&mut next_message_id, channel_id, customers, builds);
                    if tx.send(Ok(Work::Chats(batch, block.len() as u64))).is_err() {
                        return Ok(());
                    }
                }
                // Long chats, for transcript reads and exports: one agent, one customer, a
                // message every ~2 s.
                for &n in &opts.long_chats {
                    chat_id += 1;
                    let span = Duration::seconds(2 * n as i64 + 3600);
                    let plan = Plan {
                        start: now - span - Duration::hours(6),
                        fate: Fate::Answered,
                        transfer: false,
                    };
                    let extra = n.saturating_sub(OVERHEAD as usize);
                    let b = sim.chat(chat_id, &plan, extra, true)?;
                    let long = LongChat {
                        chat_id,
                        messages: b.lines.len(),
                    };
                    counts.closed += 1;
                    let customers = std::mem::take(&mut sim.population.new_customers);
                    let batch = prepare(&mut next_message_id, channel_id, customers, vec![b]);
                    if tx.send(Ok(Work::Long(batch, long))).is_err() {
                        return Ok(());
                    }
                }
                Ok(())
            };
            if let Err(e) = generate() {
                let _ = tx.send(Err(e));
            }
            (sim, counts)
        });
        let mut long_chats = Vec::new();
        let mut in_chats = true;
        let mut failed = None;
        for work in rx {
            match work {
                Ok(Work::Chats(batch, n)) => {
                    if let Err(e) = writer.write(ctx, &batch) {
                        failed = Some(e);
                        break;
                    }
                    progress.inc(n);
                }
                Ok(Work::Long(batch, long)) => {
                    if in_chats {
                        progress.finish();
                        in_chats = false;
                    }
                    progress.phase(&format!("long chat of {} messages", long.messages), 1);
                    if let Err(e) = writer.write(ctx, &batch) {
                        failed = Some(e);
                        break;
                    }
                    long_chats.push(long);
                    progress.inc(1);
                    progress.finish();
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if in_chats {
            progress.finish();
        }
        let (sim, counts) = producer
            .join()
            .map_err(|_| ApiError::internal("the seed's generator panicked"))?;
        match failed {
            Some(e) => Err(e),
            None => Ok((sim, counts, long_chats)),
        }
    })?;
    let mut sim = sim;

    // Agents: those holding open chats are working; the rest are spread over the statuses.
    progress.phase("agent statuses, sequences, statistics", 1);
    let statuses: Vec<(i64, AgentStatus)> = desk
        .agents
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let busy = sim.population.open_load.get(&i).is_some_and(|n| *n > 0);
            let roll: f64 = sim.rng.gen();
            let status = match (busy, roll) {
                (true, r) if r < 0.8 => AgentStatus::Online,
                (true, _) => AgentStatus::Busy,
                (false, r) if r < 0.25 => AgentStatus::Online,
                (false, r) if r < 0.35 => AgentStatus::Busy,
                (false, r) if r < 0.45 => AgentStatus::OnBreak,
                _ => AgentStatus::Offline,
            };
            (a.id, status)
        })
        .collect();
    ctx.write(|c| {
        for (id, status) in &statuses {
            agents::set_status(c, *id, status.id())?;
            agents::touch_last_seen(c, *id, now - Duration::minutes(5))?;
        }
        dialect::sync_id_sequences(c, &bulk::TABLES_WITH_CHOSEN_IDS)?;
        Ok(())
    })?;
    // The counters' deltas folded before VACUUM: folded by the server's first minute instead,
    // they left 100,000 dead rows that every `Cursor.Total` scanned until autovacuum came.
    super::chats::fold_counts(ctx)?;
    ctx.read(dialect::analyze_after_bulk_load)?;
    progress.inc(1);
    progress.finish();

    for load in writer.loads.iter_mut() {
        load.rows_per_second = if load.seconds > 0.0 {
            (load.rows as f64 / load.seconds).round()
        } else {
            0.0
        };
        load.seconds = (load.seconds * 1000.0).round() / 1000.0;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(SeedReport {
        password: password.expose().to_owned(),
        managers: accounts.managers,
        agents: accounts.agents,
        departments: desk
            .departments
            .iter()
            .map(|d| (d.id, d.name.clone()))
            .collect(),
        channel,
        long_chats,
        chats: counts,
        messages: writer.messages,
        tables: writer.loads,
        seconds: (seconds * 1000.0).round() / 1000.0,
        messages_per_second: (writer.messages as f64 / seconds).round(),
    })
}

/// One line for the command's output: rows, time and rates.
pub fn describe_rate(report: &SeedReport) -> String {
    let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
    format!(
        "{} rows in {:.1} s ({:.0} rows/s overall, {:.0} messages/s)",
        rows,
        report.seconds,
        rows as f64 / report.seconds.max(1e-9),
        report.messages_per_second
    )
}
