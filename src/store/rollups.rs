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
}

/// The seals of `time_zone` lying within `[from, to)`.
pub fn seals_within(
    conn: &mut DbConnection,
    time_zone: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<Seal>> {
    diesel::sql_query(
        "SELECT id, from_at, to_at FROM fact_seals \
         WHERE time_zone = $1 AND from_at >= $2 AND to_at <= $3",
    )
    .bind::<Text, _>(time_zone)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)
}

/// Seals `[from, to)`: the span and the sums of its facts per (kind, agent, department), in the
/// caller's transaction. Fails with a unique violation when another process sealed it first.
pub fn seal(
    conn: &mut DbConnection,
    time_zone: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO fact_seals (time_zone, from_at, to_at, sealed_at) VALUES ($1, $2, $3, $4)",
    )
    .bind::<Text, _>(time_zone)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .bind::<Timestamp, _>(now)
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO fact_rollups (seal_id, kind, agent_id, department_id, n, timed, total_seconds) \
         SELECT (SELECT id FROM fact_seals WHERE time_zone = $1 AND from_at = $2 AND to_at = $3), \
                kind, agent_id, department_id, COUNT(*), COUNT(seconds), \
                CAST(COALESCE(SUM(seconds), 0) AS BIGINT) \
         FROM chat_events WHERE kind IN ({}) AND at >= $2 AND at < $3 \
         GROUP BY kind, agent_id, department_id",
        metrics::every_kind()
    ))
    .bind::<Text, _>(time_zone)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .execute(conn)?;
    Ok(())
}

/// What the sums are grouped by besides the kind: each seal, or each agent or department over
/// all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SumsBy {
    Seal,
    Facts(FactsBy),
}

/// The sums of the seals `ids`, per kind and `by` (`key` is the seal's, agent's or department's
/// id; as in `metrics::facts`, sums without an agent or department are left out of those).
pub fn sums(conn: &mut DbConnection, ids: &[i64], by: SumsBy) -> QueryResult<Vec<KindTotals>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The column is one of three constants and the ids are numbers, never text from outside (a
    // list can't be bound portably).
    let (key, only_keyed, group) = match by {
        SumsBy::Seal => ("seal_id", "", "seal_id, "),
        SumsBy::Facts(FactsBy::Desk) => ("CAST(NULL AS BIGINT)", "", ""),
        SumsBy::Facts(FactsBy::Agent) => ("agent_id", " AND agent_id IS NOT NULL", "agent_id, "),
        SumsBy::Facts(FactsBy::Department) => (
            "department_id",
            " AND department_id IS NOT NULL",
            "department_id, ",
        ),
    };
    let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    diesel::sql_query(format!(
        "SELECT {key} AS key, kind, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(timed) AS BIGINT) AS timed, \
         CAST(SUM(total_seconds) AS BIGINT) AS total_seconds \
         FROM fact_rollups WHERE seal_id IN ({ids}){only_keyed} GROUP BY {group}kind"
    ))
    .load(conn)
}
