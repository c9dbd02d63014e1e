//! The reports as CSV (RFC 4180, CRLF, formula-safe text cells): one function per report kind, each
//! drawing its rows from the reporting facts of a period.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::super::metrics::{figures, named_figures, tag_figures, Figures};
use crate::db::DbConnection;
use crate::domain::csv_cell::neutralise;
use crate::domain::report::{local_to_utc, midnight, FactsBy, ReportKind};
use crate::error::{ApiError, ApiResult};
use crate::store::{chats, metrics};

/// The chat log lists at most this many chats.
pub const CHAT_LOG_MAX_ROWS: i64 = 10_000;

/// A report's period in local dates and UTC instants.
pub(super) struct Span {
    pub(super) from_date: NaiveDate,
    pub(super) to_date: NaiveDate,
    pub(super) from: NaiveDateTime,
    pub(super) to: NaiveDateTime,
}

impl Span {
    /// The period from the local midnight of `from_date` to that of `to_date`.
    pub(super) fn new(tz: Tz, from_date: NaiveDate, to_date: NaiveDate) -> Self {
        Self {
            from_date,
            to_date,
            from: local_to_utc(tz, midnight(from_date)),
            to: local_to_utc(tz, midnight(to_date)),
        }
    }
}

fn seconds(v: Option<f64>) -> String {
    v.map(|s| format!("{s:.1}")).unwrap_or_default()
}

const FIGURE_COLUMNS: [&str; 14] = [
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
    "CsatScore",
    "CsatResponses",
    "CsatResponseRate",
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
        seconds(f.csat_score),
        f.csat_responses.to_string(),
        seconds(f.csat_response_rate),
    ]
}

type Rows = Vec<Vec<String>>;

/// The report as CSV (RFC 4180, CRLF, formula-safe text cells).
pub(super) fn render(
    c: &mut DbConnection,
    kind: ReportKind,
    tz: Tz,
    span: &Span,
) -> ApiResult<Vec<u8>> {
    let rows = match kind {
        ReportKind::ChatSummary => chat_summary(c, tz, span)?,
        ReportKind::AgentPerformance => performance(c, span, FactsBy::Agent, ["AgentID", "Agent"])?,
        ReportKind::DepartmentPerformance => {
            performance(c, span, FactsBy::Department, ["DepartmentID", "Department"])?
        }
        ReportKind::TagUsage => tag_usage(c, span)?,
        ReportKind::ChatLog => chat_log(c, span)?,
    };
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        out.write_record(row.iter().map(|cell| neutralise(cell).into_owned()))
            .map_err(ApiError::internal)?;
    }
    out.into_inner().map_err(ApiError::internal)
}

/// A header row: the given first columns, then the figures'.
fn head(first: &[&str]) -> Vec<String> {
    first
        .iter()
        .chain(FIGURE_COLUMNS.iter())
        .map(|s| s.to_string())
        .collect()
}

/// Chat summary: one row per local day of the period, then the total.
fn chat_summary(c: &mut DbConnection, tz: Tz, span: &Span) -> ApiResult<Rows> {
    let mut rows = vec![head(&["Date"])];
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
    Ok(rows)
}

/// Agent or department performance: one row per agent or department with facts in the period.
fn performance(
    c: &mut DbConnection,
    span: &Span,
    by: FactsBy,
    [id_column, name_column]: [&str; 2],
) -> ApiResult<Rows> {
    let mut rows = vec![head(&[id_column, name_column])];
    rows.extend(named_figures(c, span.from, span.to, by, |id, name, f| {
        [vec![id.to_string(), name], figure_cells(&f)].concat()
    })?);
    Ok(rows)
}

/// Tag usage: chats started in the period per tag they carry.
fn tag_usage(c: &mut DbConnection, span: &Span) -> ApiResult<Rows> {
    let mut rows = vec![["TagID", "Tag", "TagGroup", "Chats"]
        .map(String::from)
        .to_vec()];
    for t in tag_figures(c, span.from, span.to)? {
        rows.push(vec![
            t.tag_id.to_string(),
            t.name,
            t.group,
            t.chats.to_string(),
        ]);
    }
    Ok(rows)
}

/// Chat log: one row per chat started in the period (at most [`CHAT_LOG_MAX_ROWS`]).
fn chat_log(c: &mut DbConnection, span: &Span) -> ApiResult<Rows> {
    let mut rows = vec![[
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
    .to_vec()];
    let ids = metrics::chats_started_in(c, span.from, span.to, CHAT_LOG_MAX_ROWS)?;
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
            row.tags()
                .into_iter()
                .map(|(_, name)| name)
                .collect::<Vec<_>>()
                .join("; "),
        ]);
    }
    Ok(rows)
}
