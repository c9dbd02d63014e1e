//! Writing: built chats turned into rows, and inserted a batch per write transaction with the
//! time spent per table kept.

use std::time::Instant;

use chrono::Duration;

use super::bulk::{self, ChatTagInsert, CustomerInsert, DeliveryInsert, EventInsert};
use super::chat::{ChatBuild, Line};
use super::TableLoad;
use crate::error::ApiResult;
use crate::service::Ctx;
use crate::store::chats::ChatRow;
use crate::store::messages::MessageRow;

pub(super) const CHATS_PER_TRANSACTION: usize = 1000;
pub(super) const TABLES: [&str; 6] = [
    "customers",
    "chats",
    "messages",
    "deliveries",
    "chat_events",
    "chat_tags",
];

/// The rows of one transaction, ready to insert.
pub(super) struct Batch {
    pub(super) customers: Vec<CustomerInsert>,
    pub(super) chats: Vec<ChatRow>,
    pub(super) messages: Vec<MessageRow>,
    pub(super) deliveries: Vec<DeliveryInsert>,
    pub(super) events: Vec<EventInsert>,
    pub(super) chat_tags: Vec<ChatTagInsert>,
}

/// Turns built chats into rows: messages of a batch interleave by time, as they would on a live
/// desk, and get their ids in that order; each message for the customer has its delivery.
pub(super) fn prepare(
    next_message_id: &mut i64,
    channel_id: i64,
    customers: Vec<CustomerInsert>,
    builds: Vec<ChatBuild>,
) -> Batch {
    let mut lines: Vec<(i64, usize, Line)> = Vec::new();
    let mut events = Vec::new();
    let mut chat_tags = Vec::new();
    let mut chats = Vec::with_capacity(builds.len());
    for b in builds {
        let chat_id = b.row.id;
        lines.extend(
            b.lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| (chat_id, i, l)),
        );
        events.extend(b.events);
        chat_tags.extend(b.tags);
        chats.push(b.row);
    }
    lines.sort_by_key(|(chat, seq, line)| (line.at, *chat, *seq));
    events.sort_by_key(|e| e.at);
    let mut messages = Vec::with_capacity(lines.len());
    let mut deliveries = Vec::new();
    for (chat_id, _, l) in lines {
        *next_message_id += 1;
        let id = *next_message_id;
        if l.to_customer {
            deliveries.push(DeliveryInsert {
                message_id: id,
                chat_id,
                channel_id,
                state: crate::domain::delivery::DeliveryState::Delivered.id(),
                attempts: 1,
                next_attempt_at: l.at,
                lease_until: None,
                last_error: None,
                delivered_at: Some(l.at + Duration::milliseconds(300)),
                created_at: l.at,
            });
        }
        messages.push(MessageRow {
            id,
            chat_id,
            kind: l.kind.id(),
            special_type: l.special.map(|s| s.name().to_owned()),
            agent_id: l.agent_id,
            author: l.author,
            text: l.text,
            attachment_id: None,
            to_customer: l.to_customer,
            created_at: l.at,
            read_by_agent_at: l.read_by_agent_at,
            read_by_customer_at: None,
        });
    }
    Batch {
        customers,
        chats,
        messages,
        deliveries,
        events,
        chat_tags,
    }
}

/// Inserts batches and keeps the time spent per table.
pub(super) struct Writer {
    pub(super) loads: Vec<TableLoad>,
    pub(super) messages: u64,
}

impl Writer {
    pub(super) fn timed(
        &mut self,
        table: usize,
        f: impl FnOnce() -> diesel::QueryResult<usize>,
    ) -> ApiResult<()> {
        let started = Instant::now();
        let rows = f()?;
        let load = &mut self.loads[table];
        load.rows += rows as u64;
        load.seconds += started.elapsed().as_secs_f64();
        Ok(())
    }

    /// One batch, one write transaction.
    pub(super) fn write(&mut self, ctx: &Ctx, b: &Batch) -> ApiResult<()> {
        self.messages += b.messages.len() as u64;
        ctx.write(|c| {
            self.timed(0, || bulk::customers(c, &b.customers))?;
            self.timed(1, || bulk::chats(c, &b.chats))?;
            self.timed(2, || bulk::messages(c, &b.messages))?;
            self.timed(3, || bulk::deliveries(c, &b.deliveries))?;
            self.timed(4, || bulk::events(c, &b.events))?;
            self.timed(5, || bulk::chat_tags(c, &b.chat_tags))?;
            Ok(())
        })
    }
}

impl Writer {
    pub(super) fn new() -> Self {
        Writer {
            loads: TABLES
                .iter()
                .map(|t| TableLoad {
                    table: t,
                    ..Default::default()
                })
                .collect(),
            messages: 0,
        }
    }

    /// The loads with their rates, times rounded to the millisecond.
    pub(super) fn into_loads(mut self) -> Vec<TableLoad> {
        for load in self.loads.iter_mut() {
            load.rows_per_second = if load.seconds > 0.0 {
                (load.rows as f64 / load.seconds).round()
            } else {
                0.0
            };
            load.seconds = (load.seconds * 1000.0).round() / 1000.0;
        }
        self.loads
    }
}
