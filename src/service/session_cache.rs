//! Sessions as this process last read them, so that most requests are authenticated without a
//! query. An entry is trusted for at most a second (`cache::CACHE_TTL`): a session logged off,
//! expired or disabled through any instance is refused by every instance within a second. This
//! process forgets a session the moment it ends one itself.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Instant;

use chrono::NaiveDateTime;

use super::cache::CACHE_TTL;
use crate::domain::Caller;

/// What a request needs to know about its session.
#[derive(Clone, Debug)]
pub struct CachedSession {
    pub caller: Caller,
    pub idle_expires_at: NaiveDateTime,
    pub absolute_expires_at: NaiveDateTime,
    /// When `last_seen_at` (and the idle expiry) were last written.
    pub touched_at: NaiveDateTime,
}

/// Sessions by the hash of their token.
#[derive(Default)]
pub struct SessionCache {
    entries: RwLock<HashMap<String, (Instant, CachedSession)>>,
}

/// The most sessions kept; past it, entries older than their time to live are dropped first.
const MAX_ENTRIES: usize = 50_000;

impl SessionCache {
    /// The session behind `token_hash` if it was read within the last second.
    pub fn get(&self, token_hash: &str) -> Option<CachedSession> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(token_hash)
            .filter(|(read_at, _)| read_at.elapsed() < CACHE_TTL)
            .map(|(_, s)| s.clone())
    }

    /// Remembers a session just read or written.
    pub fn put(&self, token_hash: &str, session: CachedSession) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (read_at, _)| read_at.elapsed() < CACHE_TTL);
        }
        entries.insert(token_hash.to_owned(), (Instant::now(), session));
    }

    /// Forgets a session (logged off here).
    pub fn forget_session(&self, session_id: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (_, s)| s.caller.session_id != session_id);
    }

    /// Forgets every session of an agent (disabled, or a new password set, here).
    pub fn forget_agent(&self, agent_id: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (_, s)| s.caller.agent_id != agent_id);
    }
}
