//! The web chat: the desk as the chat server of its own web channels. A widget key starts a
//! visitor (a random token, stored hashed); the token then scopes every call to that visitor's own
//! chats, and the visitor's messages go through the same intake as the channel API's
//! (`intake::notify_user_new_chat_message`: welcome menu, queue, routing, identity rules, events,
//! deliveries). Replies reach the visitor on its stream (`http::web_chat::stream`), which marks their
//! deliveries delivered; while the visitor is away they go by mail (`away`).

pub mod away;
pub mod conversation;
pub mod limits;

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::channels::AuthenticatedChannel;
use super::{settings, widget, Ctx};
use crate::domain::chat::{ChatState, MessageKind};
use crate::domain::netlist::{origin_allowed, IpRange};
use crate::domain::settings::{SettingKey, SettingValue};
use crate::domain::token;
use crate::domain::web_chat::session_key;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::chats::ChatRow;
use crate::store::messages::MessageRow;
use crate::store::{agents, attachments as store_attachments, channels, web_visitors};

/// A visitor, resolved from its token: what every visitor call is scoped to.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub id: i64,
    pub channel_id: i64,
    pub session_key: String,
}

impl Visitor {
    /// The web channel as the intake knows channels.
    pub fn channel(&self) -> AuthenticatedChannel {
        AuthenticatedChannel::web(self.channel_id)
    }
}

fn token_invalid() -> ApiError {
    ApiError::new(
        ErrorCode::VisitorTokenInvalid,
        "The visitor token is missing or unknown; start the chat again",
    )
}

/// The visitor whose token this is (401 `VisitorTokenInvalid` otherwise, also once its channel
/// was deleted).
pub fn authenticate(ctx: &Ctx, visitor_token: &str) -> ApiResult<Visitor> {
    let hash = token::hash(visitor_token);
    let row = ctx
        .read(|c| web_visitors::find_by_token_hash(c, &hash))?
        .ok_or_else(token_invalid)?;
    Ok(Visitor {
        id: row.id,
        channel_id: row.channel_id,
        session_key: row.session_key,
    })
}

/// Whether a page's origin (its host name) may embed the chat and the address is not blocked, by
/// the desk's `WhitelistedDomains` and `BlacklistedIPs` (as the channel API's checkOriginAndIP
/// decides). `origin` is checked only when known.
pub fn check_access(ctx: &Ctx, origin: Option<&str>, ip: IpAddr) -> ApiResult<()> {
    let all = settings::cached(ctx)?;
    let list = |key: SettingKey| -> &[String] {
        all.iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| match v {
                SettingValue::List(items) => Some(items.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    };
    let blocked = list(SettingKey::BlacklistedIPs)
        .iter()
        .filter_map(|r| IpRange::parse(r).ok())
        .any(|r| r.contains(ip));
    if blocked {
        return Err(ApiError::new(
            ErrorCode::OriginNotAllowed,
            "This address may not use the chat",
        ));
    }
    if let Some(origin) = origin {
        if !origin_allowed(origin, list(SettingKey::WhitelistedDomains)) {
            return Err(ApiError::new(
                ErrorCode::OriginNotAllowed,
                format!("The chat may not be embedded on {origin}"),
            ));
        }
    }
    Ok(())
}

/// The `frame-ancestors` sources the allow-list permits (`*` while it is empty): the browser then
/// refuses to show the chat inside any other site's page.
pub fn frame_ancestors(ctx: &Ctx) -> ApiResult<String> {
    let all = settings::cached(ctx)?;
    let domains = all.iter().find_map(|(k, v)| match (k, v) {
        (SettingKey::WhitelistedDomains, SettingValue::List(items)) => Some(items.clone()),
        _ => None,
    });
    Ok(match domains.filter(|d| !d.is_empty()) {
        None => "*".into(),
        Some(domains) => domains
            .iter()
            .map(|d| format!("https://{d} https://*.{d} http://{d} http://*.{d}"))
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// One option of the welcome menu, as a button.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct MenuButton {
    /// What the button sends as the visitor's message.
    pub menu_index: Option<i32>,
    pub name: String,
}

/// What the chat window shows before and around a chat.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct WebChatConfig {
    pub company_name: String,
    pub menu: Vec<MenuButton>,
    /// Inside the desk's working hours now.
    pub open_now: bool,
    pub out_of_hours_message: String,
    /// Agents online now: with none (or out of hours) the window offers to leave a message.
    pub agents_online: i64,
    #[serde(rename = "MaxAttachmentMB")]
    pub max_attachment_mb: i64,
    pub allowed_attachment_types: Vec<&'static str>,
    /// off, optional or required: the name asked before the first message.
    pub ask_name: String,
    /// off, optional or required: the address asked before the first message.
    pub ask_email: String,
    /// The desk's own words for the window's texts (WebChatTexts), by text key.
    #[schema(value_type = Object)]
    pub texts: serde_json::Value,
}

/// The window's configuration, from the desk's settings, menu, hours and presence.
pub fn config(ctx: &Ctx) -> ApiResult<WebChatConfig> {
    let base = widget::request_chat_config(ctx)?;
    let online = ctx.read(agents::count_online)?;
    let all = settings::cached(ctx)?;
    let text = |key: SettingKey| {
        all.iter()
            .find_map(|(k, v)| match v {
                SettingValue::Text(s) if *k == key => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    let texts = serde_json::from_str(&text(SettingKey::WebChatTexts))
        .unwrap_or_else(|_| serde_json::json!({}));
    Ok(WebChatConfig {
        company_name: base.company_name,
        menu: base
            .menu
            .into_iter()
            .map(|m| MenuButton {
                menu_index: m.menu_index,
                name: m.name,
            })
            .collect(),
        open_now: base.open_now,
        out_of_hours_message: base.out_of_hours_message,
        agents_online: online,
        max_attachment_mb: base.max_attachment_mb,
        allowed_attachment_types: base.allowed_attachment_types,
        ask_name: text(SettingKey::WebChatAskName),
        ask_email: text(SettingKey::WebChatAskEmail),
        texts,
    })
}

/// Where the visitor's chat stands, as its window shows it.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ChatStateView {
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
    /// menu (no department chosen yet), queued, open (an agent has it) or closed.
    pub state: &'static str,
    pub queue_position: Option<i64>,
    /// The name of the agent who has the chat.
    pub agent_name: Option<String>,
    /// The newest of the visitor's messages an agent has read.
    #[serde(rename = "AgentReadUpTo")]
    pub agent_read_up_to: Option<i64>,
    /// The rating the visitor gave the (closed) chat, once given.
    pub rating: Option<i16>,
}

/// The visitor's latest chat as its window shows it (None before the first message).
pub fn chat_state(ctx: &Ctx, visitor: &Visitor) -> ApiResult<Option<ChatStateView>> {
    ctx.read(|c| {
        let Some(chat) = web_visitors::latest_chat(c, visitor.channel_id, &visitor.session_key)?
        else {
            return Ok(None);
        };
        let agent_name = match chat.agent_id {
            Some(id) => web_visitors::agent_name(c, id)?,
            None => None,
        };
        let queue_position = crate::store::chats::queue_position(c, &chat)?;
        let agent_read_up_to = web_visitors::agent_read_up_to(c, chat.id)?;
        Ok(Some(state_view(
            &chat,
            agent_name,
            queue_position,
            agent_read_up_to,
        )))
    })
}

fn state_view(
    chat: &ChatRow,
    agent_name: Option<String>,
    queue_position: Option<i64>,
    agent_read_up_to: Option<i64>,
) -> ChatStateView {
    let state = match chat.state() {
        ChatState::Closed => "closed",
        ChatState::Open => "open",
        ChatState::Unassigned if chat.department_id.is_none() => "menu",
        ChatState::Unassigned => "queued",
    };
    ChatStateView {
        chat_id: chat.id,
        state,
        queue_position,
        agent_name: agent_name.filter(|_| chat.state() == ChatState::Open),
        agent_read_up_to,
        rating: chat.rating,
    }
}

/// A file of a message, as the visitor downloads it.
#[derive(Serialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct VisitorAttachment {
    #[serde(rename = "AttachmentID")]
    pub attachment_id: i64,
    pub name: String,
    pub mime_type: String,
    pub size: i64,
    /// Add the visitor token as `VisitorToken`.
    #[serde(rename = "URL")]
    pub url: String,
}

/// A message as the visitor sees it.
#[derive(Serialize, ToSchema, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct VisitorMessage {
    #[serde(rename = "MessageID")]
    pub message_id: i64,
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
    /// visitor, agent or system.
    pub from: &'static str,
    /// The agent's name for an agent's reply; none for the visitor's own and the desk's texts.
    pub author: Option<String>,
    /// The desk's kind of text (WelcomeMenu, OutOfHours ...), for system texts.
    pub special_type: Option<String>,
    pub text: String,
    pub attachment: Option<VisitorAttachment>,
    pub sent_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Where a visitor downloads a file (with its token).
pub fn attachment_url(id: i64) -> String {
    format!("/api/webchat/Attachment?AttachmentID={id}")
}

/// Shapes messages for the visitor (their files' metadata read in one query).
pub(crate) fn visitor_messages(
    c: &mut crate::db::DbConnection,
    rows: Vec<MessageRow>,
) -> diesel::QueryResult<Vec<VisitorMessage>> {
    let ids: Vec<i64> = rows.iter().filter_map(|m| m.attachment_id).collect();
    let mut files = store_attachments::metas(c, &ids)?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let kind = MessageKind::from_id(m.kind);
            VisitorMessage {
                message_id: m.id,
                chat_id: m.chat_id,
                from: match kind {
                    MessageKind::Customer => "visitor",
                    MessageKind::Agent => "agent",
                    _ => "system",
                },
                author: (kind == MessageKind::Agent).then_some(m.author),
                special_type: m.special_type,
                text: m.text,
                attachment: m.attachment_id.and_then(|id| files.remove(&id)).map(|a| {
                    VisitorAttachment {
                        attachment_id: a.id,
                        url: attachment_url(a.id),
                        name: a.name,
                        mime_type: a.mime_type,
                        size: a.size,
                    }
                }),
                sent_at: m.created_at.and_utc(),
                read_at: m.read_by_customer_at.map(|t| t.and_utc()),
            }
        })
        .collect())
}

/// The most messages one read returns (the conversation so far, a stream's catch-up page).
pub const MESSAGES_PAGE: i64 = 200;

/// The visitor's messages after message `after` (0: from the start), at most [`MESSAGES_PAGE`].
pub fn messages_after(ctx: &Ctx, visitor: &Visitor, after: i64) -> ApiResult<Vec<VisitorMessage>> {
    ctx.read(|c| {
        let rows = web_visitors::visible_after(
            c,
            visitor.channel_id,
            &visitor.session_key,
            after,
            MESSAGES_PAGE,
        )?;
        visitor_messages(c, rows)
    })
}

/// How far back a stream looks for a message that committed after a later one.
pub const LATE_SECONDS: i64 = 15;

/// The visitor's messages with ids in `(after, up_to]` written in the last [`LATE_SECONDS`]: the
/// candidates a stream that already sent `up_to` may have passed over (PostgreSQL commits need not
/// follow id order); the stream sends those it has not sent.
pub fn recent_between(
    ctx: &Ctx,
    visitor: &Visitor,
    after: i64,
    up_to: i64,
) -> ApiResult<Vec<VisitorMessage>> {
    if up_to <= after {
        return Ok(Vec::new());
    }
    let since = ctx.now() - chrono::Duration::seconds(LATE_SECONDS);
    ctx.read(|c| {
        let rows = web_visitors::visible_between(
            c,
            visitor.channel_id,
            &visitor.session_key,
            (after, up_to),
            since,
        )?;
        visitor_messages(c, rows)
    })
}

/// Start's answer: the token to keep, the window's configuration and the conversation so far.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct StartView {
    /// Send it as `X-Visitor-Token` (or `VisitorToken`) on every later call; keep it in the browser.
    pub visitor_token: String,
    /// Whether the token sent was good and its conversation goes on.
    pub resumed: bool,
    pub config: WebChatConfig,
    pub chat: Option<ChatStateView>,
    /// The conversation so far (a returning visitor's), at most the first 200 messages.
    pub messages: Vec<VisitorMessage>,
}

/// Start: the web channel of `widget_key`; the visitor of `visitor_token` when it belongs to that
/// channel, else a new visitor with a new token.
pub fn start(ctx: &Ctx, widget_key: &str, visitor_token: Option<&str>) -> ApiResult<StartView> {
    let channel = ctx
        .read(|c| channels::find_by_widget_key(c, widget_key))?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::WidgetKeyInvalid,
                "No web channel has this widget key",
            )
        })?;
    let known = match visitor_token {
        Some(t) => authenticate(ctx, t)
            .ok()
            .filter(|v| v.channel_id == channel.id)
            .map(|v| (v, t.to_owned())),
        None => None,
    };
    let (visitor, plain, resumed) = match known {
        Some((visitor, plain)) => (visitor, plain, true),
        None => {
            let (plain, hash) = token::generate();
            let session = session_key(&token::generate().0);
            let now = ctx.now();
            let id =
                ctx.write(|c| Ok(web_visitors::insert(c, channel.id, &hash, &session, now)?))?;
            let visitor = Visitor {
                id,
                channel_id: channel.id,
                session_key: session,
            };
            (visitor, plain, false)
        }
    };
    Ok(StartView {
        visitor_token: plain,
        resumed,
        config: config(ctx)?,
        chat: chat_state(ctx, &visitor)?,
        messages: if resumed {
            messages_after(ctx, &visitor, 0)?
        } else {
            Vec::new()
        },
    })
}
