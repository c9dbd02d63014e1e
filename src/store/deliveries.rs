use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{chats, deliveries};
use crate::db::DbConnection;

/// 1 pending, 2 sending (leased to a worker), 3 delivered, 4 failed for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    Pending = 1,
    Sending = 2,
    Delivered = 3,
    Failed = 4,
}

impl DeliveryState {
    pub fn from_id(id: i16) -> Self {
        match id {
            2 => Self::Sending,
            3 => Self::Delivered,
            4 => Self::Failed,
            _ => Self::Pending,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub message_id: i64,
    pub chat_id: i64,
    pub channel_id: i64,
    pub state: i16,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub fn insert(
    conn: &mut DbConnection,
    message_id: i64,
    chat_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let channel_id: i64 = chats::table
        .find(chat_id)
        .select(chats::channel_id)
        .first(conn)?;
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::message_id.eq(message_id),
            deliveries::chat_id.eq(chat_id),
            deliveries::channel_id.eq(channel_id),
            deliveries::state.eq(DeliveryState::Pending as i16),
            deliveries::next_attempt_at.eq(now),
            deliveries::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Deliveries a worker may take now: pending and due, or sending with an expired lease (the worker
/// that held it died). Oldest first.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let pending = deliveries::state
        .eq(DeliveryState::Pending as i16)
        .and(deliveries::next_attempt_at.le(now));
    let abandoned = deliveries::state
        .eq(DeliveryState::Sending as i16)
        .and(deliveries::lease_until.lt(now));
    deliveries::table
        .filter(pending.or(abandoned))
        .order(deliveries::id)
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)
}

/// Whether an older message of the same chat is still on its way (messages arrive in order).
pub fn has_earlier_undelivered(
    conn: &mut DbConnection,
    chat_id: i64,
    id: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        deliveries::table
            .filter(deliveries::chat_id.eq(chat_id))
            .filter(deliveries::id.lt(id))
            .filter(
                deliveries::state
                    .eq_any([DeliveryState::Pending as i16, DeliveryState::Sending as i16]),
            ),
    ))
    .get_result(conn)
}

/// Leases a delivery to this worker; false when another worker got it first.
pub fn claim(
    conn: &mut DbConnection,
    d: &DeliveryRow,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        deliveries::table
            .find(d.id)
            .filter(deliveries::state.eq(d.state))
            .filter(deliveries::attempts.eq(d.attempts)),
    )
    .set((
        deliveries::state.eq(DeliveryState::Sending as i16),
        deliveries::attempts.eq(d.attempts + 1),
        deliveries::lease_until.eq(Some(lease_until)),
        deliveries::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn mark_delivered(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::state.eq(DeliveryState::Delivered as i16),
            deliveries::delivered_at.eq(Some(now)),
            deliveries::lease_until.eq(None::<NaiveDateTime>),
            deliveries::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when `None`.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let (state, next) = match retry_at {
        Some(at) => (DeliveryState::Pending, at),
        None => (DeliveryState::Failed, crate::db::now()),
    };
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::state.eq(state as i16),
            deliveries::next_attempt_at.eq(next),
            deliveries::lease_until.eq(None::<NaiveDateTime>),
            deliveries::last_error.eq(Some(error)),
        ))
        .execute(conn)
}

/// Delivery state of these messages: message id → (state, attempts, last error).
pub fn states_of(
    conn: &mut DbConnection,
    message_ids: &[i64],
) -> QueryResult<HashMap<i64, DeliveryRow>> {
    let rows: Vec<DeliveryRow> = deliveries::table
        .filter(deliveries::message_id.eq_any(message_ids))
        .select(DeliveryRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|d| (d.message_id, d)).collect())
}
