//! Single-use reset codes, stored as hashes (RequestPasswordReset, SetPassword).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::password_resets;
use crate::db::DbConnection;

pub fn insert(
    conn: &mut DbConnection,
    agent_id: i64,
    code_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::agent_id.eq(agent_id),
            password_resets::code_hash.eq(code_hash),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Burns every unused code of the agent (one was just used).
pub fn burn_unused_for_agent(
    conn: &mut DbConnection,
    agent_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .filter(password_resets::agent_id.eq(agent_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)
}

/// How many codes the agent was sent since `since`.
pub fn count_sent_since(
    conn: &mut DbConnection,
    agent_id: i64,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    password_resets::table
        .filter(password_resets::agent_id.eq(agent_id))
        .filter(password_resets::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// Burns the code if it is unused and unexpired, returning its agent. The conditional update makes
/// the code single-use even when two requests race with it.
pub fn consume(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let target = password_resets::table
        .filter(password_resets::code_hash.eq(code_hash))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now));
    let agent_id: Option<i64> = target
        .select(password_resets::agent_id)
        .first(conn)
        .optional()?;
    let Some(agent_id) = agent_id else {
        return Ok(None);
    };
    let burned = diesel::update(target)
        .set(password_resets::used_at.eq(now))
        .execute(conn)?;
    Ok((burned == 1).then_some(agent_id))
}

/// Whether an unused, unexpired code with this hash exists.
pub fn peek_valid(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        password_resets::table
            .filter(password_resets::code_hash.eq(code_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now)),
    ))
    .get_result(conn)
}
