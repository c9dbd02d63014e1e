//! Sessions, found by the hash of their token (AgentLogon, KeepAlive, AgentLogoff, the sweeper).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::agents::AgentRow;
use crate::db::schema::{agents, sessions};
use crate::db::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i64,
    pub agent_id: i64,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub idle_expires_at: NaiveDateTime,
    pub absolute_expires_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSessionRow<'a> {
    pub agent_id: i64,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub idle_expires_at: NaiveDateTime,
    pub absolute_expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &NewSessionRow<'_>) -> QueryResult<i64> {
    diesel::insert_into(sessions::table)
        .values(row)
        .returning(sessions::id)
        .get_result(conn)
}

/// The session with this token hash and its agent: one lookup on the unique index.
pub fn find_with_agent(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<(SessionRow, AgentRow)>> {
    sessions::table
        .inner_join(agents::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((SessionRow::as_select(), AgentRow::as_select()))
        .first(conn)
        .optional()
}

/// The session was used at `now`, which slid its idle expiry to `idle_expires_at`; nothing when
/// it was already seen at `now` or later (a slide another instance wrote stays).
pub fn touch(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
    idle_expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::last_seen_at.lt(now)),
    )
    .set((
        sessions::last_seen_at.eq(now),
        sessions::idle_expires_at.eq(idle_expires_at),
    ))
    .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id)).execute(conn)
}

pub fn delete_for_agent(conn: &mut DbConnection, agent_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::agent_id.eq(agent_id))).execute(conn)
}

pub fn count_live_for_agent(
    conn: &mut DbConnection,
    agent_id: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::agent_id.eq(agent_id))
        .filter(sessions::idle_expires_at.gt(now))
        .filter(sessions::absolute_expires_at.gt(now))
        .count()
        .get_result(conn)
}

/// Up to `limit` sessions past either expiry, as (session id, agent id).
pub fn expired(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    sessions::table
        .filter(
            sessions::idle_expires_at
                .le(now)
                .or(sessions::absolute_expires_at.le(now)),
        )
        .select((sessions::id, sessions::agent_id))
        .limit(limit)
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// Of these sessions, the ones still live with an enabled agent: (session id, agent id, role).
/// The event streams' watcher asks this every few seconds for every open stream at once.
pub fn live_with_role(
    conn: &mut DbConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64, i16)>> {
    sessions::table
        .inner_join(agents::table)
        .filter(sessions::id.eq_any(ids))
        .filter(sessions::idle_expires_at.gt(now))
        .filter(sessions::absolute_expires_at.gt(now))
        .filter(agents::enabled.eq(true))
        .select((sessions::id, agents::id, agents::role))
        .load(conn)
}

/// Slides the idle expiry of these sessions to `idle_expires_at` (never past their absolute one):
/// an open event stream keeps its session alive as calls would.
pub fn touch_many(
    conn: &mut DbConnection,
    ids: &[i64],
    now: NaiveDateTime,
    idle_expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq_any(ids))
            .filter(sessions::absolute_expires_at.ge(idle_expires_at)),
    )
    .set((
        sessions::last_seen_at.eq(now),
        sessions::idle_expires_at.eq(idle_expires_at),
    ))
    .execute(conn)?;
    diesel::update(
        sessions::table
            .filter(sessions::id.eq_any(ids))
            .filter(sessions::absolute_expires_at.lt(idle_expires_at)),
    )
    .set((
        sessions::last_seen_at.eq(now),
        sessions::idle_expires_at.eq(sessions::absolute_expires_at),
    ))
    .execute(conn)
    .map(|_| ())
}
