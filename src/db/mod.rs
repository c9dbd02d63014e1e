//! Database access: the pool, the schema, migrations and the few per-backend queries.

pub mod dialect;
pub mod migrations;
pub mod pool;
pub mod schema;
pub mod sql;

pub use pool::{build_pool, DatabaseUrl, DbConnection, DbPool, PooledConnection};

/// Times are stored as UTC `NaiveDateTime` truncated to microseconds, the precision both backends keep.
pub fn now() -> chrono::NaiveDateTime {
    truncate_to_micros(chrono::Utc::now().naive_utc())
}

pub fn truncate_to_micros(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}
