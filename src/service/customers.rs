//! Customers and chat tags: AddComment, FindCustomer, UpdateCustomer, AddTag, RemoveTag.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::chats::{load_for, may_act_on, view, ChatView};
use super::live;
use super::messages::add_note;
use super::Ctx;
use crate::db::DbConnection;
use crate::domain::chat::ChatState;
use crate::domain::live::{Audience, Topic};
use crate::domain::{Caller, EmailAddress, PhoneNumber};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::chats::{self, ChatRow};
use crate::store::customers::{self, CustomerChanges, CustomerRow};
use crate::store::{agents, messages, tags};

/// A private note on one of the customer's chats.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct CommentView {
    #[serde(rename = "MessageID")]
    pub message_id: i64,
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
    pub author: String,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

/// A customer as FindCustomer and UpdateCustomer show it: only what the caller may see.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerView {
    #[serde(rename = "CustomerID")]
    pub customer_id: i64,
    pub full_name: Option<String>,
    pub mobile_number: Option<String>,
    pub email_address: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The chat that is not closed yet, if any.
    #[serde(rename = "ActiveChatID")]
    pub active_chat_id: Option<i64>,
    /// Private notes on the customer's chats, newest first.
    pub comments: Vec<CommentView>,
    /// With `IncludeChats`: the customer's chats the caller may see, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chats: Option<Vec<ChatView>>,
    #[serde(skip)]
    visible_chats: usize,
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(
        ErrorCode::CustomerNotFound,
        format!("Customer {id} does not exist"),
    )
}

fn no_active_chat(id: i64) -> ApiError {
    ApiError::conflict(
        ErrorCode::NoActiveChat,
        format!("Customer {id} has no active chat"),
    )
}

/// The customer's active chat, which the caller must be allowed to act on. A customer the caller
/// can't see (none of their chats is the caller's) answers as a missing one does.
fn active_chat(c: &mut DbConnection, caller: &Caller, customer_id: i64) -> ApiResult<ChatRow> {
    customers::find(c, customer_id)?.ok_or_else(|| not_found(customer_id))?;
    let mine = if caller.is_manager() {
        Vec::new()
    } else {
        agents::department_ids(c, caller.agent_id)?
    };
    let chats = chats::for_customer(c, customer_id, 100)?;
    if !chats.iter().any(|chat| may_act_on(caller, &mine, chat)) {
        return Err(not_found(customer_id));
    }
    chats
        .into_iter()
        .find(|chat| chat.state() != ChatState::Closed && may_act_on(caller, &mine, chat))
        .ok_or_else(|| no_active_chat(customer_id))
}

fn customer_view(
    c: &mut DbConnection,
    caller: &Caller,
    row: CustomerRow,
    include_chats: bool,
) -> ApiResult<CustomerView> {
    let mine = if caller.is_manager() {
        Vec::new()
    } else {
        agents::department_ids(c, caller.agent_id)?
    };
    let visible: Vec<i64> = chats::for_customer(c, row.id, 100)?
        .into_iter()
        .filter(|chat| may_act_on(caller, &mine, chat))
        .map(|chat| chat.id)
        .collect();
    let comments = messages::notes_of(c, &visible, 50)?
        .into_iter()
        .map(|m| CommentView {
            message_id: m.id,
            chat_id: m.chat_id,
            author: m.author,
            comment: m.text,
            created_at: m.created_at.and_utc(),
        })
        .collect();
    let chats = if include_chats {
        Some(
            visible
                .iter()
                .map(|id| view(c, *id))
                .collect::<ApiResult<Vec<_>>>()?,
        )
    } else {
        None
    };
    Ok(CustomerView {
        customer_id: row.id,
        full_name: row.full_name,
        mobile_number: row.mobile,
        email_address: row.email,
        created_at: row.created_at.and_utc(),
        active_chat_id: chats::live_for_customer(c, row.id)?
            .map(|ch| ch.id)
            .filter(|id| visible.contains(id)),
        visible_chats: visible.len(),
        comments,
        chats,
    })
}

/// AddComment: a private note on the customer's active chat.
pub fn add_comment(ctx: &Ctx, caller: &Caller, customer_id: i64, comment: &str) -> ApiResult<i64> {
    ctx.write(|c| {
        let chat = active_chat(c, caller, customer_id)?;
        add_note(c, caller, chat.id, comment, ctx.now())
    })
}

/// FindCustomer: the customers with this number, as channels stored them (one per identity
/// scope: a web visitor who gave the number is not the messaging contact who owns it).
pub fn find_customer(
    ctx: &Ctx,
    caller: &Caller,
    mobile: &PhoneNumber,
    include_chats: bool,
) -> ApiResult<Vec<CustomerView>> {
    ctx.with_conn(|c| {
        let mut found = Vec::new();
        for row in customers::with_mobile(c, mobile.as_str())? {
            let view = customer_view(c, caller, row, include_chats)?;
            // Agents see only customers who wrote to one of their departments.
            if caller.is_manager() || view.visible_chats > 0 {
                found.push(view);
            }
        }
        Ok(found)
    })
}

/// UpdateCustomer's fields, already parsed; `None` leaves a field as it is.
pub struct CustomerPatch {
    pub full_name: Option<String>,
    pub email: Option<EmailAddress>,
    pub comment: Option<String>,
    pub tag_ids: Vec<i64>,
}

/// Changes the customer's name and address; a comment becomes a note and tags go on the active chat.
/// Agents may update only customers whose active chat they can act on.
pub fn update_customer(
    ctx: &Ctx,
    caller: &Caller,
    customer_id: i64,
    patch: CustomerPatch,
) -> ApiResult<CustomerView> {
    ctx.write(|c| {
        let row = customers::find(c, customer_id)?.ok_or_else(|| not_found(customer_id))?;
        let needs_chat =
            !caller.is_manager() || patch.comment.is_some() || !patch.tag_ids.is_empty();
        let chat = if needs_chat {
            Some(active_chat(c, caller, customer_id)?)
        } else {
            None
        };
        let now = ctx.now();
        let changes = CustomerChanges {
            full_name: patch.full_name.clone(),
            email: patch.email.as_ref().map(|e| e.as_str().to_owned()),
            email_key: patch.email.as_ref().map(EmailAddress::key),
            mobile: None,
            updated_at: Some(now),
        };
        customers::update(c, customer_id, &changes)?;
        if let Some(chat) = &chat {
            if let Some(comment) = &patch.comment {
                add_note(c, caller, chat.id, comment, now)?;
            }
            for tag_id in &patch.tag_ids {
                tag_chat(c, caller, chat.id, *tag_id, ctx.now())?;
            }
        }
        let row = customers::find(c, row.id)?.ok_or_else(|| not_found(customer_id))?;
        announce(c, &row, now)?;
        if let Some(chat) = chat.filter(|_| !patch.tag_ids.is_empty()) {
            let tagged = view(c, chat.id)?;
            live::chat_tags(c, &tagged, now)?;
        }
        customer_view(c, caller, row, false)
    })
}

/// `customer.updated`: the customer's details as they are now, to the people of the customer's
/// live chat (managers only when there is none).
pub(crate) fn announce(
    c: &mut DbConnection,
    row: &CustomerRow,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let audience = match chats::live_for_customer(c, row.id)? {
        Some(chat) => Audience::chat(chat.department_id, chat.agent_id),
        None => Audience {
            managers_only: true,
            ..Audience::default()
        },
    };
    live::publish(
        c,
        Topic::CustomerUpdated,
        &audience,
        &serde_json::json!({ "Customer": {
            "CustomerID": row.id,
            "FullName": row.full_name,
            "MobileNumber": row.mobile,
            "Email": row.email,
        }}),
        now,
    )
}

fn tag_chat(
    c: &mut DbConnection,
    caller: &Caller,
    chat_id: i64,
    tag_id: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let tag = tags::find_tag(c, tag_id)?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::TagNotFound,
            format!("Tag {tag_id} does not exist"),
        )
        .on_field("TagID")
    })?;
    if !tag.enabled {
        return Err(ApiError::conflict(
            ErrorCode::TagDisabled,
            format!("The tag {} is disabled", tag.name),
        ));
    }
    chats::add_tag(c, chat_id, tag_id, Some(caller.agent_id), now)?;
    Ok(())
}

/// Which chat AddTag means: the chat given, or the customer's active chat.
pub enum TagTarget {
    Chat(i64),
    Customer(i64),
}

/// AddTag: tags a chat given directly, or the customer's active chat.
pub fn add_tag(ctx: &Ctx, caller: &Caller, target: TagTarget, tag_id: i64) -> ApiResult<ChatView> {
    ctx.write(|c| {
        let chat = match target {
            TagTarget::Chat(id) => load_for(ctx, c, caller, id)?,
            TagTarget::Customer(id) => active_chat(c, caller, id)?,
        };
        let now = ctx.now();
        tag_chat(c, caller, chat.id, tag_id, now)?;
        let chat = view(c, chat.id)?;
        live::chat_tags(c, &chat, now)?;
        Ok(chat)
    })
}

/// RemoveTag: takes a tag off a chat the caller may act on.
pub fn remove_tag(ctx: &Ctx, caller: &Caller, chat_id: i64, tag_id: i64) -> ApiResult<ChatView> {
    ctx.write(|c| {
        load_for(ctx, c, caller, chat_id)?;
        if chats::remove_tag(c, chat_id, tag_id)? == 0 {
            return Err(ApiError::new(
                ErrorCode::TagNotFound,
                format!("Chat {chat_id} is not tagged with tag {tag_id}"),
            ));
        }
        let chat = view(c, chat_id)?;
        live::chat_tags(c, &chat, ctx.now())?;
        Ok(chat)
    })
}
