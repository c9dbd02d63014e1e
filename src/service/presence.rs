//! Presence: an agent is present while a session of theirs shows activity (any call, KeepAlive or
//! an open event stream, all of which mark `last_seen_at`). With none for
//! `PRESENCE_TIMEOUT_SECONDS` the agent goes Offline, remembering the status they had, which they
//! get back as soon as they are seen again. Chats left with an agent Offline for longer than
//! `RequeueAfterOfflineMinutes` return to the queue. Every instance sweeps; each change is a
//! conditional UPDATE, so it happens (and is announced) once.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use super::auth::to_duration;
use super::live::{self, Before};
use super::routing::enter_queue;
use super::transcript::{record, tell_customer};
use super::{settings, Ctx};
use crate::db::DbConnection;
use crate::domain::chat::{Placeholders, SpecialType};
use crate::domain::live::Topic;
use crate::domain::AgentStatus;
use crate::error::ApiResult;
use crate::store::agents::AgentRow;
use crate::store::{departments, routing};

/// Chats requeued per pass.
const REQUEUE_BATCH: i64 = 100;

/// What a sweep changed.
#[derive(Debug, Default, Serialize)]
pub struct PresenceSweep {
    pub went_offline: usize,
    pub came_back: usize,
    pub requeued: usize,
}

/// One sweep: quiet agents Offline, returned agents back, orphaned chats requeued.
pub fn sweep(ctx: &Ctx) -> ApiResult<PresenceSweep> {
    let now = ctx.now();
    let cutoff = now - to_duration(ctx.config.presence_timeout);
    let mut done = PresenceSweep::default();
    let quiet = ctx.read(|c| routing::gone_quiet(c, cutoff))?;
    done.went_offline = in_one_write(ctx, &quiet, |c, agent_id, name| {
        let went = routing::set_offline_for_silence(c, agent_id, cutoff, now)?;
        if went {
            live::agent_status(c, agent_id, name, AgentStatus::Offline.id(), now)?;
            tracing::info!(agent_id, "agent went Offline: no activity");
        }
        Ok(went)
    })?;
    let returned = ctx.read(|c| routing::returned(c, cutoff))?;
    done.came_back = in_one_write(ctx, &returned, |c, agent_id, name| {
        come_back(c, agent_id, name, cutoff, now)
    })?;
    let minutes = settings::routing_rules(ctx)?.requeue_after_offline_minutes;
    if minutes > 0 {
        let since = now - chrono::Duration::minutes(minutes);
        for (chat_id, agent_id, department_id) in
            ctx.read(|c| routing::open_with_offline_agents(c, since, REQUEUE_BATCH))?
        {
            let requeued = ctx.write(|c| requeue(c, ctx, chat_id, agent_id, department_id))?;
            done.requeued += usize::from(requeued);
        }
        if done.requeued > 0 {
            ctx.outbound_ready.notify_one();
        }
    }
    Ok(done)
}

/// Runs `step` for each agent of a sweep in one transaction (none when there are none) and counts
/// those it changed: a desk that starts with hundreds of agents gone quiet (after a restart) would
/// otherwise take the writer for hundreds of commits.
fn in_one_write(
    ctx: &Ctx,
    agents: &[(i64, String)],
    step: impl Fn(&mut DbConnection, i64, &str) -> ApiResult<bool> + Send + Sync,
) -> ApiResult<usize> {
    if agents.is_empty() {
        return Ok(0);
    }
    ctx.write(|c| {
        let mut changed = 0;
        for (agent_id, name) in agents {
            changed += usize::from(step(c, *agent_id, name)?);
        }
        Ok(changed)
    })
}

/// The agent was seen again after presence set them Offline: their status comes back.
fn come_back(
    c: &mut DbConnection,
    agent_id: i64,
    name: &str,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    match routing::restore_status(c, agent_id, cutoff)? {
        Some(status) => {
            live::agent_status(c, agent_id, name, status, now)?;
            tracing::info!(agent_id, status, "agent back: status restored");
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Called by the call that shows the agent is back (the session's slide), so the agent never
/// finds themselves Offline for want of the next sweep.
pub fn came_back_now(c: &mut DbConnection, agent: &AgentRow, now: NaiveDateTime) -> ApiResult<()> {
    if agent.resume_status.is_some() {
        come_back(c, agent.id, &agent.name, now, now)?;
    }
    Ok(())
}

const REQUEUED_TEXT: &str = "Your agent is no longer available. You are number #POSITIONINQUEUE# in the queue for #DEPARTMENTNAME#.";

/// Returns an Offline agent's chat to its department's queue (the back of it, like a transfer),
/// with a line for agents and the customer told their place.
fn requeue(
    c: &mut DbConnection,
    ctx: &Ctx,
    chat_id: i64,
    agent_id: i64,
    department_id: Option<i64>,
) -> ApiResult<bool> {
    let department = match department_id {
        Some(d) => departments::find(c, d)?,
        None => None,
    };
    let Some(department) = department else {
        return Ok(false);
    };
    // Still that agent's, still open, the agent still Offline: under the agent's lock.
    super::capacity::lock_load(c, agent_id)?;
    let still = crate::store::chats::find(c, chat_id)?.is_some_and(|chat| {
        chat.agent_id == Some(agent_id) && chat.state() == crate::domain::chat::ChatState::Open
    }) && crate::store::agents::find(c, agent_id)?
        .is_some_and(|a| a.status == AgentStatus::Offline.id());
    if !still {
        return Ok(false);
    }
    let now = ctx.now();
    let position = enter_queue(c, &ctx.clock, chat_id, &department)?;
    record(
        c,
        chat_id,
        SpecialType::TransferedSession,
        "Returned to the queue: the agent went offline",
        now,
    )?;
    let text = Placeholders {
        position_in_queue: Some(position),
        department_name: Some(&department.name),
        ..Default::default()
    }
    .expand(REQUEUED_TEXT);
    tell_customer(c, chat_id, SpecialType::TransferedSession, &text, now)?;
    live::chat_event(
        c,
        Topic::ChatQueued,
        chat_id,
        Before {
            department_id: Some(department.id),
            agent_id: Some(agent_id),
        },
        json!({ "Reason": "AgentOffline" }),
        now,
    )?;
    tracing::info!(
        chat_id,
        agent_id,
        "chat returned to the queue: agent offline"
    );
    Ok(true)
}
