//! Failed logons per address, for AgentLogon's limit.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::logon_failures;
use crate::db::DbConnection;

/// Failures recorded for the address since `since`, and the oldest of them.
pub fn recent(
    conn: &mut DbConnection,
    email_key: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    logon_failures::table
        .filter(logon_failures::email_key.eq(email_key))
        .filter(logon_failures::failed_at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(logon_failures::failed_at),
        ))
        .first(conn)
}

pub fn insert(conn: &mut DbConnection, email_key: &str, at: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(logon_failures::table)
        .values((
            logon_failures::email_key.eq(email_key),
            logon_failures::failed_at.eq(at),
        ))
        .returning(logon_failures::id)
        .get_result(conn)
}

pub fn clear(conn: &mut DbConnection, email_key: &str) -> QueryResult<usize> {
    diesel::delete(logon_failures::table.filter(logon_failures::email_key.eq(email_key)))
        .execute(conn)
}

pub fn delete_older_than(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(logon_failures::table.filter(logon_failures::failed_at.le(before))).execute(conn)
}
