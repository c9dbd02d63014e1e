//! Reports, recipients and schedules (GetReports, CreateRecipient, GetRecipients, DeleteRecipient,
//! CreateReportSchedule, DeleteReportSchedule); the reports themselves are drawn in `render.rs`,
//! composed into a mail (text, HTML with a chart, CSVs) in `mail.rs` and mailed by the scheduler
//! pass in `scheduler.rs`.

mod chart;
mod mail;
mod mail_html;
mod render;
mod scheduler;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use super::{settings, Ctx};
use crate::domain::audit::Actor;
use crate::domain::report::{local_to_utc, Grouping, ReportKind, RunState, WeeklySlots};
use crate::domain::{EmailAddress, HhMm};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::service::governance::audit;
use crate::store::reports::{self as store, NewSchedule, RunRow, ScheduleRow};

pub use render::CHAT_LOG_MAX_ROWS;
pub use scheduler::{send_due, PassSummary};

/// A report GetReports lists.
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

/// GetReports: the reports that can be scheduled.
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

/// A report schedule, with when it was last and will next be sent.
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

/// A recipient of mailed reports, with its schedules.
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

/// CreateRecipient: adds a recipient of mailed reports.
pub fn create_recipient(
    ctx: &Ctx,
    actor: &Actor,
    full_name: String,
    email: EmailAddress,
) -> ApiResult<RecipientView> {
    let id = ctx.write(|c| {
        let id = store::insert_recipient(c, &full_name, email.as_str(), ctx.now())?;
        let after = serde_json::json!({"FullName": full_name, "EmailAddress": email.as_str()});
        audit::record(
            ctx,
            c,
            actor,
            "CreateRecipient",
            &format!("Recipient {id}"),
            None,
            Some(after),
        )?;
        Ok(id)
    })?;
    get_recipients(ctx)?
        .into_iter()
        .find(|r| r.recipient_id == id)
        .ok_or_else(|| recipient_not_found(id))
}

/// GetRecipients: every recipient with its schedules, when each was last and will next be sent,
/// and any error.
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

/// DeleteRecipient: deletes a recipient and its schedules.
pub fn delete_recipient(ctx: &Ctx, actor: &Actor, id: i64) -> ApiResult<()> {
    ctx.write(|c| {
        let before = store::find_recipient(c, id)?.ok_or_else(|| recipient_not_found(id))?;
        store::delete_recipient(c, id)?;
        let before =
            serde_json::json!({"FullName": before.full_name, "EmailAddress": before.email});
        audit::record(
            ctx,
            c,
            actor,
            "DeleteRecipient",
            &format!("Recipient {id}"),
            Some(before),
            None,
        )?;
        Ok(())
    })
}

/// CreateReportSchedule's fields, already parsed.
pub struct NewReportSchedule {
    pub recipient_id: i64,
    pub report: ReportKind,
    pub groupings: Vec<Grouping>,
    pub days: Vec<u8>,
    pub time: HhMm,
}

/// CreateReportSchedule: mails a report to a recipient at a time on chosen weekdays.
pub fn create_report_schedule(
    ctx: &Ctx,
    actor: &Actor,
    s: NewReportSchedule,
) -> ApiResult<ScheduleView> {
    let groupings: Vec<&str> = s.groupings.iter().map(|g| g.name()).collect();
    let days: Vec<String> = s.days.iter().map(u8::to_string).collect();
    let id = ctx.write(|c| {
        if store::find_recipient(c, s.recipient_id)?.is_none() {
            return Err(ApiError::field(
                "RecipientID",
                format!("no recipient with id {}", s.recipient_id),
            ));
        }
        let id = store::insert_schedule(
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
        )?;
        let after = serde_json::json!({
            "RecipientID": s.recipient_id,
            "ReportID": s.report.id(),
            "Groupings": groupings,
            "ScheduledDays": days,
            "ScheduledTime": s.time.to_string(),
        });
        audit::record(
            ctx,
            c,
            actor,
            "CreateReportSchedule",
            &format!("Report schedule {id}"),
            None,
            Some(after),
        )?;
        Ok(id)
    })?;
    get_recipients(ctx)?
        .into_iter()
        .flat_map(|r| r.schedules)
        .find(|v| v.schedule_id == id)
        .ok_or_else(|| ApiError::internal("schedule vanished"))
}

/// DeleteReportSchedule: no more mails from it.
pub fn delete_report_schedule(ctx: &Ctx, actor: &Actor, id: i64) -> ApiResult<()> {
    ctx.write(|c| match store::delete_schedule(c, id)? {
        0 => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("Schedule {id} does not exist"),
        )),
        _ => {
            audit::record(
                ctx,
                c,
                actor,
                "DeleteReportSchedule",
                &format!("Report schedule {id}"),
                None,
                None,
            )?;
            Ok(())
        }
    })
}
