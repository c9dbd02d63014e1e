//! Chats: the queue (GrabChat takes `oldest_waiting` with `claim`; AssignChat, ReAssignChat,
//! TransferChat), closing (CloseChat, notifyUserEndChat), the list (GetChatList, GetChat), chat
//! tags (AddTag, RemoveTag) and page visits (notifyUserVisited). GetChatList's own queries are in
//! `chat_list.rs`.
//!
//! Over 400 lines because it is the aggregate most endpoints touch: its queries share `ChatRow`,
//! the state constants and the list filter, and read best beside each other.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::hot_updates::{ClaimChat, MarkFirstResponse, TouchLastMessage};
use crate::db::schema::{agents, chat_tags, chat_visits, chats, customers, departments};
use crate::db::{dialect, DbConnection};
use crate::domain::chat::ChatState;

/// A chat as stored; also the row `agentdesk seed` inserts (never `DEFAULT` for `None`, which a
/// multi-row insert or `COPY` can't take).
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = chats, treat_none_as_default_value = false)]
pub struct ChatRow {
    pub id: i64,
    pub channel_id: i64,
    pub external_session_id: String,
    pub customer_id: i64,
    pub department_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub state: i16,
    pub created_at: NaiveDateTime,
    pub queued_at: Option<NaiveDateTime>,
    pub assigned_at: Option<NaiveDateTime>,
    pub first_response_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub close_reason: Option<String>,
    pub last_message_at: NaiveDateTime,
    pub last_message_text: Option<String>,
    pub agent_unread: i32,
    pub customer_typing_at: Option<NaiveDateTime>,
    /// What this chat's visitor said about themselves (not necessarily the stored customer).
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub visitor_phone: Option<String>,
}

impl ChatRow {
    pub fn state(&self) -> ChatState {
        ChatState::from_id(self.state)
    }
}

const UNASSIGNED: i16 = ChatState::Unassigned as i16;
const OPEN: i16 = ChatState::Open as i16;
const CLOSED: i16 = ChatState::Closed as i16;

pub fn insert(
    conn: &mut DbConnection,
    channel_id: i64,
    session: &str,
    customer_id: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(chats::table)
        .values((
            chats::channel_id.eq(channel_id),
            chats::external_session_id.eq(session),
            chats::customer_id.eq(customer_id),
            chats::state.eq(UNASSIGNED),
            chats::created_at.eq(now),
            chats::last_message_at.eq(now),
        ))
        .returning(chats::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ChatRow>> {
    chats::table
        .find(id)
        .select(ChatRow::as_select())
        .first(conn)
        .optional()
}

/// The session's chat that is not closed, if any.
pub fn find_live_by_session(
    conn: &mut DbConnection,
    channel_id: i64,
    session: &str,
) -> QueryResult<Option<ChatRow>> {
    chats::table
        .filter(chats::channel_id.eq(channel_id))
        .filter(chats::external_session_id.eq(session))
        .filter(chats::state.ne(CLOSED))
        .select(ChatRow::as_select())
        .first(conn)
        .optional()
}

/// The customer of the session's most recent chat, to recognise a returning visitor.
pub fn latest_customer_of_session(
    conn: &mut DbConnection,
    channel_id: i64,
    session: &str,
) -> QueryResult<Option<i64>> {
    chats::table
        .filter(chats::channel_id.eq(channel_id))
        .filter(chats::external_session_id.eq(session))
        .order(chats::id.desc())
        .select(chats::customer_id)
        .first(conn)
        .optional()
}

/// How many chats the customer has had.
pub fn count_for_customer(conn: &mut DbConnection, customer_id: i64) -> QueryResult<i64> {
    chats::table
        .filter(chats::customer_id.eq(customer_id))
        .count()
        .get_result(conn)
}

/// The customer's most recent chat that is not closed.
pub fn live_for_customer(
    conn: &mut DbConnection,
    customer_id: i64,
) -> QueryResult<Option<ChatRow>> {
    chats::table
        .filter(chats::customer_id.eq(customer_id))
        .filter(chats::state.ne(CLOSED))
        .order(chats::id.desc())
        .select(ChatRow::as_select())
        .first(conn)
        .optional()
}

/// The customer's most recent chats, newest first.
pub fn for_customer(
    conn: &mut DbConnection,
    customer_id: i64,
    limit: i64,
) -> QueryResult<Vec<ChatRow>> {
    chats::table
        .filter(chats::customer_id.eq(customer_id))
        .order(chats::id.desc())
        .limit(limit)
        .select(ChatRow::as_select())
        .load(conn)
}

/// Puts the chat at the back of `department_id`'s queue, unassigned.
pub fn enter_queue(
    conn: &mut DbConnection,
    id: i64,
    department_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(chats::table.find(id).filter(chats::state.ne(CLOSED)))
        .set((
            chats::state.eq(UNASSIGNED),
            chats::department_id.eq(Some(department_id)),
            chats::agent_id.eq(None::<i64>),
            chats::assigned_at.eq(None::<NaiveDateTime>),
            chats::queued_at.eq(Some(now)),
            // A new wait in a queue gets its own alert.
            chats::alerted_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// The oldest waiting chat of these departments that no other grabber is taking (GrabChat).
pub fn oldest_waiting(conn: &mut DbConnection, department_ids: &[i64]) -> QueryResult<Option<i64>> {
    dialect::lock_oldest_waiting(conn, department_ids)
}

/// Assigns a waiting chat to an agent. The `state = unassigned` condition makes this the one place
/// that decides who wins: of two concurrent claims exactly one updates a row. The chat must still
/// be in one of `departments`, those the claim was authorised for: a chat transferred elsewhere
/// at that instant is not won by someone outside its new department.
pub fn claim(
    conn: &mut DbConnection,
    id: i64,
    agent_id: i64,
    departments: &[i64],
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = ClaimChat {
        id,
        agent_id,
        at: now,
        departments,
        waiting: UNASSIGNED,
        open: OPEN,
    }
    .execute(conn)?;
    Ok(updated == 1)
}

/// Moves an open chat from one agent to another, if it is still that agent's.
pub fn reassign(conn: &mut DbConnection, id: i64, from: i64, to: i64) -> QueryResult<bool> {
    let updated = diesel::update(
        chats::table
            .find(id)
            .filter(chats::state.eq(OPEN))
            .filter(chats::agent_id.eq(from)),
    )
    .set(chats::agent_id.eq(Some(to)))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn close(
    conn: &mut DbConnection,
    id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(chats::table.find(id).filter(chats::state.ne(CLOSED)))
        .set((
            chats::state.eq(CLOSED),
            chats::closed_at.eq(Some(now)),
            chats::close_reason.eq(Some(reason)),
            chats::customer_typing_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn count_open_for_agent(conn: &mut DbConnection, agent_id: i64) -> QueryResult<i64> {
    chats::table
        .filter(chats::agent_id.eq(agent_id))
        .filter(chats::state.eq(OPEN))
        .count()
        .get_result(conn)
}

pub fn open_ids_for_agent(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Vec<i64>> {
    chats::table
        .filter(chats::agent_id.eq(agent_id))
        .filter(chats::state.eq(OPEN))
        .order(chats::id)
        .select(chats::id)
        .load(conn)
}

/// 1 + the waiting chats of the same department queued before this one.
pub fn queue_position(conn: &mut DbConnection, chat: &ChatRow) -> QueryResult<Option<i64>> {
    let (Some(department_id), Some(queued_at)) = (chat.department_id, chat.queued_at) else {
        return Ok(None);
    };
    if chat.state() != ChatState::Unassigned {
        return Ok(None);
    }
    let ahead: i64 = chats::table
        .filter(chats::state.eq(UNASSIGNED))
        .filter(chats::department_id.eq(department_id))
        .filter(
            chats::queued_at
                .lt(queued_at)
                .or(chats::queued_at.eq(queued_at).and(chats::id.lt(chat.id))),
        )
        .count()
        .get_result(conn)?;
    Ok(Some(ahead + 1))
}

/// A department's queue: (department, waiting chats, oldest queued_at).
pub type QueueLength = (Option<i64>, i64, Option<NaiveDateTime>);

/// Waiting chats per department (LiveMetrics, requestChatQueue).
pub fn waiting_by_department(conn: &mut DbConnection) -> QueryResult<Vec<QueueLength>> {
    chats::table
        .filter(chats::state.eq(UNASSIGNED))
        .filter(chats::department_id.is_not_null())
        .group_by(chats::department_id)
        .select((
            chats::department_id,
            diesel::dsl::count_star(),
            diesel::dsl::min(chats::queued_at),
        ))
        .load(conn)
}

/// Where a chat stands as a write that locked its row left it: its channel and who may see it.
#[derive(Clone, Copy, Debug, Queryable)]
pub struct LockedChat {
    pub channel_id: i64,
    pub department_id: Option<i64>,
    pub agent_id: Option<i64>,
}

/// Records a chat's new last message; `None` when the chat doesn't exist.
pub fn touch_last_message(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
    text: &str,
    from_customer: bool,
) -> QueryResult<Option<LockedChat>> {
    let preview: String = text.chars().take(200).collect();
    TouchLastMessage {
        id,
        at: now,
        preview: &preview,
        from_customer,
    }
    .get_result(conn)
    .optional()
}

/// notifyUserNewChatEvent: when the customer started typing, or `None` when they stopped.
/// Records what the visitor of this chat said about themselves; `None` keeps what was said before.
pub fn set_visitor(
    conn: &mut DbConnection,
    id: i64,
    name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> QueryResult<usize> {
    #[derive(AsChangeset)]
    #[diesel(table_name = chats)]
    struct Visitor<'a> {
        visitor_name: Option<&'a str>,
        visitor_email: Option<&'a str>,
        visitor_phone: Option<&'a str>,
    }
    if name.is_none() && email.is_none() && phone.is_none() {
        return Ok(0);
    }
    diesel::update(chats::table.find(id))
        .set(Visitor {
            visitor_name: name,
            visitor_email: email,
            visitor_phone: phone,
        })
        .execute(conn)
}

pub fn set_typing(
    conn: &mut DbConnection,
    id: i64,
    since: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(chats::table.find(id))
        .set(chats::customer_typing_at.eq(since))
        .execute(conn)
}

/// Records the first agent answer; true only the first time.
pub fn mark_first_response(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = MarkFirstResponse {
        id,
        at: now,
        closed: CLOSED,
    }
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn reset_unread(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(chats::table.find(id))
        .set(chats::agent_unread.eq(0))
        .execute(conn)
}

/// A page of the list: one row per chat with its customer, department and agent names.
#[derive(Clone, Debug, Queryable)]
pub struct ChatListRow {
    pub chat: ChatRow,
    pub customer_name: Option<String>,
    pub customer_mobile: Option<String>,
    pub department_name: Option<String>,
    pub agent_name: Option<String>,
    /// Its tags, as [`dialect::TagsOfChatJson`] gives them: see [`ChatListRow::tags`].
    tags_json: Option<String>,
}

impl ChatListRow {
    /// The chat's tags, (id, name) by name.
    pub fn tags(&self) -> Vec<(i64, String)> {
        // The database wrote this JSON from integer ids and text names: it always parses.
        let Some(json) = self.tags_json.as_deref() else {
            return Vec::new();
        };
        serde_json::from_str(json).unwrap_or_else(|e| {
            tracing::error!(chat_id = self.chat.id, error = %e, "tags of a listed chat unreadable");
            Vec::new()
        })
    }
}

/// One chat with the names the views show.
pub fn find_listed(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ChatListRow>> {
    Ok(listed(conn, &[id])?.pop())
}

/// The chats `ids` with the names the views show and their tags, in the order of `ids`. One
/// chat is read with `id = $1`, not `= ANY($1)`: PostgreSQL planned the one-element array afresh
/// on every call (0.7 ms for this join, most of a GrabChat's planning), where `= $1` keeps a
/// generic plan. Kept apart from the query that picks a page's ids: PostgreSQL plans that one
/// for every call (its bounds change the best plan), and planning this join each time as well
/// cost 2 ms a list (docs/performance.md, "Sixth pass").
pub fn listed(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ChatListRow>> {
    let query = chats::table
        .inner_join(customers::table)
        .left_join(departments::table)
        .left_join(agents::table)
        .into_boxed();
    let query = match ids {
        [] => return Ok(Vec::new()),
        [one] => query.filter(chats::id.eq(*one)),
        _ => query.filter(chats::id.eq_any(ids)),
    };
    let mut rows: HashMap<i64, ChatListRow> = query
        .select((
            ChatRow::as_select(),
            customers::full_name,
            customers::mobile,
            departments::name.nullable(),
            agents::name.nullable(),
            dialect::TagsOfChatJson,
        ))
        .load::<ChatListRow>(conn)?
        .into_iter()
        .map(|r| (r.chat.id, r))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

pub fn add_tag(
    conn: &mut DbConnection,
    chat_id: i64,
    tag_id: i64,
    by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    dialect::insert_chat_tag(conn, chat_id, tag_id, by, now)
}

pub fn remove_tag(conn: &mut DbConnection, chat_id: i64, tag_id: i64) -> QueryResult<usize> {
    diesel::delete(
        chat_tags::table
            .filter(chat_tags::chat_id.eq(chat_id))
            .filter(chat_tags::tag_id.eq(tag_id)),
    )
    .execute(conn)
}

pub fn insert_visit(
    conn: &mut DbConnection,
    channel_id: i64,
    session: &str,
    url: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(chat_visits::table)
        .values((
            chat_visits::channel_id.eq(channel_id),
            chat_visits::external_session_id.eq(session),
            chat_visits::url.eq(url),
            chat_visits::visited_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The session's most recent page visits, newest first.
pub fn visits(
    conn: &mut DbConnection,
    channel_id: i64,
    session: &str,
    limit: i64,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    chat_visits::table
        .filter(chat_visits::channel_id.eq(channel_id))
        .filter(chat_visits::external_session_id.eq(session))
        .order(chat_visits::id.desc())
        .limit(limit)
        .select((chat_visits::url, chat_visits::visited_at))
        .load(conn)
}
