//! What automatic assignment, presence and waiting-chat alerts read and write: waiting chats,
//! accepting agents and their loads, presence marks and alert marks.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::hot_updates::MarkAssigned;
use crate::db::schema::{agent_departments, agents, chats, departments};
use crate::db::DbConnection;
use crate::domain::chat::ChatState;
use crate::domain::AgentStatus;

const UNASSIGNED: i16 = ChatState::Unassigned as i16;
const OPEN: i16 = ChatState::Open as i16;
const ONLINE: i16 = AgentStatus::Online as i16;
const OFFLINE: i16 = AgentStatus::Offline as i16;

/// A chat waiting in a department's queue.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chats)]
pub struct WaitingChat {
    pub id: i64,
    pub department_id: Option<i64>,
    pub customer_id: i64,
    pub queued_at: Option<NaiveDateTime>,
}

/// Up to `limit` chats waiting in a department's queue, oldest first.
pub fn waiting_oldest_first(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<WaitingChat>> {
    chats::table
        .filter(chats::state.eq(UNASSIGNED))
        .filter(chats::department_id.is_not_null())
        .order((chats::queued_at, chats::id))
        .limit(limit)
        .select(WaitingChat::as_select())
        .load(conn)
}

/// The agent of the customer's most recent other chat that had one.
pub fn last_agent_of_customer(
    conn: &mut DbConnection,
    customer_id: i64,
    except_chat: i64,
) -> QueryResult<Option<i64>> {
    chats::table
        .filter(chats::customer_id.eq(customer_id))
        .filter(chats::id.ne(except_chat))
        .filter(chats::agent_id.is_not_null())
        .order(chats::id.desc())
        .select(chats::agent_id)
        .first::<Option<i64>>(conn)
        .optional()
        .map(Option::flatten)
}

/// An agent who accepts chats now: (id, own limit, last given a chat).
pub type Accepting = (i64, Option<i32>, Option<NaiveDateTime>);

/// The department's agents who accept chats: enabled, Online, and seen since `present_since`.
pub fn accepting_agents(
    conn: &mut DbConnection,
    department_id: i64,
    present_since: NaiveDateTime,
) -> QueryResult<Vec<Accepting>> {
    agents::table
        .inner_join(agent_departments::table)
        .filter(agent_departments::department_id.eq(department_id))
        .filter(agents::enabled.eq(true))
        .filter(agents::status.eq(ONLINE))
        .filter(agents::last_seen_at.ge(present_since))
        .select((agents::id, agents::max_chats, agents::last_assigned_at))
        .load(conn)
}

/// Open chats per agent, for these agents (absent: none).
pub fn open_counts(conn: &mut DbConnection, agent_ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(Option<i64>, i64)> = chats::table
        .filter(chats::agent_id.eq_any(agent_ids))
        .filter(chats::state.eq(OPEN))
        .group_by(chats::agent_id)
        .select((chats::agent_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(agent, n)| agent.map(|a| (a, n)))
        .collect())
}

/// A department's `MaxChatsPerAgent` (`None` when not set).
pub fn department_limit(conn: &mut DbConnection, department_id: i64) -> QueryResult<Option<i64>> {
    Ok(departments::table
        .find(department_id)
        .select(departments::max_chats_per_agent)
        .first::<Option<i32>>(conn)
        .optional()?
        .flatten()
        .map(i64::from))
}

pub fn mark_assigned(
    conn: &mut DbConnection,
    agent_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    MarkAssigned { agent_id, at: now }.execute(conn).map(|_| ())
}

/// Agents not Offline who have not been seen since `cutoff`: (id, name).
pub fn gone_quiet(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
) -> QueryResult<Vec<(i64, String)>> {
    agents::table
        .filter(agents::status.ne(OFFLINE))
        .filter(
            agents::last_seen_at
                .lt(cutoff)
                .or(agents::last_seen_at.is_null()),
        )
        .select((agents::id, agents::name))
        .load(conn)
}

/// Sets a quiet agent Offline, remembering their status for when they return; false when another
/// instance did it first or the agent was seen meanwhile.
pub fn set_offline_for_silence(
    conn: &mut DbConnection,
    agent_id: i64,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        agents::table
            .find(agent_id)
            .filter(agents::status.ne(OFFLINE))
            .filter(
                agents::last_seen_at
                    .lt(cutoff)
                    .or(agents::last_seen_at.is_null()),
            ),
    )
    .set((
        agents::resume_status.eq(agents::status.nullable()),
        agents::status.eq(OFFLINE),
        agents::offline_since.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Agents set Offline for silence who have been seen since `cutoff`: (id, name).
pub fn returned(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<Vec<(i64, String)>> {
    agents::table
        .filter(agents::status.eq(OFFLINE))
        .filter(agents::resume_status.is_not_null())
        .filter(agents::last_seen_at.ge(cutoff))
        .filter(agents::enabled.eq(true))
        .select((agents::id, agents::name))
        .load(conn)
}

/// Gives a returned agent back the status they had; the status, or None when another instance
/// did it first.
pub fn restore_status(
    conn: &mut DbConnection,
    agent_id: i64,
    cutoff: NaiveDateTime,
) -> QueryResult<Option<i16>> {
    let resumed: Option<Option<i16>> = diesel::update(
        agents::table
            .find(agent_id)
            .filter(agents::status.eq(OFFLINE))
            .filter(agents::resume_status.is_not_null())
            .filter(agents::last_seen_at.ge(cutoff)),
    )
    .set((
        agents::status.eq(agents::resume_status.assume_not_null()),
        agents::resume_status.eq(None::<i16>),
        agents::offline_since.eq(None::<NaiveDateTime>),
    ))
    .returning(agents::status.nullable())
    .get_result(conn)
    .optional()?;
    Ok(resumed.flatten())
}

/// After any status change by the agent or a manager: when Offline, since now (for the requeue
/// grace); a status set by hand is never "restored" by presence.
pub fn status_set_by_hand(
    conn: &mut DbConnection,
    agent_id: i64,
    status: i16,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(agents::table.find(agent_id))
        .set((
            agents::resume_status.eq(None::<i16>),
            agents::offline_since.eq((status == OFFLINE).then_some(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Open chats of agents Offline since before `cutoff`: (chat id, agent id, department id).
pub fn open_with_offline_agents(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(i64, i64, Option<i64>)>> {
    chats::table
        .inner_join(agents::table.on(chats::agent_id.eq(agents::id.nullable())))
        .filter(chats::state.eq(OPEN))
        .filter(agents::status.eq(OFFLINE))
        .filter(agents::offline_since.le(cutoff))
        .order(chats::id)
        .limit(limit)
        .select((chats::id, agents::id, chats::department_id))
        .load(conn)
}

/// Waiting chats queued at or before `cutoff` whose alert has not gone out, oldest first.
pub fn unalerted_waiting_since(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<WaitingChat>> {
    chats::table
        .filter(chats::state.eq(UNASSIGNED))
        .filter(chats::department_id.is_not_null())
        .filter(chats::queued_at.le(cutoff))
        .filter(chats::alerted_at.is_null())
        .order((chats::queued_at, chats::id))
        .limit(limit)
        .select(WaitingChat::as_select())
        .load(conn)
}

/// Marks the chat's alert as gone out; false when another instance did first or it was taken.
pub fn mark_alerted(
    conn: &mut DbConnection,
    chat_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        chats::table
            .find(chat_id)
            .filter(chats::state.eq(UNASSIGNED))
            .filter(chats::alerted_at.is_null()),
    )
    .set(chats::alerted_at.eq(Some(now)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// How many chats have waited in a queue since before `cutoff`.
pub fn count_waiting_since(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<i64> {
    chats::table
        .filter(chats::state.eq(UNASSIGNED))
        .filter(chats::department_id.is_not_null())
        .filter(chats::queued_at.le(cutoff))
        .count()
        .get_result(conn)
}

/// The department's enabled agents who asked for `UnassignedChatsWaiting`: (id, name, email).
pub fn alert_recipients(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    agents::table
        .inner_join(agent_departments::table)
        .filter(agent_departments::department_id.eq(department_id))
        .filter(agents::enabled.eq(true))
        .filter(agents::notify_unassigned.eq(true))
        .select((agents::id, agents::name, agents::email))
        .load(conn)
}

/// Takes the agent's alert mail turn: true when no alert mail went to them since `window_start`.
pub fn take_alert_mail_turn(
    conn: &mut DbConnection,
    agent_id: i64,
    window_start: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        agents::table.find(agent_id).filter(
            agents::alert_mailed_at
                .is_null()
                .or(agents::alert_mailed_at.le(window_start)),
        ),
    )
    .set(agents::alert_mailed_at.eq(Some(now)))
    .execute(conn)?;
    Ok(updated == 1)
}
