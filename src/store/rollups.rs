//! Sealed sums of the reporting facts (`fact_seals`, `fact_rollups`; the migration
//! `2026-11-30-000020_fact_rollups` says how a seal stays equal to its facts).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::metrics::{self, KindTotals};
use crate::db::DbConnection;
use crate::domain::report::FactsBy;

/// A sealed span of local days.
#[derive(Clone, Debug, QueryableByName)]
pub struct Seal {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Timestamp)]
    pub from_at: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    pub to_at: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    pub chats_started: i64,
}

/// The seals of `time_zone` lying within `[from, to)`.
pub fn seals_within(
    conn: &mut DbConnection,
    time_zone: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<Seal>> {
    diesel::sql_query(
        "SELECT id, from_at, to_at, chats_started FROM fact_seals \
         WHERE time_zone = $1 AND from_at >= $2 AND to_at <= $3",
    )
    .bind::<Text, _>(time_zone)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)
}

/// Seals `[from, to)`: the span with its chats started, the sums of its facts per (kind, agent,
/// department) and its chats per tag, in the caller's transaction. Fails with a unique violation
/// when another process sealed it first.
pub fn seal(
    conn: &mut DbConnection,
    time_zone: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // Deleted chats (retention, erasure) still count as started, and their tags still count.
    diesel::sql_query(format!(
        "INSERT INTO fact_seals (time_zone, from_at, to_at, sealed_at, chats_started) \
         VALUES ($1, $2, $3, $4, CAST({started} AS BIGINT))",
        started = super::retired_chats::STARTED_IN_SPAN
            .replace("$2", "$3")
            .replace("$1", "$2"),
    ))
    .bind::<Text, _>(time_zone)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .bind::<Timestamp, _>(now)
    .execute(conn)?;
    for by in [FactsBy::Desk, FactsBy::Agent, FactsBy::Department] {
        let (key, only_keyed, group) = grouping(by);
        diesel::sql_query(format!(
            "INSERT INTO fact_rollups (seal_id, dim, key_id, kind, n, timed, total_seconds) \
             SELECT (SELECT id FROM fact_seals WHERE time_zone = $1 AND from_at = $2 AND to_at = $3), \
                    {dim}, {key}, kind, COUNT(*), COUNT(seconds), \
                    CAST(COALESCE(SUM(seconds), 0) AS BIGINT) \
             FROM chat_events WHERE kind IN ({kinds}) AND at >= $2 AND at < $3{only_keyed} \
             GROUP BY {group}kind",
            dim = dim(by),
            kinds = metrics::every_kind(),
        ))
        .bind::<Text, _>(time_zone)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .execute(conn)?;
    }
    diesel::sql_query(format!(
        "INSERT INTO tag_rollups (seal_id, tag_id, chats) \
         SELECT (SELECT id FROM fact_seals WHERE time_zone = $1 AND from_at = $2 AND to_at = $3), \
                ct.tag_id, COUNT(*) \
         FROM {tagged} ct GROUP BY ct.tag_id",
        tagged = super::retired_chats::tagged_chats_in("$2", "$3"),
    ))
    .bind::<Text, _>(time_zone)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .execute(conn)?;
    Ok(())
}

/// Chats per tag over the seals `ids`: (tag, chats).
pub fn tag_sums(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are numbers, written into the query as such.
    let ids = crate::db::sql::id_list(ids);
    let rows: Vec<metrics::TagChats> = diesel::sql_query(format!(
        "SELECT tag_id, CAST(SUM(chats) AS BIGINT) AS chats FROM tag_rollups \
         WHERE seal_id IN ({ids}) GROUP BY tag_id"
    ))
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.tag_id, r.chats)).collect())
}

/// Which sums a rollup row holds (`fact_rollups.dim`).
fn dim(by: FactsBy) -> i16 {
    match by {
        FactsBy::Desk => 0,
        FactsBy::Agent => 1,
        FactsBy::Department => 2,
    }
}

/// The key column of `by`, the filter that leaves out facts without one, and the GROUP BY prefix.
/// Constants only, never text from outside.
fn grouping(by: FactsBy) -> (&'static str, &'static str, &'static str) {
    match by {
        FactsBy::Desk => ("CAST(NULL AS BIGINT)", "", ""),
        FactsBy::Agent => ("agent_id", " AND agent_id IS NOT NULL", "agent_id, "),
        FactsBy::Department => (
            "department_id",
            " AND department_id IS NOT NULL",
            "department_id, ",
        ),
    }
}

/// What the sums are grouped by besides the kind: each seal (the desk's sums), or each agent or
/// department over all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SumsBy {
    Seal,
    Facts(FactsBy),
}

/// The sums of the seals `ids`, per kind and `by` (`key` is the seal's, agent's or department's
/// id; as in `metrics::facts`, sums without an agent or department are left out of those). Read
/// in `fact_rollups_sums` order: already grouped, nothing to sort.
pub fn sums(conn: &mut DbConnection, ids: &[i64], by: SumsBy) -> QueryResult<Vec<KindTotals>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (dim, key, group) = match by {
        SumsBy::Seal => (dim(FactsBy::Desk), "seal_id", "seal_id, "),
        SumsBy::Facts(FactsBy::Desk) => (dim(FactsBy::Desk), "CAST(NULL AS BIGINT)", ""),
        SumsBy::Facts(by) => (dim(by), "key_id", "key_id, "),
    };
    // Ids are numbers, written into the query as such (a list can't be bound portably).
    let ids = crate::db::sql::id_list(ids);
    diesel::sql_query(format!(
        "SELECT {key} AS key, kind, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(timed) AS BIGINT) AS timed, \
         CAST(SUM(total_seconds) AS BIGINT) AS total_seconds \
         FROM fact_rollups WHERE dim = {dim} AND seal_id IN ({ids}) GROUP BY {group}kind"
    ))
    .load(conn)
}
