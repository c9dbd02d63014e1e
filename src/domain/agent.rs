//! Agent roles, statuses and notification kinds, with the numbers the AgentChat API uses, and the
//! authenticated agent behind a request.

/// 1 = Agent, 2 = Manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Agent = 1,
    Manager = 2,
}

impl Role {
    /// Parses a `RoleID`.
    pub fn from_id(id: i64) -> Result<Self, String> {
        match id {
            1 => Ok(Self::Agent),
            2 => Ok(Self::Manager),
            _ => Err(format!("must be 1 (Agent) or 2 (Manager), not {id}")),
        }
    }

    /// The number stored and sent as `RoleID`.
    pub fn id(self) -> i16 {
        self as i16
    }
}

/// 1 = Offline, 2 = Busy, 3 = OnBreak, 4 = Online.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentStatus {
    Offline = 1,
    Busy = 2,
    OnBreak = 3,
    Online = 4,
}

impl AgentStatus {
    /// Parses a `StatusID`.
    pub fn from_id(id: i64) -> Result<Self, String> {
        match id {
            1 => Ok(Self::Offline),
            2 => Ok(Self::Busy),
            3 => Ok(Self::OnBreak),
            4 => Ok(Self::Online),
            _ => Err(format!(
                "must be 1 (Offline), 2 (Busy), 3 (OnBreak) or 4 (Online), not {id}"
            )),
        }
    }

    /// The number stored and sent as `StatusID`.
    pub fn id(self) -> i16 {
        self as i16
    }
}

/// The notifications an agent can switch on. The AgentChat API knows only one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notification {
    UnassignedChatsWaiting,
}

impl Notification {
    /// The notification's name on the wire.
    pub const NAME_UNASSIGNED: &'static str = "UnassignedChatsWaiting";

    /// Parses one name of `Notifications`.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.trim() {
            Self::NAME_UNASSIGNED => Ok(Self::UnassignedChatsWaiting),
            other => Err(format!(
                "unknown notification `{other}`; the only one is UnassignedChatsWaiting"
            )),
        }
    }

    /// The name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Self::UnassignedChatsWaiting => Self::NAME_UNASSIGNED,
        }
    }
}

/// The authenticated agent behind a request: what every layer needs to decide who may do what.
#[derive(Clone, Debug)]
pub struct Caller {
    pub agent_id: i64,
    pub session_id: i64,
    pub role: Role,
    pub name: String,
    /// When the session ends if no call comes before (its sliding idle expiry, as of this call).
    pub session_expires_at: chrono::NaiveDateTime,
}

impl Caller {
    /// Managers configure the desk and may act on any chat.
    pub fn is_manager(&self) -> bool {
        self.role == Role::Manager
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        assert_eq!(Role::from_id(2).unwrap(), Role::Manager);
        assert!(Role::from_id(3).is_err());
        assert_eq!(AgentStatus::from_id(3).unwrap().id(), 3);
        assert!(AgentStatus::from_id(0).is_err());
        assert!(Notification::parse("Nope").is_err());
    }
}
