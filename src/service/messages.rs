//! SendMessage, GetChatMessages, MarkChatRead, private notes and attachment downloads.

use std::collections::HashMap;

use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::attachments::{self, AttachmentView};
use super::chats::{load_for, Cursor};
use super::live::{self, ChatPeople};
use super::routing::closed;
use super::transcript::{agent_reply, fact, Reply};
use super::unchanged::{self, Question};
use super::Ctx;
use crate::db::DbConnection;
use crate::domain::attachment::Upload;
use crate::domain::chat::{ChatState, EventKind, MessageKind, Placeholders};
use crate::domain::delivery::DeliveryState;
use crate::domain::live::Topic;
use crate::domain::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::attachments::{self as store_attachments, AttachmentMeta};
use crate::store::deliveries::{self, DeliveryRow};
use crate::store::messages::{self, MessageRow, NewMessage};
use crate::store::{canned_responses, chats, customers, events};

/// How a message is getting to the customer.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct DeliveryView {
    /// pending, sending, delivered or failed.
    pub state: &'static str,
    pub attempts: i32,
    /// Why the last attempt failed: the channel server's own words for managers, a general
    /// sentence for agents (an address or an internal error text is not theirs to see).
    pub last_error: Option<String>,
}

/// What agents are told of a failed delivery.
const DELIVERY_FAILED_FOR_AGENTS: &str = "The channel server did not take the message";

/// A message, shaped after SuperOffice's ChatMessage.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct MessageView {
    #[serde(rename = "MessageID")]
    pub message_id: i64,
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
    /// customer, agent, system or note.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub special_type: Option<String>,
    pub author: String,
    #[serde(rename = "AgentID")]
    pub agent_id: Option<i64>,
    #[serde(rename = "Message")]
    pub text: String,
    pub attachment: Option<AttachmentView>,
    pub when_posted: DateTime<Utc>,
    pub read_by_agent_at: Option<DateTime<Utc>>,
    pub read_by_customer_at: Option<DateTime<Utc>>,
    /// How the message is getting to the customer; none for messages that don't go there.
    pub delivery: Option<DeliveryView>,
}

/// Views of messages; `for_manager` decides how much of a failed delivery's cause is shown.
fn views(
    c: &mut DbConnection,
    for_manager: bool,
    rows: Vec<MessageRow>,
) -> ApiResult<Vec<MessageView>> {
    // Only messages for the customer are delivered: the others have no delivery to look up.
    let ids: Vec<i64> = rows
        .iter()
        .filter(|m| m.to_customer)
        .map(|m| m.id)
        .collect();
    let mut states = deliveries::states_of(c, &ids)?;
    let rows = rows
        .into_iter()
        .map(|m| {
            let delivery = states.remove(&m.id);
            (m, delivery)
        })
        .collect();
    views_with_deliveries(c, for_manager, rows)
}

/// [`views`] of messages read with their deliveries.
fn views_with_deliveries(
    c: &mut DbConnection,
    for_manager: bool,
    rows: Vec<(MessageRow, Option<DeliveryRow>)>,
) -> ApiResult<Vec<MessageView>> {
    let attachment_ids: Vec<i64> = rows.iter().filter_map(|(m, _)| m.attachment_id).collect();
    let mut files: HashMap<i64, AttachmentMeta> = store_attachments::metas(c, &attachment_ids)?;
    Ok(rows
        .into_iter()
        .map(|(m, delivery)| MessageView {
            message_id: m.id,
            chat_id: m.chat_id,
            kind: MessageKind::from_id(m.kind).name(),
            special_type: m.special_type,
            author: m.author,
            agent_id: m.agent_id,
            text: m.text,
            attachment: m
                .attachment_id
                .and_then(|id| files.remove(&id))
                .map(attachments::view),
            when_posted: m.created_at.and_utc(),
            read_by_agent_at: m.read_by_agent_at.map(|t| t.and_utc()),
            read_by_customer_at: m.read_by_customer_at.map(|t| t.and_utc()),
            delivery: delivery.map(|d| DeliveryView {
                state: DeliveryState::from_id(d.state).name(),
                attempts: d.attempts,
                last_error: d.last_error.map(|e| match for_manager {
                    true => e,
                    false => DELIVERY_FAILED_FOR_AGENTS.to_owned(),
                }),
            }),
        })
        .collect())
}

/// SendMessage's content, already parsed: a text, a canned response and/or a file.
pub struct OutgoingMessage {
    pub text: Option<String>,
    pub canned_response_id: Option<i64>,
    pub attachment: Option<Upload>,
}

/// SendMessage: an agent's reply. Only the assigned agent (or a manager) may send; a waiting chat
/// is first assigned to the sender when the sender may take it.
pub fn send_message(
    ctx: &Ctx,
    caller: &Caller,
    chat_id: i64,
    out: OutgoingMessage,
) -> ApiResult<MessageView> {
    // Answered from the same transaction: a sent message is never answered 503 for want of a
    // second connection.
    let sent = ctx.write(|c| {
        let chat = load_for(ctx, c, caller, chat_id)?;
        match chat.state() {
            ChatState::Closed => return Err(closed(chat_id)),
            ChatState::Unassigned => {
                super::routing::take_for_reply(c, caller, &chat, ctx.now())?;
            }
            ChatState::Open if chat.agent_id != Some(caller.agent_id) && !caller.is_manager() => {
                return Err(ApiError::conflict(
                    ErrorCode::ChatAssignedToAnotherAgent,
                    format!("Chat {chat_id} is assigned to another agent"),
                ));
            }
            ChatState::Open => {}
        }
        let text = match out.canned_response_id {
            Some(id) => {
                let canned = canned_responses::find(c, id)?.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::CannedResponseNotFound,
                        format!("Canned response {id} does not exist"),
                    )
                    .on_field("CannedResponseID")
                })?;
                // The name this chat's visitor gave, else the one the customer is stored under.
                let customer = customers::find(c, chat.customer_id)?;
                let stored = customer.as_ref().and_then(|cu| cu.full_name.as_deref());
                Placeholders {
                    customer_name: Some(chat.visitor_name.as_deref().or(stored).unwrap_or("there")),
                    agent_name: Some(&caller.name),
                    ..Default::default()
                }
                .expand(&canned.message_text)
            }
            None => out.text.clone().unwrap_or_default(),
        };
        if text.trim().is_empty() && out.attachment.is_none() {
            return Err(ApiError::field(
                "MessageText",
                "is required unless an attachment or a CannedResponseID is sent",
            ));
        }
        if let Some(upload) = &out.attachment {
            attachments::check_size(ctx, c, upload.bytes.len(), "AttachmentData")?;
        }
        let now = ctx.now();
        let attachment_id = out
            .attachment
            .as_ref()
            .map(|u| attachments::store(c, chat_id, u, now))
            .transpose()?;
        let reply = Reply {
            chat_id,
            agent_id: caller.agent_id,
            agent_name: &caller.name,
        };
        let (sent, delivery) = agent_reply(c, &reply, &text, attachment_id, now)?;
        if chats::mark_first_response(c, chat_id, now)? {
            // First response is measured from when the chat first queued, whatever transfers followed.
            let since_queued =
                events::first_at(c, chat_id, EventKind::Queued)?.map(|q| (now - q).num_seconds());
            fact(
                c,
                chat_id,
                EventKind::FirstResponse,
                now,
                Some(caller.agent_id),
                chat.department_id,
                since_queued,
            )?;
        }
        views_with_deliveries(c, caller.is_manager(), vec![(sent, Some(delivery))])?
            .pop()
            .ok_or_else(|| ApiError::internal("message vanished"))
    })?;
    ctx.outbound_ready.notify_one();
    Ok(sent)
}

/// GetChatMessages as JSON: by page number, or every message after `after` (for polling); kept
/// while nothing changes (`unchanged`).
pub fn get_chat_messages(
    ctx: &Ctx,
    caller: &Caller,
    chat_id: i64,
    after: Option<i64>,
    page: i64,
    page_size: i64,
) -> ApiResult<Bytes> {
    let question = Question::ChatMessages {
        chat_id,
        after,
        page,
        page_size,
    };
    unchanged::answer(
        ctx,
        caller,
        question,
        |c| {
            load_for(ctx, c, caller, chat_id)?;
            let total = messages::count(c, chat_id, after)?;
            let rows = messages::page(c, chat_id, after, (page - 1) * page_size, page_size)?;
            Ok(MessageList {
                messages: views_with_deliveries(c, caller.is_manager(), rows)?,
                cursor: Cursor::new(page, page_size, total),
            })
        },
        |_| true,
    )
}

/// GetChatMessages' answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MessageList {
    pub messages: Vec<MessageView>,
    pub cursor: Cursor,
}

/// MarkChatRead: the customer's messages are read, the chat's unread count goes to zero.
pub fn mark_chat_read(ctx: &Ctx, caller: &Caller, chat_id: i64) -> ApiResult<usize> {
    ctx.write(|c| {
        let chat = load_for(ctx, c, caller, chat_id)?;
        let now = ctx.now();
        let read = messages::mark_read_by_agent(c, chat_id, now)?;
        chats::reset_unread(c, chat_id)?;
        live::about_chat(
            c,
            Topic::ChatRead,
            ChatPeople::from(&chat),
            serde_json::json!({ "AgentID": caller.agent_id }),
            now,
        )?;
        Ok(read)
    })
}

/// A private note on a chat, never sent to the customer.
pub(crate) fn add_note(
    c: &mut DbConnection,
    caller: &Caller,
    chat_id: i64,
    text: &str,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let note = messages::insert(
        c,
        &NewMessage {
            chat_id,
            kind: MessageKind::Note,
            special_type: None,
            agent_id: Some(caller.agent_id),
            author: &caller.name,
            text,
            attachment_id: None,
            to_customer: false,
            created_at: now,
        },
    )?;
    let id = note.id;
    announce(c, note, now)?;
    Ok(id)
}

/// `message.created`: a message as GetChatMessages shows it (to agents), to the chat's people.
/// Called once the message is complete (its delivery queued), in the same transaction.
pub(crate) fn announce(c: &mut DbConnection, row: MessageRow, now: NaiveDateTime) -> ApiResult<()> {
    let chat = chats::find(c, row.chat_id)?.ok_or_else(|| super::chats::not_found(row.chat_id))?;
    announce_to(c, row, ChatPeople::from(&chat), now)
}

/// [`announce`] to the chat's people as the caller knows them.
pub(crate) fn announce_to(
    c: &mut DbConnection,
    row: MessageRow,
    people: ChatPeople,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let message = views(c, false, vec![row])?.pop();
    publish_created(c, message, people, now)
}

/// [`announce_to`] for a message whose delivery was just queued (the view needs no read).
pub(crate) fn announce_queued(
    c: &mut DbConnection,
    row: MessageRow,
    delivery: DeliveryRow,
    people: ChatPeople,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let message = views_with_deliveries(c, false, vec![(row, Some(delivery))])?.pop();
    publish_created(c, message, people, now)
}

fn publish_created(
    c: &mut DbConnection,
    message: Option<MessageView>,
    people: ChatPeople,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let Some(message) = message else {
        return Ok(());
    };
    live::about_chat(
        c,
        Topic::MessageCreated,
        people,
        serde_json::json!({ "Message": message }),
        now,
    )
}

/// `message.delivery`: how a message is getting to the customer, after an attempt.
pub(crate) fn announce_delivery(
    c: &mut DbConnection,
    message_id: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let Some(row) = messages::find(c, message_id)? else {
        return Ok(());
    };
    let chat = chats::find(c, row.chat_id)?.ok_or_else(|| super::chats::not_found(row.chat_id))?;
    let Some(delivery) = views(c, false, vec![row])?.pop().and_then(|m| m.delivery) else {
        return Ok(());
    };
    live::about_chat(
        c,
        Topic::MessageDelivery,
        ChatPeople::from(&chat),
        serde_json::json!({ "MessageID": message_id, "Delivery": delivery }),
        now,
    )
}
