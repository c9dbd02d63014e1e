//! How many chats an agent may hold, checked under the agent's lock. Every path that gives an
//! agent a chat (GrabChat, AssignChat, ReAssignChat, TransferChat to an agent, replying to a
//! waiting chat, automatic assignment) takes the lock, then counts: capacity holds under any
//! concurrency, across instances.

use super::settings;
use crate::db::{dialect, DbConnection};
use crate::domain::routing::capacity;
use crate::domain::settings::SettingKey;
use crate::domain::AgentStatus;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::agents::{self, AgentRow};
use crate::store::{chats, routing};

/// Locks the agent's chat load until the transaction ends: whatever gives or takes the agent's
/// chats under this lock sees a load no one else is changing.
pub(crate) fn lock_load(c: &mut DbConnection, agent_id: i64) -> ApiResult<()> {
    Ok(dialect::lock_key(c, &format!("agent-load:{agent_id}"))?)
}

/// Locks the agent's chat load until the transaction ends and checks that the agent may take
/// chats: an agent acting for itself must be enabled and not Offline; a chat given by someone
/// else (a manager, a colleague, the desk) needs the agent Online.
pub(crate) fn lock_agent(
    c: &mut DbConnection,
    agent_id: i64,
    given_by_other: bool,
) -> ApiResult<AgentRow> {
    lock_load(c, agent_id)?;
    let agent = agents::find(c, agent_id)?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::AgentNotFound,
            format!("Agent {agent_id} does not exist"),
        )
        .on_field("AgentID")
    })?;
    let online = agent.status == AgentStatus::Online.id();
    let offline = agent.status == AgentStatus::Offline.id();
    if !agent.enabled || offline || (given_by_other && !online) {
        return Err(ApiError::conflict(
            ErrorCode::AgentNotOnline,
            format!("{} is not online", agent.name),
        ));
    }
    Ok(agent)
}

/// The (locked) agent's limit for chats of `department_id` (0 = none) and where it comes from:
/// the agent's own `MaxChats` (from the row read under the lock), else the department's
/// `MaxChatsPerAgent`, else the desk's setting.
pub(crate) fn limit_for(
    c: &mut DbConnection,
    agent: &AgentRow,
    department_id: Option<i64>,
) -> ApiResult<(i64, &'static str)> {
    let own = agent.max_chats.map(i64::from);
    let department = match department_id {
        Some(d) => routing::department_limit(c, d)?,
        None => None,
    };
    let desk = settings::number(c, SettingKey::MaxChatsPerAgent)?;
    let source = match (own, department) {
        (Some(_), _) => "the agent's MaxChats",
        (None, Some(_)) => "the department's MaxChatsPerAgent",
        (None, None) => "MaxChatsPerAgent",
    };
    Ok((capacity(own, department, desk), source))
}

/// Refuses with AgentAtCapacity unless the (locked) agent has room for `adding` more chats of
/// `department_id`.
pub(crate) fn ensure_room(
    c: &mut DbConnection,
    agent: &AgentRow,
    department_id: Option<i64>,
    adding: i64,
) -> ApiResult<()> {
    let (limit, source) = limit_for(c, agent, department_id)?;
    if limit <= 0 {
        return Ok(());
    }
    let open = chats::count_open_for_agent(c, agent.id)?;
    if open + adding > limit {
        let message = match adding {
            1 => format!(
                "{} already has {open} open chats, the most allowed ({source} {limit})",
                agent.name
            ),
            n => format!(
                "{} has no room for {n} more chats ({source} {limit})",
                agent.name
            ),
        };
        return Err(ApiError::conflict(ErrorCode::AgentAtCapacity, message));
    }
    Ok(())
}

/// [`lock_agent`] then [`ensure_room`] for one chat of `department_id`.
pub(crate) fn reserve(
    c: &mut DbConnection,
    agent_id: i64,
    department_id: Option<i64>,
    given_by_other: bool,
) -> ApiResult<AgentRow> {
    let agent = lock_agent(c, agent_id, given_by_other)?;
    ensure_room(c, &agent, department_id, 1)?;
    Ok(agent)
}
