//! Chats and messages: states, kinds and the special types that make a transcript tell its story.

/// Where a chat is. A chat choosing from the welcome menu is `Unassigned` with no department yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatState {
    Unassigned = 1,
    Open = 2,
    Closed = 3,
}

impl ChatState {
    /// The stored number.
    pub fn id(self) -> i16 {
        self as i16
    }

    /// Reads a stored number; an unknown one counts as unassigned.
    pub fn from_id(id: i16) -> Self {
        match id {
            2 => Self::Open,
            3 => Self::Closed,
            _ => Self::Unassigned,
        }
    }

    /// The AgentChat `ChatType` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unassigned => "unassigned",
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    /// Parses `ChatType`: open, unassigned or closed (any case).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "unassigned" => Ok(Self::Unassigned),
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            _ => Err(format!("must be open, unassigned or closed, not `{raw}`")),
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    Customer = 1,
    Agent = 2,
    System = 3,
    /// A private note: never sent to the customer.
    Note = 4,
}

impl MessageKind {
    /// The stored number.
    pub fn id(self) -> i16 {
        self as i16
    }

    /// Reads a stored number; an unknown one counts as a system line.
    pub fn from_id(id: i16) -> Self {
        match id {
            1 => Self::Customer,
            2 => Self::Agent,
            4 => Self::Note,
            _ => Self::System,
        }
    }

    /// The name a message's `Type` shows.
    pub fn name(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Agent => "agent",
            Self::System => "system",
            Self::Note => "note",
        }
    }
}

/// SuperOffice-style special types, stored by name so a transcript reads without a lookup table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialType {
    NewSession,
    WelcomeMenu,
    InvalidMenuChoice,
    Welcome,
    OutOfHours,
    Assigned,
    TransferedSession,
    ReassignedSession,
    ClosedByUser,
    ClosedByCustomer,
    ClosedByIdle,
    NoDepartment,
    /// After a close, with `AskForRating` on: the customer is asked to rate the chat (1-5).
    RatingRequest,
    /// The customer's rating, in the transcript for agents.
    Rated,
}

impl SpecialType {
    /// The name stored and shown as `SpecialType`.
    pub fn name(self) -> &'static str {
        match self {
            Self::NewSession => "NewSession",
            Self::WelcomeMenu => "WelcomeMenu",
            Self::InvalidMenuChoice => "InvalidMenuChoice",
            Self::Welcome => "Welcome",
            Self::OutOfHours => "OutOfHours",
            Self::Assigned => "Assigned",
            Self::TransferedSession => "TransferedSession",
            Self::ReassignedSession => "ReassignedSession",
            Self::ClosedByUser => "ClosedByUser",
            Self::ClosedByCustomer => "ClosedByCustomer",
            Self::ClosedByIdle => "ClosedByIdle",
            Self::NoDepartment => "NoDepartment",
            Self::RatingRequest => "RatingRequest",
            Self::Rated => "Rated",
        }
    }
}

/// Reporting facts (chat_events.kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// Entered a department's queue (also after a transfer); `department_id` set.
    Queued = 1,
    /// Taken by or given to an agent; `seconds` = wait since queued.
    Assigned = 2,
    /// The first agent message; `seconds` = since queued.
    FirstResponse = 3,
    /// Sent to another department.
    Transferred = 4,
    /// Moved to another agent.
    Reassigned = 5,
    /// Closed; `seconds` = handle time since assigned (when it was).
    Closed = 6,
    /// Closed by the customer or idle before any agent answered.
    Missed = 7,
    MessageIn = 8,
    MessageOut = 9,
    /// The customer was asked to rate the closed chat (`AskForRating`).
    RatingRequested = 10,
    /// The customer rated the chat; `seconds` holds the rating, 1 to 5.
    Rated = 11,
    /// A rating of 4 or 5: the satisfied ratings `CsatScore` counts.
    RatedSatisfied = 12,
}

impl EventKind {
    /// The stored number.
    pub fn id(self) -> i16 {
        self as i16
    }
}

/// Replaces `#CUSTOMERNAME#`, `#AGENTNAME#`, `#POSITIONINQUEUE#` and `#DEPARTMENTNAME#` where
/// a value is known; unknown placeholders stay as written.
#[derive(Default)]
pub struct Placeholders<'a> {
    pub customer_name: Option<&'a str>,
    pub agent_name: Option<&'a str>,
    pub position_in_queue: Option<i64>,
    pub department_name: Option<&'a str>,
}

impl Placeholders<'_> {
    /// The text with every known placeholder replaced.
    pub fn expand(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if let Some(v) = self.customer_name {
            out = out.replace("#CUSTOMERNAME#", v);
        }
        if let Some(v) = self.agent_name {
            out = out.replace("#AGENTNAME#", v);
        }
        if let Some(v) = self.position_in_queue {
            out = out.replace("#POSITIONINQUEUE#", &v.to_string());
        }
        if let Some(v) = self.department_name {
            out = out.replace("#DEPARTMENTNAME#", v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_type_parses_the_three_names() {
        assert_eq!(ChatState::parse("Open").unwrap(), ChatState::Open);
        assert_eq!(ChatState::parse("unassigned").unwrap().name(), "unassigned");
        assert!(ChatState::parse("pending").is_err());
    }

    #[test]
    fn placeholders_expand_what_is_known() {
        let p = Placeholders {
            customer_name: Some("Joe"),
            position_in_queue: Some(3),
            department_name: Some("Sales"),
            agent_name: None,
        };
        assert_eq!(
            p.expand(
                "Hi #CUSTOMERNAME#, you are #POSITIONINQUEUE# in #DEPARTMENTNAME# with #AGENTNAME#"
            ),
            "Hi Joe, you are 3 in Sales with #AGENTNAME#"
        );
    }
}
