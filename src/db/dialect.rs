//! The few places where SQLite and PostgreSQL need different SQL. Nothing outside `src/db/` matches
//! on the backend.

use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::{Connection, RunQueryDsl};

use super::pool::MultiBackend;

use super::DbConnection;
use crate::domain::report::RunState;

/// Runs `f` in a transaction that may write.
///
/// SQLite has one writer: a deferred transaction that reads first and writes later fails with
/// `SQLITE_BUSY` when another writer got in between, so the write lock is taken first (waiting on
/// `busy_timeout`). PostgreSQL runs at READ COMMITTED; rules that read-then-write lock explicitly
/// with [`lock_rows_for_update`] or [`lock_key`].
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConnection::Sqlite(_) = conn {
            diesel::sql_query("DELETE FROM write_lock").execute(conn)?;
        }
        let done = f(conn)?;
        super::text_search::index_pending(conn)?;
        Ok(done)
    })
}

/// Serialises transactions that share `key` until they end (PostgreSQL advisory lock; SQLite's
/// write lock already serialises every write transaction).
pub fn lock_key(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    if let DbConnection::Postgres(_) = conn {
        AdvisoryLock { key }.execute(conn)?;
    }
    Ok(())
}

/// `pg_advisory_xact_lock` of a key's hash, held until the transaction ends (PostgreSQL only).
/// A statement type, not a `sql_query`, which Diesel never keeps prepared: this runs once or
/// twice in every chat opened and every assignment.
pub struct AdvisoryLock<'a> {
    pub key: &'a str,
}

impl QueryFragment<MultiBackend> for AdvisoryLock<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("SELECT pg_advisory_xact_lock(hashtextextended(");
        out.push_bind_param::<Text, _>(self.key)?;
        out.push_sql(", 0))");
        Ok(())
    }
}

super::sql::keyed_by_sql!(AdvisoryLock<'_>);

/// The oldest waiting chat of these departments that no other transaction is claiming. On
/// PostgreSQL the row is locked (`FOR UPDATE SKIP LOCKED`): racing grabbers each take a different
/// chat instead of queueing on the same one; SQLite's single writer needs no lock.
pub fn lock_oldest_waiting(
    conn: &mut DbConnection,
    department_ids: &[i64],
) -> QueryResult<Option<i64>> {
    use crate::db::schema::chats;
    use crate::domain::chat::ChatState;
    use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
    let waiting = chats::table
        .filter(chats::state.eq(ChatState::Unassigned as i16))
        .order((chats::queued_at, chats::id))
        .select(chats::id);
    // One department as `= $1`: PostgreSQL planned the `= ANY($1)` of one afresh on every grab.
    match (conn, department_ids) {
        (DbConnection::Postgres(c), [one]) => waiting
            .filter(chats::department_id.eq(*one))
            .for_update()
            .skip_locked()
            .first(c)
            .optional(),
        (DbConnection::Postgres(c), _) => waiting
            .filter(chats::department_id.eq_any(department_ids))
            .for_update()
            .skip_locked()
            .first(c)
            .optional(),
        (DbConnection::Sqlite(c), _) => waiting
            .filter(chats::department_id.eq_any(department_ids))
            .first(c)
            .optional(),
    }
}

/// Upserts one settings row.
pub fn upsert_setting(
    conn: &mut DbConnection,
    key: &str,
    value: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<()> {
    use crate::db::schema::settings::dsl as s;
    let row = (s::key.eq(key), s::value.eq(value), s::updated_at.eq(now));
    use diesel::ExpressionMethods;
    match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(s::settings)
            .values(row)
            .on_conflict(s::key)
            .do_update()
            .set((s::value.eq(value), s::updated_at.eq(now)))
            .execute(c)
            .map(|_| ()),
        DbConnection::Postgres(c) => diesel::insert_into(s::settings)
            .values(row)
            .on_conflict(s::key)
            .do_update()
            .set((s::value.eq(value), s::updated_at.eq(now)))
            .execute(c)
            .map(|_| ()),
    }
}

/// Tags a chat; tagging it again with the same tag changes nothing.
pub fn insert_chat_tag(
    conn: &mut DbConnection,
    chat_id: i64,
    tag_id: i64,
    by: Option<i64>,
    now: chrono::NaiveDateTime,
) -> QueryResult<()> {
    use crate::db::schema::chat_tags::dsl as t;
    use diesel::ExpressionMethods;
    let row = (
        t::chat_id.eq(chat_id),
        t::tag_id.eq(tag_id),
        t::added_by.eq(by),
        t::added_at.eq(now),
    );
    match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(t::chat_tags)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c),
        DbConnection::Postgres(c) => diesel::insert_into(t::chat_tags)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c),
    }
    .map(|_| ())
}

/// Inserts a report run unless one exists for the (schedule, period); true when this call made it.
pub fn insert_report_run(
    conn: &mut DbConnection,
    schedule_id: i64,
    period_key: &str,
    due_at: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    use crate::db::schema::report_runs::dsl as r;
    use diesel::ExpressionMethods;
    let row = (
        r::schedule_id.eq(schedule_id),
        r::period_key.eq(period_key),
        r::due_at.eq(due_at),
        r::state.eq(RunState::Pending.id()),
        r::next_attempt_at.eq(due_at),
        r::created_at.eq(now),
    );
    let inserted = match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(r::report_runs)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c),
        DbConnection::Postgres(c) => diesel::insert_into(r::report_runs)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c),
    }?;
    Ok(inserted == 1)
}

/// Inserts many rows of one row type: a multi-row `INSERT ... VALUES (..), (..), ...` on SQLite
/// (callers keep `rows × columns` under SQLite's 32,766 bound parameters), `COPY ... FROM STDIN`
/// (binary) on PostgreSQL, several times faster there than bound-parameter inserts. Diesel's
/// `MultiConnection` has neither, so the statement is built for the backend at hand. Row structs
/// must not turn `None` into `DEFAULT` (`#[diesel(treat_none_as_default_value = false)]`): SQLite
/// would fall back to one statement per row, and COPY has no `DEFAULT`.
/// `bulk_insert_rows!(conn, table, rows)` evaluates to `QueryResult<usize>`.
macro_rules! bulk_insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => {
                diesel::RunQueryDsl::execute(diesel::insert_into($table).values($rows), c)
            }
            $crate::db::DbConnection::Postgres(c) => diesel::prelude::ExecuteCopyFromDsl::execute(
                diesel::copy_from($table).from_insertable($rows),
                c,
            ),
        }
    }};
}
pub(crate) use bulk_insert_rows;

/// After rows were inserted with explicit ids: PostgreSQL's `BIGSERIAL` sequences must move past
/// them (SQLite's `AUTOINCREMENT` keeps `sqlite_sequence` up to date by itself).
pub fn sync_id_sequences(conn: &mut DbConnection, tables: &[&str]) -> QueryResult<()> {
    if let DbConnection::Postgres(_) = conn {
        for table in tables {
            // Table names come from the caller's constant list, never from input.
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 1), \
                 (SELECT MAX(id) FROM {table}) IS NOT NULL)"
            ))
            .execute(conn)?;
        }
    }
    Ok(())
}

/// After a bulk load: PostgreSQL's autovacuum would vacuum and analyse the new rows within a
/// minute or so; doing it now gives the planner its statistics and the visibility map before the
/// first request. Without the map, index-only scans must visit the table: LiveMetrics' read of
/// today's facts took 20 ms through `chat_events_at` instead of 1.3 ms through the covering
/// `chat_events_kind_at_facts`. SQLite is left as the server leaves it (it never runs `ANALYZE`
/// or `PRAGMA optimize`), so plans are the server's own. Not inside a transaction (VACUUM refuses).
pub fn analyze_after_bulk_load(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Postgres(_) = conn {
        diesel::sql_query("VACUUM (ANALYZE)").execute(conn)?;
    }
    Ok(())
}

/// Events of transactions below this id have all ended (committed or rolled back), so reading
/// only those can never skip one that commits later. `None` on SQLite, whose events commit in id
/// order.
///
/// On PostgreSQL: the oldest transaction of *this database* still running, or when none is, the
/// next transaction id — both as of this statement. The cluster-wide snapshot xmin would be
/// simpler, but any long write elsewhere on the server (another database's CREATE DATABASE, a
/// batch job) would hold every event back. Order matters and holds: the statement's snapshot
/// (its xmax) is taken before `pg_stat_activity` is read, so a transaction that got its id before
/// the snapshot is either still listed as running, or has ended before the next statement reads
/// the events. `backend_xid` is 32 bits; it is widened to the 64-bit id against xmax (a running
/// transaction is always within 2^31 of it). Needs the sessions of every instance visible:
/// instances connect as the same role (or one with `pg_read_all_stats`).
pub fn settled_transactions_below(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    #[derive(diesel::QueryableByName)]
    struct Bound {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        below: i64,
    }
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query(
            "WITH s AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next) \
             SELECT LEAST(s.next, COALESCE(MIN(s.next - (((s.next % 4294967296) \
                    - a.backend_xid::text::bigint + 4294967296) % 4294967296)), s.next)) AS below \
             FROM s LEFT JOIN pg_stat_activity a \
               ON a.datid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
              AND a.backend_xid IS NOT NULL \
             GROUP BY s.next",
        )
        .get_result::<Bound>(c)
        .map(|b| Some(b.below)),
        DbConnection::Sqlite(_) => Ok(None),
    }
}

/// Runs read-only `f` on one snapshot of the database: every statement sees the same committed
/// state (SQLite: a deferred transaction in WAL mode; PostgreSQL: REPEATABLE READ, whose snapshot
/// is taken at the first statement).
pub fn snapshot_transaction<T, F>(conn: &mut DbConnection, f: F) -> QueryResult<T>
where
    F: FnOnce(&mut DbConnection) -> QueryResult<T>,
{
    conn.transaction(|conn| {
        if let DbConnection::Postgres(_) = conn {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(conn)?;
        }
        f(conn)
    })
}

/// Gives PostgreSQL's planner statistics for the rollup tables after a catch-up sealed many
/// spans: on fresh tables it guessed a handful of rows and sorted 70,000 on disk (290 ms instead
/// of 40 ms) until autovacuum came round. SQLite plans these by their indexes alone.
pub fn analyze_rollups(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Postgres(_) = conn {
        diesel::sql_query("ANALYZE fact_seals, fact_rollups, tag_rollups").execute(conn)?;
    }
    Ok(())
}

/// Folds `chat_count_deltas` into `chat_counts` (migration `chat_counts`) in one statement: the
/// deltas it deletes are the ones it adds, in one transaction, so readers (one statement each)
/// see them either as deltas or as counts. Two instances folding at once never add a delta twice:
/// the second's DELETE waits for the first's rows and skips them once they are gone. SQLite's
/// triggers add to the counts directly and write no deltas. Not inside a transaction: the
/// PostgreSQL fold ends with a `VACUUM`.
pub fn fold_chat_count_deltas(conn: &mut DbConnection) -> QueryResult<usize> {
    match conn {
        DbConnection::Postgres(c) => {
            let folded = diesel::sql_query(
                "WITH folded AS (DELETE FROM chat_count_deltas RETURNING department_id, state, delta) \
                 INSERT INTO chat_counts (department_id, state, n) \
                 SELECT department_id, state, SUM(delta) FROM folded GROUP BY department_id, state \
                 ON CONFLICT (department_id, state) DO UPDATE SET n = chat_counts.n + EXCLUDED.n",
            )
            .execute(c)?;
            if folded > 0 {
                // Every count reads this table whole: the deleted deltas are dead rows it would
                // scan until a vacuum, and autovacuum looks once a minute at best (it is off on
                // some servers). The table is small; a vacuum here costs a millisecond or two.
                // SKIP_LOCKED: another instance vacuuming it already is enough. TRUNCATE false:
                // giving the empty pages back would lock out the triggers' inserts meanwhile.
                // The fold has committed whatever the vacuum does.
                let vacuum = "VACUUM (SKIP_LOCKED, TRUNCATE false) chat_count_deltas";
                if let Err(e) = diesel::sql_query(vacuum).execute(c) {
                    tracing::warn!(error = %e, "chat_count_deltas not vacuumed this time");
                }
            }
            Ok(folded)
        }
        DbConnection::Sqlite(_) => Ok(0),
    }
}

/// SQL for rows `offset .. offset + limit` of the union of `arms` — each `SELECT id, k FROM ...`
/// and each readable in `k DESC, id DESC` order from an index — in that order. SQLite merges
/// the arms of a compound `ORDER BY` as they are read (`MERGE (UNION ALL)`) and stops after
/// `offset + limit` rows. PostgreSQL 15 appends the arms and sorts them all (no `Merge Append`
/// for a top-level `UNION ALL`), so there each arm is cut to its first `offset + limit` rows
/// first, read from its index; the sort then has at most that many rows per arm.
pub fn newest_first_of_arms(
    conn: &DbConnection,
    arms: &[String],
    offset: i64,
    limit: i64,
) -> String {
    const ORDER: &str = "ORDER BY k DESC, id DESC";
    let union = match conn {
        DbConnection::Sqlite(_) => arms.join(" UNION ALL "),
        DbConnection::Postgres(_) => {
            let cut: Vec<String> = arms
                .iter()
                .map(|arm| format!("({arm} {ORDER} LIMIT {})", offset + limit))
                .collect();
            // In a FROM clause, so that a lone arm's ORDER BY is not a second one of the query.
            format!("SELECT id, k FROM ({}) AS merged", cut.join(" UNION ALL "))
        }
    };
    format!("{union} {ORDER} LIMIT {limit} OFFSET {offset}")
}

/// A column of the tags of `chats.id` as JSON, `[[id, name], ...]` by name (NULL or `[]` for
/// none): a correlated subquery, so that a listed chat's tags come with its row instead of in a
/// statement of their own. A type rather than `sql(...)`: Diesel never keeps a prepared statement
/// that holds raw SQL, and PostgreSQL would then plan the chats' join on every call.
#[derive(Debug, Clone, Copy, QueryId)]
pub struct TagsOfChatJson;

const TAGS_OF_CHAT: &str = "FROM chat_tags JOIN tags ON tags.id = chat_tags.tag_id \
                            WHERE chat_tags.chat_id = chats.id";

impl Expression for TagsOfChatJson {
    type SqlType = Nullable<Text>;
}

impl<GroupBy> ValidGrouping<GroupBy> for TagsOfChatJson {
    type IsAggregate = is_aggregate::Never;
}

impl<QS> AppearsOnTable<QS> for TagsOfChatJson {}

impl<QS> SelectableExpression<QS> for TagsOfChatJson {}

impl QueryFragment<Sqlite> for TagsOfChatJson {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(
            "(SELECT json_group_array(json_array(tags.id, tags.name) ORDER BY tags.name) ",
        );
        out.push_sql(TAGS_OF_CHAT);
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<Pg> for TagsOfChatJson {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "(SELECT json_agg(json_build_array(tags.id, tags.name) ORDER BY tags.name)::text ",
        );
        out.push_sql(TAGS_OF_CHAT);
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<MultiBackend> for TagsOfChatJson {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}
