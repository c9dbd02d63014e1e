//! `agentdesk seed`: a realistic desk built from a random seed, so new users can try the desk and
//! the benchmarks have something to measure. It writes what the desk itself would have written for
//! such a history — customers, chats in every state with consistent times, transcripts with their
//! system lines and deliveries, tags and the reporting facts (docs/reports.md) — through bulk
//! inserts of thousands of rows per statement.
//!
//! The same `--seed` gives the same desk, anchored at the minute the command runs (times are
//! relative to now, so LiveMetrics and the queue look live). Channel secrets come from the OS RNG,
//! as CreateChannel makes them.
//!
//! The tree: `command` (the CLI's options and output), `run` (the order of the work), `desk` and
//! `people` (configuration and accounts, written like the API writes them), `plan`, `history`
//! and `chat` (the chats' stories), `words` and `random` (the raw material), `batch`,
//! `pipeline` and `bulk` (writing thousands of rows per statement; `bulk` is the tree's only
//! SQL, portable, with the per-backend `COPY` in `db::dialect`), `progress` (the terminal's bar).
//! It calls `service` (password hashing, settings, counter folding) and `store`, as the
//! command it is; nothing in the server imports it.

mod batch;
mod bulk;
mod chat;
mod command;
mod desk;
mod history;
mod people;
mod pipeline;
mod plan;
mod progress;
mod random;
mod run;
mod words;

use chrono_tz::Tz;
use serde::Serialize;

use crate::domain::Password;

pub use command::{run_command, SeedArgs};
pub use run::seed;

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
