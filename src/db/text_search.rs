//! GetChatList's `Term`: which chats match, found through each backend's text index.
//!
//! A chat matches when `lower(customer name) LIKE '%term%'`, `customer mobile LIKE '%term%'` or
//! `lower(message text) LIKE '%term%'` for any of its messages: what the list compared before it
//! had an index, and what it still finds, exactly.
//!
//! - SQLite: contentless FTS5 tables with the trigram tokenizer (`messages_search`,
//!   `customers_search`, kept in step by triggers) hold `lower(text)`, case-sensitively. SQLite's
//!   `lower` and `LIKE` both fold ASCII only, so the term's trigrams as one phrase match exactly
//!   the rows `LIKE` matched. A message's row id there carries its chat (`rowid >> 32`): the
//!   matching chats come from the index alone.
//! - PostgreSQL: GIN `pg_trgm` indexes on exactly `lower(messages.text)`, `lower(full_name)` and
//!   `mobile`, which PostgreSQL uses for the `LIKE` itself and re-checks each hit with.
//!
//! A term of fewer than three characters has no trigram to look up: both backends then scan the
//! newest [`SHORT_TERM_MESSAGES`] messages and every customer, a bounded cost (docs/api.md).

use diesel::dsl::sql;
use diesel::expression::{BoxableExpression, TypedExpressionType};
use diesel::sql_types::{BigInt, Bool, SingleValue, Text};
use diesel::{QueryResult, RunQueryDsl};

use super::pool::MultiBackend;
use super::DbConnection;
use crate::domain::chat_list::SearchTerm;

/// How many of the newest messages a term too short for the index is looked for in.
pub const SHORT_TERM_MESSAGES: i64 = 20_000;

type Boxed<QS, ST> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = ST>>;

/// Which side a search's page is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drive {
    /// From the matching chats, looked up by id and sorted: few matches.
    FromMatches,
    /// From the list's order index, keeping the chats that match: many matches, where the first
    /// page is found long before the matches would all be looked up.
    FromOrder,
}

/// `chats.id IN (the chats whose customer or messages match the term)`, as a filter for any
/// query that has the `chats` table in its FROM clause. SQLite looks an `id IN (...)` up by id
/// unless the id is written `+chats.id`, which makes it a test on the rows the order index
/// yields; PostgreSQL's planner weighs both itself, from its statistics.
pub fn chats_matching<QS>(conn: &DbConnection, term: &SearchTerm, drive: Drive) -> Boxed<QS, Bool> {
    let walk = drive == Drive::FromOrder && matches!(conn, DbConnection::Sqlite(_));
    around(
        conn,
        term,
        if walk {
            "+chats.id IN ("
        } else {
            "chats.id IN ("
        },
        ")",
    )
}

/// How many chats match the term, counted from the index alone (every id it yields is a chat:
/// messages and customers reference chats by foreign key). For a list with no other filter.
pub fn count_chats_matching(conn: &mut DbConnection, term: &SearchTerm) -> QueryResult<i64> {
    // `SELECT (SELECT COUNT(*) FROM (<ids>) AS matching)`, a query without a FROM clause.
    diesel::select(around::<_, BigInt>(
        conn,
        term,
        "(SELECT COUNT(*) FROM (",
        ") AS matching)",
    ))
    .get_result(conn)
}

/// The ids of the matching chats as a subquery, between `before` and `after`.
fn around<QS, ST>(
    conn: &DbConnection,
    term: &SearchTerm,
    before: &str,
    after: &str,
) -> Boxed<QS, ST>
where
    ST: SingleValue + TypedExpressionType + Send + 'static,
{
    // Chats with a message whose text has the term (among those `messages_where` keeps), or
    // whose customer's name or number has it: every form but SQLite's indexed one.
    let like = term.like_pattern();
    let by_like = |messages_where: &str| -> Boxed<QS, ST> {
        Box::new(
            sql::<ST>(before)
                .sql("SELECT m.chat_id FROM messages m WHERE ")
                .sql(messages_where)
                .sql("lower(m.text) LIKE ")
                .bind::<Text, _>(like.clone())
                .sql(
                    " UNION SELECT c.id FROM chats c JOIN customers cu ON cu.id = c.customer_id \
                     WHERE lower(cu.full_name) LIKE ",
                )
                .bind::<Text, _>(like.clone())
                .sql(" OR cu.mobile LIKE ")
                .bind::<Text, _>(like.clone())
                .sql(after),
        )
    };
    if !term.is_indexable() {
        return by_like(&format!(
            "m.id > (SELECT COALESCE(MAX(id), 0) FROM messages) - {SHORT_TERM_MESSAGES} AND "
        ));
    }
    match conn {
        DbConnection::Sqlite(_) => {
            let phrase = fts5_phrase(term.text());
            Box::new(
                sql::<ST>(before)
                    .sql("SELECT rowid >> 32 FROM messages_search WHERE messages_search MATCH ")
                    .bind::<Text, _>(phrase.clone())
                    .sql(" UNION SELECT c.id FROM chats c WHERE c.customer_id IN ")
                    .sql("(SELECT rowid FROM customers_search WHERE customers_search MATCH ")
                    .bind::<Text, _>(phrase)
                    .sql(")")
                    // Rows noted but not indexed yet (none once a writer has committed). CROSS
                    // JOIN keeps the notes as the outer loop: without statistics SQLite scanned
                    // every message and probed the notes (660 ms a search on the benchmark's desk).
                    .sql(
                        " UNION SELECT m.chat_id FROM messages_search_pending p \
                         CROSS JOIN messages m ON m.id = p.message_id WHERE lower(m.text) LIKE ",
                    )
                    .bind::<Text, _>(like.clone())
                    .sql(
                        " UNION SELECT c.id FROM customers_search_pending p \
                         CROSS JOIN customers cu ON cu.id = p.customer_id \
                         CROSS JOIN chats c ON c.customer_id = cu.id \
                         WHERE lower(cu.full_name) LIKE ",
                    )
                    .bind::<Text, _>(like.clone())
                    .sql(" OR cu.mobile LIKE ")
                    .bind::<Text, _>(like)
                    .sql(after),
            )
        }
        DbConnection::Postgres(_) => by_like(""),
    }
}

/// SQLite: indexes the messages and customers that the triggers noted since the last commit, and
/// forgets the notes. Run by every write transaction just before it commits, outside the
/// savepoints of a group commit: FTS5 writes a segment at every savepoint, and one per
/// transaction is what keeps a batch of new messages cheap (migration
/// `2026-11-30-000100_search_indexed_at_commit`). PostgreSQL: nothing to do.
pub fn index_pending(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    if let DbConnection::Sqlite(c) = conn {
        // CROSS JOIN reads the notes first, as in the search above: left to itself SQLite walked
        // every customer (an index of the whole table) on every commit to find the few noted.
        c.batch_execute(
            "INSERT INTO messages_search (rowid, text) \
             SELECT (m.chat_id << 32) | (m.id & 4294967295), lower(m.text) \
             FROM messages_search_pending p CROSS JOIN messages m ON m.id = p.message_id; \
             DELETE FROM messages_search_pending; \
             INSERT INTO customers_search (rowid, full_name, mobile) \
             SELECT cu.id, lower(cu.full_name), lower(cu.mobile) \
             FROM customers_search_pending p CROSS JOIN customers cu ON cu.id = p.customer_id; \
             DELETE FROM customers_search_pending;",
        )?;
    }
    Ok(())
}

/// The term as one FTS5 phrase: its trigrams, each following the one before, which is the term
/// as a substring. Double quotes inside are doubled; nothing else is special inside a phrase.
fn fts5_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::fts5_phrase;

    #[test]
    fn phrases_quote_their_quotes() {
        assert_eq!(fts5_phrase("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
