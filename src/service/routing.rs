//! Who gets which chat: GrabChat, AssignChat, ReAssignChat, TransferChat and CloseChat.
//!
//! Two rules hold under any concurrency. *Each chat goes to exactly one agent*: a chat is claimed
//! with one conditional UPDATE (`state = unassigned`) and the affected-row count decides the winner.
//! *Capacity is never exceeded*: every path that gives an agent a chat first takes a per-agent lock
//! (`dialect::lock_key`; SQLite's single writer does the same), then counts the agent's open chats.
//!
//! Over 400 lines because every path that moves a chat between agents, queues and closed is here,
//! next to the locks and checks those two rules depend on; split, they would be checked apart.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::chats::{load_for, may_act_on, view, ChatView};
use super::live::{self, Before, ChatPeople};
use super::transcript::{fact, record, record_to, tell_customer};
use super::{capacity, Ctx};
use crate::clock::Clock;
use crate::db::{dialect, DbConnection};
use crate::domain::chat::{ChatState, EventKind, Placeholders, SpecialType};
use crate::domain::live::Topic;
use crate::domain::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::agents::{self, AgentRow};
use crate::store::chats::{self, ChatRow};
use crate::store::departments::{self, DepartmentRow};
use crate::store::{events, tags};

/// How a chat came to its agent, as `chat.assigned` tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// The agent took it (GrabChat, AssignChat to themselves, or replying to a waiting chat).
    Grabbed,
    /// Someone else gave it (AssignChat by a manager).
    Assigned,
    /// The desk gave it (RoutingMode RoundRobin or LeastBusy).
    Routed,
}

impl How {
    pub fn name(self) -> &'static str {
        match self {
            Self::Grabbed => "grabbed",
            Self::Assigned => "assigned",
            Self::Routed => "routed",
        }
    }
}

/// After a successful claim: the fact, a transcript line and `chat.assigned`. Returns the chat as
/// it is now.
pub(crate) fn assigned(
    c: &mut DbConnection,
    chat: &ChatRow,
    agent: &AgentRow,
    how: How,
    now: NaiveDateTime,
) -> ApiResult<ChatView> {
    // Wait time is first queued → first assigned: later assignments (after a transfer) carry none.
    let waited = events::first_wait_start(c, chat.id)?.map(|q| (now - q).num_seconds());
    fact(
        c,
        chat.id,
        EventKind::Assigned,
        now,
        Some(agent.id),
        chat.department_id,
        waited,
    )?;
    // Who the line is for is known here: the chat's department, now with this agent.
    let people = ChatPeople {
        chat_id: chat.id,
        department_id: chat.department_id,
        agent_id: Some(agent.id),
    };
    record_to(
        c,
        people,
        SpecialType::Assigned,
        &format!("Assigned to {}", agent.name),
        now,
    )?;
    // Round robin goes by who was given a chat least recently, however it was given.
    crate::store::routing::mark_assigned(c, agent.id, now)?;
    live::chat_event(
        c,
        Topic::ChatAssigned,
        chat.id,
        Before {
            department_id: chat.department_id,
            agent_id: None,
        },
        json!({ "AgentID": agent.id, "AgentName": agent.name, "How": how.name() }),
        now,
    )
}

/// GrabChat: gives the caller the longest-waiting chat of its departments.
/// The answer is read in the same transaction: a chat that was taken is never answered 503 for
/// want of a second connection.
pub fn grab_chat(ctx: &Ctx, caller: &Caller) -> ApiResult<ChatView> {
    ctx.write(|c| {
        let agent = capacity::lock_agent(c, caller.agent_id, false)?;
        // The desk-wide limit first: at capacity, nothing is taken.
        capacity::ensure_room(c, &agent, None, 1)?;
        let departments = agents::department_ids(c, caller.agent_id)?;
        // A lost claim means another agent took that chat, so the queue is shorter: this ends.
        loop {
            let Some(candidate) = chats::oldest_waiting(c, &departments)? else {
                break;
            };
            let chat =
                chats::find(c, candidate)?.ok_or_else(|| super::chats::not_found(candidate))?;
            capacity::ensure_room(c, &agent, chat.department_id, 1)?;
            let now = ctx.now();
            if chats::claim(c, candidate, agent.id, &departments, now)? {
                return assigned(c, &chat, &agent, How::Grabbed, now);
            }
        }
        Err(ApiError::new(
            ErrorCode::NoChatWaiting,
            "No chat is waiting in your departments",
        ))
    })
}

/// AssignChat: a waiting chat to `agent_id` (default: the caller); agents assign only to
/// themselves.
pub fn assign_chat(
    ctx: &Ctx,
    caller: &Caller,
    chat_id: i64,
    agent_id: Option<i64>,
) -> ApiResult<ChatView> {
    let target = agent_id.unwrap_or(caller.agent_id);
    if target != caller.agent_id && !caller.is_manager() {
        return Err(ApiError::forbidden(
            "Agents may assign chats only to themselves",
        ));
    }
    ctx.write(|c| {
        let chat = load_for(ctx, c, caller, chat_id)?;
        ensure_waiting(&chat)?;
        ensure_may_take(c, caller, &chat)?;
        let agent = capacity::reserve(c, target, chat.department_id, target != caller.agent_id)?;
        let now = ctx.now();
        if !chats::claim(c, chat_id, agent.id, &authorised_department(&chat), now)? {
            return Err(ApiError::conflict(
                ErrorCode::ChatAlreadyAssigned,
                "Another agent took this chat first",
            ));
        }
        let how = match target == caller.agent_id {
            true => How::Grabbed,
            false => How::Assigned,
        };
        assigned(c, &chat, &agent, how, now)
    })
}

fn ensure_waiting(chat: &ChatRow) -> ApiResult<()> {
    match chat.state() {
        ChatState::Closed => Err(closed(chat.id)),
        ChatState::Open => Err(ApiError::conflict(
            ErrorCode::ChatAlreadyAssigned,
            format!("Chat {} is already assigned", chat.id),
        )),
        ChatState::Unassigned if chat.department_id.is_none() => Err(ApiError::conflict(
            ErrorCode::ChatNotQueued,
            format!(
                "Chat {} is still in the welcome menu and has no department yet",
                chat.id
            ),
        )),
        ChatState::Unassigned => Ok(()),
    }
}

/// Who may take a chat is decided on the agent's departments as they are now, read in the
/// taking transaction, not on the per-process copy (`Ctx::departments_of`) that found the chat:
/// an agent just taken out of its department gets it answered as a missing chat.
fn ensure_may_take(c: &mut DbConnection, caller: &Caller, chat: &ChatRow) -> ApiResult<()> {
    if caller.is_manager() {
        return Ok(());
    }
    let mine = agents::department_ids(c, caller.agent_id)?;
    match may_act_on(caller, &mine, chat) {
        true => Ok(()),
        false => Err(super::chats::not_found(chat.id)),
    }
}

/// The department a waiting chat was in when the caller was allowed to claim it.
fn authorised_department(chat: &ChatRow) -> Vec<i64> {
    chat.department_id.into_iter().collect()
}

/// ChatClosed, naming the chat.
pub(crate) fn closed(chat_id: i64) -> ApiError {
    ApiError::conflict(ErrorCode::ChatClosed, format!("Chat {chat_id} is closed"))
}

/// ReAssignChat's answer: who got which chats.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ReassignedView {
    #[serde(rename = "AgentID")]
    pub agent_id: i64,
    #[serde(rename = "ChatID")]
    pub chat_ids: Vec<i64>,
}

/// ReAssignChat: moves one open chat, or every open chat of the caller, to another agent, who
/// must be online and have room for all of them.
pub fn reassign_chat(
    ctx: &Ctx,
    caller: &Caller,
    target: i64,
    chat_id: Option<i64>,
) -> ApiResult<ReassignedView> {
    let moved = ctx.write(|c| {
        let chats_to_move: Vec<ChatRow> = match chat_id {
            Some(id) => {
                let chat = load_for(ctx, c, caller, id)?;
                if chat.state() != ChatState::Open {
                    return Err(ApiError::conflict(
                        ErrorCode::ChatNotAssigned,
                        format!("Chat {id} is not assigned to an agent"),
                    ));
                }
                if !caller.is_manager() && chat.agent_id != Some(caller.agent_id) {
                    return Err(ApiError::forbidden(
                        "Agents may reassign only their own chats",
                    ));
                }
                vec![chat]
            }
            None => {
                let mut mine = Vec::new();
                for id in chats::open_ids_for_agent(c, caller.agent_id)? {
                    mine.extend(chats::find(c, id)?);
                }
                mine
            }
        };
        if chats_to_move.is_empty() {
            return Err(ApiError::conflict(
                ErrorCode::ChatNotAssigned,
                "You have no open chats to reassign",
            ));
        }
        if !caller.is_manager() {
            // An agent may hand a chat only to someone who could see it anyway.
            let theirs = agents::department_ids(c, target)?;
            if let Some(chat) = chats_to_move
                .iter()
                .find(|ch| ch.department_id.is_none_or(|d| !theirs.contains(&d)))
            {
                return Err(ApiError::conflict(
                    ErrorCode::AgentNotInDepartment,
                    format!(
                        "Agent {target} is not in the department of chat {}",
                        chat.id
                    ),
                ));
            }
        }
        let agent = capacity::lock_agent(c, target, true)?;
        let moving = chats_to_move
            .iter()
            .filter(|ch| ch.agent_id != Some(target))
            .count() as i64;
        let department = chats_to_move.first().and_then(|ch| ch.department_id);
        capacity::ensure_room(c, &agent, department, moving)?;
        let now = ctx.now();
        let mut moved = Vec::new();
        for chat in chats_to_move {
            let Some(from) = chat.agent_id.filter(|from| *from != target) else {
                continue;
            };
            if !chats::reassign(c, chat.id, from, target)? {
                return Err(ApiError::conflict(
                    ErrorCode::ChatNotAssigned,
                    format!("Chat {} changed hands meanwhile", chat.id),
                ));
            }
            fact(
                c,
                chat.id,
                EventKind::Reassigned,
                now,
                Some(target),
                chat.department_id,
                None,
            )?;
            record(
                c,
                chat.id,
                SpecialType::ReassignedSession,
                &format!("Reassigned to {}", agent.name),
                now,
            )?;
            live::chat_event(
                c,
                Topic::ChatReassigned,
                chat.id,
                Before {
                    department_id: chat.department_id,
                    agent_id: Some(from),
                },
                json!({ "AgentID": target, "FromAgentID": from }),
                now,
            )?;
            moved.push(chat.id);
        }
        Ok(moved)
    })?;
    Ok(ReassignedView {
        agent_id: target,
        chat_ids: moved,
    })
}

/// Puts a chat (waiting in a department or taken by an agent) into a department's queue: the chat
/// goes to the back, the department's auto-tags apply, the fact is recorded. Returns its position.
pub(crate) fn enter_queue(
    c: &mut DbConnection,
    clock: &Clock,
    chat_id: i64,
    department: &DepartmentRow,
) -> ApiResult<i64> {
    // Chats entering one queue at the same moment must not both be told they are number 1: the
    // queue is locked, and the time taken, before the chat joins it.
    dialect::lock_key(c, &format!("queue:{}", department.id))?;
    let now = clock.now();
    if chats::enter_queue(c, chat_id, department.id, now)? == 0 {
        return Err(closed(chat_id));
    }
    for tag_id in departments::auto_tag_ids(c, department.id)? {
        if tags::find_tag(c, tag_id)?.is_some_and(|t| t.enabled) {
            chats::add_tag(c, chat_id, tag_id, None, now)?;
        }
    }
    fact(
        c,
        chat_id,
        EventKind::Queued,
        now,
        None,
        Some(department.id),
        None,
    )?;
    let chat = chats::find(c, chat_id)?.ok_or_else(|| super::chats::not_found(chat_id))?;
    Ok(chats::queue_position(c, &chat)?.unwrap_or(1))
}

const TRANSFERRED_TEXT: &str =
    "You have been transferred to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue.";

/// An open chat is the assigned agent's: colleagues may not close or transfer it (managers may).
fn ensure_not_colleagues(caller: &Caller, chat: &ChatRow) -> ApiResult<()> {
    if chat.state() == ChatState::Open
        && chat.agent_id != Some(caller.agent_id)
        && !caller.is_manager()
    {
        return Err(ApiError::forbidden(format!(
            "Chat {} is assigned to another agent",
            chat.id
        )));
    }
    Ok(())
}

/// Where TransferChat sends a chat: a department's queue, an agent (in the chat's department or
/// the one given), and a note for whoever takes it.
pub struct Transfer {
    pub department_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub note: Option<String>,
}

const TRANSFERRED_TO_AGENT_TEXT: &str = "You have been transferred to #AGENTNAME#.";

/// TransferChat: to the back of a department's queue (the customer is told the new position), or
/// straight to an agent who is Online with room (the customer is told who). A note becomes a
/// private comment on the chat and travels with `chat.transferred`.
pub fn transfer_chat(
    ctx: &Ctx,
    caller: &Caller,
    chat_id: i64,
    to: Transfer,
) -> ApiResult<ChatView> {
    let chat = ctx.write(|c| {
        let chat = load_for(ctx, c, caller, chat_id)?;
        ensure_not_colleagues(caller, &chat)?;
        if chat.state() == ChatState::Closed {
            return Err(closed(chat_id));
        }
        let department = transfer_department(c, &chat, to.department_id)?;
        if let Some(target) = to.agent_id.filter(|_| !caller.is_manager()) {
            // An agent may hand a chat only to someone who could see it anyway.
            if !agents::department_ids(c, target)?.contains(&department.id) {
                return Err(ApiError::conflict(
                    ErrorCode::AgentNotInDepartment,
                    format!("Agent {target} is not in {}", department.name),
                ));
            }
        }
        let now = ctx.now();
        let position = enter_queue(c, &ctx.clock, chat_id, &department)?;
        fact(
            c,
            chat_id,
            EventKind::Transferred,
            now,
            Some(caller.agent_id),
            Some(department.id),
            None,
        )?;
        if let Some(note) = &to.note {
            super::messages::add_note(c, caller, chat_id, note, now)?;
        }
        let text = match to.agent_id {
            None => Placeholders {
                position_in_queue: Some(position),
                department_name: Some(&department.name),
                ..Default::default()
            }
            .expand(TRANSFERRED_TEXT),
            Some(target) => {
                let agent =
                    capacity::reserve(c, target, Some(department.id), target != caller.agent_id)?;
                if !chats::claim(c, chat_id, agent.id, &[department.id], now)? {
                    return Err(ApiError::conflict(
                        ErrorCode::ChatAlreadyAssigned,
                        "Another agent took this chat first",
                    ));
                }
                let row =
                    chats::find(c, chat_id)?.ok_or_else(|| super::chats::not_found(chat_id))?;
                assigned(c, &row, &agent, How::Assigned, now)?;
                Placeholders {
                    agent_name: Some(&agent.name),
                    ..Default::default()
                }
                .expand(TRANSFERRED_TO_AGENT_TEXT)
            }
        };
        tell_customer(c, chat_id, SpecialType::TransferedSession, &text, now)?;
        live::chat_event(
            c,
            Topic::ChatTransferred,
            chat_id,
            Before {
                department_id: chat.department_id,
                agent_id: chat.agent_id,
            },
            json!({ "ToDepartmentID": department.id, "ToAgentID": to.agent_id, "Note": to.note }),
            now,
        )
    })?;
    ctx.outbound_ready.notify_one();
    Ok(chat)
}

/// The department a transfer goes to: the one given (existing and enabled), else the chat's own.
fn transfer_department(
    c: &mut DbConnection,
    chat: &ChatRow,
    department_id: Option<i64>,
) -> ApiResult<DepartmentRow> {
    let Some(department_id) = department_id.or(chat.department_id) else {
        return Err(ApiError::field(
            "DepartmentID",
            "is required: the chat has no department yet",
        ));
    };
    let department = departments::find(c, department_id)?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::DepartmentNotFound,
            format!("Department {department_id} does not exist"),
        )
        .on_field("DepartmentID")
    })?;
    if !department.enabled {
        return Err(ApiError::conflict(
            ErrorCode::DepartmentDisabled,
            format!("{} is disabled", department.name),
        ));
    }
    Ok(department)
}

/// Closes a chat and records the facts: handle time (credited to the agent who had the chat), and
/// a missed chat when the customer or idleness ended a queued chat before any agent answered. The
/// facts come from the row as it is once closed (and locked), not from an earlier read.
pub(crate) fn close(
    c: &mut DbConnection,
    chat: &ChatRow,
    reason: SpecialType,
    by: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if !chats::close(c, chat.id, reason.name(), now)? {
        return Err(closed(chat.id));
    }
    let chat = chats::find(c, chat.id)?.ok_or_else(|| super::chats::not_found(chat.id))?;
    let handled = chat.assigned_at.map(|a| (now - a).num_seconds());
    fact(
        c,
        chat.id,
        EventKind::Closed,
        now,
        chat.agent_id.or(by),
        chat.department_id,
        handled,
    )?;
    let unanswered = chat.first_response_at.is_none() && chat.queued_at.is_some();
    if unanswered && reason != SpecialType::ClosedByUser {
        fact(
            c,
            chat.id,
            EventKind::Missed,
            now,
            None,
            chat.department_id,
            None,
        )?;
    }
    live::chat_event(
        c,
        Topic::ChatClosed,
        chat.id,
        Before::default(),
        json!({ "Reason": reason.name() }),
        now,
    )?;
    Ok(())
}

const CLOSED_TEXT: &str = "This chat has been closed. Thank you for contacting us.";

/// CloseChat: an open chat only by its agent or a manager; the customer is told.
pub fn close_chat(ctx: &Ctx, caller: &Caller, chat_id: i64) -> ApiResult<ChatView> {
    let chat = ctx.write(|c| {
        let chat = load_for(ctx, c, caller, chat_id)?;
        ensure_not_colleagues(caller, &chat)?;
        let now = ctx.now();
        close(
            c,
            &chat,
            SpecialType::ClosedByUser,
            Some(caller.agent_id),
            now,
        )?;
        tell_customer(c, chat_id, SpecialType::ClosedByUser, CLOSED_TEXT, now)?;
        super::ratings::ask_for_rating(ctx, c, chat_id, now)?;
        view(c, chat_id)
    })?;
    ctx.outbound_ready.notify_one();
    Ok(chat)
}

/// SendMessage on a waiting chat: the sender takes it, under the same rules as AssignChat.
pub(crate) fn take_for_reply(
    c: &mut DbConnection,
    caller: &Caller,
    chat: &ChatRow,
    now: NaiveDateTime,
) -> ApiResult<()> {
    ensure_waiting(chat)?;
    ensure_may_take(c, caller, chat)?;
    let agent = capacity::reserve(c, caller.agent_id, chat.department_id, false)?;
    if !chats::claim(c, chat.id, agent.id, &authorised_department(chat), now)? {
        return Err(ApiError::conflict(
            ErrorCode::ChatAssignedToAnotherAgent,
            "Another agent took this chat first",
        ));
    }
    assigned(c, chat, &agent, How::Grabbed, now).map(|_| ())
}
