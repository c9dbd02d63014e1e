//! The loops of automatic assignment, presence and waiting-chat alerts in each process.

use std::sync::Arc;
use std::time::Duration;

use crate::service::{alerts, assigner, presence, Ctx};

/// Assignment passes run at most this often, however busy the desk: a burst of commits wakes
/// one pass, not one each.
const MIN_PASS_GAP: Duration = Duration::from_millis(100);

/// With no trigger, the queues are swept this often anyway (a trigger on another instance, a
/// chat that had no taker before).
const SWEEP_EVERY: Duration = Duration::from_secs(2);

/// Presence, requeueing and alerts are looked at this often.
const PRESENCE_EVERY: Duration = Duration::from_secs(2);

/// Runs an assignment pass after this process commits a change and every [`SWEEP_EVERY`].
pub fn spawn_assigner(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = ctx.assign_wanted.notified() => {}
                _ = tokio::time::sleep(SWEEP_EVERY) => {}
            }
            if !ctx.is_schema_ready() {
                continue;
            }
            let job = ctx.clone();
            match tokio::task::spawn_blocking(move || assigner::assign_waiting(&job)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(given)) => tracing::debug!(given, "chats assigned automatically"),
                Ok(Err(e)) => {
                    tracing::warn!(error = %format_args!("{e:#}"), "automatic assignment failed")
                }
                Err(e) => tracing::error!(error = %e, "automatic assignment panicked"),
            }
            tokio::time::sleep(MIN_PASS_GAP).await;
        }
    })
}

/// Presence (and the requeueing of Offline agents' chats), then waiting-chat alerts.
pub fn spawn_presence_and_alerts(ctx: Arc<Ctx>) {
    super::every(ctx.clone(), PRESENCE_EVERY, "presence", presence::sweep);
    super::every(ctx, PRESENCE_EVERY, "waiting-chat alerts", alerts::sweep);
}
