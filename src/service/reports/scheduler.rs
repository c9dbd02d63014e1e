//! The scheduler pass that mails due reports, exactly once by design: a run is one (schedule,
//! period) row under a unique key, so restarts and several instances agree on what is due; a run is
//! claimed (conditional UPDATE) before its mail is sent, outside any transaction, and the outcome is
//! recorded only by the attempt that sent it (the shape of `service/deliveries.rs`); a failed send
//! is retried with backoff; a send cut off midway (its lease ran out while `sending`) is marked
//! interrupted and never repeated behind anyone's back.

use chrono::{Duration, NaiveDateTime};
use chrono_tz::Tz;
use serde::Serialize;

use super::mail::build_mail;
use super::slots;
use crate::domain::report::{local_to_utc, RunState};
use crate::domain::retry::{backoff, truncate_error};
use crate::error::ApiResult;
use crate::service::mailer::{OutgoingMail, SendFailure};
use crate::service::{settings, Ctx};
use crate::store::lease_queue::Outcome;
use crate::store::reports::{self as store, RunRow};

/// A run being sent is leased this long; a run still `sending` after it counts as interrupted.
const SEND_LEASE_MINUTES: i64 = 10;
/// A failed mail is retried at least once a day.
const MAX_RETRY_DELAY: std::time::Duration = std::time::Duration::from_secs(86_400);
/// A slot missed while the server was down is still sent this long afterwards.
const CATCH_UP_HOURS: i64 = 24;

/// What one scheduler pass did.
#[derive(Serialize, Debug, Default, Clone, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct PassSummary {
    pub runs_created: usize,
    pub sent: usize,
    pub failed: usize,
    pub interrupted: usize,
}

/// One scheduler pass as if it were `at` (UTC): records every schedule slot that is due (within a
/// day, and not before the schedule existed), marks cut-off sends interrupted, and mails every due
/// run once. `at` chooses the slots and the retry times (so tests and operators can replay a
/// moment); leases and sent times are always real time.
pub fn send_due(ctx: &Ctx, at: NaiveDateTime) -> ApiResult<PassSummary> {
    let mut summary = PassSummary::default();
    let tz = ctx.with_conn(|c| Ok(settings::time_zone(c)?))?;
    summary.runs_created = record_due_runs(ctx, tz, at)?;
    summary.interrupted = ctx.write(|c| Ok(store::RUN_QUEUE.interrupt_expired(c, ctx.now())?))?;
    for run in ctx.read(|c| store::due_runs(c, at))? {
        let Some(job) = claim(ctx, run, tz)? else {
            continue;
        };
        let outcome = ctx.mailer.send(&job.mail);
        record_outcome(ctx, &job, at, &outcome)?;
        let run = &job.run;
        match outcome {
            Ok(()) => {
                summary.sent += 1;
                tracing::info!(run_id = run.id, schedule_id = run.schedule_id, period = %run.period_key, "report sent");
            }
            Err(failure) => {
                summary.failed += 1;
                tracing::warn!(run_id = run.id, attempt = job.attempt, error = %failure, "report mail failed");
            }
        }
    }
    Ok(summary)
}

/// Records a run for every schedule slot that is due at `at` (within a day, and not before the
/// schedule existed); returns how many this pass recorded.
fn record_due_runs(ctx: &Ctx, tz: Tz, at: NaiveDateTime) -> ApiResult<usize> {
    let mut created = 0;
    let schedules = ctx.read(store::schedules)?;
    let at_local = chrono::TimeZone::from_utc_datetime(&tz, &at).naive_local();
    for s in &schedules {
        let Some(slot) = slots(s).latest_at_or_before(at_local) else {
            continue;
        };
        let due = local_to_utc(tz, slot);
        if at_local - slot > Duration::hours(CATCH_UP_HOURS) || due < s.created_at {
            continue;
        }
        let key = slot.format("%Y-%m-%dT%H:%M").to_string();
        // A schedule deleted meanwhile fails its insert; the other schedules still go.
        match ctx.write(|c| Ok(store::insert_run_once(c, s.id, &key, due, ctx.now())?)) {
            Ok(true) => created += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(schedule_id = s.id, error = %format_args!("{e:#}"), "could not record a due report")
            }
        }
    }
    Ok(created)
}

/// A run this pass claimed, with the mail to send for it.
struct ReportJob {
    run: RunRow,
    /// Attempts including this one.
    attempt: i32,
    mail: OutgoingMail,
}

/// Builds a due run's mail, then claims the run for sending; `None` when the report could not be
/// built or another pass claimed the run first.
fn claim(ctx: &Ctx, run: RunRow, tz: Tz) -> ApiResult<Option<ReportJob>> {
    // Built before the claim (it only reads), so the lease covers nothing but the send.
    let mail = match build_mail(ctx, &run, tz) {
        Ok(mail) => mail,
        Err(e) => {
            tracing::warn!(run_id = run.id, error = %format_args!("{e:#}"), "could not build a report");
            return Ok(None);
        }
    };
    let lease = ctx.now() + Duration::minutes(SEND_LEASE_MINUTES);
    let claimed = ctx.write(|c| {
        Ok(store::RUN_QUEUE.claim(c, run.id, run.state, run.attempts, ctx.now(), lease)?)
    })?;
    if !claimed {
        return Ok(None);
    }
    Ok(Some(ReportJob {
        attempt: run.attempts + 1,
        run,
        mail,
    }))
}

/// Records how the send went, if this attempt still holds the run: sent; retried after a backoff
/// counted from `at`; failed for good; or interrupted when the mail may have gone out.
fn record_outcome(
    ctx: &Ctx,
    job: &ReportJob,
    at: NaiveDateTime,
    outcome: &Result<(), SendFailure>,
) -> ApiResult<()> {
    let (id, attempt) = (job.run.id, job.attempt);
    let recorded = ctx.write(|c| {
        let changed = match outcome {
            Ok(()) => store::RUN_QUEUE.record(c, id, attempt, Outcome::Done, ctx.now())?,
            Err(failure) => {
                let (retry_at, end_state) = match failure {
                    SendFailure::Retryable(_) if attempt < ctx.config.report_max_attempts => {
                        // Capped at a day, so adding it can't overflow.
                        let delay = backoff(ctx.config.report_retry, attempt, MAX_RETRY_DELAY);
                        (Some(at + delay), RunState::Failed)
                    }
                    SendFailure::Unknown(_) => (None, RunState::Interrupted),
                    _ => (None, RunState::Failed),
                };
                let error = truncate_error(&failure.to_string());
                let failed = Outcome::failed(&error, retry_at, end_state.id());
                store::RUN_QUEUE.record(c, id, attempt, failed, ctx.now())?
            }
        };
        Ok(changed)
    })?;
    if recorded == 0 {
        tracing::warn!(
            run_id = id,
            "a newer attempt owns this report run; outcome not recorded"
        );
    }
    Ok(())
}
