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
