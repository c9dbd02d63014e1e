//! `GET /api/webchat/Events`: the visitor's stream, Server-Sent Events of its own chats only.
//!
//! `chat.message` events carry the message's id as their `id:`, so a browser's EventSource resumes
//! after a drop with `Last-Event-ID` and gets exactly what it missed (the messages after it, read
//! from the database); `chat.state` events (no id) say where the chat stands whenever that changes, and
//! once at the start. The stream subscribes to this process's live fan-out before it reads, and
//! reads again whenever an event names one of the visitor's chats, so nothing committed meanwhile
//! is missed; what it sends is always read through the visitor's scope, never taken from another
//! chat's event. Messages it sends are marked delivered (agents see it).
//!
//! On PostgreSQL a message can commit after one with a higher id (a visitor's message and an
//! agent's reply in the same instant): each read also looks at the last seconds' messages below
//! the newest sent, and sends those this connection has not sent, without an `id:`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use tokio::sync::{broadcast, mpsc};

use super::api::WebVisitor;
use crate::error::{ApiError, ApiResult};
use crate::service::live_hub::{frame, Outgoing};
use crate::service::web_chat::conversation;
use crate::service::web_chat::limits::{StreamSlot, WebChatLimits};
use crate::service::web_chat::{self, ChatStateView, Visitor, MESSAGES_PAGE};
use crate::service::Ctx;

/// How often the stream looks without being woken: a heartbeat every third tick, and a read
/// (a chat opened through another instance, presence kept) every sixth.
const TICK: Duration = Duration::from_secs(5);
const CLIENT_BUFFER: usize = 64;
const SLOW_CLIENT_WAIT: Duration = Duration::from_secs(10);

/// Opens the visitor's stream.
#[utoipa::path(get, path = "/api/webchat/Events", tag = "Web chat",
    params(("VisitorToken" = String, Query, pattern = "^[0-9a-f]{32}$", description = "The token Start gave (EventSource can't send headers)"),
           ("LastEventID" = Option<i64>, Query, minimum = 1, description = "Resume after this message id; the Last-Event-ID header wins"),
           ("Last-Event-ID" = Option<i64>, Header, minimum = 1, description = "Sent by EventSource when it reconnects")),
    responses((status = 200, description = "text/event-stream: `chat.message` events (id = MessageID, data = a VisitorMessage) and `chat.state` events (data = a ChatStateView)", content_type = "text/event-stream"),
              (status = 401, description = "VisitorTokenInvalid"),
              (status = 429, description = "TooManyStreams or TooManyRequests")))]
pub async fn events(
    ctx: web::Data<Ctx>,
    limits: web::Data<WebChatLimits>,
    WebVisitor(visitor): WebVisitor,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let from = resume_point(&req)?;
    let slot = limits.open_stream(visitor.id)?;
    let ctx = ctx.into_inner();
    // Subscribed before the first read: nothing committed meanwhile goes unnoticed.
    let live = ctx.live.subscribe();
    let (out, body) = mpsc::channel::<Bytes>(CLIENT_BUFFER);
    tokio::spawn(run_stream(ctx, visitor, slot, from, live, out));
    let body = futures_util::stream::unfold(body, |mut body| async move {
        body.recv()
            .await
            .map(|bytes| (Ok::<_, actix_web::Error>(bytes), body))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// The message id to resume after: `Last-Event-ID`, else `LastEventID`, else 0 (the start).
fn resume_point(req: &HttpRequest) -> ApiResult<i64> {
    let header = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| ("Last-Event-ID", v.to_owned()));
    let query = crate::http::session_auth::query_value(req.query_string(), "LastEventID")
        .map(|v| ("LastEventID", v));
    match header.or(query) {
        None => Ok(0),
        Some((name, raw)) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ApiError::field(name, "must be a message id this stream sent")),
    }
}

/// Whether an event of the fan-out may concern the chat: its data names `"ChatID":<id>`. Only a
/// hint to read again; what is sent is read through the visitor's scope.
fn mentions(event: &Outgoing, chat_id: i64) -> bool {
    let needle = format!("\"ChatID\":{chat_id}");
    let hay = &event.frame[..];
    hay.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle.as_bytes() && !hay.get(i + needle.len()).is_some_and(u8::is_ascii_digit)
    })
}

/// What one read found: new messages, recent ones below the last sent (to send those that committed
/// late), and where the chat stands.
type Read = (
    Vec<web_chat::VisitorMessage>,
    Vec<web_chat::VisitorMessage>,
    Option<ChatStateView>,
);

async fn read(ctx: &Arc<Ctx>, visitor: &Visitor, from: i64, after: i64) -> ApiResult<Read> {
    let job = ctx.clone();
    let visitor = visitor.clone();
    web::block(move || {
        Ok((
            web_chat::messages_after(&job, &visitor, after)?,
            web_chat::recent_between(&job, &visitor, from, after)?,
            web_chat::chat_state(&job, &visitor)?,
        ))
    })
    .await?
}

/// Ids this connection sent lately, to tell a late-committed message from one already sent.
#[derive(Default)]
struct Recent(VecDeque<(i64, Instant)>);

impl Recent {
    fn add(&mut self, id: i64) {
        let now = Instant::now();
        while self
            .0
            .front()
            .is_some_and(|(_, at)| now.duration_since(*at) > RECENT_KEPT)
        {
            self.0.pop_front();
        }
        self.0.push_back((id, now));
    }

    fn has(&self, id: i64) -> bool {
        self.0.iter().any(|(sent, _)| *sent == id)
    }
}

/// Longer than `web_chat::LATE_SECONDS`: a message that late was sent well within it.
const RECENT_KEPT: Duration = Duration::from_secs(60);

/// Feeds one visitor: what it missed, then whatever changes in its chats, until it leaves.
async fn run_stream(
    ctx: Arc<Ctx>,
    visitor: Visitor,
    _slot: StreamSlot,
    from: i64,
    mut live: broadcast::Receiver<Arc<Outgoing>>,
    out: mpsc::Sender<Bytes>,
) {
    if send(&out, Bytes::from_static(b": connected\n\n"))
        .await
        .is_err()
    {
        return;
    }
    let mut sent = from;
    let mut recent = Recent::default();
    let mut shown: Option<ChatStateView> = None;
    let mut first = true;
    let mut tick = tokio::time::interval(TICK);
    tick.tick().await;
    let mut ticks: u64 = 0;
    loop {
        let (messages, late, state) = match read(&ctx, &visitor, from, sent).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %format_args!("{e:#}"), "visitor stream read failed");
                return;
            }
        };
        let full_page = messages.len() as i64 >= MESSAGES_PAGE;
        let mut delivered = Vec::new();
        // Committed after a later message this stream already sent: sent now, without an id, so
        // the browser's Last-Event-ID stays at the newest.
        let late: Vec<_> = late
            .into_iter()
            .filter(|m| !recent.has(m.message_id))
            .collect();
        for m in &late {
            let Ok(data) = serde_json::to_string(m) else {
                continue;
            };
            if send(&out, frame(None, "chat.message", &data))
                .await
                .is_err()
            {
                return;
            }
            recent.add(m.message_id);
            if m.from != "visitor" {
                delivered.push(m.message_id);
            }
        }
        for m in &messages {
            let Ok(data) = serde_json::to_string(m) else {
                continue;
            };
            if send(&out, frame_with_id(m.message_id, "chat.message", &data))
                .await
                .is_err()
            {
                return;
            }
            sent = m.message_id;
            recent.add(m.message_id);
            if m.from != "visitor" {
                delivered.push(m.message_id);
            }
        }
        if !delivered.is_empty() || first {
            let job = ctx.clone();
            let v = visitor.clone();
            let marked = web::block(move || {
                if delivered.is_empty() {
                    conversation::seen(&job, &v)
                } else {
                    conversation::delivered(&job, &v, &delivered)
                }
            })
            .await;
            if let Ok(Err(e)) | Err(e) = marked.map_err(ApiError::from) {
                tracing::warn!(error = %format_args!("{e:#}"), "marking the visitor's messages failed");
            }
        }
        if first || state != shown {
            let data = serde_json::to_string(&state).unwrap_or_else(|_| "null".into());
            if send(&out, frame(None, "chat.state", &data)).await.is_err() {
                return;
            }
            shown = state;
            first = false;
        }
        if full_page {
            continue;
        }
        // Wait for a reason to read again.
        let chat_id = shown.as_ref().map(|s| s.chat_id);
        let live_chat = shown.as_ref().is_some_and(|s| s.state != "closed");
        loop {
            tokio::select! {
                received = live.recv() => match received {
                    Ok(event) => {
                        if chat_id.is_some_and(|id| mentions(&event, id)) {
                            break;
                        }
                    }
                    // Fell behind the fan-out: read again, which catches up from the database.
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick() => {
                    ticks += 1;
                    if ticks % 3 == 0 && send(&out, Bytes::from_static(b": heartbeat\n\n")).await.is_err() {
                        return;
                    }
                    // Without a live chat, a message sent through another instance opens one
                    // this instance hears nothing about: look now and then.
                    if !live_chat || ticks % 6 == 0 {
                        if ticks % 6 == 0 {
                            let job = ctx.clone();
                            let v = visitor.clone();
                            let _ = web::block(move || conversation::seen(&job, &v)).await;
                        }
                        break;
                    }
                }
                _ = out.closed() => return,
            }
        }
    }
}

fn frame_with_id(id: i64, name: &str, data: &str) -> Bytes {
    let mut out = format!("id: {id}\n").into_bytes();
    out.extend_from_slice(&frame(None, name, data));
    Bytes::from(out)
}

async fn send(out: &mpsc::Sender<Bytes>, frame: Bytes) -> Result<(), ()> {
    match tokio::time::timeout(SLOW_CLIENT_WAIT, out.send(frame)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
