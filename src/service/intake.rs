//! The customer's side of a chat as channel servers report it (notifyUserNewChatMessage and
//! addAttachment, notifyUserNewChatEvent, notifyUserVisited, notifyUserEndChat): a message finds
//! or opens the session's chat and its customer, is stored with its file, and hands a chat without
//! a department to the welcome menu (`welcome_menu.rs`).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::attachments;
use super::channels::AuthenticatedChannel;
use super::live::{self, Before, ChatPeople};
use super::routing::close;
use super::transcript::{fact, record};
use super::{welcome_menu, Ctx};
use crate::db::{dialect, DbConnection};
use crate::domain::attachment::Upload;
use crate::domain::chat::{ChatState, EventKind, MessageKind, SpecialType};
use crate::domain::live::Topic;
use crate::domain::{EmailAddress, PhoneNumber};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::chats::{self, ChatRow};
use crate::store::customers::{self, CustomerChanges, CustomerRow};
use crate::store::messages::{self, NewMessage};

/// A customer's message as the channel reports it, validated.
pub struct CustomerMessage {
    pub session_id: String,
    pub text: String,
    pub customer_name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub url: Option<String>,
    pub attachment: Option<Upload>,
}

/// What notifyUserNewChatMessage and addAttachment answer: where the chat stands now.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct InboundView {
    pub success: bool,
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
    #[serde(rename = "CustomerID")]
    pub customer_id: i64,
    #[serde(rename = "MessageID")]
    pub message_id: i64,
    pub chat_type: &'static str,
    #[serde(rename = "DepartmentID")]
    pub department_id: Option<i64>,
    pub queue_position: Option<i64>,
    /// Optional customer details left out because they were malformed, by field, with the
    /// reason (the message itself is taken). Absent when nothing was left out.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ignored: BTreeMap<String, String>,
}

/// notifyUserNewChatMessage and addAttachment: finds or opens the session's chat, stores the
/// message and, while the chat has no department yet, hands it to the welcome menu.
pub fn notify_user_new_chat_message(
    ctx: &Ctx,
    channel: &AuthenticatedChannel,
    m: CustomerMessage,
) -> ApiResult<InboundView> {
    let view = ctx.write(|c| {
        // Two messages of one new session must not open two chats; one phone number is one
        // customer within an identity scope.
        dialect::lock_key(c, &format!("session:{}:{}", channel.id, m.session_id))?;
        if let Some(phone) = &m.phone {
            let scope = channel.identity_scope();
            dialect::lock_key(c, &format!("customer:{scope}:{}", phone.as_str()))?;
        }
        if let Some(upload) = &m.attachment {
            attachments::check_size(ctx, c, upload.bytes.len(), "file")?;
        }
        let now = ctx.now();
        let (live, is_new) = match chats::find_live_by_session(c, channel.id, &m.session_id)? {
            Some(chat) => (Some(chat), false),
            None => (None, true),
        };
        let (chat_id, customer_id) = match &live {
            Some(chat) => (chat.id, chat.customer_id),
            None => open_chat(c, channel, &m, now)?,
        };
        let (customer, customer_changed) = fill_in_customer(c, channel, customer_id, &m, now)?;
        let visitor_changed = chats::set_visitor(
            c,
            chat_id,
            m.customer_name.as_deref(),
            m.email.as_ref().map(EmailAddress::as_str),
            m.phone.as_ref().map(PhoneNumber::as_str),
        )? > 0;
        // The row as it stands now: read again only when this request changed it.
        let chat = match live.filter(|_| !visitor_changed) {
            Some(chat) => chat,
            None => chats::find(c, chat_id)?.ok_or_else(|| super::chats::not_found(chat_id))?,
        };
        let attachment_id = m
            .attachment
            .as_ref()
            .map(|u| attachments::store(c, chat.id, u, now))
            .transpose()?;
        let author = chat
            .visitor_name
            .clone()
            .or_else(|| customer.full_name.clone())
            .unwrap_or_else(|| "Customer".to_owned());
        let message = messages::insert(
            c,
            &NewMessage {
                chat_id: chat.id,
                kind: MessageKind::Customer,
                special_type: None,
                agent_id: None,
                author: &author,
                text: &m.text,
                attachment_id,
                to_customer: false,
                created_at: now,
            },
        )?;
        let preview = match (&m.attachment, m.text.is_empty()) {
            (Some(u), true) => format!("[{}]", u.file_name),
            _ => m.text.clone(),
        };
        chats::touch_last_message(c, chat.id, now, &preview, true)?;
        if let Some(url) = &m.url {
            chats::insert_visit(c, channel.id, &m.session_id, url, now)?;
        }
        let in_menu = chat.department_id.is_none() && chat.state() == ChatState::Unassigned;
        if in_menu {
            let returning = chats::count_for_customer(c, customer.id)? > 1;
            let visitor_name = chat.visitor_name.as_deref();
            welcome_menu::choose(ctx, c, &chat, visitor_name, &m.text, is_new, returning)?;
        }
        // Read again after `touch_last_message` has locked the row (PostgreSQL): an agent's grab,
        // transfer or close committed since the first read is what the answer and the fact show.
        let chat = chats::find(c, chat.id)?.ok_or_else(|| super::chats::not_found(chat.id))?;
        if in_menu && chat.department_id.is_some() {
            live::chat_event(
                c,
                Topic::ChatQueued,
                chat.id,
                Before::default(),
                json!({}),
                now,
            )?;
        }
        let message_id = message.id;
        super::messages::announce_to(c, message, ChatPeople::from(&chat), now)?;
        if customer_changed {
            super::customers::announce(c, &customer, now)?;
        }
        // Counted after routing, so the message that picks (or opens into) a department counts for it.
        fact(
            c,
            chat.id,
            EventKind::MessageIn,
            now,
            None,
            chat.department_id,
            None,
        )?;
        Ok(InboundView {
            success: true,
            chat_id: chat.id,
            customer_id: customer.id,
            message_id,
            chat_type: chat.state().name(),
            department_id: chat.department_id,
            queue_position: chats::queue_position(c, &chat)?,
            ignored: BTreeMap::new(),
        })
    })?;
    ctx.outbound_ready.notify_one();
    Ok(view)
}

/// Opens a chat for the session, recognising the customer by phone number, else email address,
/// else the session's earlier chats. Numbers and addresses are matched only within the channel's
/// identity scope: its own customers, or, for a channel that verifies identity, those of every
/// channel that does. A web visitor who types someone's number is not taken for them. Returns the
/// chat's id and its customer's.
fn open_chat(
    c: &mut DbConnection,
    channel: &AuthenticatedChannel,
    m: &CustomerMessage,
    now: NaiveDateTime,
) -> ApiResult<(i64, i64)> {
    let scope = channel.identity_scope();
    let known = match (&m.phone, &m.email) {
        (Some(phone), _) => customers::find_by_mobile(c, scope, phone.as_str())?.map(|cu| cu.id),
        (None, Some(email)) => customers::find_by_email(c, scope, email.as_str())?.map(|cu| cu.id),
        (None, None) => None,
    };
    let known = match (known, &m.phone) {
        (None, Some(_)) => match &m.email {
            // A number we don't know yet, but an address we do: same person, new number.
            Some(email) => customers::find_by_email(c, scope, email.as_str())?
                .filter(|cu| cu.mobile.is_none())
                .map(|cu| cu.id),
            None => None,
        },
        (found, _) => found,
    };
    let known = match known {
        Some(id) => Some(id),
        None => chats::latest_customer_of_session(c, channel.id, &m.session_id)?,
    };
    let customer_id = match known {
        Some(id) => id,
        None => customers::insert(
            c,
            scope,
            m.customer_name.as_deref(),
            m.phone.as_ref().map(PhoneNumber::as_str),
            m.email.as_ref().map(EmailAddress::as_str),
            now,
        )?,
    };
    let id = chats::insert(c, channel.id, &m.session_id, customer_id, now)?;
    record(c, id, SpecialType::NewSession, "Chat started", now)?;
    Ok((id, customer_id))
}

/// Whether another customer of the scope already has this number (numbers are unique within a
/// scope; the session's customer keeps theirs rather than the message being refused).
fn owned_by_other(c: &mut DbConnection, scope: i64, phone: &str, customer_id: i64) -> bool {
    matches!(customers::find_by_mobile(c, scope, phone), Ok(Some(other)) if other.id != customer_id)
}

/// Fills in what the stored customer lacks from what the channel tells us: a name, an address, a
/// number (one nobody else in the scope has). A value the customer already has is never
/// overwritten by a chat: a differing one stays on the chat (its visitor fields), for the agent to
/// judge and apply with UpdateCustomer.
fn fill_in_customer(
    c: &mut DbConnection,
    channel: &AuthenticatedChannel,
    id: i64,
    m: &CustomerMessage,
    now: NaiveDateTime,
) -> ApiResult<(CustomerRow, bool)> {
    let current =
        customers::find(c, id)?.ok_or_else(|| ApiError::internal("chat without customer"))?;
    let scope = channel.identity_scope();
    let email = m
        .email
        .as_ref()
        .filter(|_| current.email.is_none())
        .map(EmailAddress::as_str);
    let changes = CustomerChanges {
        full_name: m
            .customer_name
            .clone()
            .filter(|_| current.full_name.is_none()),
        mobile: m
            .phone
            .as_ref()
            .filter(|_| current.mobile.is_none())
            .filter(|p| !owned_by_other(c, scope, p.as_str(), id))
            .map(|p| p.as_str().to_owned()),
        email: email.map(str::to_owned),
        email_key: email.map(str::to_lowercase),
        updated_at: None,
    };
    let changed =
        changes.full_name.is_some() || changes.mobile.is_some() || changes.email.is_some();
    if !changed {
        return Ok((current, false));
    }
    customers::update(
        c,
        id,
        &CustomerChanges {
            updated_at: Some(now),
            ..changes
        },
    )?;
    let customer =
        customers::find(c, id)?.ok_or_else(|| ApiError::internal("customer vanished"))?;
    Ok((customer, true))
}

fn live_chat(
    c: &mut DbConnection,
    channel: &AuthenticatedChannel,
    session: &str,
) -> ApiResult<ChatRow> {
    chats::find_live_by_session(c, channel.id, session)?
        .ok_or_else(|| ApiError::new(ErrorCode::ChatNotFound, "This session has no open chat"))
}

/// notifyUserNewChatEvent: `startedtyping` / `stoppedtyping`.
pub fn notify_user_new_chat_event(
    ctx: &Ctx,
    channel: &AuthenticatedChannel,
    session: &str,
    typing: bool,
) -> ApiResult<i64> {
    ctx.write(|c| {
        let chat = live_chat(c, channel, session)?;
        let now = ctx.now();
        chats::set_typing(c, chat.id, typing.then_some(now))?;
        live::about_chat(
            c,
            Topic::CustomerTyping,
            ChatPeople::from(&chat),
            json!({ "Typing": typing }),
            now,
        )?;
        Ok(chat.id)
    })
}

/// notifyUserVisited: a page the customer visited; kept per session, shown with the chat.
pub fn notify_user_visited(
    ctx: &Ctx,
    channel: &AuthenticatedChannel,
    session: &str,
    url: &str,
) -> ApiResult<()> {
    ctx.write(|c| Ok(chats::insert_visit(c, channel.id, session, url, ctx.now())?))
}

/// notifyUserEndChat: the customer left; the chat closes as closed by the customer.
pub fn notify_user_end_chat(
    ctx: &Ctx,
    channel: &AuthenticatedChannel,
    session: &str,
) -> ApiResult<i64> {
    let ended = ctx.write(|c| {
        let chat = live_chat(c, channel, session)?;
        let now = ctx.now();
        close(c, &chat, SpecialType::ClosedByCustomer, None, now)?;
        record(
            c,
            chat.id,
            SpecialType::ClosedByCustomer,
            "The customer ended the chat",
            now,
        )?;
        super::ratings::ask_for_rating(ctx, c, chat.id, now)?;
        Ok(chat.id)
    })?;
    // The rating request waits in the outbound queue: deliver it now, not at the next poll.
    ctx.outbound_ready.notify_one();
    Ok(ended)
}
