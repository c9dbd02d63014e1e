//! Background work. Each loop claims its work from tables, so any number of instances can run it.

pub mod delivery;
pub mod live;
pub mod routing;
pub mod webhooks;

use std::sync::Arc;

use crate::service::{auth, Ctx};

/// Runs `job` on the blocking pool every `period` once the schema is ready; errors are logged and
/// the loop goes on.
fn every<T, F>(
    ctx: Arc<Ctx>,
    period: std::time::Duration,
    name: &'static str,
    job: F,
) -> tokio::task::JoinHandle<()>
where
    T: std::fmt::Debug + Send + 'static,
    F: Fn(&Ctx) -> crate::error::ApiResult<T> + Send + Sync + Copy + 'static,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !ctx.is_schema_ready() {
                continue;
            }
            let job_ctx = ctx.clone();
            match tokio::task::spawn_blocking(move || job(&job_ctx)).await {
                Ok(Ok(outcome)) => tracing::debug!(job = name, ?outcome, "background job ran"),
                Ok(Err(e)) => {
                    tracing::warn!(job = name, error = %format_args!("{e:#}"), "background job failed")
                }
                Err(e) => tracing::error!(job = name, error = %e, "background job panicked"),
            }
        }
    })
}

/// Mails agents' replies to web chat visitors who are away, every 30 seconds.
pub fn spawn_web_chat_mailer(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    every(
        ctx,
        std::time::Duration::from_secs(30),
        "web chat away mail",
        crate::service::web_chat::away::mail_away_visitors,
    )
}

/// Ends expired sessions every `SESSION_SWEEP_SECONDS`, setting agents without a session Offline.
pub fn spawn_session_sweeper(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    let period = ctx.config.sweep_interval;
    every(ctx, period, "session sweep", auth::sweep_expired_sessions)
}

/// Mails due reports every `REPORT_POLL_SECONDS`.
pub fn spawn_report_scheduler(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    let period = ctx.config.report_poll;
    every(ctx, period, "report pass", |ctx| {
        crate::service::reports::send_due(ctx, ctx.now())
    })
}

/// Writes the failed logons for unknown addresses counted in memory, once a second.
pub fn spawn_logon_failure_writer(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    every(
        ctx,
        std::time::Duration::from_secs(1),
        "logon failures",
        crate::service::logon_throttle::flush,
    )
}

/// Writes the sessions slid by calls since the last time (`session_touches::writer_period`).
pub fn spawn_session_touch_writer(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    let period = crate::service::session_touches::writer_period(&ctx.config);
    every(
        ctx,
        period,
        "session touches",
        crate::service::session_touches::flush,
    )
}

/// Folds the chat counters' deltas twice a second (PostgreSQL; a no-op on SQLite).
pub fn spawn_chat_count_folder(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    every(
        ctx,
        std::time::Duration::from_millis(500),
        "chat count fold",
        crate::service::chats::fold_counts,
    )
}

/// Tries the daily governance pass (retention, audit retention) every ten minutes; one instance
/// claims it and runs it at most once a day.
pub fn spawn_daily_pass(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    every(
        ctx,
        std::time::Duration::from_secs(600),
        "daily pass",
        crate::service::governance::daily::run_if_due,
    )
}

/// Every background loop: session sweeping and sliding, failed logons, the chat counters, deliveries to channel servers, the
/// event stream's reader and watcher, scheduled reports.
pub fn spawn_all(ctx: Arc<Ctx>) {
    spawn_session_sweeper(ctx.clone());
    spawn_session_touch_writer(ctx.clone());
    spawn_logon_failure_writer(ctx.clone());
    spawn_chat_count_folder(ctx.clone());
    delivery::spawn_delivery_worker(ctx.clone());
    live::spawn_reader(ctx.clone());
    live::spawn_watcher(ctx.clone());
    live::spawn_metrics_feed(ctx.clone());
    live::spawn_pruner(ctx.clone());
    routing::spawn_assigner(ctx.clone());
    routing::spawn_presence_and_alerts(ctx.clone());
    spawn_web_chat_mailer(ctx.clone());
    spawn_daily_pass(ctx.clone());
    webhooks::spawn_webhooks(ctx.clone());
    spawn_report_scheduler(ctx);
}
