//! Failed logons (AgentLogon's limits): per source address, and per (source address, account).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::logon_failures;
use crate::db::DbConnection;

/// How many failures `source` had since `since` for the account `email_key` (for any account,
/// known or not, when `None`), and the latest of them.
pub fn recent(
    conn: &mut DbConnection,
    source: &str,
    email_key: Option<&str>,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let mut query = logon_failures::table
        .filter(logon_failures::source.eq(source))
        .filter(logon_failures::failed_at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(logon_failures::failed_at),
        ))
        .into_boxed();
    if let Some(key) = email_key {
        query = query.filter(logon_failures::email_key.eq(key));
    }
    query.first(conn)
}

/// Records a failure (or an attempt not yet known to succeed).
pub fn insert(
    conn: &mut DbConnection,
    source: &str,
    email_key: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(logon_failures::table)
        .values((
            logon_failures::source.eq(source),
            logon_failures::email_key.eq(email_key),
            logon_failures::failed_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Forgets the failures of `source` for the account: its owner logged on from there.
pub fn clear(conn: &mut DbConnection, source: &str, email_key: &str) -> QueryResult<usize> {
    diesel::delete(
        logon_failures::table
            .filter(logon_failures::source.eq(source))
            .filter(logon_failures::email_key.eq(email_key)),
    )
    .execute(conn)
}

pub fn delete_older_than(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(logon_failures::table.filter(logon_failures::failed_at.le(before))).execute(conn)
}
