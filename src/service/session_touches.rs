//! Sliding sessions, written together. A session's idle expiry slides with its calls (at most
//! every `SESSION_TOUCH_SECONDS`); written one by one, 64 agents' screens made 26 commits a
//! second of nothing but that, each a round trip of its own for the call that made it and each a
//! commit that ends every chat answer kept while nothing changed (`service::unchanged`). Touches
//! far from expiring are collected here and written by one writer every `SESSION_TOUCH_SECONDS`
//! (between one and five seconds), so the stored expiry trails by at most that grain and five
//! seconds, against an idle timeout of an hour; one near its expiry is written at once by its
//! call, so no instance or sweep ever takes a session for expired that a call just kept alive.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::NaiveDateTime;

use super::Ctx;
use crate::config::Config;
use crate::error::ApiResult;
use crate::store::{agents, sessions};

/// A session whose stored idle expiry is further than this is slid by the writer; nearer, by
/// its call. Far more than the writer's period, so a late write never lets one lapse.
pub const WRITE_BEHIND_MARGIN: chrono::Duration = chrono::Duration::minutes(1);

/// How often the writer writes: every `SESSION_TOUCH_SECONDS` (the grain a session's expiry
/// keeps anyway), between one and five seconds apart: far inside [`WRITE_BEHIND_MARGIN`].
pub fn writer_period(config: &Config) -> Duration {
    config
        .session_touch_interval
        .clamp(Duration::from_secs(1), Duration::from_secs(5))
}

/// Whether calls leave their slides to the writer: only when presence, which reads the agents'
/// written `last_seen_at`, waits at least three times as long as a slide can take to be written
/// (the touch interval and the writer's period). A desk configured tighter writes each call's
/// slide itself, so no active agent is ever taken for gone.
pub fn writes_behind(config: &Config) -> bool {
    config.presence_timeout >= 3 * (config.session_touch_interval + writer_period(config))
}

/// Sessions (and their agents) seen since the last write.
#[derive(Default)]
pub struct PendingTouches {
    inner: Mutex<Touched>,
}

/// The latest call of each session (with the idle expiry it slid to) and of each agent, in id
/// order: two instances writing the same rows lock them in the same order.
#[derive(Default)]
struct Touched {
    sessions: BTreeMap<i64, (NaiveDateTime, NaiveDateTime)>,
    agents: BTreeMap<i64, NaiveDateTime>,
}

impl Touched {
    fn add_session(&mut self, session_id: i64, at: NaiveDateTime, idle: NaiveDateTime) {
        let slid = self.sessions.entry(session_id).or_insert((at, idle));
        *slid = (slid.0.max(at), slid.1.max(idle));
    }

    fn add_agent(&mut self, agent_id: i64, at: NaiveDateTime) {
        let seen = self.agents.entry(agent_id).or_insert(at);
        *seen = (*seen).max(at);
    }
}

impl PendingTouches {
    /// `session_id` of `agent_id` was used `at`, which slid its idle expiry to `idle`.
    pub fn record(&self, session_id: i64, agent_id: i64, at: NaiveDateTime, idle: NaiveDateTime) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        t.add_session(session_id, at, idle);
        t.add_agent(agent_id, at);
    }

    fn take(&self) -> Touched {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Puts back touches whose write failed, to be written with the next ones.
    fn put_back(&self, failed: Touched) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for (session_id, (at, idle)) in failed.sessions {
            t.add_session(session_id, at, idle);
        }
        for (agent_id, at) in failed.agents {
            t.add_agent(agent_id, at);
        }
    }
}

/// Writes every pending session's last call and idle expiry, and its agent's last call, as the
/// calls left them, in one transaction; returns how many sessions. A session ended meanwhile is
/// simply not found; a later time already written (by another instance) is kept. When the write
/// fails, the touches wait for the next one.
pub fn flush(ctx: &Ctx) -> ApiResult<usize> {
    let touched = ctx.session_touches.take();
    if touched.sessions.is_empty() {
        return Ok(0);
    }
    let written = ctx.write(|c| {
        for (session_id, (at, idle)) in &touched.sessions {
            sessions::touch(c, *session_id, *at, *idle)?;
        }
        for (agent_id, at) in &touched.agents {
            agents::touch_last_seen_if_later(c, *agent_id, *at)?;
        }
        Ok(touched.sessions.len())
    });
    if written.is_err() {
        ctx.session_touches.put_back(touched);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(touch: u64, presence: u64) -> Config {
        let vars = [
            ("SESSION_TOUCH_SECONDS", touch.to_string()),
            ("PRESENCE_TIMEOUT_SECONDS", presence.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Config::from_vars(&vars).unwrap()
    }

    #[test]
    fn slides_are_left_to_the_writer_only_when_presence_waits_long_enough() {
        assert_eq!(writer_period(&config(5, 90)), Duration::from_secs(5));
        assert_eq!(writer_period(&config(0, 90)), Duration::from_secs(1));
        assert_eq!(writer_period(&config(60, 900)), Duration::from_secs(5));
        assert!(
            writes_behind(&config(5, 90)),
            "the defaults: 30 s against 90"
        );
        assert!(writes_behind(&config(0, 5)), "3 s against 5");
        assert!(
            !writes_behind(&config(5, 20)),
            "30 s against 20: each call writes"
        );
    }
}
