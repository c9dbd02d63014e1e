//! The event stream's loops in each process: the reader of the outbox, the watcher of open
//! streams, `metrics.live` for managers, and pruning past the retention.

use std::sync::Arc;
use std::time::Duration;

use crate::domain::live::{Audience, Position};
use crate::service::live_hub::{self, Outgoing};
use crate::service::{metrics, Ctx};

/// Open streams are checked this often: a session that ended or an agent who was disabled loses
/// its stream within this time (and presence is kept at this grain).
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// How often managers' streams get the LiveMetrics figures.
const METRICS_EVERY: Duration = Duration::from_secs(5);

/// The one reader of `live_events` in this process: reads what settled after the last position,
/// in order, and hands it to every open stream here. Woken by this process's commits, and every
/// `EVENT_POLL_MS` for those of other instances.
pub fn spawn_reader(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut reached: Option<Position> = None;
        loop {
            if ctx.is_schema_ready() {
                match read_once(&ctx, reached).await {
                    Ok((next, full)) => {
                        reached = Some(next);
                        if full {
                            continue;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %format_args!("{e:#}"), "event reader failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            tokio::select! {
                _ = ctx.live.written.notified() => {
                    // Let the rest of a burst of commits land before reading.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                _ = tokio::time::sleep(ctx.config.event_poll) => {}
            }
        }
    })
}

/// One read: sends what settled after `from` (the live end on the first read). Returns the
/// position reached and whether the batch was full (more is waiting).
async fn read_once(
    ctx: &Arc<Ctx>,
    from: Option<Position>,
) -> crate::error::ApiResult<(Position, bool)> {
    let job = ctx.clone();
    let (rows, reached) = tokio::task::spawn_blocking(move || {
        let from = match from {
            Some(p) => p,
            None => live_hub::live_end(&job)?,
        };
        live_hub::read_after(&job, from)
    })
    .await
    .map_err(crate::error::ApiError::internal)??;
    let full = rows.len() as i64 >= live_hub::READ_BATCH;
    for row in &rows {
        if let Some(event) = Outgoing::from_row(row) {
            ctx.live.send(Arc::new(event));
        }
    }
    Ok((reached, full))
}

/// The watcher of open streams (see [`live_hub::watch_streams`]).
pub fn spawn_watcher(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(WATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Open streams count as activity a few times per presence timeout (sessions slid,
        // agents seen), so a quiet but connected agent never goes Offline.
        let presence_every = (ctx.config.presence_timeout / 3).min(Duration::from_secs(20));
        let mut last_presence: Option<std::time::Instant> = None;
        loop {
            tick.tick().await;
            if !ctx.is_schema_ready() || ctx.live.open_streams() == 0 {
                continue;
            }
            let keep_present = last_presence.is_none_or(|t| t.elapsed() >= presence_every);
            if keep_present {
                last_presence = Some(std::time::Instant::now());
            }
            let job = ctx.clone();
            let outcome =
                tokio::task::spawn_blocking(move || live_hub::watch_streams(&job, keep_present))
                    .await;
            if let Ok(Err(e)) = outcome {
                tracing::warn!(error = %format_args!("{e:#}"), "event stream watch failed");
            }
        }
    })
}

/// `metrics.live` to managers' streams, every few seconds while one is open here.
pub fn spawn_metrics_feed(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(METRICS_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !ctx.is_schema_ready() || !ctx.live.manager_watching() {
                continue;
            }
            let job = ctx.clone();
            let figures = tokio::task::spawn_blocking(move || {
                metrics::live_metrics(&job).and_then(|m| {
                    serde_json::to_string(&m).map_err(crate::error::ApiError::internal)
                })
            })
            .await;
            match figures {
                Ok(Ok(data)) => {
                    let managers = Audience {
                        managers_only: true,
                        ..Audience::everyone()
                    };
                    ctx.live
                        .send(Arc::new(Outgoing::passing("metrics.live", managers, &data)));
                }
                Ok(Err(e)) => tracing::warn!(error = %format_args!("{e:#}"), "metrics.live failed"),
                Err(e) => tracing::error!(error = %e, "metrics.live panicked"),
            }
        }
    })
}

/// Deletes events past `EVENT_RETENTION_HOURS`, once a minute.
pub fn spawn_pruner(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    super::every(
        ctx,
        Duration::from_secs(60),
        "event pruning",
        live_hub::prune,
    )
}
