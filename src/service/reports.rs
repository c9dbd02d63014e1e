//! Reports, recipients and schedules, and the scheduler pass that mails due reports.
//!
//! Exactly once by design: a run is one (schedule, period) row under a unique key, so restarts and
//! several instances agree on what is due; a run is claimed (conditional UPDATE) before its mail is
//! sent, outside any transaction; a failed send is retried with backoff; a send cut off midway
//! (its lease ran out while `sending`) is marked interrupted and never repeated behind anyone's back.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use super::mailer::{MailAttachment, OutgoingMail, SendFailure};
use super::metrics::{figures, named_figures, tag_figures, Figures};
use super::{settings, Ctx};
use crate::db::DbConnection;
use crate::domain::csv_cell::neutralise;
use crate::domain::report::{
    local_to_utc, midnight, FactsBy, Grouping, ReportKind, RunState, WeeklySlots,
};
use crate::domain::retry::{backoff, truncate_error};
use crate::domain::settings::SettingKey;
use crate::domain::{EmailAddress, HhMm};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::reports::{self as store, NewSchedule, RunRow, ScheduleRow};
use crate::store::{chats, metrics};

/// A run being sent is leased this long; a run still `sending` after it counts as interrupted.
const SEND_LEASE_MINUTES: i64 = 10;
/// A failed mail is retried at least once a day.
const MAX_RETRY_DELAY: std::time::Duration = std::time::Duration::from_secs(86_400);
/// A slot missed while the server was down is still sent this long afterwards.
const CATCH_UP_HOURS: i64 = 24;
/// The chat log lists at most this many chats.
pub const CHAT_LOG_MAX_ROWS: i64 = 10_000;

#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ReportView {
    #[serde(rename = "ReportID")]
    pub report_id: i16,
    pub name: &'static str,
    pub description: &'static str,
    pub formats: Vec<&'static str>,
    pub groupings: Vec<&'static str>,
}

pub fn get_reports() -> Vec<ReportView> {
    ReportKind::ALL
        .into_iter()
        .map(|k| ReportView {
            report_id: k.id(),
            name: k.name(),
            description: k.description(),
            formats: vec!["CSV"],
            groupings: vec!["DAY", "WEEK", "MONTH"],
        })
        .collect()
}

#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleView {
    #[serde(rename = "ScheduleID")]
    pub schedule_id: i64,
    #[serde(rename = "RecipientID")]
    pub recipient_id: i64,
    #[serde(rename = "ReportID")]
    pub report_id: i16,
    pub report_name: &'static str,
    pub format: String,
    pub grouping: Vec<String>,
    pub delivery: String,
    pub scheduled_day: Vec<u8>,
    /// HH:MM in the desk's time zone.
    pub scheduled_time: String,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub next_send_at: Option<DateTime<Utc>>,
    /// State of the latest run: pending, sending, sent, failed or interrupted.
    pub last_state: Option<&'static str>,
    pub last_error: Option<String>,
}

#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct RecipientView {
    #[serde(rename = "RecipientID")]
    pub recipient_id: i64,
    pub full_name: String,
    pub email_address: String,
    pub created_at: DateTime<Utc>,
    pub schedules: Vec<ScheduleView>,
}

fn slots(s: &ScheduleRow) -> WeeklySlots {
    WeeklySlots::from_stored(&s.scheduled_days, s.scheduled_minute)
}

fn groupings(s: &ScheduleRow) -> Vec<Grouping> {
    Grouping::from_stored_list(&s.groupings)
}

fn schedule_view(s: &ScheduleRow, runs: &[RunRow], tz: Tz, now: NaiveDateTime) -> ScheduleView {
    let mine: Vec<&RunRow> = runs.iter().filter(|r| r.schedule_id == s.id).collect();
    let latest = mine.first();
    let now_local = chrono::TimeZone::from_utc_datetime(&tz, &now).naive_local();
    ScheduleView {
        schedule_id: s.id,
        recipient_id: s.recipient_id,
        report_id: s.report_id,
        report_name: ReportKind::from_id(s.report_id.into())
            .map(ReportKind::name)
            .unwrap_or(""),
        format: s.format.clone(),
        grouping: groupings(s)
            .into_iter()
            .map(|g| g.name().to_owned())
            .collect(),
        delivery: s.delivery.clone(),
        scheduled_day: slots(s).days,
        scheduled_time: HhMm::from_minutes(s.scheduled_minute).to_string(),
        last_sent_at: mine
            .iter()
            .filter_map(|r| r.sent_at)
            .max()
            .map(|t| t.and_utc()),
        next_send_at: slots(s)
            .next_after(now_local)
            .map(|t| local_to_utc(tz, t).and_utc()),
        last_state: latest.map(|r| RunState::from_id(r.state).name()),
        last_error: latest.and_then(|r| r.last_error.clone()),
    }
}

fn recipient_not_found(id: i64) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("Recipient {id} does not exist"),
    )
}

pub fn create_recipient(
    ctx: &Ctx,
    full_name: String,
    email: EmailAddress,
) -> ApiResult<RecipientView> {
    let id = ctx.write(|c| {
        Ok(store::insert_recipient(
            c,
            &full_name,
            email.as_str(),
            ctx.now(),
        )?)
    })?;
    get_recipients(ctx)?
        .into_iter()
        .find(|r| r.recipient_id == id)
        .ok_or_else(|| recipient_not_found(id))
}

/// Every recipient with its schedules, when each was last and will next be sent, and any error.
pub fn get_recipients(ctx: &Ctx) -> ApiResult<Vec<RecipientView>> {
    ctx.with_conn(|c| {
        let tz = settings::time_zone(c)?;
        let now = ctx.now();
        let schedules = store::schedules(c)?;
        let ids: Vec<i64> = schedules.iter().map(|s| s.id).collect();
        let runs = store::latest_runs(c, &ids)?;
        Ok(store::recipients(c)?
            .into_iter()
            .map(|r| RecipientView {
                recipient_id: r.id,
                full_name: r.full_name,
                email_address: r.email,
                created_at: r.created_at.and_utc(),
                schedules: schedules
                    .iter()
                    .filter(|s| s.recipient_id == r.id)
                    .map(|s| schedule_view(s, &runs, tz, now))
                    .collect(),
            })
            .collect())
    })
}

/// Deletes a recipient and its schedules.
pub fn delete_recipient(ctx: &Ctx, id: i64) -> ApiResult<()> {
    ctx.write(|c| match store::delete_recipient(c, id)? {
        0 => Err(recipient_not_found(id)),
        _ => Ok(()),
    })
}

pub struct NewReportSchedule {
    pub recipient_id: i64,
    pub report: ReportKind,
    pub groupings: Vec<Grouping>,
    pub days: Vec<u8>,
    pub time: HhMm,
}

pub fn create_report_schedule(ctx: &Ctx, s: NewReportSchedule) -> ApiResult<ScheduleView> {
    let groupings: Vec<&str> = s.groupings.iter().map(|g| g.name()).collect();
    let days: Vec<String> = s.days.iter().map(u8::to_string).collect();
    let id = ctx.write(|c| {
        if store::find_recipient(c, s.recipient_id)?.is_none() {
            return Err(ApiError::field(
                "RecipientID",
                format!("no recipient with id {}", s.recipient_id),
            ));
        }
        Ok(store::insert_schedule(
            c,
            &NewSchedule {
                recipient_id: s.recipient_id,
                report_id: s.report.id(),
                format: "CSV",
                groupings: &groupings.join(","),
                delivery: "EMAIL",
                scheduled_days: &days.join(","),
                scheduled_minute: s.time.minutes(),
                created_at: ctx.now(),
            },
        )?)
    })?;
    get_recipients(ctx)?
        .into_iter()
        .flat_map(|r| r.schedules)
        .find(|v| v.schedule_id == id)
        .ok_or_else(|| ApiError::internal("schedule vanished"))
}

pub fn delete_report_schedule(ctx: &Ctx, id: i64) -> ApiResult<()> {
    ctx.write(|c| match store::delete_schedule(c, id)? {
        0 => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("Schedule {id} does not exist"),
        )),
        _ => Ok(()),
    })
}

/// A report's period in local dates and UTC instants.
struct Span {
    from_date: NaiveDate,
    to_date: NaiveDate,
    from: NaiveDateTime,
    to: NaiveDateTime,
}

impl Span {
    fn new(tz: Tz, from_date: NaiveDate, to_date: NaiveDate) -> Self {
        Self {
            from_date,
            to_date,
            from: local_to_utc(tz, midnight(from_date)),
            to: local_to_utc(tz, midnight(to_date)),
        }
    }
}

/// An average for the mail's text: "42.0 s", or "n/a" when nothing was measured.
fn spoken(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |s| format!("{s:.1} s"))
}

fn seconds(v: Option<f64>) -> String {
    v.map(|s| format!("{s:.1}")).unwrap_or_default()
}

const FIGURE_COLUMNS: [&str; 11] = [
    "ChatsStarted",
    "ChatsQueued",
    "ChatsAssigned",
    "ChatsTransferred",
    "ChatsClosed",
    "ChatsMissed",
    "MessagesIn",
    "MessagesOut",
    "AverageWaitSeconds",
    "AverageFirstResponseSeconds",
    "AverageHandleSeconds",
];

fn figure_cells(f: &Figures) -> Vec<String> {
    vec![
        f.chats_started.to_string(),
        f.chats_queued.to_string(),
        f.chats_assigned.to_string(),
        f.chats_transferred.to_string(),
        f.chats_closed.to_string(),
        f.chats_missed.to_string(),
        f.messages_in.to_string(),
        f.messages_out.to_string(),
        seconds(f.average_wait_seconds),
        seconds(f.average_first_response_seconds),
        seconds(f.average_handle_seconds),
    ]
}

/// The report as CSV (RFC 4180, CRLF, formula-safe text cells).
fn render(c: &mut DbConnection, kind: ReportKind, tz: Tz, span: &Span) -> ApiResult<Vec<u8>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let head = |first: &[&str]| {
        first
            .iter()
            .chain(FIGURE_COLUMNS.iter())
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    match kind {
        ReportKind::ChatSummary => {
            rows.push(head(&["Date"]));
            let mut day = span.from_date;
            while day < span.to_date {
                let next = day + Duration::days(1);
                let f = figures(
                    c,
                    local_to_utc(tz, midnight(day)),
                    local_to_utc(tz, midnight(next)),
                )?;
                rows.push([vec![day.to_string()], figure_cells(&f)].concat());
                day = next;
            }
            rows.push(
                [
                    vec!["Total".to_string()],
                    figure_cells(&figures(c, span.from, span.to)?),
                ]
                .concat(),
            );
        }
        ReportKind::AgentPerformance => {
            rows.push(head(&["AgentID", "Agent"]));
            for (id, name, f) in
                named_figures(c, span.from, span.to, FactsBy::Agent, |id, name, f| {
                    (id, name, f)
                })?
            {
                rows.push([vec![id.to_string(), name], figure_cells(&f)].concat());
            }
        }
        ReportKind::DepartmentPerformance => {
            rows.push(head(&["DepartmentID", "Department"]));
            for (id, name, f) in
                named_figures(c, span.from, span.to, FactsBy::Department, |id, name, f| {
                    (id, name, f)
                })?
            {
                rows.push([vec![id.to_string(), name], figure_cells(&f)].concat());
            }
        }
        ReportKind::TagUsage => {
            rows.push(
                ["TagID", "Tag", "TagGroup", "Chats"]
                    .map(String::from)
                    .to_vec(),
            );
            for t in tag_figures(c, span.from, span.to)? {
                rows.push(vec![
                    t.tag_id.to_string(),
                    t.name,
                    t.group,
                    t.chats.to_string(),
                ]);
            }
        }
        ReportKind::ChatLog => {
            rows.push(
                [
                    "ChatID",
                    "Started",
                    "Customer",
                    "Number",
                    "Department",
                    "Agent",
                    "AssignedAt",
                    "ClosedAt",
                    "CloseReason",
                    "Outcome",
                    "Tags",
                ]
                .map(String::from)
                .to_vec(),
            );
            let ids = metrics::chats_started_in(c, span.from, span.to, CHAT_LOG_MAX_ROWS)?;
            let mut tags: BTreeMap<i64, Vec<String>> = BTreeMap::new();
            for (chat, _, name) in chats::tags_of(c, &ids)? {
                tags.entry(chat).or_default().push(name);
            }
            let time = |t: Option<NaiveDateTime>| {
                t.map(|t| t.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_default()
            };
            for id in ids {
                let Some(row) = chats::find_listed(c, id)? else {
                    continue;
                };
                let chat = &row.chat;
                let outcome = match (chat.closed_at, chat.first_response_at) {
                    (None, _) => "open",
                    (Some(_), Some(_)) => "answered",
                    (Some(_), None) if chat.close_reason.as_deref() == Some("ClosedByUser") => {
                        "closed unanswered"
                    }
                    (Some(_), None) => "missed",
                };
                rows.push(vec![
                    chat.id.to_string(),
                    time(Some(chat.created_at)),
                    row.customer_name.clone().unwrap_or_default(),
                    row.customer_mobile.clone().unwrap_or_default(),
                    row.department_name.clone().unwrap_or_default(),
                    row.agent_name.clone().unwrap_or_default(),
                    time(chat.assigned_at),
                    time(chat.closed_at),
                    chat.close_reason.clone().unwrap_or_default(),
                    outcome.to_string(),
                    tags.remove(&chat.id).unwrap_or_default().join("; "),
                ]);
            }
        }
    }
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        out.write_record(row.iter().map(|cell| neutralise(cell).into_owned()))
            .map_err(ApiError::internal)?;
    }
    out.into_inner().map_err(ApiError::internal)
}

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
    let (tz, schedules) = ctx.with_conn(|c| Ok((settings::time_zone(c)?, store::schedules(c)?)))?;
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
            Ok(true) => summary.runs_created += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(schedule_id = s.id, error = %e, "could not record a due report")
            }
        }
    }
    summary.interrupted = ctx.write(|c| Ok(store::mark_interrupted(c, ctx.now())?))?;
    for run in ctx.read(|c| store::due_runs(c, at))? {
        // Built before the claim (it only reads), so the lease covers nothing but the send.
        let mail = match build_mail(ctx, &run, tz) {
            Ok(mail) => mail,
            Err(e) => {
                tracing::warn!(run_id = run.id, error = %e, "could not build a report");
                continue;
            }
        };
        let lease = ctx.now() + Duration::minutes(SEND_LEASE_MINUTES);
        if !ctx.write(|c| Ok(store::claim_run(c, &run, lease)?))? {
            continue;
        }
        let attempt = run.attempts + 1;
        let outcome = ctx.mailer.send(&mail);
        let recorded = ctx.write(|c| {
            let changed = match &outcome {
                Ok(()) => store::mark_sent(c, run.id, attempt, ctx.now())?,
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
                    store::mark_not_sent(c, run.id, attempt, &error, retry_at, end_state)?
                }
            };
            Ok(changed)
        })?;
        if recorded == 0 {
            tracing::warn!(
                run_id = run.id,
                "a newer attempt owns this report run; outcome not recorded"
            );
        }
        match outcome {
            Ok(()) => {
                summary.sent += 1;
                tracing::info!(run_id = run.id, schedule_id = run.schedule_id, period = %run.period_key, "report sent");
            }
            Err(failure) => {
                summary.failed += 1;
                tracing::warn!(run_id = run.id, attempt, error = %failure, "report mail failed");
            }
        }
    }
    Ok(summary)
}

fn build_mail(ctx: &Ctx, run: &RunRow, tz: Tz) -> ApiResult<OutgoingMail> {
    ctx.with_conn(|c| {
        let schedule = store::find_schedule(c, run.schedule_id)?.ok_or_else(|| ApiError::internal("run without schedule"))?;
        let recipient = store::find_recipient(c, schedule.recipient_id)?.ok_or_else(|| ApiError::internal("schedule without recipient"))?;
        let kind = ReportKind::from_id(schedule.report_id.into()).map_err(ApiError::internal)?;
        let company = settings::text(c, SettingKey::CompanyName)?;
        let sent_local = chrono::TimeZone::from_utc_datetime(&tz, &run.due_at).naive_local();
        let mut text = format!("Hello {},\n\nHere is the {} report of {company}.\n", recipient.full_name, kind.name());
        let mut attachments = Vec::new();
        for grouping in groupings(&schedule) {
            let (from_date, to_date) = grouping.complete_period_before(sent_local);
            let span = Span::new(tz, from_date, to_date);
            let last_day = to_date - Duration::days(1);
            let f = figures(c, span.from, span.to)?;
            text.push_str(&format!(
                "\n{} {from_date} to {last_day} ({}):\n  chats started {}, closed {}, missed {}\n  average wait {}, first response {}, handle {}\n  messages in {}, out {}\n",
                grouping.name(),
                tz.name(),
                f.chats_started,
                f.chats_closed,
                f.chats_missed,
                spoken(f.average_wait_seconds),
                spoken(f.average_first_response_seconds),
                spoken(f.average_handle_seconds),
                f.messages_in,
                f.messages_out,
            ));
            attachments.push(MailAttachment {
                file_name: format!("{}-{}-{from_date}.csv", kind.slug(), grouping.name().to_lowercase()),
                content_type: "text/csv; charset=utf-8".into(),
                bytes: render(c, kind, tz, &span)?,
            });
        }
        text.push_str("\nThe figures are in the attached CSV files. Definitions: docs/reports.md.\n");
        Ok(OutgoingMail {
            to_name: recipient.full_name.clone(),
            to_address: recipient.email.clone(),
            subject: format!("{company}: {} report for {}", kind.name(), run.period_key.split('T').next().unwrap_or("")),
            text,
            attachments,
        })
    })
}
