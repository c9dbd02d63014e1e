//! Database access: the pool, the schema, migrations and the few per-backend queries.

pub mod commit_mark;
pub mod dialect;
pub mod group_commit;
pub mod migrations;
pub mod pool;
pub mod schema;
pub mod sql;
pub mod text_search;

pub use pool::{
    build_measured_pool, build_pool, note_connection_trouble, ping, DatabaseUrl, DbConnection,
    DbPool, PoolWaits, PooledConnection,
};

pub use crate::clock::truncate_to_micros;
