//! The event stream's plain types: what an event is called, who may see it, and where a stream
//! stands (its position).

use std::fmt;

/// The events of the stream, with the numbers they are stored as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    ChatQueued = 1,
    ChatAssigned = 2,
    ChatTransferred = 3,
    ChatReassigned = 4,
    ChatClosed = 5,
    MessageCreated = 6,
    MessageDelivery = 7,
    ChatRead = 8,
    ChatTags = 9,
    CustomerUpdated = 10,
    CustomerTyping = 11,
    AgentStatus = 12,
    QueueAlert = 13,
}

impl Topic {
    pub const ALL: [Topic; 13] = [
        Self::ChatQueued,
        Self::ChatAssigned,
        Self::ChatTransferred,
        Self::ChatReassigned,
        Self::ChatClosed,
        Self::MessageCreated,
        Self::MessageDelivery,
        Self::ChatRead,
        Self::ChatTags,
        Self::CustomerUpdated,
        Self::CustomerTyping,
        Self::AgentStatus,
        Self::QueueAlert,
    ];

    /// The `event:` name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Self::ChatQueued => "chat.queued",
            Self::ChatAssigned => "chat.assigned",
            Self::ChatTransferred => "chat.transferred",
            Self::ChatReassigned => "chat.reassigned",
            Self::ChatClosed => "chat.closed",
            Self::MessageCreated => "message.created",
            Self::MessageDelivery => "message.delivery",
            Self::ChatRead => "chat.read",
            Self::ChatTags => "chat.tags",
            Self::CustomerUpdated => "customer.updated",
            Self::CustomerTyping => "customer.typing",
            Self::AgentStatus => "agent.status",
            Self::QueueAlert => "queue.alert",
        }
    }

    pub fn id(self) -> i16 {
        self as i16
    }

    pub fn from_id(id: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }
}

/// Who may see an event. Agents see what they may open with GetChat: the chats of their
/// departments and the chats assigned to them; managers see everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Audience {
    /// Everyone on the desk (presence, customers' details), not only those of a chat.
    pub everyone: bool,
    /// Managers only (whatever the departments and agents below say).
    pub managers_only: bool,
    /// The chat's department now and, when it moved, before.
    pub departments: [Option<i64>; 2],
    /// The chat's agent now and, when it moved, before.
    pub agents: [Option<i64>; 2],
}

impl Audience {
    /// Every session on the desk.
    pub fn everyone() -> Self {
        Self {
            everyone: true,
            ..Self::default()
        }
    }

    /// The people of one chat: its department's agents, its agent, and the managers.
    pub fn chat(department_id: Option<i64>, agent_id: Option<i64>) -> Self {
        Self {
            departments: [department_id, None],
            agents: [agent_id, None],
            ..Self::default()
        }
    }

    /// Adds where a chat was before it moved, so those who had it learn that it left.
    pub fn and_before(mut self, department_id: Option<i64>, agent_id: Option<i64>) -> Self {
        if department_id != self.departments[0] {
            self.departments[1] = department_id;
        }
        if agent_id != self.agents[0] {
            self.agents[1] = agent_id;
        }
        self
    }

    /// The stored scope number: 0 = a chat's people, 1 = everyone, 2 = managers.
    pub fn scope(&self) -> i16 {
        match (self.everyone, self.managers_only) {
            (_, true) => 2,
            (true, false) => 1,
            (false, false) => 0,
        }
    }

    /// The audience a stored row describes.
    pub fn from_stored(
        scope: i16,
        departments: [Option<i64>; 2],
        agents: [Option<i64>; 2],
    ) -> Self {
        Self {
            everyone: scope == 1,
            managers_only: scope == 2,
            departments,
            agents,
        }
    }

    /// Whether a viewer may see the event.
    pub fn admits(&self, viewer: &Viewer) -> bool {
        if viewer.is_manager {
            return true;
        }
        if self.managers_only {
            return false;
        }
        self.everyone
            || self.agents.contains(&Some(viewer.agent_id))
            || self
                .departments
                .iter()
                .flatten()
                .any(|d| viewer.department_ids.contains(d))
    }
}

/// Who watches a stream: enough to apply [`Audience::admits`] without a query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Viewer {
    pub agent_id: i64,
    pub is_manager: bool,
    pub department_ids: Vec<i64>,
}

/// Where an event stands in the stream: `(tx, id)`, compared in that order. On SQLite `tx` is 0
/// and ids commit in order; on PostgreSQL `tx` is the id of the transaction that wrote the event.
/// On the wire (`id:` lines, `Last-Event-ID`, GetChatList's `EventID`) it is `"<tx>-<id>"`,
/// which clients keep and send back without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Position {
    pub tx: i64,
    pub id: i64,
}

impl Position {
    pub fn new(tx: i64, id: i64) -> Self {
        Self { tx, id }
    }

    /// Parses `"<tx>-<id>"`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bad = || format!("`{raw}` is not an event id of this desk (they look like 1234-5678)");
        let (tx, id) = raw.trim().split_once('-').ok_or_else(bad)?;
        let tx: i64 = tx.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        if tx < 0 || id < 0 {
            return Err(bad());
        }
        Ok(Self { tx, id })
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.tx, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_order_by_transaction_first() {
        let p = Position::parse("12-7").unwrap();
        assert_eq!(p, Position::new(12, 7));
        assert_eq!(p.to_string(), "12-7");
        assert!(Position::new(12, 900) < Position::new(13, 1));
        assert!(Position::new(0, 5) < Position::new(0, 6));
        for bad in ["", "12", "a-1", "1-b", "-1-2", "1--2", "1-2-3"] {
            assert!(Position::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_topic_has_a_distinct_number_and_name() {
        for t in Topic::ALL {
            assert_eq!(Topic::from_id(t.id()), Some(t));
        }
        let mut names: Vec<_> = Topic::ALL.iter().map(|t| t.name()).collect();
        names.dedup();
        assert_eq!(names.len(), Topic::ALL.len());
    }

    #[test]
    fn agents_see_their_departments_and_their_chats_managers_everything() {
        let agent = Viewer {
            agent_id: 7,
            is_manager: false,
            department_ids: vec![1, 2],
        };
        let manager = Viewer {
            agent_id: 9,
            is_manager: true,
            department_ids: vec![],
        };
        assert!(Audience::chat(Some(2), None).admits(&agent));
        assert!(!Audience::chat(Some(3), None).admits(&agent));
        assert!(Audience::chat(Some(3), Some(7)).admits(&agent));
        assert!(Audience::chat(Some(3), Some(8))
            .and_before(Some(1), Some(8))
            .admits(&agent));
        assert!(Audience::chat(Some(3), Some(8)).admits(&manager));
        assert!(Audience::everyone().admits(&agent));
        let managers = Audience {
            managers_only: true,
            ..Audience::everyone()
        };
        assert!(!managers.admits(&agent) && managers.admits(&manager));
    }
}
