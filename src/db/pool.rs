//! The connection pool: one r2d2 pool of [`DbConnection`], the backend chosen from the URL scheme.

use std::sync::Arc;
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

/// A pooled connection and when it was last known to work. Checking every connection with a round
/// trip on every checkout (r2d2's default) doubled the cost of small reads; a connection is checked
/// only after the database gave trouble somewhere (see [`note_connection_trouble`]) or when it sat
/// unchecked for a while.
pub struct Managed {
    conn: DbConnection,
    checked_in_epoch: u64,
    checked_at: std::time::Instant,
}

impl std::ops::Deref for Managed {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Managed {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Bumped whenever a query or connection fails in a way that may mean a dead connection (the
/// server went away or restarted): every pooled connection is checked once before it is used again.
static TROUBLE_EPOCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Marks that connections may have died; each is checked before its next use.
pub fn note_connection_trouble() {
    TROUBLE_EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// A connection unused for longer than this is checked before use even without trouble (a server
/// may drop idle connections silently).
const RECHECK_AFTER: Duration = Duration::from_secs(30);

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
    /// How long a statement may wait for SQLite's lock, and PostgreSQL's server may take to
    /// answer a connection: `DATABASE_TIMEOUT_SECONDS`, so no request hangs past it.
    timeout: Duration,
}

/// What r2d2 reports about checkouts: the time each took (a free connection, a new one, or a
/// wait for one to come back) and the checkouts that timed out (answered 503).
#[derive(Debug)]
pub struct PoolWaits {
    pub checkout_seconds: prometheus::Histogram,
    pub timeouts: prometheus::IntCounter,
}

impl Default for PoolWaits {
    fn default() -> Self {
        let checkout = prometheus::HistogramOpts::new(
            "agentdesk_db_pool_checkout_seconds",
            "Time to check a connection out of the pool (waiting for one included)",
        )
        .buckets(vec![
            0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0,
        ]);
        Self {
            checkout_seconds: prometheus::Histogram::with_opts(checkout)
                .expect("constant histogram options are valid"),
            timeouts: prometheus::IntCounter::new(
                "agentdesk_db_pool_timeouts_total",
                "Checkouts that found no connection within DATABASE_TIMEOUT_SECONDS",
            )
            .expect("constant counter options are valid"),
        }
    }
}

/// Feeds r2d2's checkout events into [`PoolWaits`].
#[derive(Debug)]
struct WaitRecorder(Arc<PoolWaits>);

impl r2d2::HandleEvent for WaitRecorder {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.0
            .checkout_seconds
            .observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.0.timeouts.inc();
    }
}

/// `temp_store = MEMORY`: group commit runs every change of a batch in a savepoint
/// ([`super::group_commit`]), which copies each page the change is the first to touch into a
/// statement journal. SQLite keeps that journal in memory up to 64 KiB and then moves it to a
/// temporary file, so most of a new chat's pages were `pwrite`s (opens 1,328 -> 1,582 per second
/// once in memory, docs/performance.md). In memory, the journal is freed at each release; the
/// other temporary structures it moves to memory are the small ones of our queries (id sets of a
/// `UNION` or `IN`); sorts still spill to files.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;";

/// `url` with libpq's time limits added where the URL does not set them: a connection attempt
/// and unacknowledged writes (a server that vanished from the network) give up after `timeout`.
fn with_time_limits(url: &str, timeout: Duration) -> String {
    let secs = timeout.as_secs().max(1);
    let mut url = url.to_owned();
    for (key, value) in [
        ("connect_timeout", secs.to_string()),
        ("tcp_user_timeout", (secs * 1000).to_string()),
        ("keepalives_idle", secs.to_string()),
    ] {
        if !url.contains(&format!("{key}=")) {
            let joiner = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{joiner}{key}={value}");
        }
    }
    url
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = Managed;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Managed, Self::Error> {
        Ok(Managed {
            conn: establish(&self.url, self.timeout)?,
            checked_in_epoch: TROUBLE_EPOCH.load(std::sync::atomic::Ordering::Relaxed),
            checked_at: std::time::Instant::now(),
        })
    }

    /// A round trip only when the connection may have died (see [`Managed`]); a SQLite file does
    /// not go away under an open connection.
    fn is_valid(&self, conn: &mut Managed) -> Result<(), Self::Error> {
        let epoch = TROUBLE_EPOCH.load(std::sync::atomic::Ordering::Relaxed);
        let fresh = conn.checked_in_epoch == epoch && conn.checked_at.elapsed() < RECHECK_AFTER;
        if fresh || matches!(conn.conn, DbConnection::Sqlite(_)) {
            return Ok(());
        }
        ping(&mut conn.conn).map_err(diesel::r2d2::Error::QueryError)?;
        conn.checked_in_epoch = epoch;
        conn.checked_at = std::time::Instant::now();
        Ok(())
    }

    /// A connection handed back while its code was panicking, or with a transaction still open
    /// or failed, is discarded (as Diesel's own r2d2 manager does): the next request gets a clean one.
    fn has_broken(&self, conn: &mut Managed) -> bool {
        use diesel::r2d2::R2D2Connection;
        std::thread::panicking()
            || match &mut conn.conn {
                DbConnection::Postgres(c) => c.is_broken(),
                DbConnection::Sqlite(c) => c.is_broken(),
            }
    }
}

/// Every SQLite connection this process opens gets a stable query plan for each statement
/// (`SQLITE_DBCONFIG_ENABLE_QPSG`). Without it, SQLite (3.53, bundled) plans a bound `LIMIT`/`OFFSET` as
/// the constant it holds and marks the statement to be compiled again whenever the value is bound
/// anew, which Diesel does on every run: each `.first()` and each page was parsed and planned on
/// every execution, a quarter of the CPU of reading a chat's messages (docs/performance.md, "Plans
/// compiled on every run"). Our plans never depend on a bound value: partial-index conditions and
/// patterns are literals or go through the text index.
fn stable_plans_for_every_sqlite_connection() {
    use libsqlite3_sys as ffi;
    unsafe extern "C" fn enable(
        db: *mut ffi::sqlite3,
        _error: *mut *mut std::ffi::c_char,
        _api: *const ffi::sqlite3_api_routines,
    ) -> std::ffi::c_int {
        // SAFETY: SQLite calls this with the connection it is opening; the option takes an int
        // (1: on) and a nullable int pointer for the setting read back.
        unsafe {
            ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                1 as std::ffi::c_int,
                std::ptr::null_mut::<std::ffi::c_int>(),
            )
        }
    }
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: registers a function with the signature SQLite expects; registering it twice
        // would be harmless too (SQLite keeps one entry per function).
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(enable)) };
        debug_assert_eq!(rc, ffi::SQLITE_OK);
    });
}

/// A new connection to `url`, prepared as every pooled one is (SQLite: busy timeout, WAL, stable
/// plans; PostgreSQL: libpq's time limits).
pub(super) fn establish(
    url: &DatabaseUrl,
    timeout: Duration,
) -> Result<DbConnection, diesel::r2d2::Error> {
    match url {
        DatabaseUrl::Postgres(url) => PgConnection::establish(&with_time_limits(url, timeout))
            .map(DbConnection::Postgres)
            .map_err(diesel::r2d2::Error::ConnectionError),
        DatabaseUrl::Sqlite(path) => {
            stable_plans_for_every_sqlite_connection();
            let mut conn =
                SqliteConnection::establish(path).map_err(diesel::r2d2::Error::ConnectionError)?;
            let busy = format!("PRAGMA busy_timeout = {};", timeout.as_millis());
            conn.batch_execute(&format!("{busy} {SQLITE_PRAGMAS}"))
                .map_err(diesel::r2d2::Error::QueryError)?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// One round trip to the database: it answers.
pub fn ping(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}

/// Builds the pool without connecting: a database that is down at start-up makes requests answer 503
/// until it is back, instead of stopping the server.
pub fn build_pool(url: &DatabaseUrl, max_size: u32, timeout: Duration) -> DbPool {
    build_measured_pool(url, max_size, timeout).0
}

/// [`build_pool`], with what its checkouts waited (r2d2 doesn't hand its event handler back).
pub fn build_measured_pool(
    url: &DatabaseUrl,
    max_size: u32,
    timeout: Duration,
) -> (DbPool, Arc<PoolWaits>) {
    let waits = Arc::new(PoolWaits::default());
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        .event_handler(Box::new(WaitRecorder(waits.clone())))
        .build_unchecked(ConnectionManager {
            url: url.clone(),
            timeout,
        });
    (pool, waits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};

    fn sqlite_pool(dir: &tempfile::TempDir) -> DbPool {
        let url = DatabaseUrl::Sqlite(dir.path().join("p.db").display().to_string());
        build_pool(&url, 2, Duration::from_secs(1))
    }

    #[test]
    fn a_connection_returned_mid_transaction_or_while_panicking_is_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sqlite_pool(&dir);
        {
            let mut conn = pool.get().unwrap();
            if let DbConnection::Sqlite(c) = &mut **conn {
                AnsiTransactionManager::begin_transaction(c).unwrap();
            }
        }
        assert_eq!(pool.state().connections, 0, "left in a transaction");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _conn = pool.get().unwrap();
            panic!("a handler's bug");
        }));
        assert!(panicked.is_err());
        assert_eq!(pool.state().connections, 0, "handed back while panicking");
        drop(pool.get().unwrap());
        assert_eq!(pool.state().connections, 1, "a clean one is kept");
    }

    #[test]
    fn sqlite_connections_keep_one_plan_per_statement() {
        use libsqlite3_sys as ffi;
        stable_plans_for_every_sqlite_connection();
        let mut db: *mut ffi::sqlite3 = std::ptr::null_mut();
        let mut enabled: std::ffi::c_int = -1;
        // SAFETY: an in-memory database opened, read and closed here; `enabled` outlives the call.
        unsafe {
            assert_eq!(
                ffi::sqlite3_open(c":memory:".as_ptr(), &mut db),
                ffi::SQLITE_OK
            );
            ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1 as std::ffi::c_int,
                &mut enabled as *mut std::ffi::c_int,
            );
            ffi::sqlite3_close(db);
        }
        assert_eq!(
            enabled, 1,
            "a bound LIMIT would recompile its statement on every run"
        );
    }

    #[test]
    fn libpq_time_limits_are_added_unless_the_url_sets_them() {
        let limited = with_time_limits("postgres://u@h/db", Duration::from_secs(5));
        assert_eq!(
            limited,
            "postgres://u@h/db?connect_timeout=5&tcp_user_timeout=5000&keepalives_idle=5"
        );
        let own = with_time_limits(
            "postgres://u@h/db?connect_timeout=2",
            Duration::from_secs(5),
        );
        assert!(own.starts_with("postgres://u@h/db?connect_timeout=2&tcp_user_timeout=5000"));
    }

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
