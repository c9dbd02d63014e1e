//! A report run's mail: a short summary per period of the schedule's groupings, as text and as
//! HTML with a chart (chats started and missed over the longest period), and the report of each
//! period as a CSV attachment.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::chart::{self, Bar};
use super::groupings;
use super::mail_html::{self, Page};
use super::render::{render, Span};
use crate::db::DbConnection;
use crate::domain::report::{local_to_utc, midnight, Grouping, ReportKind};
use crate::domain::settings::SettingKey;
use crate::error::{ApiError, ApiResult};
use crate::service::mailer::{HtmlBody, InlineImage, MailAttachment, OutgoingMail};
use crate::service::metrics::{figures, Figures};
use crate::service::{settings, Ctx};
use crate::store::reports::{self as store, RunRow};

/// The chart's `Content-ID`, which the HTML names as `cid:`.
const CHART_ID: &str = "chart@agentdesk";

/// One period of the mail, with its figures.
pub(super) struct PeriodSummary {
    pub grouping: Grouping,
    pub from_date: NaiveDate,
    /// The period's last day (inclusive).
    pub last_day: NaiveDate,
    pub figures: Figures,
}

/// An average for the mail's text: "42.0 s", or "n/a" when nothing was measured.
fn spoken(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |s| format!("{s:.1} s"))
}

/// The mail's paragraph on one period.
fn period_text(p: &PeriodSummary, tz: Tz) -> String {
    let f = &p.figures;
    format!(
        "\n{} {} to {} ({}):\n  chats started {}, closed {}, missed {}\n  \
         average wait {}, first response {}, handle {}\n  messages in {}, out {}\n  \
         customer satisfaction (CSAT) {} from {} ratings, {} of rating requests answered\n",
        p.grouping.name(),
        p.from_date,
        p.last_day,
        tz.name(),
        f.chats_started,
        f.chats_closed,
        f.chats_missed,
        spoken(f.average_wait_seconds),
        spoken(f.average_first_response_seconds),
        spoken(f.average_handle_seconds),
        f.messages_in,
        f.messages_out,
        percent(f.csat_score),
        f.csat_responses,
        percent(f.csat_response_rate),
    )
}

/// A share for the mail's text: "87.5 %", or "n/a" when there was nothing to count.
fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |p| format!("{p:.1} %"))
}

/// The chart's bars over `[from_date, to_date)`: one per local day, or one per hour when the
/// period is a single day. Each bar's figures are those of the CSV's rows.
fn chart_bars(
    c: &mut DbConnection,
    tz: Tz,
    from_date: NaiveDate,
    to_date: NaiveDate,
) -> ApiResult<(String, Vec<Bar>)> {
    let start = midnight(from_date);
    let (caption, step, label_format) = if to_date - from_date <= Duration::days(1) {
        (
            format!("Chats per hour, {from_date}"),
            Duration::hours(1),
            "%H",
        )
    } else {
        let last = to_date - Duration::days(1);
        (
            format!("Chats per day, {from_date} to {last}"),
            Duration::days(1),
            "%d",
        )
    };
    let mut bars = Vec::new();
    let mut local = start;
    while local < midnight(to_date) {
        let next = local + step;
        let f = figures(c, local_to_utc(tz, local), local_to_utc(tz, next))?;
        bars.push(Bar {
            label: local.format(label_format).to_string(),
            started: f.chats_started,
            missed: f.chats_missed,
        });
        local = next;
    }
    Ok((caption, bars))
}

/// The run's mail.
pub(super) fn build_mail(ctx: &Ctx, run: &RunRow, tz: Tz) -> ApiResult<OutgoingMail> {
    ctx.with_conn(|c| {
        let schedule = store::find_schedule(c, run.schedule_id)?
            .ok_or_else(|| ApiError::internal("run without schedule"))?;
        let recipient = store::find_recipient(c, schedule.recipient_id)?
            .ok_or_else(|| ApiError::internal("schedule without recipient"))?;
        let kind = ReportKind::from_id(schedule.report_id.into()).map_err(ApiError::internal)?;
        let company = settings::text(c, SettingKey::CompanyName)?;
        let sent_local: NaiveDateTime =
            chrono::TimeZone::from_utc_datetime(&tz, &run.due_at).naive_local();
        let mut text = format!(
            "Hello {},\n\nHere is the {} report of {company}.\n",
            recipient.full_name,
            kind.name()
        );
        let mut periods = Vec::new();
        let mut attachments = Vec::new();
        for grouping in groupings(&schedule) {
            let (from_date, to_date) = grouping.complete_period_before(sent_local);
            let span = Span::new(tz, from_date, to_date);
            let period = PeriodSummary {
                grouping,
                from_date,
                last_day: to_date - Duration::days(1),
                figures: figures(c, span.from, span.to)?,
            };
            text.push_str(&period_text(&period, tz));
            periods.push(period);
            attachments.push(MailAttachment {
                file_name: format!(
                    "{}-{}-{from_date}.csv",
                    kind.slug(),
                    grouping.name().to_lowercase()
                ),
                content_type: "text/csv; charset=utf-8".into(),
                bytes: render(c, kind, tz, &span)?,
            });
        }
        text.push_str(
            "\nThe figures are in the attached CSV files. Definitions: docs/reports.md.\n",
        );
        // The chart covers the longest period (groupings are sorted DAY, WEEK, MONTH). A chart
        // that can't be drawn costs the HTML its picture, not the report its mail.
        let chart = match periods.last() {
            Some(longest) => {
                let to_date = longest.last_day + Duration::days(1);
                let (caption, bars) = chart_bars(c, tz, longest.from_date, to_date)?;
                match chart::bars_png(&caption, &bars) {
                    Ok(png) => Some((caption, png)),
                    Err(e) => {
                        tracing::warn!(run_id = run.id, error = %e, "report chart left out");
                        None
                    }
                }
            }
            None => None,
        };
        let html = mail_html::render(&Page {
            recipient: &recipient.full_name,
            report: kind.name(),
            company: &company,
            time_zone: tz.name(),
            periods: &periods,
            chart: chart
                .as_ref()
                .map(|(caption, _)| (CHART_ID, caption.as_str())),
            chart_size: chart::SIZE,
        });
        let day = run.period_key.split('T').next().unwrap_or("");
        Ok(OutgoingMail {
            to_name: recipient.full_name.clone(),
            to_address: recipient.email.clone(),
            subject: format!("{company}: {} report for {day}", kind.name()),
            text,
            html: Some(HtmlBody {
                html,
                images: chart
                    .into_iter()
                    .map(|(_, png)| InlineImage {
                        content_id: CHART_ID.into(),
                        content_type: "image/png".into(),
                        bytes: png,
                    })
                    .collect(),
            }),
            attachments,
        })
    })
}
