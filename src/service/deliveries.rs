//! Getting messages to the customer: claiming due deliveries (one message of a chat at a time, in
//! order), building what is posted to the channel server, and recording the outcome with
//! exponential backoff. The HTTP call itself happens in `worker::delivery`, outside any transaction.

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::attachments::{attachment_url, channel_attachment_url};
use super::Ctx;
use crate::db;
use crate::domain::chat::MessageKind;
use crate::domain::retry::{backoff, truncate_error};
use crate::error::{ApiError, ApiResult};
use crate::store::deliveries::{self, DeliveryRow};
use crate::store::{attachments, channels, chats, messages};

/// How long a worker may hold a delivery before another may take it over.
const LEASE_SECONDS: i64 = 60;
/// A refused message is retried at least this often.
const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(600);

/// One POST to make.
#[derive(Debug, Clone)]
pub struct DeliveryJob {
    pub delivery_id: i64,
    pub message_id: i64,
    /// Attempts including this one.
    pub attempt: i32,
    /// `<ChatServer>/messageForCustomer` of a channel a manager registered; nothing else is ever called.
    pub url: String,
    pub signing_secret: String,
    pub body: serde_json::Value,
}

/// Claims the next due delivery, just before it is posted, so a lease never runs out while a job
/// waits its turn in a worker. `None` when nothing is due.
pub fn claim_next(ctx: &Ctx) -> ApiResult<Option<DeliveryJob>> {
    let now = ctx.now();
    for d in ctx.read(|c| deliveries::due(c, now, 20))? {
        if let Some(job) = ctx.write(|c| claim_one(c, &d, now))? {
            return Ok(Some(job));
        }
    }
    Ok(None)
}

/// Claims one delivery. A channel deleted meanwhile fails its deliveries for good.
fn claim_one(
    c: &mut db::DbConnection,
    d: &DeliveryRow,
    now: NaiveDateTime,
) -> ApiResult<Option<DeliveryJob>> {
    if !deliveries::claim(c, d, now, now + Duration::seconds(LEASE_SECONDS))? {
        return Ok(None);
    }
    let Some(channel) = channels::find(c, d.channel_id)? else {
        deliveries::mark_attempt_failed(
            c,
            d.id,
            d.attempts + 1,
            "the channel was deleted",
            None,
            now,
        )?;
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

/// Records how an attempt went: delivered, retried after `backoff * 2^(attempt-1)` (at most ten
/// minutes), or failed for good after `DELIVERY_MAX_ATTEMPTS`.
pub fn record_outcome(ctx: &Ctx, job: &DeliveryJob, outcome: Result<(), String>) -> ApiResult<()> {
    ctx.write(|c| {
        let now = ctx.now();
        match &outcome {
            Ok(()) => {
                if deliveries::mark_delivered(c, job.delivery_id, job.attempt, now)? == 0 {
                    tracing::warn!(delivery_id = job.delivery_id, "arrived after its lease ran out; a newer attempt owns the delivery");
                }
            }
            Err(error) => {
                let retry_at = (job.attempt < ctx.config.delivery_max_attempts).then(|| {
                    // Capped at ten minutes, so adding it can't overflow.
                    now + backoff(ctx.config.delivery_backoff, job.attempt, MAX_BACKOFF)
                });
                let error = truncate_error(error);
                deliveries::mark_attempt_failed(c, job.delivery_id, job.attempt, &error, retry_at, now)?;
                tracing::warn!(delivery_id = job.delivery_id, attempt = job.attempt, error = %error, will_retry = retry_at.is_some(), "delivery to channel server failed");
            }
        }
        Ok(())
    })
}
