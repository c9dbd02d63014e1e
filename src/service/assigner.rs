//! Automatic assignment (`RoutingMode` RoundRobin or LeastBusy): waiting chats go to accepting
//! agents, oldest chat first. Runs after changes (a chat queued, closed or transferred, an agent
//! online or with room) and in a periodic sweep, on every instance at once: each chat is claimed
//! with the same conditional UPDATE as GrabChat, under the chosen agent's lock, so no chat is
//! given twice and no agent is pushed over capacity (`capacity.rs`).

use std::collections::HashSet;

use chrono::NaiveDateTime;

use super::routing::{assigned, How};
use super::settings::{self, RoutingRules};
use super::transcript::tell_customer;
use super::{capacity, Ctx};
use crate::domain::chat::SpecialType;
use crate::domain::routing::{capacity as limit_of, ranked, Candidate, RoutingMode};
use crate::error::{ApiResult, ErrorCode};
use crate::store::chats;
use crate::store::routing::{self, WaitingChat};

/// Waiting chats looked at per pass.
const PASS_SIZE: i64 = 200;

/// One pass over the queues. Returns how many chats were given out.
pub fn assign_waiting(ctx: &Ctx) -> ApiResult<usize> {
    let rules = settings::routing_rules(ctx)?;
    if rules.mode == RoutingMode::Manual {
        return Ok(0);
    }
    let present_since = ctx.now() - super::auth::to_duration(ctx.config.presence_timeout);
    let waiting = ctx.read(|c| routing::waiting_oldest_first(c, PASS_SIZE))?;
    // Once nobody in a department can take its oldest chat, nobody can take the next.
    let mut full: HashSet<i64> = HashSet::new();
    let mut given = 0;
    for chat in waiting {
        let Some(department_id) = chat.department_id else {
            continue;
        };
        if full.contains(&department_id) {
            continue;
        }
        let candidates =
            ctx.read(|c| ranked_for(c, &rules, &chat, department_id, present_since))?;
        let outcome = match candidates.is_empty() {
            true => Outcome::NobodyFree,
            false => ctx.write(|c| give(c, ctx, &chat, department_id, &candidates))?,
        };
        match outcome {
            Outcome::Given => given += 1,
            Outcome::NobodyFree => {
                full.insert(department_id);
            }
            Outcome::Gone => {}
        }
    }
    if given > 0 {
        // The customers were told who took their chats.
        ctx.outbound_ready.notify_one();
    }
    Ok(given)
}

enum Outcome {
    Given,
    /// Every candidate was Offline, away or full by the time it was locked.
    NobodyFree,
    /// The chat was taken (or moved) meanwhile.
    Gone,
}

/// The department's accepting agents with room, best first (read without locks: `give` checks
/// again under each agent's lock).
fn ranked_for(
    c: &mut crate::db::DbConnection,
    rules: &RoutingRules,
    chat: &WaitingChat,
    department_id: i64,
    present_since: NaiveDateTime,
) -> diesel::QueryResult<Vec<Candidate>> {
    let accepting = routing::accepting_agents(c, department_id, present_since)?;
    if accepting.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = accepting.iter().map(|(id, _, _)| *id).collect();
    let open = routing::open_counts(c, &ids)?;
    let department_limit = routing::department_limit(c, department_id)?;
    let desk_limit = settings::number(c, crate::domain::settings::SettingKey::MaxChatsPerAgent)?;
    let candidates = accepting
        .into_iter()
        .map(|(agent_id, own, last_assigned_at)| Candidate {
            agent_id,
            open_chats: open.get(&agent_id).copied().unwrap_or(0),
            limit: limit_of(own.map(i64::from), department_limit, desk_limit),
            last_assigned_at,
        })
        .collect();
    let preferred = match rules.prefer_last_agent {
        true => routing::last_agent_of_customer(c, chat.customer_id, chat.id)?,
        false => None,
    };
    Ok(ranked(rules.mode, candidates, preferred))
}

/// Gives the chat to the first candidate who, locked, is still Online with room.
fn give(
    c: &mut crate::db::DbConnection,
    ctx: &Ctx,
    chat: &WaitingChat,
    department_id: i64,
    candidates: &[Candidate],
) -> ApiResult<Outcome> {
    for candidate in candidates {
        let agent = match capacity::reserve(c, candidate.agent_id, Some(department_id), true) {
            Ok(agent) => agent,
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::AgentAtCapacity | ErrorCode::AgentNotOnline
                ) =>
            {
                continue
            }
            Err(e) => return Err(e),
        };
        let now = ctx.now();
        if !chats::claim(c, chat.id, agent.id, &[department_id], now)? {
            return Ok(Outcome::Gone);
        }
        let row = chats::find(c, chat.id)?.ok_or_else(|| super::chats::not_found(chat.id))?;
        assigned(c, &row, &agent, How::Routed, now)?;
        tell_customer(
            c,
            chat.id,
            SpecialType::Assigned,
            &format!("You are now chatting with {}.", agent.name),
            now,
        )?;
        return Ok(Outcome::Given);
    }
    Ok(Outcome::NobodyFree)
}
