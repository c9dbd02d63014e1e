//! The desk's rules. Every function here runs on the blocking pool (Diesel and argon2 are
//! synchronous) and owns its transactions; handlers call exactly one of them.

pub mod agents;
pub mod auth;
pub mod canned_responses;
pub mod channels;
pub mod chats;
pub mod conversation;
pub mod customers;
pub mod deliveries;
pub mod departments;
pub mod export;
pub mod mailer;
pub mod messages;
pub mod metrics;
pub mod outbound;
pub mod passwords;
pub mod reports;
pub mod routing;
pub mod seed;
pub mod settings;
pub mod tags;
pub mod widget;
pub mod working_hours;

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::result::QueryResult;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{dialect, DbConnection, DbPool, PooledConnection};
use crate::error::{ApiError, ApiResult};
use mailer::Mailer;

/// What every service needs: the pool, the configuration and the mailer.
pub struct Ctx {
    pub pool: DbPool,
    pub config: Config,
    pub mailer: Mailer,
    /// Where every service reads the time (tests move it).
    pub clock: Clock,
    /// Woken when messages for customers are queued, so the delivery worker sends them at once.
    pub outbound_ready: tokio::sync::Notify,
    /// Set once migrations have run; until then the API answers 503.
    schema_ready: AtomicBool,
}

impl Ctx {
    pub fn new(pool: DbPool, config: Config, mailer: Mailer) -> Self {
        Self {
            pool,
            config,
            mailer,
            clock: Clock::system(),
            outbound_ready: tokio::sync::Notify::new(),
            schema_ready: AtomicBool::new(false),
        }
    }

    /// Now, as stored (UTC, microseconds).
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now()
    }

    pub fn mark_schema_ready(&self) {
        self.schema_ready.store(true, Ordering::Release);
    }

    pub fn is_schema_ready(&self) -> bool {
        self.schema_ready.load(Ordering::Acquire)
    }

    pub fn conn(&self) -> ApiResult<PooledConnection> {
        if !self.is_schema_ready() {
            return Err(ApiError::database_unavailable(
                "the database schema is not ready yet",
            ));
        }
        Ok(self.pool.get()?)
    }

    /// Runs `f` in one write transaction: all of it happens or none of it.
    pub fn write<T>(&self, f: impl FnOnce(&mut DbConnection) -> ApiResult<T>) -> ApiResult<T> {
        let mut conn = self.conn()?;
        dialect::write_transaction(&mut conn, f)
    }

    /// Runs `f` on one connection, outside a transaction (reads, or single-statement writes).
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConnection) -> ApiResult<T>) -> ApiResult<T> {
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Runs read-only queries on one connection.
    pub fn read<T>(&self, f: impl FnOnce(&mut DbConnection) -> QueryResult<T>) -> ApiResult<T> {
        let mut conn = self.conn()?;
        Ok(f(&mut conn)?)
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
