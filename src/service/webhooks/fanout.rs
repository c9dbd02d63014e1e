//! Fans the event stream's outbox out to webhooks: reads the settled events after the cursor,
//! queues one delivery per (endpoint that wants it, event) and moves the cursor, in one
//! transaction under a lock, so every event is queued once even with several instances.

use serde_json::{json, Value};

use crate::db::dialect;
use crate::domain::live::Topic;
use crate::domain::webhook::wants;
use crate::error::ApiResult;
use crate::service::Ctx;
use crate::store::live_events;
use crate::store::webhooks::{self as store, NewDelivery};

/// Events read per transaction.
const BATCH: i64 = 500;

/// One fan-out round; returns how many deliveries it queued. A desk without enabled webhooks,
/// or with nothing new in the outbox, reads and writes nothing more (its answers kept while
/// nothing commits stay valid).
pub fn fan_out(ctx: &Ctx) -> ApiResult<usize> {
    let new_events = ctx.read(|c| {
        if !store::list(c)?.iter().any(|w| w.enabled) {
            return Ok(false);
        }
        let from = store::cursor(c)?;
        // Events, not the position read up to: on PostgreSQL that moves with every transaction.
        Ok(!live_events::settled_after(c, from, 1)?.0.is_empty())
    })?;
    if !new_events {
        return Ok(0);
    }
    let queued = ctx.write(|c| {
        dialect::lock_key(c, "webhooks:fanout")?;
        let from = store::cursor(c)?;
        let (events, reached) = live_events::settled_after(c, from, BATCH)?;
        if reached == from {
            return Ok(0);
        }
        let hooks: Vec<(i64, Vec<String>)> = store::list(c)?
            .into_iter()
            .filter(|w| w.enabled)
            .map(|w| (w.id, serde_json::from_str(&w.events).unwrap_or_default()))
            .collect();
        let mut queued = 0;
        if !hooks.is_empty() && !events.is_empty() {
            let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
            let times = store::event_times(c, &ids)?;
            let now = ctx.now();
            for e in &events {
                let Some(topic) = Topic::from_id(e.topic) else {
                    continue;
                };
                let name = topic.name();
                let targets: Vec<i64> = hooks
                    .iter()
                    .filter(|(_, events)| wants(events, name))
                    .map(|(id, _)| *id)
                    .collect();
                if targets.is_empty() {
                    continue;
                }
                let data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
                let chat_id = data.get("ChatID").and_then(Value::as_i64);
                let at = times
                    .iter()
                    .find(|(id, _)| *id == e.id)
                    .map_or(now, |(_, at)| *at);
                let body = json!({
                    "EventID": e.position().to_string(),
                    "Event": name,
                    "OccurredAt": at.and_utc(),
                    "Data": data,
                })
                .to_string();
                for webhook_id in targets {
                    store::insert_delivery(
                        c,
                        &NewDelivery {
                            webhook_id,
                            event_id: e.id,
                            event: name,
                            chat_id,
                            body: &body,
                        },
                        now,
                    )?;
                    queued += 1;
                }
            }
        }
        store::set_cursor(c, reached)?;
        Ok(queued)
    })?;
    if queued > 0 {
        ctx.webhooks_ready.notify_one();
    }
    Ok(queued)
}
