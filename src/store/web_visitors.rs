//! The web chat's visitors (`web_visitors`) and what one visitor may read of the transcript: the
//! messages of its own chats (the chats of its channel whose session is its `session_key`) that
//! are the visitor's own or were meant for the customer. Nothing here reads notes, agent-only
//! lines or another session's chats.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::chats::ChatRow;
use super::messages::MessageRow;
use crate::db::schema::{agents, channels, chats, messages, web_visitors};
use crate::db::DbConnection;
use crate::domain::chat::MessageKind;
use crate::domain::web_chat::ChannelKind;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = web_visitors)]
pub struct VisitorRow {
    pub id: i64,
    pub channel_id: i64,
    pub session_key: String,
    pub last_seen_at: NaiveDateTime,
    pub away_email: Option<String>,
    pub mailed_message_id: i64,
    pub mailed_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConnection,
    channel_id: i64,
    token_hash: &str,
    session_key: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(web_visitors::table)
        .values((
            web_visitors::channel_id.eq(channel_id),
            web_visitors::token_hash.eq(token_hash),
            web_visitors::session_key.eq(session_key),
            web_visitors::created_at.eq(now),
            web_visitors::last_seen_at.eq(now),
        ))
        .returning(web_visitors::id)
        .get_result(conn)
}

/// The visitor whose token hashes to `hash`, while its channel is a live web channel: one lookup on
/// the unique index.
pub fn find_by_token_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<VisitorRow>> {
    web_visitors::table
        .inner_join(channels::table.on(channels::id.eq(web_visitors::channel_id)))
        .filter(web_visitors::token_hash.eq(hash))
        .filter(channels::deleted_at.is_null())
        .filter(channels::kind.eq(ChannelKind::Web.id()))
        .select(VisitorRow::as_select())
        .first(conn)
        .optional()
}

/// Marks visitors as on the page now (their stream is open).
pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(web_visitors::table.find(id))
        .set(web_visitors::last_seen_at.eq(now))
        .execute(conn)
}

/// Where replies go while the visitor is away.
pub fn set_away_email(conn: &mut DbConnection, id: i64, email: &str) -> QueryResult<usize> {
    diesel::update(web_visitors::table.find(id))
        .set(web_visitors::away_email.eq(Some(email)))
        .execute(conn)
}

fn of_visitor(
    channel_id: i64,
    session_key: &str,
) -> chats::BoxedQuery<'_, crate::db::pool::MultiBackend> {
    chats::table
        .filter(chats::channel_id.eq(channel_id))
        .filter(chats::external_session_id.eq(session_key))
        .into_boxed()
}

/// The visitor's most recent chat.
pub fn latest_chat(
    conn: &mut DbConnection,
    channel_id: i64,
    session_key: &str,
) -> QueryResult<Option<ChatRow>> {
    of_visitor(channel_id, session_key)
        .order(chats::id.desc())
        .select(ChatRow::as_select())
        .first(conn)
        .optional()
}

/// Whether the chat is one of the visitor's.
pub fn owns_chat(
    conn: &mut DbConnection,
    channel_id: i64,
    session_key: &str,
    chat_id: i64,
) -> QueryResult<bool> {
    let n: i64 = of_visitor(channel_id, session_key)
        .filter(chats::id.eq(chat_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Up to `limit` messages the visitor may see after message `after`, in order: its own, and those
/// meant for the customer (replies, the desk's texts).
pub fn visible_after(
    conn: &mut DbConnection,
    channel_id: i64,
    session_key: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    // Not boxed: a boxed subquery can't be written for the pool's two backends.
    let chat_ids = chats::table
        .filter(chats::channel_id.eq(channel_id))
        .filter(chats::external_session_id.eq(session_key))
        .select(chats::id);
    messages::table
        .filter(messages::chat_id.eq_any(chat_ids))
        .filter(messages::id.gt(after))
        .filter(
            messages::kind
                .eq(MessageKind::Customer.id())
                .or(messages::to_customer.eq(true)),
        )
        .order(messages::id)
        .limit(limit)
        .select(MessageRow::as_select())
        .load(conn)
}

/// The messages the visitor may see with ids in `(after, up_to]` written since `since`: on
/// PostgreSQL a message may commit after one with a higher id, and a stream that read past it
/// looks here for it.
pub fn visible_between(
    conn: &mut DbConnection,
    channel_id: i64,
    session_key: &str,
    (after, up_to): (i64, i64),
    since: NaiveDateTime,
) -> QueryResult<Vec<MessageRow>> {
    let chat_ids = chats::table
        .filter(chats::channel_id.eq(channel_id))
        .filter(chats::external_session_id.eq(session_key))
        .select(chats::id);
    messages::table
        .filter(messages::chat_id.eq_any(chat_ids))
        .filter(messages::id.gt(after))
        .filter(messages::id.le(up_to))
        .filter(messages::created_at.ge(since))
        .filter(
            messages::kind
                .eq(MessageKind::Customer.id())
                .or(messages::to_customer.eq(true)),
        )
        .order(messages::id)
        .limit(200)
        .select(MessageRow::as_select())
        .load(conn)
}

/// The newest of the visitor's messages in the chat an agent has read.
pub fn agent_read_up_to(conn: &mut DbConnection, chat_id: i64) -> QueryResult<Option<i64>> {
    messages::table
        .filter(messages::chat_id.eq(chat_id))
        .filter(messages::kind.eq(MessageKind::Customer.id()))
        .filter(messages::read_by_agent_at.is_not_null())
        .select(diesel::dsl::max(messages::id))
        .first(conn)
}

/// Marks the messages meant for the customer in the visitor's chats, up to `up_to`, as read.
pub fn mark_read_by_customer(
    conn: &mut DbConnection,
    channel_id: i64,
    session_key: &str,
    up_to: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    // Not boxed: a boxed subquery can't be written for the pool's two backends.
    let chat_ids = chats::table
        .filter(chats::channel_id.eq(channel_id))
        .filter(chats::external_session_id.eq(session_key))
        .select(chats::id);
    diesel::update(
        messages::table
            .filter(messages::chat_id.eq_any(chat_ids))
            .filter(messages::id.le(up_to))
            .filter(messages::to_customer.eq(true))
            .filter(messages::read_by_customer_at.is_null()),
    )
    .set(messages::read_by_customer_at.eq(Some(now)))
    .execute(conn)
}

/// An agent's name, as the visitor sees who took the chat.
pub fn agent_name(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Option<String>> {
    agents::table
        .find(agent_id)
        .select(agents::name)
        .first(conn)
        .optional()
}

/// Visitors with an address for replies, last seen before `seen_before`, not mailed since
/// `mailed_before`: those an away mail may be due for (whether there are replies is asked next).
pub fn away(
    conn: &mut DbConnection,
    seen_before: NaiveDateTime,
    mailed_before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<VisitorRow>> {
    web_visitors::table
        .filter(web_visitors::away_email.is_not_null())
        .filter(web_visitors::last_seen_at.lt(seen_before))
        .filter(
            web_visitors::mailed_at
                .is_null()
                .or(web_visitors::mailed_at.lt(mailed_before)),
        )
        .order(web_visitors::id)
        .limit(limit)
        .select(VisitorRow::as_select())
        .load(conn)
}

/// Agents' replies in the visitor's chats after `after` (what an away mail carries).
pub fn replies_after(
    conn: &mut DbConnection,
    channel_id: i64,
    session_key: &str,
    after: i64,
) -> QueryResult<Vec<MessageRow>> {
    // Not boxed: a boxed subquery can't be written for the pool's two backends.
    let chat_ids = chats::table
        .filter(chats::channel_id.eq(channel_id))
        .filter(chats::external_session_id.eq(session_key))
        .select(chats::id);
    messages::table
        .filter(messages::chat_id.eq_any(chat_ids))
        .filter(messages::id.gt(after))
        .filter(messages::kind.eq(MessageKind::Agent.id()))
        .filter(messages::to_customer.eq(true))
        .order(messages::id)
        .limit(50)
        .select(MessageRow::as_select())
        .load(conn)
}

/// Takes the away mail of a visitor: only while nobody else took it since it was read (the mail
/// time and the newest mailed message still as read); false when another instance did.
pub fn claim_mail(
    conn: &mut DbConnection,
    v: &VisitorRow,
    up_to: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let base = web_visitors::table
        .find(v.id)
        .filter(web_visitors::mailed_message_id.eq(v.mailed_message_id));
    let n = match v.mailed_at {
        Some(at) => diesel::update(base.filter(web_visitors::mailed_at.eq(at)))
            .set((
                web_visitors::mailed_message_id.eq(up_to),
                web_visitors::mailed_at.eq(Some(now)),
            ))
            .execute(conn)?,
        None => diesel::update(base.filter(web_visitors::mailed_at.is_null()))
            .set((
                web_visitors::mailed_message_id.eq(up_to),
                web_visitors::mailed_at.eq(Some(now)),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Moves a visitor's mailed mark past messages it saw on the page, so an away mail never repeats
/// what the visitor already read.
pub fn seen_up_to(conn: &mut DbConnection, id: i64, message_id: i64) -> QueryResult<usize> {
    diesel::update(
        web_visitors::table
            .find(id)
            .filter(web_visitors::mailed_message_id.lt(message_id)),
    )
    .set(web_visitors::mailed_message_id.eq(message_id))
    .execute(conn)
}
