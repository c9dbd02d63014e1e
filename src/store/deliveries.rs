//! The outbound queue: one row per message for the customer, claimed by the delivery worker and
//! posted to `<ChatServer>/messageForCustomer`; an outcome is recorded only by the attempt that
//! holds the row (the lease queue of `lease_queue.rs`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::pool::MultiBackend;
use crate::db::schema::deliveries;
use crate::db::DbConnection;
use crate::domain::delivery::DeliveryState;
use crate::store::lease_queue::LeaseQueue;

/// The queue the delivery worker claims from; a delivery whose lease ran out is posted again (at
/// least once: channel servers de-duplicate on the message id).
pub static QUEUE: LeaseQueue = LeaseQueue {
    table: "deliveries",
    done_at: "delivered_at",
    pending: DeliveryState::Pending.id(),
    sending: DeliveryState::Sending.id(),
    done: DeliveryState::Delivered.id(),
    interrupted: None,
};

#[derive(Clone, Debug, Queryable, QueryableByName, Selectable)]
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

/// Queues the delivery of a message to the chat's channel; the row as stored (pending, no
/// attempt yet), which the message's view shows.
pub fn insert(
    conn: &mut DbConnection,
    message_id: i64,
    chat_id: i64,
    channel_id: i64,
    now: NaiveDateTime,
) -> QueryResult<DeliveryRow> {
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::message_id.eq(message_id),
            deliveries::chat_id.eq(chat_id),
            deliveries::channel_id.eq(channel_id),
            deliveries::state.eq(DeliveryState::Pending.id()),
            deliveries::next_attempt_at.eq(now),
            deliveries::created_at.eq(now),
        ))
        .returning(<DeliveryRow as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
}

/// Deliveries a worker may take now, oldest first: pending and due, or sending with an expired
/// lease (the worker that held it died). Only the head of each chat qualifies, so messages arrive in
/// order and a chat waiting for a retry never hides other chats' messages from the worker.
/// Deliveries of the channels in `skip` (their server is paused or busy) are left for later.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
    skip: &[i64],
) -> QueryResult<Vec<DeliveryRow>> {
    // Ids are numbers, written into the query as such (a list can't be bound portably).
    let skipped = match skip {
        [] => String::new(),
        ids => format!(
            "AND d.channel_id NOT IN ({}) ",
            crate::db::sql::id_list(ids)
        ),
    };
    // Placeholders first appear in order: SQLite numbers `$N` by first appearance. `+e.state`
    // keeps the check of earlier deliveries on `deliveries_chat`, by chat alone: it reads the
    // chat's earlier deliveries, delivered ones too (an index entry each, no table row). Left
    // the state, PostgreSQL, with statistics from a moment when nothing was pending, read it
    // through `deliveries_due` instead - every pending delivery once per pending delivery,
    // 830 ms a call with 1,600 pending, which starved the desk's writes.
    diesel::sql_query(format!(
        "SELECT d.id, d.message_id, d.chat_id, d.channel_id, d.state, d.attempts, d.last_error \
         FROM deliveries d \
         WHERE ((d.state = $1 AND d.next_attempt_at <= $2) OR (d.state = $3 AND d.lease_until < $2)) \
           {skipped}\
           AND NOT EXISTS (SELECT 1 FROM deliveries e \
                           WHERE e.chat_id = d.chat_id AND e.id < d.id AND +e.state IN ($1, $3)) \
         ORDER BY d.id LIMIT $4"
    ))
    .bind::<diesel::sql_types::SmallInt, _>(DeliveryState::Pending.id())
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .bind::<diesel::sql_types::SmallInt, _>(DeliveryState::Sending.id())
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
}

/// Delivery state of these messages: message id → (state, attempts, last error).
pub fn states_of(
    conn: &mut DbConnection,
    message_ids: &[i64],
) -> QueryResult<HashMap<i64, DeliveryRow>> {
    if message_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<DeliveryRow> = deliveries::table
        .filter(deliveries::message_id.eq_any(message_ids))
        .select(DeliveryRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|d| (d.message_id, d)).collect())
}

/// Deliveries not yet delivered, per state (pending, sending, failed for good), with the earliest
/// `next_attempt_at` (how long the oldest has been due): the backlog `GET /metrics` shows. Read
/// from `deliveries_due (state, next_attempt_at)` alone; delivered rows, the vast majority, are
/// never touched.
pub fn backlog_by_state(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(i16, i64, Option<NaiveDateTime>)>> {
    let undelivered = [
        DeliveryState::Pending.id(),
        DeliveryState::Sending.id(),
        DeliveryState::Failed.id(),
    ];
    deliveries::table
        .filter(deliveries::state.eq_any(undelivered))
        .group_by(deliveries::state)
        .select((
            deliveries::state,
            diesel::dsl::count_star(),
            diesel::dsl::min(deliveries::next_attempt_at),
        ))
        .load(conn)
}
