//! Aggregates over the reporting facts, computed in the database, for LiveMetrics, DataInsight and
//! the mailed reports. Every query is bounded by a time range on an indexed column
//! (`chat_events.at`, `chats.created_at`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text, Timestamp};

use crate::db::schema::{agents, chats};
use crate::db::DbConnection;
use crate::domain::chat::EventKind;
use crate::domain::report::FactsBy;

/// Facts of one kind: how many, and the count and sum of their `seconds`.
#[derive(Clone, Debug, QueryableByName)]
pub struct KindTotals {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub key: Option<i64>,
    #[diesel(sql_type = SmallInt)]
    pub kind: i16,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = BigInt)]
    pub timed: i64,
    #[diesel(sql_type = BigInt)]
    pub total_seconds: i64,
}

/// Facts in `[from, to)` by kind, and by agent or department when `by` says so (`key` is then the
/// agent's or department's id; facts without one are left out).
pub fn facts(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    by: FactsBy,
) -> QueryResult<Vec<KindTotals>> {
    // The column is one of two constants, never a value from outside.
    let (key, only_keyed) = match by {
        FactsBy::Desk => (None, ""),
        FactsBy::Agent => (Some("agent_id"), " AND agent_id IS NOT NULL"),
        FactsBy::Department => (Some("department_id"), " AND department_id IS NOT NULL"),
    };
    grouped_facts(conn, from, to, key, only_keyed, &ALL_KINDS)
}

/// Facts of `kinds` in `[from, to)` by department and kind, those without a department under
/// `key` None: each department's figures, and (their sum) the desk's, in one read.
pub fn facts_by_department_or_none(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    kinds: &[EventKind],
) -> QueryResult<Vec<KindTotals>> {
    grouped_facts(conn, from, to, Some("department_id"), "", kinds)
}

/// Every kind of fact, for the `kind IN (...)` that lets each range be read from
/// `chat_events_kind_at_facts (kind, at, agent_id, department_id, seconds)` alone: one seek per
/// kind, then only that kind's facts of the range, never a table row.
const ALL_KINDS: [EventKind; 12] = [
    EventKind::Queued,
    EventKind::Assigned,
    EventKind::FirstResponse,
    EventKind::Transferred,
    EventKind::Reassigned,
    EventKind::Closed,
    EventKind::Missed,
    EventKind::MessageIn,
    EventKind::MessageOut,
    EventKind::RatingRequested,
    EventKind::Rated,
    EventKind::RatedSatisfied,
];

/// Every kind's number, comma-separated, for a `kind IN (...)`.
pub fn every_kind() -> String {
    kind_list(&ALL_KINDS)
}

fn kind_list(kinds: &[EventKind]) -> String {
    kinds
        .iter()
        .map(|k| k.id().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn grouped_facts(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    key: Option<&str>,
    only_keyed: &str,
    kinds: &[EventKind],
) -> QueryResult<Vec<KindTotals>> {
    // `key` is a column name chosen above, never text from outside; kinds are numbers.
    let (key, group) = match key {
        Some(column) => (column.to_owned(), format!("{column}, ")),
        None => ("CAST(NULL AS BIGINT)".to_owned(), String::new()),
    };
    let kinds = kind_list(kinds);
    diesel::sql_query(format!(
        "SELECT {key} AS key, kind, COUNT(*) AS n, COUNT(seconds) AS timed, \
         CAST(COALESCE(SUM(seconds), 0) AS BIGINT) AS total_seconds \
         FROM chat_events WHERE kind IN ({kinds}) AND at >= $1 AND at < $2{only_keyed} \
         GROUP BY {group}kind"
    ))
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)
}

pub fn chats_started(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<i64> {
    // Deleted chats (retention, erasure) still count as started.
    super::retired_chats::started_in(conn, from, to)
}

#[derive(Clone, Debug, QueryableByName)]
pub struct TagCount {
    #[diesel(sql_type = BigInt)]
    pub tag_id: i64,
    #[diesel(sql_type = Text)]
    pub tag: String,
    #[diesel(sql_type = Text)]
    pub tag_group: String,
    #[diesel(sql_type = BigInt)]
    pub chats: i64,
}

/// Chats started in `[from, to)` per tag they carry.
pub fn tag_usage(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<TagCount>> {
    diesel::sql_query(format!(
        "SELECT t.id AS tag_id, t.name AS tag, g.name AS tag_group, COUNT(*) AS chats \
         FROM {tagged} ct JOIN tags t ON t.id = ct.tag_id \
         JOIN tag_groups g ON g.id = t.group_id \
         GROUP BY t.id, t.name, g.name ORDER BY COUNT(*) DESC, t.name",
        tagged = super::retired_chats::tagged_chats_in("$1", "$2"),
    ))
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)
}

/// Chats started in `[from, to)` per tag they carry, by tag id (names: [`tag_names`]).
pub fn tag_chats(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64)>> {
    let rows: Vec<TagChats> = diesel::sql_query(format!(
        "SELECT ct.tag_id AS tag_id, COUNT(*) AS chats FROM {tagged} ct GROUP BY ct.tag_id",
        tagged = super::retired_chats::tagged_chats_in("$1", "$2"),
    ))
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.tag_id, r.chats)).collect())
}

#[derive(Clone, Debug, QueryableByName)]
pub struct TagChats {
    #[diesel(sql_type = BigInt)]
    pub tag_id: i64,
    #[diesel(sql_type = BigInt)]
    pub chats: i64,
}

/// Every tag with its name and its group's: (tag, name, group).
pub fn tag_names(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, String)>> {
    use crate::db::schema::{tag_groups, tags};
    tags::table
        .inner_join(tag_groups::table)
        .select((tags::id, tags::name, tag_groups::name))
        .load(conn)
}

/// Enabled agents per status: (status, count).
pub fn agents_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(i16, i64)>> {
    agents::table
        .filter(agents::enabled.eq(true))
        .group_by(agents::status)
        .select((agents::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Open chats per department: (department, count).
pub fn open_by_department(conn: &mut DbConnection) -> QueryResult<Vec<(Option<i64>, i64)>> {
    chats::table
        .filter(chats::state.eq(crate::domain::chat::ChatState::Open.id()))
        .group_by(chats::department_id)
        .select((chats::department_id, diesel::dsl::count_star()))
        .load(conn)
}

/// Chats started in `[from, to)`, oldest first, for the chat log (at most `limit`).
pub fn chats_started_in(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    chats::table
        .filter(chats::created_at.ge(from))
        .filter(chats::created_at.lt(to))
        .order(chats::id)
        .limit(limit)
        .select(chats::id)
        .load(conn)
}
