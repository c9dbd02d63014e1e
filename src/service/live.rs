//! Writing the event stream's events. Each is written inside the transaction of the change it
//! describes (an outbox): a change that committed always has its event, a rolled-back one never
//! does. The data is what a front-end needs to apply the change without another call; the reader
//! (`live_hub`) sends it to the sessions its [`Audience`] admits.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::chats::{view, ChatView};
use crate::db::DbConnection;
use crate::domain::live::{Audience, Topic};
use crate::error::{ApiError, ApiResult};
use crate::store::live_events::{self, NewLiveEvent};

/// Writes one event in the caller's transaction.
pub fn publish(
    c: &mut DbConnection,
    topic: Topic,
    audience: &Audience,
    data: &impl Serialize,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let data = serde_json::to_string(data).map_err(ApiError::internal)?;
    live_events::insert(
        c,
        &NewLiveEvent {
            topic,
            audience,
            data: &data,
            at: now,
        },
    )?;
    Ok(())
}

/// Where a chat was before a change moved it (department, agent): those who had it are told too.
#[derive(Clone, Copy, Default)]
pub struct Before {
    pub department_id: Option<i64>,
    pub agent_id: Option<i64>,
}

/// A chat's event: `{"ChatID", "Chat": <the chat as GetChatList shows it now>, ...extra}`, to the
/// chat's department, its agent (and where it was before) and the managers. Returns the view.
pub fn chat_event(
    c: &mut DbConnection,
    topic: Topic,
    chat_id: i64,
    before: Before,
    extra: Value,
    now: NaiveDateTime,
) -> ApiResult<ChatView> {
    let chat = view(c, chat_id)?;
    let audience = Audience::chat(chat.department_id, chat.agent_id)
        .and_before(before.department_id, before.agent_id);
    let mut data = Map::new();
    data.insert("ChatID".into(), json!(chat_id));
    data.insert(
        "Chat".into(),
        serde_json::to_value(&chat).map_err(ApiError::internal)?,
    );
    if let Value::Object(extra) = extra {
        data.extend(extra);
    }
    publish(c, topic, &audience, &data, now)?;
    Ok(chat)
}

/// An event about one chat whose data is small (`ChatID` plus `fields`), to the chat's people.
pub fn about_chat(
    c: &mut DbConnection,
    topic: Topic,
    chat: ChatPeople,
    fields: Value,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let mut data = Map::new();
    data.insert("ChatID".into(), json!(chat.chat_id));
    if let Value::Object(fields) = fields {
        data.extend(fields);
    }
    publish(
        c,
        topic,
        &Audience::chat(chat.department_id, chat.agent_id),
        &data,
        now,
    )
}

/// A chat and who may see it.
#[derive(Clone, Copy, Debug)]
pub struct ChatPeople {
    pub chat_id: i64,
    pub department_id: Option<i64>,
    pub agent_id: Option<i64>,
}

impl From<&crate::store::chats::ChatRow> for ChatPeople {
    fn from(chat: &crate::store::chats::ChatRow) -> Self {
        Self {
            chat_id: chat.id,
            department_id: chat.department_id,
            agent_id: chat.agent_id,
        }
    }
}

/// `agent.status`: an agent's presence changed; every session is told.
pub fn agent_status(
    c: &mut DbConnection,
    agent_id: i64,
    name: &str,
    status_id: i16,
    now: NaiveDateTime,
) -> ApiResult<()> {
    publish(
        c,
        Topic::AgentStatus,
        &Audience::everyone(),
        &json!({ "AgentID": agent_id, "Name": name, "StatusID": status_id }),
        now,
    )
}

/// `chat.tags`: the chat's tags as they are now.
pub fn chat_tags(c: &mut DbConnection, chat: &ChatView, now: NaiveDateTime) -> ApiResult<()> {
    about_chat(
        c,
        Topic::ChatTags,
        ChatPeople {
            chat_id: chat.chat_id,
            department_id: chat.department_id,
            agent_id: chat.agent_id,
        },
        json!({ "Tags": chat.tags }),
        now,
    )
}
