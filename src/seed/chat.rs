//! One chat being written: its row, transcript lines, tags and reporting facts, kept as the
//! desk's own service functions would keep them (the doc comments name the function each step
//! follows).

use chrono::NaiveDateTime;

use super::bulk::{ChatTagInsert, EventInsert};
use super::desk::Agent;
use super::words::CLOSED_TEXT;
use crate::domain::chat::{ChatState, EventKind, MessageKind, SpecialType};
use crate::service::transcript::SYSTEM_AUTHOR;
use crate::store::chats::ChatRow;

pub(super) struct Line {
    pub(super) at: NaiveDateTime,
    pub(super) kind: MessageKind,
    pub(super) special: Option<SpecialType>,
    pub(super) agent_id: Option<i64>,
    pub(super) author: String,
    pub(super) text: String,
    pub(super) to_customer: bool,
    pub(super) read_by_agent_at: Option<NaiveDateTime>,
}

/// A chat being written: its row, lines and facts, kept as the service functions would keep them.
pub(super) struct ChatBuild {
    pub(super) row: ChatRow,
    pub(super) lines: Vec<Line>,
    pub(super) events: Vec<EventInsert>,
    pub(super) tags: Vec<ChatTagInsert>,
    pub(super) first_queued: Option<NaiveDateTime>,
    /// Lines before this index were read by an agent already.
    pub(super) answered_up_to: usize,
}

impl ChatBuild {
    /// A chat that has just started, before its first line.
    pub(super) fn new(id: i64, channel_id: i64, customer_id: i64, t: NaiveDateTime) -> Self {
        ChatBuild {
            row: ChatRow {
                id,
                channel_id,
                external_session_id: format!("seed-{id}"),
                customer_id,
                department_id: None,
                agent_id: None,
                state: ChatState::Unassigned.id(),
                created_at: t,
                queued_at: None,
                assigned_at: None,
                first_response_at: None,
                closed_at: None,
                close_reason: None,
                last_message_at: t,
                last_message_text: None,
                agent_unread: 0,
                customer_typing_at: None,
                visitor_name: None,
                visitor_email: None,
                visitor_phone: None,
            },
            lines: Vec::new(),
            events: Vec::new(),
            tags: Vec::new(),
            first_queued: None,
            answered_up_to: 0,
        }
    }

    pub(super) fn touch(&mut self, at: NaiveDateTime, text: &str) {
        self.row.last_message_at = at;
        self.row.last_message_text = Some(text.chars().take(200).collect());
    }

    /// A transcript line for agents only (`outbound::record`).
    pub(super) fn record(&mut self, at: NaiveDateTime, special: SpecialType, text: &str) {
        self.system_line(at, special, text, false);
    }

    /// A system text for the customer (`outbound::tell_customer`).
    pub(super) fn tell(&mut self, at: NaiveDateTime, special: SpecialType, text: &str) {
        self.system_line(at, special, text, true);
        self.touch(at, text);
    }

    fn system_line(
        &mut self,
        at: NaiveDateTime,
        special: SpecialType,
        text: &str,
        to_customer: bool,
    ) {
        self.lines.push(Line {
            at,
            kind: MessageKind::System,
            special: Some(special),
            agent_id: None,
            author: SYSTEM_AUTHOR.to_owned(),
            text: text.to_owned(),
            to_customer,
            read_by_agent_at: None,
        });
    }

    /// A tag an agent added (`tags::add_tag`).
    pub(super) fn tag(&mut self, tag_id: i64, at: NaiveDateTime, agent_id: i64) {
        self.tags.push(ChatTagInsert {
            chat_id: self.row.id,
            tag_id,
            added_at: at,
            added_by: Some(agent_id),
        });
    }

    /// A customer's message; its MessageIn fact is written by [`Self::message_in`] after routing.
    pub(super) fn customer(&mut self, at: NaiveDateTime, author: &str, text: &str) {
        self.lines.push(Line {
            at,
            kind: MessageKind::Customer,
            special: None,
            agent_id: None,
            author: author.to_owned(),
            text: text.to_owned(),
            to_customer: false,
            read_by_agent_at: None,
        });
        self.touch(at, text);
        self.row.agent_unread += 1;
    }

    pub(super) fn message_in(&mut self, at: NaiveDateTime) {
        let department = self.row.department_id;
        self.fact(EventKind::MessageIn, at, None, department, None);
    }

    /// An agent's reply (`outbound::agent_reply`); the agent has read what came before.
    pub(super) fn agent(&mut self, at: NaiveDateTime, agent: &Agent, text: &str) {
        // Only lines since the previous answer can be unread (a long chat stays linear).
        for line in self.lines[self.answered_up_to..].iter_mut() {
            if line.kind == MessageKind::Customer && line.read_by_agent_at.is_none() {
                line.read_by_agent_at = Some(at);
            }
        }
        self.answered_up_to = self.lines.len() + 1;
        self.row.agent_unread = 0;
        self.lines.push(Line {
            at,
            kind: MessageKind::Agent,
            special: None,
            agent_id: Some(agent.id),
            author: agent.name.clone(),
            text: text.to_owned(),
            to_customer: true,
            read_by_agent_at: None,
        });
        self.touch(at, text);
        let department = self.row.department_id;
        self.fact(EventKind::MessageOut, at, Some(agent.id), department, None);
        if self.row.first_response_at.is_none() {
            self.row.first_response_at = Some(at);
            let since = self.first_queued.map(|q| (at - q).num_seconds());
            self.fact(
                EventKind::FirstResponse,
                at,
                Some(agent.id),
                department,
                since,
            );
        }
    }

    pub(super) fn note(&mut self, at: NaiveDateTime, agent: &Agent, text: &str) {
        self.lines.push(Line {
            at,
            kind: MessageKind::Note,
            special: None,
            agent_id: Some(agent.id),
            author: agent.name.clone(),
            text: text.to_owned(),
            to_customer: false,
            read_by_agent_at: None,
        });
    }

    pub(super) fn fact(
        &mut self,
        kind: EventKind,
        at: NaiveDateTime,
        agent_id: Option<i64>,
        department_id: Option<i64>,
        seconds: Option<i64>,
    ) {
        self.events.push(EventInsert {
            chat_id: self.row.id,
            kind: kind.id(),
            at,
            agent_id,
            department_id,
            seconds,
        });
    }

    /// `routing::enter_queue`: to the back of the department's queue, with the Queued fact.
    pub(super) fn enter_queue(&mut self, at: NaiveDateTime, department_id: i64) {
        self.row.state = ChatState::Unassigned.id();
        self.row.department_id = Some(department_id);
        self.row.agent_id = None;
        self.row.assigned_at = None;
        self.row.queued_at = Some(at);
        self.first_queued.get_or_insert(at);
        self.fact(EventKind::Queued, at, None, Some(department_id), None);
    }

    /// `routing::assigned`: the claim, the fact (wait only on the first assignment) and a line.
    pub(super) fn assign(&mut self, at: NaiveDateTime, agent: &Agent) {
        let first = !self
            .events
            .iter()
            .any(|e| e.kind == EventKind::Assigned.id());
        self.row.state = ChatState::Open.id();
        self.row.agent_id = Some(agent.id);
        self.row.assigned_at = Some(at);
        let waited = first
            .then(|| self.first_queued.map(|q| (at - q).num_seconds()))
            .flatten();
        let department = self.row.department_id;
        self.fact(EventKind::Assigned, at, Some(agent.id), department, waited);
        self.record(
            at,
            SpecialType::Assigned,
            &format!("Assigned to {}", agent.name),
        );
    }

    /// `routing::close`: the Closed fact (handle time), and Missed when nobody answered a queued chat.
    pub(super) fn close(&mut self, at: NaiveDateTime, reason: SpecialType, agent: Option<&Agent>) {
        self.row.state = ChatState::Closed.id();
        self.row.closed_at = Some(at);
        self.row.close_reason = Some(reason.name().to_owned());
        let handled = self.row.assigned_at.map(|a| (at - a).num_seconds());
        let department = self.row.department_id;
        let agent_id = self.row.agent_id.or(agent.map(|a| a.id));
        self.fact(EventKind::Closed, at, agent_id, department, handled);
        if self.row.first_response_at.is_none()
            && self.row.queued_at.is_some()
            && reason != SpecialType::ClosedByUser
        {
            self.fact(EventKind::Missed, at, None, department, None);
        }
        match reason {
            SpecialType::ClosedByUser => self.tell(at, SpecialType::ClosedByUser, CLOSED_TEXT),
            _ => self.record(
                at,
                SpecialType::ClosedByCustomer,
                "The customer ended the chat",
            ),
        }
    }
}
