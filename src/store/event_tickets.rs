//! GetEvents tickets: short-lived, single-use, stored as the SHA-256 of the ticket.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{event_tickets, sessions};
use crate::db::DbConnection;

/// The token hash of session `session_id`, if it still exists.
pub fn session_token_hash(conn: &mut DbConnection, session_id: i64) -> QueryResult<Option<String>> {
    sessions::table
        .find(session_id)
        .select(sessions::token_hash)
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConnection,
    ticket_hash: &str,
    session_token_hash: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(event_tickets::table)
        .values((
            event_tickets::ticket_hash.eq(ticket_hash),
            event_tickets::session_token_hash.eq(session_token_hash),
            event_tickets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes a ticket: deletes it and returns its session's token hash when it had not expired at
/// `now`. One DELETE, so of two instances (or two requests) redeeming the same ticket, one wins.
pub fn take(
    conn: &mut DbConnection,
    ticket_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let taken: Option<(i64, String, String, NaiveDateTime)> =
        diesel::delete(event_tickets::table.filter(event_tickets::ticket_hash.eq(ticket_hash)))
            .returning(event_tickets::all_columns)
            .get_result(conn)
            .optional()?;
    Ok(taken
        .filter(|(_, _, _, expires_at)| *expires_at > now)
        .map(|(_, _, session, _)| session))
}

/// Forgets tickets that expired unused.
pub fn delete_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(event_tickets::table.filter(event_tickets::expires_at.le(now))).execute(conn)
}
