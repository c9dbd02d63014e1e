//! `GET /api/GetEvents`: the event stream as Server-Sent Events.
//!
//! A stream first catches up from the outbox after the position the client names (the
//! `Last-Event-ID` header a browser's EventSource sends when it reconnects, or the `LastEventID`
//! query parameter, e.g. GetChatList's `EventID`), then follows this process's reader. It
//! subscribes to the reader before catching up, and drops anything at or before the last position
//! it sent, so the two meet with no gap and no repeat.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use tokio::sync::{broadcast, mpsc};

use super::input::{Input, NoFields};
use super::respond::{json, run};
use super::session_auth::{query_value, Caller};
use crate::domain::live::Position;
use crate::error::{ApiError, ApiResult};
use crate::service::event_tickets::{self, EventTicketView};
use crate::service::live_hub::{self, frame, Outgoing, Registration, StreamWatch};
use crate::service::Ctx;

/// A comment line every this often keeps proxies from closing a quiet stream.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Frames waiting for a slow client; past them (and a short wait) the client is dropped.
const CLIENT_BUFFER: usize = 256;
const SLOW_CLIENT_WAIT: Duration = Duration::from_secs(10);

/// CreateEventTicket: a ticket for one GetEvents stream (`GetEvents?Ticket=`), good for 30 s, so
/// the session token never goes into a URL.
#[utoipa::path(post, path = "/api/CreateEventTicket", tag = "Events",
    responses((status = 200, body = EventTicketView), (status = 401, description = "InvalidSessionToken")))]
pub async fn create_event_ticket(
    ctx: web::Data<Ctx>,
    caller: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    let ticket = run(&ctx, move |ctx| {
        event_tickets::create_event_ticket(ctx, &caller)
    })
    .await?;
    Ok(json(ticket))
}

/// Opens the caller's event stream.
#[utoipa::path(get, path = "/api/GetEvents", tag = "Events",
    params(("SessionToken" = Option<String>, Query, pattern = "^[0-9a-f]{32}$", description = "The session token (EventSource can't send headers); it then lands in proxies' access logs: prefer Ticket"),
           ("Ticket" = Option<String>, Query, pattern = "^[0-9a-f]{32}$", description = "A ticket from CreateEventTicket: one stream, within 30 s"),
           ("LastEventID" = Option<String>, Query, pattern = r"^\s*[0-9]+-[0-9]+\s*$", description = "Resume after this event id (e.g. GetChatList's EventID); the Last-Event-ID header wins when both are sent"),
           ("Last-Event-ID" = Option<String>, Header, pattern = r"^\s*[0-9]+-[0-9]+\s*$", description = "Sent by EventSource when it reconnects")),
    responses((status = 200, description = "text/event-stream: events with id, event and JSON data (see docs/api.md)", content_type = "text/event-stream"),
              (status = 400, description = "ValidationFailed: LastEventID is not an event id"),
              (status = 401, description = "InvalidSessionToken"),
              (status = 429, description = "TooManyStreams: the session (EVENT_STREAMS_PER_SESSION) or the server (EVENT_STREAMS_MAX) holds as many streams as allowed")))]
pub async fn get_events(
    ctx: web::Data<Ctx>,
    caller: Caller,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let from = resume_point(&req)?;
    let ctx = ctx.into_inner();
    let job = ctx.clone();
    let role = caller.role;
    let agent_id = caller.agent_id;
    let (viewer, start) = web::block(move || -> ApiResult<_> {
        let viewer = live_hub::viewer_of(&job, agent_id, role)?;
        let start = match from {
            None => Start::At(live_hub::live_end(&job)?),
            Some(p) if live_hub::can_resume_from(&job, p)? => Start::At(p),
            Some(_) => Start::Resync(live_hub::live_end(&job)?),
        };
        Ok((viewer, start))
    })
    .await??;
    let registration = ctx.live.register(caller.session_id, viewer)?;
    let (out, body) = mpsc::channel::<Bytes>(CLIENT_BUFFER);
    // Subscribed here, before the catch-up reads the outbox: nothing the reader sends meanwhile
    // is missed.
    let live = ctx.live.subscribe();
    tokio::spawn(run_stream(ctx, registration, start, live, out));
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

/// Where the client asks to resume: the `Last-Event-ID` header (what EventSource sends on its
/// own reconnects, so newer than the URL's), else the `LastEventID` query parameter.
fn resume_point(req: &HttpRequest) -> ApiResult<Option<Position>> {
    let header = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| ("Last-Event-ID", v.to_owned()));
    let query = query_value(req.query_string(), "LastEventID").map(|v| ("LastEventID", v));
    match header.or(query) {
        None => Ok(None),
        Some((field, raw)) => Position::parse(&raw)
            .map(Some)
            .map_err(|e| ApiError::field(field, e)),
    }
}

enum Start {
    At(Position),
    /// The asked position is gone (pruned) or unknown: say `resync`, then go on from here.
    Resync(Position),
}

/// Feeds one client: catch-up, then live events, heartbeats, and the end when the session ends,
/// the client leaves or falls too far behind.
async fn run_stream(
    ctx: Arc<Ctx>,
    registration: Registration,
    start: Start,
    mut live: broadcast::Receiver<Arc<Outgoing>>,
    out: mpsc::Sender<Bytes>,
) {
    let watch = registration.watch.clone();
    let mut sent = match start {
        Start::At(p) => p,
        Start::Resync(p) => {
            if send(&out, resync_frame()).await.is_err() {
                return;
            }
            p
        }
    };
    // An opening comment: the response starts at once, so EventSource reports it open.
    if send(&out, Bytes::from_static(b": connected\n\n"))
        .await
        .is_err()
    {
        return;
    }
    match catch_up(&ctx, &watch, sent, &out).await {
        Ok(Some(reached)) => sent = reached,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %format_args!("{e:#}"), "event stream catch-up failed");
            return;
        }
    }
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        let next = tokio::select! {
            received = live.recv() => received,
            _ = heartbeat.tick() => {
                if send(&out, Bytes::from_static(b": heartbeat\n\n")).await.is_err() {
                    return;
                }
                continue;
            }
            _ = watch.end.notified() => return,
            _ = out.closed() => return,
        };
        if watch.has_ended() {
            return;
        }
        match next {
            Ok(event) => {
                if let Some(p) = event.position {
                    if p <= sent {
                        continue;
                    }
                    sent = p;
                }
                if event.audience.admits(&watch.viewer())
                    && send(&out, event.frame.clone()).await.is_err()
                {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let _ = send(&out, resync_frame()).await;
                return;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Sends what settled after `from` from the outbox, page by page, until nothing is left; returns
/// the position reached (None when the client left or the session ended).
async fn catch_up(
    ctx: &Arc<Ctx>,
    watch: &Arc<StreamWatch>,
    mut from: Position,
    out: &mpsc::Sender<Bytes>,
) -> ApiResult<Option<Position>> {
    loop {
        let job = ctx.clone();
        let (rows, reached) = web::block(move || live_hub::read_after(&job, from)).await??;
        let viewer = watch.viewer();
        for row in &rows {
            let Some(event) = Outgoing::from_row(row) else {
                continue;
            };
            if event.audience.admits(&viewer) && send(out, event.frame).await.is_err() {
                return Ok(None);
            }
        }
        from = reached;
        if (rows.len() as i64) < live_hub::READ_BATCH {
            return Ok((!watch.has_ended()).then_some(from));
        }
    }
}

fn resync_frame() -> Bytes {
    frame(None, "resync", "{}")
}

/// Sends a frame, waiting a little for a slow client; an error means: drop the stream.
async fn send(out: &mpsc::Sender<Bytes>, frame: Bytes) -> Result<(), ()> {
    match tokio::time::timeout(SLOW_CLIENT_WAIT, out.send(frame)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
