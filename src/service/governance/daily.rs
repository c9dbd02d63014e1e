//! The daily governance pass: retention of chats and of the audit log. Every instance tries it
//! every few minutes; one claims it in the database (`daily_passes`) and runs it at most once a
//! day, renewing its claim between batches, so two instances never run it together.

use chrono::{Duration, NaiveDateTime};

use crate::error::ApiResult;
use crate::service::Ctx;
use crate::store::daily_passes;

const PASS: &str = "retention";

/// How long a claim holds without renewal: an instance that died mid-pass frees it after this.
const LEASE: Duration = Duration::minutes(10);

/// How long after a finished pass the next may start.
const EVERY: Duration = Duration::hours(23);

/// A claim on the pass this process holds; renewed between batches.
pub struct Claim {
    held_until: NaiveDateTime,
}

impl Claim {
    /// Renews the claim; `false` when another instance took it (this one stalled past its lease):
    /// the caller stops.
    pub fn renew(&mut self, ctx: &Ctx) -> ApiResult<bool> {
        let until = ctx.now() + LEASE;
        let held = self.held_until;
        let kept = ctx.write(|c| Ok(daily_passes::extend(c, PASS, held, until)?))?;
        if kept {
            self.held_until = until;
        }
        Ok(kept)
    }
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DailySummary {
    pub chats_deleted: usize,
    pub customers_deleted: usize,
    pub audit_rows_deleted: usize,
}

/// Runs the pass if it is due and this instance wins the claim; `None` otherwise.
pub fn run_if_due(ctx: &Ctx) -> ApiResult<Option<DailySummary>> {
    let now = ctx.now();
    let until = now + LEASE;
    let won = ctx.write(|c| Ok(daily_passes::claim(c, PASS, now, until, now - EVERY)?))?;
    if !won {
        return Ok(None);
    }
    let mut claim = Claim { held_until: until };
    let (chats_deleted, customers_deleted) = super::retention::delete_expired(ctx, &mut claim)?;
    let summary = DailySummary {
        chats_deleted,
        customers_deleted,
        audit_rows_deleted: super::audit::prune(ctx)?,
    };
    let held = claim.held_until;
    ctx.write(|c| Ok(daily_passes::finish(c, PASS, held, ctx.now())?))?;
    if summary != DailySummary::default() {
        tracing::info!(?summary, "daily retention pass");
    }
    Ok(Some(summary))
}
