//! Getting messages to the customer: claiming due deliveries (one message of a chat at a time, in
//! order), building what is posted to the channel server, and recording the outcome with
//! exponential backoff. The HTTP call itself happens in `worker::delivery`, outside any transaction.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::attachments::{attachment_url, channel_attachment_url};
use super::channel_servers::server_key;
use super::Ctx;
use crate::db;
use crate::domain::chat::MessageKind;
use crate::domain::delivery::DeliveryState;
use crate::domain::retry::{backoff, truncate_error};
use crate::error::{ApiError, ApiResult};
use crate::store::deliveries::{self, DeliveryRow};
use crate::store::lease_queue::Outcome;
use crate::store::{attachments, channels, chats, messages};

/// How long a worker may hold a delivery before another may take it over.
const LEASE_SECONDS: i64 = 60;
/// A refused message is retried at least this often.
const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(600);

/// One POST to make.
#[derive(Debug, Clone)]
pub struct DeliveryJob {
    /// The channel server's key (see `channel_servers::server_key`), for its limits.
    pub server: String,
    pub delivery_id: i64,
    pub message_id: i64,
    /// Attempts including this one.
    pub attempt: i32,
    /// `<ChatServer>/messageForCustomer` of a channel a manager registered; nothing else is ever called.
    pub url: String,
    pub signing_secret: String,
    pub body: serde_json::Value,
}

/// Claims up to `limit` due deliveries to post now, at most `room(server)` for each channel
/// server (none for a server that is paused or busy, whose deliveries stay due for later). Claimed
/// just before they are posted, so a lease never runs out while a job waits its turn.
pub fn claim_batch(
    ctx: &Ctx,
    limit: usize,
    room: impl Fn(&str) -> usize,
) -> ApiResult<Vec<DeliveryJob>> {
    let now = ctx.now();
    let servers: HashMap<i64, String> = ctx
        .read(channels::servers)?
        .into_iter()
        .map(|(id, url)| (id, server_key(&url)))
        .collect();
    let mut room_left: HashMap<&str, usize> = HashMap::new();
    for server in servers.values() {
        room_left
            .entry(server.as_str())
            .or_insert_with(|| room(server));
    }
    let skip: Vec<i64> = servers
        .iter()
        .filter(|(_, server)| room_left.get(server.as_str()) == Some(&0))
        .map(|(id, _)| *id)
        .collect();
    let due = ctx.read(|c| deliveries::due(c, now, (limit * 4) as i64, &skip))?;
    // One transaction for the batch: on SQLite every write waits for the one writer, and a
    // transaction per claim made a busy desk's deliveries cost more writes than its messages.
    ctx.write(|c| {
        let mut jobs = Vec::new();
        for d in &due {
            if jobs.len() >= limit {
                break;
            }
            let server = servers.get(&d.channel_id).map_or("", String::as_str);
            let left = room_left.entry(server).or_insert(limit);
            if *left == 0 {
                continue;
            }
            if let Some(job) = claim_one(c, d, now, server)? {
                *left -= 1;
                jobs.push(job);
            }
        }
        Ok(jobs)
    })
}

/// Claims one delivery. A channel deleted meanwhile fails its deliveries for good.
fn claim_one(
    c: &mut db::DbConnection,
    d: &DeliveryRow,
    now: NaiveDateTime,
    server: &str,
) -> ApiResult<Option<DeliveryJob>> {
    let lease_until = now + Duration::seconds(LEASE_SECONDS);
    if !deliveries::QUEUE.claim(c, d.id, d.state, d.attempts, now, lease_until)? {
        return Ok(None);
    }
    let Some(channel) = channels::find(c, d.channel_id)? else {
        let gone = Outcome::GiveUp(DeliveryState::Failed.id(), "the channel was deleted");
        deliveries::QUEUE.record(c, d.id, d.attempts + 1, gone, now)?;
        return Ok(None);
    };
    let message = messages::find(c, d.message_id)?
        .ok_or_else(|| ApiError::internal("delivery without message"))?;
    let chat =
        chats::find(c, d.chat_id)?.ok_or_else(|| ApiError::internal("delivery without chat"))?;
    let attachment = match message.attachment_id {
        Some(id) => attachments::find_meta(c, id)?.map(|a| {
            json!({"attachmentID": a.id, "name": a.name, "mimeType": a.mime_type, "size": a.size,
                   "url": channel_attachment_url(a.id),
                   "agentUrl": attachment_url(a.id)})
        }),
        None => None,
    };
    let body = json!({
        "chatSessionID": chat.external_session_id,
        "chatID": chat.id,
        "messageID": message.id,
        "type": MessageKind::from_id(message.kind).name(),
        "specialType": message.special_type,
        "author": message.author,
        "message": message.text,
        "attachment": attachment,
        "sentAt": message.created_at.and_utc(),
    });
    Ok(Some(DeliveryJob {
        server: server.to_owned(),
        delivery_id: d.id,
        message_id: message.id,
        attempt: d.attempts + 1,
        url: format!(
            "{}/messageForCustomer",
            channel.chat_server.trim_end_matches('/')
        ),
        signing_secret: channel.signing_secret,
        body,
    }))
}

/// Records how attempts went, in one transaction: each delivered, retried after
/// `backoff * 2^(attempt-1)` (at most ten minutes), or failed for good after
/// `DELIVERY_MAX_ATTEMPTS`.
pub fn record_outcomes(ctx: &Ctx, outcomes: &[(DeliveryJob, Result<(), String>)]) -> ApiResult<()> {
    ctx.write(|c| {
        let now = ctx.now();
        for (job, outcome) in outcomes {
            record_outcome(ctx, c, job, outcome, now)?;
        }
        Ok(())
    })
}

fn record_outcome(
    ctx: &Ctx,
    c: &mut db::DbConnection,
    job: &DeliveryJob,
    outcome: &Result<(), String>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    match outcome {
        Ok(()) => {
            if deliveries::QUEUE.record(c, job.delivery_id, job.attempt, Outcome::Done, now)? == 0 {
                tracing::warn!(
                    delivery_id = job.delivery_id,
                    "arrived after its lease ran out; a newer attempt owns the delivery"
                );
            }
        }
        Err(error) => {
            let retry_at = (job.attempt < ctx.config.delivery_max_attempts).then(|| {
                // Capped at ten minutes, so adding it can't overflow.
                now + backoff(ctx.config.delivery_backoff, job.attempt, MAX_BACKOFF)
            });
            let error = truncate_error(error);
            let failed = Outcome::failed(&error, retry_at, DeliveryState::Failed.id());
            deliveries::QUEUE.record(c, job.delivery_id, job.attempt, failed, now)?;
            tracing::warn!(delivery_id = job.delivery_id, attempt = job.attempt, error = %error, will_retry = retry_at.is_some(), "delivery to channel server failed");
        }
    }
    super::messages::announce_delivery(c, job.message_id, now)
}
