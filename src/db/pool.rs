//! The connection pool: one r2d2 pool of [`DbConnection`], the backend chosen from the URL scheme.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

/// A connection to either backend. Everything outside `src/db/` is written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Where the data lives, decided once from `DATABASE_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path (or `:memory:`), without any `sqlite://` prefix.
    Sqlite(String),
}

impl DatabaseUrl {
    /// Picks the backend from the scheme ourselves: Diesel's derived `establish` tries each backend in
    /// turn, which turns a mistyped URL into a SQLite file named `postgres:...` and hides the real error.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        for prefix in ["sqlite://", "sqlite:"] {
            if let Some(path) = url.strip_prefix(prefix) {
                return Ok(Self::Sqlite(path.to_owned()));
            }
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!(
                "DATABASE_URL has the unsupported scheme `{scheme}://`; use postgres://, postgresql:// or a SQLite file path"
            ));
        }
        Ok(Self::Sqlite(url.to_owned()))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// r2d2 manager that connects to the backend named by the URL and prepares SQLite connections.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        ping(conn).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// One round trip to the database: it answers.
pub fn ping(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}

/// Builds the pool without connecting: a database that is down at start-up makes requests answer 503
/// until it is back, instead of stopping the server.
pub fn build_pool(url: &DatabaseUrl, max_size: u32, timeout: Duration) -> DbPool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        .build_unchecked(ConnectionManager { url: url.clone() })
}

#[cfg(test)]
mod tests {
    use super::DatabaseUrl;

    #[test]
    fn scheme_picks_the_backend() {
        assert!(DatabaseUrl::parse("postgres://u@h/db")
            .unwrap()
            .is_postgres());
        assert!(DatabaseUrl::parse("postgresql://u@h/db")
            .unwrap()
            .is_postgres());
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/a.db").unwrap(),
            DatabaseUrl::Sqlite("data/a.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("agentdesk.db").unwrap(),
            DatabaseUrl::Sqlite("agentdesk.db".into())
        );
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("postgress://x").is_err());
        assert!(DatabaseUrl::parse("  ").is_err());
    }
}
