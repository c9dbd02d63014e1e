//! A mark of what the database has committed, for answers kept while nothing changed.
//!
//! Two marks read at two moments are equal only if nothing was committed in between, by this
//! process or any other: PostgreSQL's current snapshot (the transactions running and the next
//! id, cluster-wide), SQLite's `data_version` as one connection that never writes reads it (it
//! changes whenever another connection, of any process, commits). Neither depends on the code
//! that writes remembering to say so. An answer computed after reading a mark is never older
//! than the mark, so it may be given again to whoever reads the same mark later.

use std::sync::Mutex;
use std::time::Duration;

use diesel::query_builder::{AstPass, Query, QueryFragment};
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryResult, RunQueryDsl};

use super::pool::{establish, DatabaseUrl, DbConnection, MultiBackend};

/// What the database had committed when it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommitMark {
    /// `pg_current_snapshot()` as text: `xmin:xmax:running ids`.
    Snapshot(String),
    /// `PRAGMA data_version` of the watching connection, and which of its connections read it:
    /// the counter is the connection's own and starts again on a new one.
    DataVersion { connection: u64, version: i64 },
}

/// Reads [`CommitMark`]s: on SQLite through a connection of its own, which never writes (a
/// connection's `data_version` does not change for its own commits).
pub struct CommitWatch {
    sqlite: Option<Mutex<Watcher>>,
}

/// The SQLite watcher's connection, opened when first needed and again after an error.
struct Watcher {
    url: DatabaseUrl,
    timeout: Duration,
    conn: Option<DbConnection>,
    /// Counts the connections opened, so no mark of an earlier one equals one of a later one.
    connections: u64,
}

impl Watcher {
    fn data_version(&mut self) -> Result<(u64, i64), diesel::r2d2::Error> {
        if self.conn.is_none() {
            self.conn = Some(establish(&self.url, self.timeout)?);
            self.connections += 1;
        }
        let conn = self.conn.as_mut().expect("opened above");
        let version = DataVersion
            .get_result(conn)
            .map_err(diesel::r2d2::Error::QueryError)
            .inspect_err(|_| self.conn = None)?;
        Ok((self.connections, version))
    }
}

impl CommitWatch {
    /// A watch for the database at `url`. An in-memory or temporary SQLite database (`:memory:`,
    /// an empty path) is private to each connection, so there is nothing to watch:
    /// [`Self::read`] then gives no mark.
    pub fn new(url: &DatabaseUrl, timeout: Duration) -> Self {
        let sqlite = match url {
            DatabaseUrl::Sqlite(path) if !path.trim().is_empty() && !path.contains(":memory:") => {
                Some(Mutex::new(Watcher {
                    url: url.clone(),
                    timeout,
                    conn: None,
                    connections: 0,
                }))
            }
            _ => None,
        };
        Self { sqlite }
    }

    /// The mark as of now; `conn` is the caller's connection, used on PostgreSQL. `None` when
    /// there is no mark to read (an in-memory SQLite database, or the watcher failed: the answer
    /// is then computed afresh and not kept).
    pub fn read(&self, conn: &mut DbConnection) -> QueryResult<Option<CommitMark>> {
        if let DbConnection::Postgres(_) = conn {
            return CurrentSnapshot
                .get_result(conn)
                .map(|s| Some(CommitMark::Snapshot(s)));
        }
        let Some(watcher) = &self.sqlite else {
            return Ok(None);
        };
        let read = watcher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .data_version();
        match read {
            Ok((connection, version)) => Ok(Some(CommitMark::DataVersion {
                connection,
                version,
            })),
            Err(e) => {
                tracing::warn!(error = %e, "commit mark not read: the answer is not kept");
                Ok(None)
            }
        }
    }
}

/// `SELECT pg_current_snapshot()::text`, kept prepared (a `sql_query` is parsed on every run).
struct CurrentSnapshot;

impl QueryFragment<MultiBackend> for CurrentSnapshot {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("SELECT pg_current_snapshot()::text");
        Ok(())
    }
}

impl Query for CurrentSnapshot {
    type SqlType = Text;
}

/// `PRAGMA data_version`.
struct DataVersion;

impl QueryFragment<MultiBackend> for DataVersion {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("PRAGMA data_version");
        Ok(())
    }
}

impl Query for DataVersion {
    type SqlType = BigInt;
}

super::sql::keyed_by_sql!(CurrentSnapshot, DataVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::build_pool;
    use diesel::connection::SimpleConnection;

    #[test]
    fn a_sqlite_mark_moves_with_every_commit_of_any_connection_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("m.db").display().to_string());
        let pool = build_pool(&url, 2, Duration::from_secs(1));
        let watch = CommitWatch::new(&url, Duration::from_secs(1));
        let mut writer = pool.get().unwrap();
        writer.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
        let mut reader = pool.get().unwrap();
        let before = watch.read(&mut reader).unwrap().expect("a mark");
        assert_eq!(watch.read(&mut reader).unwrap(), Some(before.clone()));
        reader.batch_execute("SELECT * FROM t").unwrap();
        assert_eq!(
            watch.read(&mut reader).unwrap(),
            Some(before.clone()),
            "a read changes nothing"
        );
        writer.batch_execute("INSERT INTO t VALUES (1)").unwrap();
        let after = watch.read(&mut reader).unwrap().expect("a mark");
        assert_ne!(after, before, "a commit moves it");
        writer
            .batch_execute("BEGIN; INSERT INTO t VALUES (2); ROLLBACK;")
            .unwrap();
        assert_eq!(watch.read(&mut reader).unwrap(), Some(after));
    }

    #[test]
    fn a_new_watcher_connection_never_repeats_an_earlier_mark() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("m.db").display().to_string());
        let pool = build_pool(&url, 1, Duration::from_secs(1));
        let watch = CommitWatch::new(&url, Duration::from_secs(1));
        let mut conn = pool.get().unwrap();
        let first = watch.read(&mut conn).unwrap();
        // As after an error: the watcher connects again, its counter starting over.
        watch.sqlite.as_ref().unwrap().lock().unwrap().conn = None;
        let second = watch.read(&mut conn).unwrap();
        assert!(first.is_some() && second.is_some());
        assert_ne!(first, second);
    }

    #[test]
    fn an_in_memory_database_gives_no_mark() {
        let url = DatabaseUrl::Sqlite(":memory:".into());
        let pool = build_pool(&url, 1, Duration::from_secs(1));
        let watch = CommitWatch::new(&url, Duration::from_secs(1));
        assert_eq!(watch.read(&mut pool.get().unwrap()).unwrap(), None);
    }
}
