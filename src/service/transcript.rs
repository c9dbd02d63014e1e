//! What a chat's history is made of: the lines of its transcript (system lines, agents' replies)
//! and the reporting facts. Lines for the customer are queued for delivery to the channel server
//! in the same transaction, so a message exists exactly when its delivery does.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::live::ChatPeople;
use super::messages::{announce, announce_queued, announce_to};
use crate::db::DbConnection;
use crate::domain::chat::{EventKind, MessageKind, SpecialType};
use crate::error::ApiResult;
use crate::store::chats::{self, LockedChat};
use crate::store::deliveries::{self, DeliveryRow};
use crate::store::events::{self, Event};
use crate::store::messages::{self, MessageRow, NewMessage};

/// The author shown for the desk's own messages.
pub const SYSTEM_AUTHOR: &str = "System";

/// A system line of the transcript; `to_customer` says whether it is delivered. The caller
/// announces it (`message.created`) once it is complete.
fn system_line(
    c: &mut DbConnection,
    chat_id: i64,
    special: SpecialType,
    text: &str,
    to_customer: bool,
    now: NaiveDateTime,
) -> QueryResult<MessageRow> {
    messages::insert(
        c,
        &NewMessage {
            chat_id,
            kind: MessageKind::System,
            special_type: Some(special),
            agent_id: None,
            author: SYSTEM_AUTHOR,
            text,
            attachment_id: None,
            to_customer,
            created_at: now,
        },
    )
}

/// A system text for the customer (welcome, menu, queue position, closing ...), queued for delivery.
pub fn tell_customer(
    c: &mut DbConnection,
    chat_id: i64,
    special: SpecialType,
    text: &str,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let chat = touch(c, chat_id, text, now)?;
    let line = system_line(c, chat_id, special, text, true, now)?;
    let id = line.id;
    let delivery = deliveries::insert(c, id, chat_id, chat.channel_id, now)?;
    announce_queued(c, line, delivery, people(chat_id, &chat), now)?;
    Ok(id)
}

/// A line in the transcript for agents only (assigned, transferred ...).
pub fn record(
    c: &mut DbConnection,
    chat_id: i64,
    special: SpecialType,
    text: &str,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let line = system_line(c, chat_id, special, text, false, now)?;
    let id = line.id;
    announce(c, line, now)?;
    Ok(id)
}

/// [`record`] for a caller that knows the chat's people (as they are after its change), which
/// saves reading the chat again.
pub fn record_to(
    c: &mut DbConnection,
    people: ChatPeople,
    special: SpecialType,
    text: &str,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let line = system_line(c, people.chat_id, special, text, false, now)?;
    let id = line.id;
    announce_to(c, line, people, now)?;
    Ok(id)
}

/// Who replies on which chat.
pub struct Reply<'a> {
    pub chat_id: i64,
    pub agent_id: i64,
    pub agent_name: &'a str,
}

/// The chat's new last message, written first: the update locks the row, so the channel and the
/// people the line is announced to are the chat's as this transaction leaves it (a transfer
/// committed since the chat was first read counts).
fn touch(
    c: &mut DbConnection,
    chat_id: i64,
    text: &str,
    now: NaiveDateTime,
) -> ApiResult<LockedChat> {
    chats::touch_last_message(c, chat_id, now, text, false)?
        .ok_or_else(|| super::chats::not_found(chat_id))
}

fn people(chat_id: i64, chat: &LockedChat) -> ChatPeople {
    ChatPeople {
        chat_id,
        department_id: chat.department_id,
        agent_id: chat.agent_id,
    }
}

/// An agent's reply, queued for delivery; the message and its delivery as stored.
pub fn agent_reply(
    c: &mut DbConnection,
    r: &Reply<'_>,
    text: &str,
    attachment_id: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<(MessageRow, DeliveryRow)> {
    let chat_id = r.chat_id;
    let chat = touch(c, chat_id, text, now)?;
    let reply = messages::insert(
        c,
        &NewMessage {
            chat_id,
            kind: MessageKind::Agent,
            special_type: None,
            agent_id: Some(r.agent_id),
            author: r.agent_name,
            text,
            attachment_id,
            to_customer: true,
            created_at: now,
        },
    )?;
    let delivery = deliveries::insert(c, reply.id, chat_id, chat.channel_id, now)?;
    fact(
        c,
        chat_id,
        EventKind::MessageOut,
        now,
        Some(r.agent_id),
        chat.department_id,
        None,
    )?;
    announce_queued(
        c,
        reply.clone(),
        delivery.clone(),
        people(chat_id, &chat),
        now,
    )?;
    Ok((reply, delivery))
}

/// Records a reporting fact.
pub fn fact(
    c: &mut DbConnection,
    chat_id: i64,
    kind: EventKind,
    at: NaiveDateTime,
    agent_id: Option<i64>,
    department_id: Option<i64>,
    seconds: Option<i64>,
) -> QueryResult<()> {
    events::insert(
        c,
        &Event {
            chat_id,
            kind,
            at,
            agent_id,
            department_id,
            seconds,
        },
    )
}
