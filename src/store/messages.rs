//! The lines of a chat's transcript (SendMessage, GetChatMessages, MarkChatRead, ExportChat,
//! AddComment).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::deliveries::DeliveryRow;
use crate::db::pool::MultiBackend;
use crate::db::schema::{attachments, deliveries, messages};
use crate::db::DbConnection;
use crate::domain::chat::{MessageKind, SpecialType};

/// A message as stored; also the row `agentdesk seed` inserts (never `DEFAULT` for `None`).
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = messages, treat_none_as_default_value = false)]
pub struct MessageRow {
    pub id: i64,
    pub chat_id: i64,
    pub kind: i16,
    pub special_type: Option<String>,
    pub agent_id: Option<i64>,
    pub author: String,
    pub text: String,
    pub attachment_id: Option<i64>,
    pub to_customer: bool,
    pub created_at: NaiveDateTime,
    pub read_by_agent_at: Option<NaiveDateTime>,
    pub read_by_customer_at: Option<NaiveDateTime>,
}

pub struct NewMessage<'a> {
    pub chat_id: i64,
    pub kind: MessageKind,
    pub special_type: Option<SpecialType>,
    pub agent_id: Option<i64>,
    pub author: &'a str,
    pub text: &'a str,
    pub attachment_id: Option<i64>,
    /// Whether the message goes to the customer (agent replies and customer-facing system texts).
    pub to_customer: bool,
    pub created_at: NaiveDateTime,
}

/// Inserts a message and returns it as stored (its id, and what a view of it needs, without
/// reading it back).
pub fn insert(conn: &mut DbConnection, m: &NewMessage<'_>) -> QueryResult<MessageRow> {
    diesel::insert_into(messages::table)
        .values((
            messages::chat_id.eq(m.chat_id),
            messages::kind.eq(m.kind.id()),
            messages::special_type.eq(m.special_type.map(SpecialType::name)),
            messages::agent_id.eq(m.agent_id),
            messages::author.eq(m.author),
            messages::text.eq(m.text),
            messages::attachment_id.eq(m.attachment_id),
            messages::to_customer.eq(m.to_customer),
            messages::created_at.eq(m.created_at),
        ))
        .returning(<MessageRow as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<MessageRow>> {
    messages::table
        .find(id)
        .select(MessageRow::as_select())
        .first(conn)
        .optional()
}

/// A page of the chat's messages in order: after `after` (a message id) or from `offset`, each
/// with its delivery when it has one (one statement: deliveries are unique by message id).
pub fn page(
    conn: &mut DbConnection,
    chat_id: i64,
    after: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(MessageRow, Option<DeliveryRow>)>> {
    messages::table
        .left_join(deliveries::table)
        .filter(messages::chat_id.eq(chat_id))
        .filter(messages::id.gt(after.unwrap_or(0)))
        .order(messages::id)
        .select((MessageRow::as_select(), Option::<DeliveryRow>::as_select()))
        .offset(offset)
        .limit(limit)
        .load(conn)
}

pub fn count(conn: &mut DbConnection, chat_id: i64, after: Option<i64>) -> QueryResult<i64> {
    messages::table
        .filter(messages::chat_id.eq(chat_id))
        .filter(messages::id.gt(after.unwrap_or(0)))
        .count()
        .get_result(conn)
}

/// Marks the customer's messages as read by the agent.
pub fn mark_read_by_agent(
    conn: &mut DbConnection,
    chat_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        messages::table
            .filter(messages::chat_id.eq(chat_id))
            .filter(messages::kind.eq(MessageKind::Customer.id()))
            .filter(messages::read_by_agent_at.is_null()),
    )
    .set(messages::read_by_agent_at.eq(Some(now)))
    .execute(conn)
}

/// Messages after `after_id` with their attachment's name, for streaming an export in batches.
pub fn export_batch(
    conn: &mut DbConnection,
    chat_id: i64,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<(MessageRow, Option<String>)>> {
    messages::table
        .left_join(attachments::table)
        .filter(messages::chat_id.eq(chat_id))
        .filter(messages::id.gt(after_id))
        .order(messages::id)
        .limit(limit)
        .select((MessageRow::as_select(), attachments::name.nullable()))
        .load(conn)
}

/// Private notes written on any of these chats, newest first.
pub fn notes_of(
    conn: &mut DbConnection,
    chat_ids: &[i64],
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    messages::table
        .filter(messages::chat_id.eq_any(chat_ids))
        .filter(messages::kind.eq(MessageKind::Note.id()))
        .order(messages::id.desc())
        .limit(limit)
        .select(MessageRow::as_select())
        .load(conn)
}
