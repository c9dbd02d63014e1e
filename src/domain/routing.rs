//! The rules of automatic assignment: the modes, how much an agent may hold, and who is next.

use chrono::NaiveDateTime;

/// The `RoutingMode` setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoutingMode {
    /// Chats wait until an agent takes one (GrabChat) or a manager gives one (AssignChat).
    Manual,
    /// The accepting agent of the department who was given a chat least recently.
    RoundRobin,
    /// The accepting agent with the fewest open chats, then the one given a chat least recently.
    LeastBusy,
}

impl RoutingMode {
    pub fn name(self) -> &'static str {
        match self {
            Self::Manual => "Manual",
            Self::RoundRobin => "RoundRobin",
            Self::LeastBusy => "LeastBusy",
        }
    }

    /// Parses a mode name, in any letter case.
    pub fn parse(raw: &str) -> Result<Self, String> {
        [Self::Manual, Self::RoundRobin, Self::LeastBusy]
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| format!("must be Manual, RoundRobin or LeastBusy, not `{raw}`"))
    }
}

/// How many open chats an agent may hold: the agent's own `MaxChats`, else the department's
/// `MaxChatsPerAgent`, else the desk's setting. 0 means no limit.
pub fn capacity(agent: Option<i64>, department: Option<i64>, desk: i64) -> i64 {
    agent.or(department).unwrap_or(desk)
}

/// Whether an agent holding `open` chats may take one more under `limit` (0 = no limit).
pub fn has_room(open: i64, limit: i64) -> bool {
    limit <= 0 || open < limit
}

/// An agent who could take a chat, as the assigner sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub agent_id: i64,
    pub open_chats: i64,
    pub limit: i64,
    pub last_assigned_at: Option<NaiveDateTime>,
}

/// The candidates with room, best first for `mode`; `preferred` (the customer's last agent, when
/// `PreferLastAgent` is on) goes first when it has room.
pub fn ranked(
    mode: RoutingMode,
    mut candidates: Vec<Candidate>,
    preferred: Option<i64>,
) -> Vec<Candidate> {
    candidates.retain(|c| has_room(c.open_chats, c.limit));
    // `None` (never given a chat) sorts before any time: newcomers get the next chat.
    match mode {
        RoutingMode::LeastBusy => candidates.sort_by(|a, b| {
            (a.open_chats, a.last_assigned_at, a.agent_id).cmp(&(
                b.open_chats,
                b.last_assigned_at,
                b.agent_id,
            ))
        }),
        RoutingMode::RoundRobin | RoutingMode::Manual => candidates.sort_by(|a, b| {
            (a.last_assigned_at, a.agent_id).cmp(&(b.last_assigned_at, b.agent_id))
        }),
    }
    if let Some(pos) = preferred.and_then(|p| candidates.iter().position(|c| c.agent_id == p)) {
        let first = candidates.remove(pos);
        candidates.insert(0, first);
    }
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> Option<NaiveDateTime> {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30).and_then(|d| d.and_hms_opt(9, minute, 0))
    }

    fn candidate(
        agent_id: i64,
        open_chats: i64,
        limit: i64,
        last: Option<NaiveDateTime>,
    ) -> Candidate {
        Candidate {
            agent_id,
            open_chats,
            limit,
            last_assigned_at: last,
        }
    }

    fn ids(list: &[Candidate]) -> Vec<i64> {
        list.iter().map(|c| c.agent_id).collect()
    }

    #[test]
    fn the_agents_own_limit_wins_over_the_departments_over_the_desks() {
        assert_eq!(capacity(Some(2), Some(4), 5), 2);
        assert_eq!(capacity(None, Some(4), 5), 4);
        assert_eq!(capacity(None, None, 5), 5);
        assert!(has_room(4, 5) && !has_room(5, 5) && has_room(99, 0));
    }

    #[test]
    fn round_robin_goes_to_who_waited_longest_for_a_chat() {
        let list = vec![
            candidate(1, 0, 5, at(10)),
            candidate(2, 3, 5, at(5)),
            candidate(3, 1, 5, None),
            candidate(4, 5, 5, None),
        ];
        assert_eq!(ids(&ranked(RoutingMode::RoundRobin, list, None)), [3, 2, 1]);
    }

    #[test]
    fn least_busy_goes_to_the_fewest_open_chats_then_round_robin() {
        let list = vec![
            candidate(1, 1, 5, at(10)),
            candidate(2, 1, 5, at(5)),
            candidate(3, 0, 5, at(20)),
            candidate(4, 2, 0, None),
        ];
        assert_eq!(
            ids(&ranked(RoutingMode::LeastBusy, list, None)),
            [3, 2, 1, 4]
        );
    }

    #[test]
    fn the_last_agent_comes_first_only_with_room() {
        let list = vec![candidate(1, 0, 5, None), candidate(2, 2, 5, at(1))];
        assert_eq!(
            ids(&ranked(RoutingMode::LeastBusy, list.clone(), Some(2))),
            [2, 1]
        );
        let full = vec![candidate(1, 0, 5, None), candidate(2, 5, 5, at(1))];
        assert_eq!(ids(&ranked(RoutingMode::LeastBusy, full, Some(2))), [1]);
    }

    #[test]
    fn modes_parse_in_any_case() {
        assert_eq!(RoutingMode::parse("leastbusy"), Ok(RoutingMode::LeastBusy));
        assert_eq!(
            RoutingMode::parse(" RoundRobin "),
            Ok(RoutingMode::RoundRobin)
        );
        assert!(RoutingMode::parse("Random").is_err());
    }
}
