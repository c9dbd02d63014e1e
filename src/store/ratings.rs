//! Ratings of chats (CSAT): asked for at close, given once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::chats;
use crate::db::DbConnection;
use crate::domain::chat::ChatState;

/// Notes that the customer was asked to rate the chat.
pub fn mark_requested(
    conn: &mut DbConnection,
    chat_id: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(chats::table.find(chat_id))
        .set(chats::rating_requested_at.eq(Some(at)))
        .execute(conn)
}

/// Stores the rating unless the chat already has one: false when it had (the first answer stands,
/// decided by this one conditional update even when two arrive at once).
pub fn set_rating(
    conn: &mut DbConnection,
    chat_id: i64,
    rating: i16,
    comment: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(chats::table.find(chat_id).filter(chats::rating.is_null()))
        .set((
            chats::rating.eq(Some(rating)),
            chats::rating_comment.eq(comment),
            chats::rated_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// The session's most recent closed chat: the one a rating request was about.
pub fn latest_closed_of_session(
    conn: &mut DbConnection,
    channel_id: i64,
    session: &str,
) -> QueryResult<Option<i64>> {
    chats::table
        .filter(chats::channel_id.eq(channel_id))
        .filter(chats::external_session_id.eq(session))
        .filter(chats::state.eq(ChatState::Closed as i16))
        .order(chats::id.desc())
        .select(chats::id)
        .first(conn)
        .optional()
}
