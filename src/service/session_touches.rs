//! Sliding sessions, written together. A session's idle expiry slides with its calls (at most
//! every `SESSION_TOUCH_SECONDS`); written one by one, 64 agents' screens made 26 commits a
//! second of nothing but that, each a round trip of its own for the call that made it and each a
//! commit that ends every chat answer kept while nothing changed (`service::unchanged`). Touches
//! far from expiring are collected here and written by one writer every `SESSION_TOUCH_SECONDS`
//! (at least a second), so the stored expiry trails by at most twice that grain, against an idle
//! timeout of an hour; one near its expiry is written at once by its call, so no instance or
//! sweep ever takes a session for expired that a call just kept alive.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;

use super::Ctx;
use crate::error::ApiResult;
use crate::store::{agents, sessions};

/// A session whose stored idle expiry is further than this is slid by the writer; nearer, by
/// its call. Far more than the writer's period, so a late write never lets one lapse.
pub const WRITE_BEHIND_MARGIN: chrono::Duration = chrono::Duration::minutes(1);

/// Sessions (and their agents) seen since the last write.
#[derive(Default)]
pub struct PendingTouches {
    inner: Mutex<Touched>,
}

/// The latest call of each session (with the idle expiry it slid to) and of each agent.
#[derive(Default)]
struct Touched {
    sessions: HashMap<i64, (NaiveDateTime, NaiveDateTime)>,
    agents: HashMap<i64, NaiveDateTime>,
}

impl PendingTouches {
    /// `session_id` of `agent_id` was used `at`, which slid its idle expiry to `idle`.
    pub fn record(&self, session_id: i64, agent_id: i64, at: NaiveDateTime, idle: NaiveDateTime) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        t.sessions.insert(session_id, (at, idle));
        let seen = t.agents.entry(agent_id).or_insert(at);
        *seen = (*seen).max(at);
    }

    fn take(&self) -> Touched {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Writes every pending session's last call and idle expiry, and its agent's last call, as the
/// calls left them, in one transaction; returns how many sessions. A session
/// ended meanwhile is simply not found.
pub fn flush(ctx: &Ctx) -> ApiResult<usize> {
    let touched = ctx.session_touches.take();
    if touched.sessions.is_empty() {
        return Ok(0);
    }
    ctx.write(|c| {
        for (session_id, (at, idle)) in &touched.sessions {
            sessions::touch(c, *session_id, *at, *idle)?;
        }
        for (agent_id, at) in &touched.agents {
            agents::touch_last_seen(c, *agent_id, *at)?;
        }
        Ok(())
    })?;
    Ok(touched.sessions.len())
}
