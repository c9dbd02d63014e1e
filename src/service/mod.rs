//! The desk's rules. Every function here runs on the blocking pool (Diesel and argon2 are
//! synchronous) and owns its transactions; handlers call exactly one of them.

pub mod agents;
pub mod alerts;
pub mod assigner;
pub mod attachments;
pub mod auth;
pub mod cache;
pub mod canned_responses;
pub mod capacity;
pub mod channel_servers;
pub mod channels;
pub mod chats;
pub mod customers;
pub mod deliveries;
pub mod departments;
pub mod event_tickets;
pub mod export;
pub mod gauges;
pub mod governance;
pub mod intake;
pub mod live;
pub mod live_hub;
pub mod logon_throttle;
pub mod mailer;
pub mod messages;
pub mod metrics;
pub mod passwords;
pub mod presence;
pub mod ratings;
pub mod reports;
pub mod routing;
pub mod session_cache;
pub mod session_touches;
pub mod settings;
pub mod setup;
pub mod tags;
pub mod tally;
pub mod transcript;
pub mod unchanged;
pub mod web_chat;
pub mod webhooks;
pub mod welcome_menu;
pub mod widget;
pub mod working_hours;

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::result::QueryResult;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, dialect, DbConnection, DbPool, PooledConnection};
use crate::domain::settings::{SettingKey, SettingValue};
use crate::error::{ApiError, ApiResult};
use mailer::Mailer;

/// What every service needs: the pool, the configuration and the mailer.
pub struct Ctx {
    pub pool: DbPool,
    /// How long the pool's checkouts waited (`GET /metrics`); set by whoever built the pool.
    pub pool_waits: std::sync::Arc<db::PoolWaits>,
    pub config: Config,
    pub mailer: Mailer,
    /// Where every service reads the time (tests move it).
    pub clock: Clock,
    /// Woken when messages for customers are queued, so the delivery worker sends them at once.
    pub outbound_ready: tokio::sync::Notify,
    /// Woken when webhook deliveries are queued, so the webhook sender posts them at once.
    pub webhooks_ready: tokio::sync::Notify,
    /// Copies of hot, rarely changed data, at most a second old.
    pub cache: Caches,
    /// Sessions read within the last second.
    pub sessions: session_cache::SessionCache,
    /// Failed logons for unknown addresses, written about once a second.
    pub pending_logon_failures: logon_throttle::PendingFailures,
    /// Sessions to slide, written every `SESSION_TOUCH_SECONDS`.
    pub session_touches: session_touches::PendingTouches,
    /// Where argon2 runs (`PASSWORD_HASH_CONCURRENCY` threads).
    pub password_threads: passwords::PasswordThreads,
    /// This process's event stream fan-out and open streams.
    pub live: live_hub::LiveHub,
    /// Woken after every commit here: automatic assignment looks at the queues again.
    pub assign_wanted: tokio::sync::Notify,
    /// Reads what the database has committed, for the answers kept while it is unchanged.
    pub commits: db::commit_mark::CommitWatch,
    /// Chat answers kept while the database is unchanged.
    pub unchanged: unchanged::UnchangedAnswers,
    /// Set once migrations have run; until then the API answers 503.
    schema_ready: AtomicBool,
    /// This process's SQLite writers, committed in groups (see [`Ctx::write`]).
    sqlite_writers: db::group_commit::GroupCommit,
}

/// What the services keep cached (see `cache`).
pub struct Caches {
    /// Every setting with its value.
    pub settings: cache::Fresh<Vec<(SettingKey, SettingValue)>>,
    /// Serialised answers of configuration reads.
    pub answers: cache::AnswerCache,
    /// What the welcome menu reads of the configuration.
    pub desk: cache::Fresh<welcome_menu::DeskSnapshot>,
    /// The event stream's live end as a list last read it (see `chats::get_chat_list`).
    pub live_end: cache::Fresh<crate::domain::live::Position>,
    /// Each agent's departments, as the reads that decide what an agent may see use them.
    pub agent_departments: cache::TtlMap<i64, Vec<i64>>,
}

impl Caches {
    fn new() -> Self {
        Self {
            settings: cache::Fresh::new(cache::CACHE_TTL),
            answers: cache::AnswerCache::default(),
            desk: cache::Fresh::new(cache::CACHE_TTL),
            live_end: cache::Fresh::new(cache::LIVE_END_TTL),
            agent_departments: Default::default(),
        }
    }

    /// The desk's configuration changed through this process: forget every cached copy of it,
    /// so this process answers with the change at once.
    pub fn configuration_changed(&self) {
        self.settings.invalidate();
        self.answers.clear();
        self.desk.invalidate();
        self.agent_departments.clear();
    }
}

impl Ctx {
    /// A context around a pool whose schema is not known to be current yet.
    pub fn new(pool: DbPool, config: Config, mailer: Mailer) -> Self {
        let password_threads = passwords::PasswordThreads::start(config.password_hash_concurrency);
        let live =
            live_hub::LiveHub::new(config.event_streams_per_session, config.event_streams_max);
        let commits =
            db::commit_mark::CommitWatch::new(&config.database_url, config.database_timeout);
        let unchanged = unchanged::UnchangedAnswers::new(config.unchanged_answers_bytes);
        Self {
            pool,
            pool_waits: Default::default(),
            config,
            mailer,
            clock: Clock::system(),
            outbound_ready: tokio::sync::Notify::new(),
            webhooks_ready: tokio::sync::Notify::new(),
            cache: Caches::new(),
            pending_logon_failures: Default::default(),
            session_touches: Default::default(),
            sessions: Default::default(),
            password_threads,
            live,
            assign_wanted: tokio::sync::Notify::new(),
            commits,
            unchanged,
            schema_ready: AtomicBool::new(false),
            sqlite_writers: Default::default(),
        }
    }

    /// Now, as stored (UTC, microseconds).
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now()
    }

    /// Called once migrations have run: the API stops answering 503.
    pub fn mark_schema_ready(&self) {
        self.schema_ready.store(true, Ordering::Release);
    }

    /// Whether migrations have run.
    pub fn is_schema_ready(&self) -> bool {
        self.schema_ready.load(Ordering::Acquire)
    }

    /// A pooled connection; 503 while the schema is not ready or the database is down.
    pub fn conn(&self) -> ApiResult<Checkout> {
        if !self.is_schema_ready() {
            return Err(ApiError::database_unavailable(
                "the database schema is not ready yet",
            ));
        }
        Ok(Checkout::new(self.pool.get()?))
    }

    /// Runs `f` in one write transaction: all of it happens or none of it.
    ///
    /// SQLite takes one writer at a time; the writers of this process that wait at the same time
    /// share one transaction, each in its own savepoint, and one commit
    /// ([`db::group_commit`]). Waiting writers hold no connection. `f` must not start another
    /// write. PostgreSQL runs each in its own transaction.
    pub fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send,
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send,
    {
        let done = match self.config.database_url.is_postgres() {
            true => dialect::write_transaction(&mut *self.conn()?, f)?,
            false => self.sqlite_writers.run(|| self.conn(), f)?,
        };
        // The change may have written events: the reader looks at once instead of at its next poll.
        self.live.written.notify_one();
        self.assign_wanted.notify_one();
        Ok(done)
    }

    /// [`Self::write`] for a change of the desk's configuration (departments, tags, canned
    /// responses, hours, settings): on success the cached copies are forgotten.
    pub fn write_config<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send,
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send,
    {
        self.write(f)
            .inspect(|_| self.cache.configuration_changed())
    }

    /// The departments of `agent_id`, read at most a second ago (`Caches::agent_departments`):
    /// for what an agent may see and act on, which every instance then follows within a second
    /// of a change, as it does a disabled session. Taking a chat (GrabChat, AssignChat, a reply
    /// to a waiting chat) reads them afresh in its transaction.
    pub fn departments_of(
        &self,
        c: &mut DbConnection,
        agent_id: i64,
    ) -> ApiResult<std::sync::Arc<Vec<i64>>> {
        self.cache.agent_departments.get_or_load(agent_id, || {
            Ok(crate::store::agents::department_ids(c, agent_id)?)
        })
    }

    /// Runs `f` on one connection, outside a transaction (reads, or single-statement writes).
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConnection) -> ApiResult<T>) -> ApiResult<T> {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// `/ready`: the schema is current and the database answers.
    pub fn ping(&self) -> ApiResult<()> {
        self.read(db::ping)
    }

    /// Runs read-only queries on one connection.
    pub fn read<T>(&self, f: impl FnOnce(&mut DbConnection) -> QueryResult<T>) -> ApiResult<T> {
        let mut conn = self.conn()?;
        Ok(f(&mut conn)?)
    }
}

thread_local! {
    /// Pooled connections this thread holds.
    static HELD: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// A pooled connection, counted per thread. A thread that takes a second connection while it
/// holds one (say, a cached read inside a write transaction) needs two at once: under load every
/// connection is held by such a thread, each waiting for another, and requests fail with
/// `DatabaseUnavailable` until the pool's timeout. Debug builds (the tests) refuse it outright.
pub struct Checkout(PooledConnection);

impl Checkout {
    fn new(conn: PooledConnection) -> Self {
        let held = HELD.with(|h| h.replace(h.get() + 1));
        debug_assert_eq!(
            held, 0,
            "a second pooled connection taken by a thread that holds one"
        );
        Self(conn)
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        HELD.with(|h| h.set(h.get().saturating_sub(1)));
    }
}

impl std::ops::Deref for Checkout {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Checkout {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.0
    }
}

/// Maps a generic unique-violation conflict to the specific code a service promises.
pub(crate) fn conflict_as(
    code: crate::error::ErrorCode,
    message: &str,
) -> impl FnOnce(ApiError) -> ApiError + '_ {
    move |e| {
        if e.code == crate::error::ErrorCode::Conflict {
            ApiError::conflict(code, message)
        } else {
            e
        }
    }
}
