//! GetChatList's own values: the search term and the keyset position (`After`).

use chrono::{DateTime, NaiveDateTime};

/// A `Term` as the list searches for it: lower-cased, with the LIKE wildcards `%`, `_` and `\`
/// taken out (they are ignored, as documented), matched anywhere in the text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchTerm(String);

/// Shorter terms have no trigram to look up in a text index: they are searched by a bounded scan.
pub const INDEXED_TERM_CHARS: usize = 3;

impl SearchTerm {
    pub fn parse(raw: &str) -> Self {
        Self(
            raw.to_lowercase()
                .chars()
                .filter(|c| !matches!(c, '%' | '_' | '\\'))
                .collect(),
        )
    }

    /// The term itself, lower-cased and without wildcards.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// `%term%`, for `LIKE`: the definition of a match, whatever index finds the candidates.
    pub fn like_pattern(&self) -> String {
        format!("%{}%", self.0)
    }

    /// Whether a trigram index can find it: three characters or more.
    pub fn is_indexable(&self) -> bool {
        self.0.chars().count() >= INDEXED_TERM_CHARS
    }
}

/// Where a keyset page starts: the sort key and id of the last chat of the page before, as
/// `Cursor.Next` handed it out. The key is the time the list orders by (`LastMessageAt`,
/// `ClosedAt` or `QueuedAt`); it is absent for a chat still in the welcome menu, which the queue
/// lists after every queued chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListPosition {
    pub key: Option<NaiveDateTime>,
    pub id: i64,
}

impl ListPosition {
    /// Reads `Cursor.Next`: `<microseconds since 1970>.<chat id>`, or `-.<chat id>` without a key.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bad = || format!("must be a Cursor.Next value from GetChatList, not `{raw}`");
        let (key, id) = raw.trim().split_once('.').ok_or_else(bad)?;
        let id: i64 = id.parse().ok().filter(|id| *id > 0).ok_or_else(bad)?;
        let key = match key {
            "-" => None,
            micros => {
                let micros: i64 = micros.parse().map_err(|_| bad())?;
                Some(
                    DateTime::from_timestamp_micros(micros)
                        .ok_or_else(bad)?
                        .naive_utc(),
                )
            }
        };
        Ok(Self { key, id })
    }

    /// The value clients pass back as `After`.
    pub fn token(&self) -> String {
        match self.key {
            Some(at) => format!("{}.{}", at.and_utc().timestamp_micros(), self.id),
            None => format!("-.{}", self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_lose_wildcards_and_case() {
        let t = SearchTerm::parse("50%_Off\\");
        assert_eq!(t.text(), "50off");
        assert_eq!(t.like_pattern(), "%50off%");
        assert!(t.is_indexable());
        assert!(!SearchTerm::parse("Ü%").is_indexable());
        assert!(SearchTerm::parse("Müll").is_indexable());
    }

    #[test]
    fn positions_read_back_what_they_wrote() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456)
            .unwrap()
            .naive_utc();
        for p in [
            ListPosition {
                key: Some(at),
                id: 42,
            },
            ListPosition { key: None, id: 7 },
        ] {
            assert_eq!(ListPosition::parse(&p.token()), Ok(p));
        }
        for bad in ["", "12", "x.3", "12.0", "12.-4", "-.", "1.2.3"] {
            assert!(ListPosition::parse(bad).is_err(), "{bad}");
        }
    }
}
