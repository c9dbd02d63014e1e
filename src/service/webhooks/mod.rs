//! Webhooks: managers register endpoints that receive the event stream's events, signed, at
//! least once and in order per chat (`fanout` queues them, `worker::webhooks` posts them).

pub mod fanout;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::chats::Cursor;
use super::governance::audit;
use super::Ctx;
use crate::domain::audit::Actor;
use crate::domain::token;
use crate::domain::webhook::{WebhookDeliveryState, TEST_EVENT};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::webhooks::{self as store, NewDelivery, WebhookRow};

/// A webhook as the API shows it (never its secret, after CreateWebhook).
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct WebhookView {
    #[serde(rename = "WebhookID")]
    pub webhook_id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// Deliveries waiting, delivered and failed: the endpoint's health.
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

/// CreateWebhook's answer: the webhook and its signing secret, shown this once.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct NewWebhookView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    pub signing_secret: String,
}

fn events_of(row: &WebhookRow) -> Vec<String> {
    serde_json::from_str(&row.events).unwrap_or_default()
}

fn view(c: &mut crate::db::DbConnection, row: WebhookRow) -> ApiResult<WebhookView> {
    let counts = store::state_counts(c, row.id)?;
    let count = |states: &[WebhookDeliveryState]| {
        counts
            .iter()
            .filter(|(s, _)| states.iter().any(|x| x.id() == *s))
            .map(|(_, n)| n)
            .sum()
    };
    Ok(WebhookView {
        webhook_id: row.id,
        url: row.url.clone(),
        events: events_of(&row),
        enabled: row.enabled,
        created_at: row.created_at.and_utc(),
        pending: count(&[WebhookDeliveryState::Pending, WebhookDeliveryState::Sending]),
        delivered: count(&[WebhookDeliveryState::Delivered]),
        failed: count(&[WebhookDeliveryState::Failed]),
    })
}

/// While no webhook is enabled the fan-out reads nothing and its cursor stays behind; the first
/// webhook enabled moves it to the stream's live end, so it gets the events from now on, not a
/// backlog of events from before it existed.
fn start_from_now_if_idle(c: &mut crate::db::DbConnection) -> ApiResult<()> {
    crate::db::dialect::lock_key(c, "webhooks:fanout")?;
    if !store::list(c)?.iter().any(|w| w.enabled) {
        let live_end = crate::store::live_events::live_end(c)?;
        store::set_cursor(c, live_end)?;
    }
    Ok(())
}

/// What the audit log keeps of a webhook.
fn audited(v: &WebhookView) -> Option<serde_json::Value> {
    Some(json!({"Url": v.url, "Events": v.events, "Enabled": v.enabled}))
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("Webhook {id} does not exist"))
}

/// CreateWebhook: `url` and `events` already validated (and the address checked).
pub fn create_webhook(
    ctx: &Ctx,
    actor: &Actor,
    url: &str,
    events: &[String],
    enabled: bool,
) -> ApiResult<NewWebhookView> {
    let (secret, _) = token::generate();
    let events = serde_json::to_string(events).map_err(ApiError::internal)?;
    ctx.write(|c| {
        if enabled {
            start_from_now_if_idle(c)?;
        }
        let id = store::insert(c, url, &events, enabled, &secret, ctx.now())?;
        let row = store::find(c, id)?.ok_or_else(|| not_found(id))?;
        let webhook = view(c, row)?;
        let target = format!("Webhook {id}");
        audit::record(
            ctx,
            c,
            actor,
            "CreateWebhook",
            &target,
            None,
            audited(&webhook),
        )?;
        Ok(NewWebhookView {
            webhook,
            signing_secret: secret.clone(),
        })
    })
}

/// GetWebhookList: every webhook with its health.
pub fn get_webhook_list(ctx: &Ctx) -> ApiResult<Vec<WebhookView>> {
    ctx.with_conn(|c| {
        store::list(c)?
            .into_iter()
            .map(|row| view(c, row))
            .collect()
    })
}

/// UpdateWebhook: changes the fields given.
pub fn update_webhook(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    url: Option<String>,
    events: Option<Vec<String>>,
    enabled: Option<bool>,
) -> ApiResult<WebhookView> {
    let events = events
        .map(|e| serde_json::to_string(&e))
        .transpose()
        .map_err(ApiError::internal)?;
    ctx.write(|c| {
        let before = store::find(c, id)?.ok_or_else(|| not_found(id))?;
        if enabled == Some(true) && !before.enabled {
            start_from_now_if_idle(c)?;
        }
        let before = view(c, before)?;
        store::update(c, id, url.as_deref(), events.as_deref(), enabled, ctx.now())?;
        let row = store::find(c, id)?.ok_or_else(|| not_found(id))?;
        let after = view(c, row)?;
        let target = format!("Webhook {id}");
        audit::record(
            ctx,
            c,
            actor,
            "UpdateWebhook",
            &target,
            audited(&before),
            audited(&after),
        )?;
        Ok(after)
    })
}

/// DeleteWebhook: no more deliveries; its log stays readable.
pub fn delete_webhook(ctx: &Ctx, actor: &Actor, id: i64) -> ApiResult<()> {
    ctx.write(|c| {
        let before = store::find(c, id)?.ok_or_else(|| not_found(id))?;
        let before = view(c, before)?;
        store::soft_delete(c, id, ctx.now())?;
        let target = format!("Webhook {id}");
        audit::record(
            ctx,
            c,
            actor,
            "DeleteWebhook",
            &target,
            audited(&before),
            None,
        )?;
        Ok(())
    })
}

/// TestWebhook: queues a `webhook.test` event for the endpoint, delivered like any other.
pub fn test_webhook(ctx: &Ctx, id: i64) -> ApiResult<()> {
    ctx.write(|c| {
        store::find(c, id)?.ok_or_else(|| not_found(id))?;
        let now = ctx.now();
        // Test events have ids of their own, below zero, so they never meet a stream event's.
        let event_id = -now.and_utc().timestamp_micros();
        let body = json!({
            "EventID": format!("test-{}", -event_id),
            "Event": TEST_EVENT,
            "OccurredAt": now.and_utc(),
            "Data": {"WebhookID": id},
        })
        .to_string();
        store::insert_delivery(
            c,
            &NewDelivery {
                webhook_id: id,
                event_id,
                event: TEST_EVENT,
                chat_id: None,
                body: &body,
            },
            now,
        )?;
        Ok(())
    })
    .inspect(|_| ctx.webhooks_ready.notify_one())
}

/// One delivery in an endpoint's log.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct WebhookDeliveryView {
    #[serde(rename = "DeliveryID")]
    pub delivery_id: i64,
    pub event: String,
    /// pending, sending, delivered or failed (given up after 24 hours; RetryWebhookDelivery).
    pub state: &'static str,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the next attempt is due (pending).
    pub next_attempt_at: DateTime<Utc>,
    /// The last answer's HTTP status (absent when none came).
    pub last_status: Option<i32>,
    pub last_duration_ms: Option<i64>,
    /// The start of the last answer's body.
    pub last_answer: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct WebhookDeliveriesView {
    pub deliveries: Vec<WebhookDeliveryView>,
    pub cursor: Cursor,
}

/// GetWebhookDeliveries: an endpoint's deliveries, newest first.
pub fn get_webhook_deliveries(
    ctx: &Ctx,
    id: i64,
    page: i64,
    page_size: i64,
) -> ApiResult<WebhookDeliveriesView> {
    ctx.with_conn(|c| {
        let exists = crate::store::webhooks::list(c)?.iter().any(|w| w.id == id)
            || store::log_page(c, id, 0, 1)?.1 > 0;
        if !exists {
            return Err(not_found(id));
        }
        let (rows, total) = store::log_page(c, id, (page - 1) * page_size, page_size)?;
        Ok(WebhookDeliveriesView {
            deliveries: rows
                .into_iter()
                .map(|r| WebhookDeliveryView {
                    delivery_id: r.id,
                    event: r.event,
                    state: WebhookDeliveryState::name_of(r.state),
                    attempts: r.attempts,
                    created_at: r.created_at.and_utc(),
                    delivered_at: r.delivered_at.map(|t| t.and_utc()),
                    next_attempt_at: r.next_attempt_at.and_utc(),
                    last_status: r.last_status,
                    last_duration_ms: r.last_duration_ms,
                    last_answer: r.last_answer,
                    last_error: r.last_error,
                })
                .collect(),
            cursor: Cursor::new(page, page_size, total),
        })
    })
}

/// RetryWebhookDelivery: a failed delivery is queued again, with a fresh 24 hours.
pub fn retry_webhook_delivery(ctx: &Ctx, delivery_id: i64) -> ApiResult<()> {
    ctx.write(|c| match store::retry_failed(c, delivery_id, ctx.now())? {
        0 => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("No failed delivery {delivery_id}"),
        )),
        _ => Ok(()),
    })
    .inspect(|_| ctx.webhooks_ready.notify_one())
}
