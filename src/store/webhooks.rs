//! Webhooks: the endpoints, their delivery queue (a lease queue) and the fan-out cursor.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{live_events, webhook_cursor, webhook_deliveries, webhooks};
use crate::db::DbConnection;
use crate::domain::live::Position;
use crate::domain::webhook::WebhookDeliveryState as S;
use crate::store::lease_queue::LeaseQueue;

/// The queue the webhook sender claims from: a delivery whose lease ran out is posted again (at
/// least once: receivers de-duplicate on `X-Agentdesk-Event-ID`).
pub static QUEUE: LeaseQueue = LeaseQueue {
    table: "webhook_deliveries",
    done_at: "delivered_at",
    pending: S::Pending.id(),
    sending: S::Sending.id(),
    done: S::Delivered.id(),
    interrupted: None,
};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub enabled: bool,
    pub signing_secret: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    url: &str,
    events: &str,
    enabled: bool,
    secret: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::url.eq(url),
            webhooks::events.eq(events),
            webhooks::enabled.eq(enabled),
            webhooks::signing_secret.eq(secret),
            webhooks::created_at.eq(now),
            webhooks::updated_at.eq(now),
        ))
        .returning(webhooks::id)
        .get_result(conn)
}

/// A live (not deleted) webhook.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::deleted_at.is_null())
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
}

/// Every live webhook, by id.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .order(webhooks::id)
        .select(WebhookRow::as_select())
        .load(conn)
}

/// Changes the fields given.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    url: Option<&str>,
    events: Option<&str>,
    enabled: Option<bool>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let target = webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::deleted_at.is_null());
    let mut n = diesel::update(target)
        .set(webhooks::updated_at.eq(now))
        .execute(conn)?;
    if let Some(url) = url {
        n = diesel::update(target)
            .set(webhooks::url.eq(url))
            .execute(conn)?;
    }
    if let Some(events) = events {
        n = diesel::update(target)
            .set(webhooks::events.eq(events))
            .execute(conn)?;
    }
    if let Some(enabled) = enabled {
        n = diesel::update(target)
            .set(webhooks::enabled.eq(enabled))
            .execute(conn)?;
    }
    Ok(n)
}

/// Deletes a webhook (its row stays for its delivery log) and drops its undelivered events.
pub fn soft_delete(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    let n = diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(id))
            .filter(webhooks::deleted_at.is_null()),
    )
    .set(webhooks::deleted_at.eq(now))
    .execute(conn)?;
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(id))
            .filter(webhook_deliveries::state.eq_any([S::Pending.id(), S::Failed.id()])),
    )
    .execute(conn)?;
    Ok(n)
}

/// Where the fan-out has read the outbox up to.
pub fn cursor(conn: &mut DbConnection) -> QueryResult<Position> {
    let (tx, id): (i64, i64) = webhook_cursor::table
        .filter(webhook_cursor::id.eq(1))
        .select((webhook_cursor::tx, webhook_cursor::event_id))
        .first(conn)?;
    Ok(Position::new(tx, id))
}

pub fn set_cursor(conn: &mut DbConnection, to: Position) -> QueryResult<()> {
    diesel::update(webhook_cursor::table.filter(webhook_cursor::id.eq(1)))
        .set((
            webhook_cursor::tx.eq(to.tx),
            webhook_cursor::event_id.eq(to.id),
        ))
        .execute(conn)
        .map(|_| ())
}

/// When each of the events `ids` happened.
pub fn event_times(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    live_events::table
        .filter(live_events::id.eq_any(ids))
        .select((live_events::id, live_events::at))
        .load(conn)
}

/// A delivery to queue.
pub struct NewDelivery<'a> {
    pub webhook_id: i64,
    pub event_id: i64,
    pub event: &'a str,
    pub chat_id: Option<i64>,
    pub body: &'a str,
}

pub fn insert_delivery(
    conn: &mut DbConnection,
    d: &NewDelivery<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::webhook_id.eq(d.webhook_id),
            webhook_deliveries::event_id.eq(d.event_id),
            webhook_deliveries::event.eq(d.event),
            webhook_deliveries::chat_id.eq(d.chat_id),
            webhook_deliveries::body.eq(d.body),
            webhook_deliveries::state.eq(S::Pending.id()),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A delivery the sender may take.
#[derive(Clone, Debug, QueryableByName)]
pub struct DueDelivery {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub webhook_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub event_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub body: String,
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    pub state: i16,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub url: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub signing_secret: String,
}

/// Deliveries a sender may take now, oldest first: pending and due, or sending with an expired
/// lease. Only the oldest unfinished event of each (endpoint, chat) qualifies, so a chat's events
/// arrive in order; endpoints in `skip` (paused or busy) are left for later.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
    skip: &[i64],
) -> QueryResult<Vec<DueDelivery>> {
    let skipped = match skip {
        [] => String::new(),
        ids => format!(
            "AND d.webhook_id NOT IN ({}) ",
            crate::db::sql::id_list(ids)
        ),
    };
    diesel::sql_query(format!(
        "SELECT d.id, d.webhook_id, d.event_id, d.event, d.body, d.state, d.attempts, \
                d.created_at, w.url, w.signing_secret \
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         WHERE ((d.state = {pending} AND d.next_attempt_at <= $1) \
                OR (d.state = {sending} AND d.lease_until < $1)) \
           AND w.enabled AND w.deleted_at IS NULL {skipped}\
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
                WHERE e.webhook_id = d.webhook_id AND e.chat_id = d.chat_id AND e.id < d.id \
                  AND e.state IN ({pending}, {sending})) \
         ORDER BY d.id LIMIT $2",
        pending = S::Pending.id(),
        sending = S::Sending.id(),
    ))
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
}

/// Notes what attempt `attempt` got (status, time taken, the start of the answer), if it still
/// holds the row.
pub fn note_attempt(
    conn: &mut DbConnection,
    id: i64,
    attempt: i32,
    status: Option<i32>,
    duration_ms: i64,
    answer: &str,
) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::attempts.eq(attempt)),
    )
    .set((
        webhook_deliveries::last_status.eq(status),
        webhook_deliveries::last_duration_ms.eq(duration_ms),
        webhook_deliveries::last_answer.eq(answer),
    ))
    .execute(conn)
}

/// A failed delivery back in the queue, due now (RetryWebhookDelivery).
pub fn retry_failed(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::state.eq(S::Failed.id())),
    )
    .set((
        webhook_deliveries::state.eq(S::Pending.id()),
        webhook_deliveries::next_attempt_at.eq(now),
        // A fresh 24 hours of retries from now.
        webhook_deliveries::created_at.eq(now),
    ))
    .execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryLogRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub event: String,
    pub state: i16,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub last_status: Option<i32>,
    pub last_duration_ms: Option<i64>,
    pub last_answer: Option<String>,
}

/// A page of an endpoint's deliveries, newest first, and how many it has.
pub fn log_page(
    conn: &mut DbConnection,
    webhook_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<DeliveryLogRow>, i64)> {
    let rows = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .order(webhook_deliveries::id.desc())
        .offset(offset)
        .limit(limit)
        .select(DeliveryLogRow::as_select())
        .load(conn)?;
    let total = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .count()
        .get_result(conn)?;
    Ok((rows, total))
}

/// Per state, how many deliveries an endpoint has (its health in the console).
pub fn state_counts(conn: &mut DbConnection, webhook_id: i64) -> QueryResult<Vec<(i16, i64)>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .group_by(webhook_deliveries::state)
        .select((webhook_deliveries::state, diesel::dsl::count_star()))
        .load(conn)
}
