//! Background work. Each loop claims its work from tables, so any number of instances can run it.

pub mod delivery;

use std::sync::Arc;

use crate::service::{auth, Ctx};

/// Ends expired sessions every `SESSION_SWEEP_SECONDS`, setting agents without a session Offline.
pub fn spawn_session_sweeper(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ctx.config.sweep_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !ctx.is_schema_ready() {
                continue;
            }
            let job_ctx = ctx.clone();
            match tokio::task::spawn_blocking(move || auth::sweep_expired_sessions(&job_ctx)).await
            {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "session sweep failed"),
                Err(e) => tracing::error!(error = %e, "session sweep panicked"),
            }
        }
    })
}

/// Mails due reports every `REPORT_POLL_SECONDS`.
pub fn spawn_report_scheduler(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ctx.config.report_poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !ctx.is_schema_ready() {
                continue;
            }
            let job_ctx = ctx.clone();
            let pass = tokio::task::spawn_blocking(move || {
                crate::service::reports::send_due(&job_ctx, crate::db::now())
            })
            .await;
            match pass {
                Ok(Ok(summary)) if summary != Default::default() => {
                    tracing::info!(?summary, "report pass")
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "report pass failed"),
                Err(e) => tracing::error!(error = %e, "report pass panicked"),
            }
        }
    })
}

/// Every background loop: session sweeping, deliveries to channel servers, scheduled reports.
pub fn spawn_all(ctx: Arc<Ctx>) {
    spawn_session_sweeper(ctx.clone());
    delivery::spawn_delivery_worker(ctx.clone());
    spawn_report_scheduler(ctx);
}
