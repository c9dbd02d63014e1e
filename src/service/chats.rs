//! Chats as agents see them: who may act on which chat, the views, GetChatList and GetChat. The
//! transcript export is in `export.rs`; assignment, transfer and closing in `routing.rs`.

use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::unchanged::{self, Question};
use super::Ctx;
use crate::db::DbConnection;
use crate::domain::chat::ChatState;
use crate::domain::chat_list::{ListPosition, SearchTerm};
use crate::domain::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::chat_list::{self, ChatFilter, PageStart};
use crate::store::chats::{self, ChatListRow, ChatRow};
use crate::store::{chat_counts, customers, live_events};

/// Typing is shown for this long after the last `startedtyping`.
const TYPING_SECONDS: i64 = 30;

/// A tag as a chat shows it.
#[derive(Serialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct TagRef {
    #[serde(rename = "TagID")]
    pub tag_id: i64,
    pub name: String,
}

/// A chat in a list, and the head of GetChat.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ChatView {
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
    /// open, unassigned or closed.
    pub chat_type: &'static str,
    #[serde(rename = "CustomerID")]
    pub customer_id: i64,
    pub customer_name: Option<String>,
    pub customer_number: Option<String>,
    #[serde(rename = "DepartmentID")]
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    #[serde(rename = "AgentID")]
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub queued_at: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// ClosedByUser, ClosedByCustomer or ClosedByIdle.
    pub close_reason: Option<String>,
    pub last_message_at: DateTime<Utc>,
    pub last_message_text: Option<String>,
    pub unread_count: i32,
    pub tags: Vec<TagRef>,
    /// Place in the department's queue while unassigned.
    pub queue_position: Option<i64>,
    /// The customer's rating of the closed chat, 1 to 5 (4 and 5 count as satisfied), once given.
    pub rating: Option<i16>,
    /// The comment that came with the rating, if any.
    pub rating_comment: Option<String>,
}

fn utc(t: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(|t| t.and_utc())
}

/// Builds views for a page of rows (which carry their tags) with the queue positions of those
/// waiting: up to two queries per department on the page.
pub(crate) fn views(c: &mut DbConnection, rows: Vec<ChatListRow>) -> ApiResult<Vec<ChatView>> {
    views_of_page(c, rows, false)
}

/// [`views`] of a page of GetChatList; `whole_queues` as in `chat_list::queue_positions`.
fn views_of_page(
    c: &mut DbConnection,
    rows: Vec<ChatListRow>,
    whole_queues: bool,
) -> ApiResult<Vec<ChatView>> {
    let positions = chat_list::queue_positions(c, rows.iter().map(|r| &r.chat), whole_queues)?;
    rows.into_iter()
        .map(|r| {
            let position = positions.get(&r.chat.id).copied();
            let tags = r
                .tags()
                .into_iter()
                .map(|(tag_id, name)| TagRef { tag_id, name })
                .collect();
            let chat = r.chat;
            Ok(ChatView {
                chat_id: chat.id,
                chat_type: chat.state().name(),
                customer_id: chat.customer_id,
                customer_name: r.customer_name,
                customer_number: r.customer_mobile,
                department_id: chat.department_id,
                department_name: r.department_name,
                agent_id: chat.agent_id,
                agent_name: r.agent_name,
                created_at: chat.created_at.and_utc(),
                queued_at: utc(chat.queued_at),
                assigned_at: utc(chat.assigned_at),
                closed_at: utc(chat.closed_at),
                close_reason: chat.close_reason,
                last_message_at: chat.last_message_at.and_utc(),
                last_message_text: chat.last_message_text,
                unread_count: chat.agent_unread,
                tags,
                queue_position: position,
                rating: chat.rating,
                rating_comment: chat.rating_comment,
            })
        })
        .collect()
}

/// One chat's view.
pub(crate) fn view(c: &mut DbConnection, chat_id: i64) -> ApiResult<ChatView> {
    let row = chats::find_listed(c, chat_id)?.ok_or_else(|| not_found(chat_id))?;
    views(c, vec![row])?.pop().ok_or_else(|| not_found(chat_id))
}

/// ChatNotFound, naming the chat.
pub(crate) fn not_found(chat_id: i64) -> ApiError {
    ApiError::new(
        ErrorCode::ChatNotFound,
        format!("Chat {chat_id} does not exist"),
    )
}

/// Loads a chat the caller may act on: managers any chat, agents chats of their departments and
/// chats assigned to them. Anyone else's chat answers exactly as a missing one does, so ids reveal
/// nothing.
pub(crate) fn load_for(
    ctx: &Ctx,
    c: &mut DbConnection,
    caller: &Caller,
    chat_id: i64,
) -> ApiResult<ChatRow> {
    find_visible(ctx, c, caller, chat_id)?.ok_or_else(|| not_found(chat_id))
}

/// The chat, if it exists and the caller may act on it.
pub(crate) fn find_visible(
    ctx: &Ctx,
    c: &mut DbConnection,
    caller: &Caller,
    chat_id: i64,
) -> ApiResult<Option<ChatRow>> {
    let Some(chat) = chats::find(c, chat_id)? else {
        return Ok(None);
    };
    Ok(may_see(ctx, c, caller, &chat)?.then_some(chat))
}

/// [`may_act_on`], with the caller's departments as [`Ctx::departments_of`] keeps them.
fn may_see(ctx: &Ctx, c: &mut DbConnection, caller: &Caller, chat: &ChatRow) -> ApiResult<bool> {
    if caller.is_manager() {
        return Ok(true);
    }
    let mine = ctx.departments_of(c, caller.agent_id)?;
    Ok(may_act_on(caller, &mine, chat))
}

/// The access rule itself, given the caller's departments (`mine`, unused for managers).
pub(crate) fn may_act_on(caller: &Caller, mine: &[i64], chat: &ChatRow) -> bool {
    caller.is_manager()
        || chat.agent_id == Some(caller.agent_id)
        || chat.department_id.is_some_and(|d| mine.contains(&d))
}

/// GetChatList's parameters after parsing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChatListQuery {
    pub state: Option<ChatState>,
    /// The page number reported in the cursor; without `after`, the page read.
    pub page: i64,
    pub page_size: i64,
    /// Keyset paging: the page starts after this position (a previous page's `Cursor.Next`).
    pub after: Option<ListPosition>,
    pub term: Option<SearchTerm>,
    pub only_mine: bool,
    pub unread_only: bool,
    pub department_id: Option<i64>,
    pub agent_id: Option<i64>,
}

/// Where a page sits in a list: page, size, total matching and number of pages.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct Cursor {
    pub page: i64,
    pub page_size: i64,
    pub total: i64,
    pub pages: i64,
}

impl Cursor {
    /// The cursor of page `page` of `total` items.
    pub fn new(page: i64, page_size: i64, total: i64) -> Self {
        Self {
            page,
            page_size,
            total,
            pages: (total + page_size - 1) / page_size,
        }
    }
}

/// GetChatList's cursor: the page's place, and where the next page starts.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ChatListCursor {
    #[serde(flatten)]
    pub cursor: Cursor,
    /// Pass as `After` for the page that follows this one, however deep: it starts right after
    /// this page's last chat. Null on the last page.
    pub next: Option<String>,
}

/// GetChatList's answer: a page of chats and the event stream position it is current to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ChatList {
    pub chats: Vec<ChatView>,
    pub cursor: ChatListCursor,
    /// The event stream position this list is current to: open GetEvents with it as
    /// `LastEventID` and list and stream meet without a gap. Read before the list (up to
    /// `cache::LIVE_END_TTL` before): a stream started from it misses nothing after the list,
    /// and repeats at most the events of that window.
    #[serde(rename = "EventID")]
    pub event_id: String,
}

/// GetChatList as JSON: the chats the caller may see, filtered, in the order the list is used
/// in; kept while nothing changes (`unchanged`).
pub fn get_chat_list(ctx: &Ctx, caller: &Caller, q: ChatListQuery) -> ApiResult<Bytes> {
    let question = Question::ChatList(q.clone());
    unchanged::answer(
        ctx,
        caller,
        question,
        |c| chat_list(ctx, c, caller, q),
        |_| true,
    )
}

fn chat_list(
    ctx: &Ctx,
    c: &mut DbConnection,
    caller: &Caller,
    q: ChatListQuery,
) -> ApiResult<ChatList> {
    let event_id = *ctx
        .cache
        .live_end
        .get_or_load(|| Ok(live_events::live_end(c)?))?;
    let visible_to = if caller.is_manager() {
        None
    } else {
        Some((
            caller.agent_id,
            ctx.departments_of(c, caller.agent_id)?.to_vec(),
        ))
    };
    let filter = ChatFilter {
        state: q.state,
        visible_to,
        department_id: q.department_id,
        agent_id: if q.only_mine {
            Some(caller.agent_id)
        } else {
            q.agent_id
        },
        unread_only: q.unread_only,
        term: q.term,
    };
    let start = match q.after {
        Some(after) => PageStart::After(after),
        None => PageStart::Offset((q.page - 1) * q.page_size),
    };
    let (rows, next, total) = chat_list::list(c, &filter, start, q.page_size)?;
    Ok(ChatList {
        chats: views_of_page(c, rows, filter.lists_whole_queues())?,
        cursor: ChatListCursor {
            cursor: Cursor::new(q.page, q.page_size, total),
            next: next.map(|p| p.token()),
        },
        event_id: event_id.to_string(),
    })
}

/// The customer of a chat, as GetChat shows it.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerRef {
    #[serde(rename = "CustomerID")]
    pub customer_id: i64,
    pub full_name: Option<String>,
    pub mobile_number: Option<String>,
    pub email_address: Option<String>,
}

/// A page the customer visited.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct VisitView {
    pub url: String,
    pub visited_at: DateTime<Utc>,
}

/// What this chat's visitor said about themselves. It may differ from the stored customer's
/// details, which a chat never overwrites: the agent compares and decides with UpdateCustomer.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct VisitorView {
    pub full_name: Option<String>,
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    /// Whether any of these differs from the customer's stored details.
    pub differs_from_customer: bool,
}

/// GetChat's answer: the chat, its customer, whether they type and the pages they visited.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ChatDetail {
    #[serde(flatten)]
    pub chat: ChatView,
    pub customer: CustomerRef,
    pub visitor: VisitorView,
    pub customer_typing: bool,
    pub visited_pages: Vec<VisitView>,
}

/// Folds the triggers' deltas into the chat counters (`store::chat_counts`); a worker of every
/// instance runs it, so the deltas a list's `Cursor.Total` adds up stay a few hundred rows.
pub fn fold_counts(ctx: &Ctx) -> ApiResult<usize> {
    // One statement: it is its own transaction.
    ctx.with_conn(|c| Ok(chat_counts::fold(c)?))
}

/// GetChat as JSON: one chat the caller may act on, with its customer and visited pages; kept
/// while nothing changes (`unchanged`), except while the customer types: that ends with time,
/// with nothing committed.
pub fn get_chat(ctx: &Ctx, caller: &Caller, chat_id: i64) -> ApiResult<Bytes> {
    unchanged::answer(
        ctx,
        caller,
        Question::Chat(chat_id),
        |c| chat_detail(ctx, c, caller, chat_id),
        |chat| !chat.customer_typing,
    )
}

fn chat_detail(
    ctx: &Ctx,
    c: &mut DbConnection,
    caller: &Caller,
    chat_id: i64,
) -> ApiResult<ChatDetail> {
    // The chat with its names, read once: for the access rule and for the view.
    let row = match chats::find_listed(c, chat_id)? {
        Some(row) if may_see(ctx, c, caller, &row.chat)? => row,
        _ => return Err(not_found(chat_id)),
    };
    let chat = row.chat.clone();
    let customer = customers::find(c, chat.customer_id)?
        .ok_or_else(|| ApiError::internal("chat without customer"))?;
    let visits = chats::visits(c, chat.channel_id, &chat.external_session_id, 50)?;
    let typing = chat
        .customer_typing_at
        .is_some_and(|t| (ctx.now() - t).num_seconds() < TYPING_SECONDS);
    let differs = |said: &Option<String>, stored: &Option<String>| {
        said.as_ref()
            .is_some_and(|s| !stored.as_ref().is_some_and(|t| t.eq_ignore_ascii_case(s)))
    };
    let visitor = VisitorView {
        differs_from_customer: differs(&chat.visitor_name, &customer.full_name)
            || differs(&chat.visitor_email, &customer.email)
            || differs(&chat.visitor_phone, &customer.mobile),
        full_name: chat.visitor_name,
        email_address: chat.visitor_email,
        phone_number: chat.visitor_phone,
    };
    Ok(ChatDetail {
        chat: views(c, vec![row])?
            .pop()
            .ok_or_else(|| not_found(chat_id))?,
        visitor,
        customer: CustomerRef {
            customer_id: customer.id,
            full_name: customer.full_name,
            mobile_number: customer.mobile,
            email_address: customer.email,
        },
        customer_typing: typing,
        visited_pages: visits
            .into_iter()
            .map(|(url, at)| VisitView {
                url,
                visited_at: at.and_utc(),
            })
            .collect(),
    })
}
