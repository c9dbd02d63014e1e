//! LiveMetrics and DataInsight, computed from the reporting facts (docs/reports.md defines each
//! figure): wait = queued → first assigned, first response = queued → first agent message,
//! handle = assigned → closed, missed = closed by the customer (or idle) before any agent answered.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use super::{settings, tally, Ctx};
use crate::db::DbConnection;
use crate::domain::chat::EventKind;
use crate::domain::report::{local_to_utc, midnight, FactsBy, Period};
use crate::domain::AgentStatus;
use crate::error::ApiResult;
use crate::store::metrics::{self, KindTotals};
use crate::store::{agents, chats, departments};

/// The figures of a period (or of one agent or department in it).
#[derive(Serialize, ToSchema, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Figures {
    pub chats_started: i64,
    pub chats_queued: i64,
    pub chats_assigned: i64,
    pub chats_transferred: i64,
    pub chats_closed: i64,
    pub chats_missed: i64,
    pub messages_in: i64,
    pub messages_out: i64,
    pub average_wait_seconds: Option<f64>,
    pub average_first_response_seconds: Option<f64>,
    pub average_handle_seconds: Option<f64>,
    /// Ratings of 4 or 5 over all ratings given in the period, in % (one decimal); null without
    /// ratings.
    pub csat_score: Option<f64>,
    /// Ratings given in the period.
    pub csat_responses: i64,
    /// Ratings over rating requests in the period, in % (one decimal, at most 100); null without
    /// requests.
    pub csat_response_rate: Option<f64>,
}

/// `part` over `whole` in %, one decimal, at most 100; `None` when `whole` is 0.
fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64 * 1000.0).round() / 10.0).min(100.0))
}

fn average(t: &KindTotals) -> Option<f64> {
    (t.timed > 0).then(|| (t.total_seconds as f64 / t.timed as f64 * 10.0).round() / 10.0)
}

impl Figures {
    /// Folds the per-kind totals of one key into figures.
    pub fn from_totals<'a>(totals: impl IntoIterator<Item = &'a KindTotals>) -> Self {
        let mut f = Figures::default();
        let (mut requested, mut satisfied) = (0, 0);
        for t in totals {
            match t.kind {
                k if k == EventKind::Queued.id() => f.chats_queued = t.n,
                k if k == EventKind::Assigned.id() => {
                    f.chats_assigned = t.n;
                    f.average_wait_seconds = average(t);
                }
                k if k == EventKind::FirstResponse.id() => {
                    f.average_first_response_seconds = average(t)
                }
                k if k == EventKind::Transferred.id() => f.chats_transferred = t.n,
                k if k == EventKind::Closed.id() => {
                    f.chats_closed = t.n;
                    f.average_handle_seconds = average(t);
                }
                k if k == EventKind::Missed.id() => f.chats_missed = t.n,
                k if k == EventKind::MessageIn.id() => f.messages_in = t.n,
                k if k == EventKind::MessageOut.id() => f.messages_out = t.n,
                k if k == EventKind::RatingRequested.id() => requested = t.n,
                k if k == EventKind::Rated.id() => f.csat_responses = t.n,
                k if k == EventKind::RatedSatisfied.id() => satisfied = t.n,
                _ => {}
            }
        }
        f.csat_score = percent(satisfied, f.csat_responses);
        f.csat_response_rate = percent(f.csat_responses, requested);
        f
    }
}

/// Figures of `[from, to)` (UTC).
pub(crate) fn figures(
    c: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> ApiResult<Figures> {
    let totals = metrics::facts(c, from, to, FactsBy::Desk)?;
    Ok(Figures {
        chats_started: metrics::chats_started(c, from, to)?,
        ..Figures::from_totals(&totals)
    })
}

/// Per-key figures (agent or department) of a period.
fn figures_by_key(rows: Vec<KindTotals>) -> BTreeMap<i64, Figures> {
    let mut grouped: BTreeMap<i64, Vec<KindTotals>> = BTreeMap::new();
    for row in rows {
        if let Some(key) = row.key {
            grouped.entry(key).or_default().push(row);
        }
    }
    grouped
        .into_iter()
        .map(|(k, rows)| (k, Figures::from_totals(&rows)))
        .collect()
}

/// Enabled agents by status.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct AgentsByStatus {
    pub online: i64,
    pub busy: i64,
    pub on_break: i64,
    pub offline: i64,
}

/// The live figures of the desk, or of one department.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct LiveFigures {
    pub chats_waiting: i64,
    pub chats_open: i64,
    pub longest_wait_seconds: i64,
    /// Over chats first assigned since midnight (desk time zone).
    pub average_wait_seconds_today: Option<f64>,
    pub chats_closed_today: i64,
}

/// One enabled department's live figures.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentLive {
    #[serde(rename = "DepartmentID")]
    pub department_id: i64,
    pub name: String,
    pub agents_online: i64,
    #[serde(flatten)]
    pub figures: LiveFigures,
}

/// LiveMetrics' answer.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct LiveMetricsView {
    pub at: DateTime<Utc>,
    pub time_zone: String,
    pub agents: AgentsByStatus,
    #[serde(flatten)]
    pub figures: LiveFigures,
    /// Chats waiting longer than `UnassignedAlertSeconds` (0 while alerts are off).
    pub chats_past_alert_threshold: i64,
    /// The threshold in seconds; 0 = alerts off.
    pub unassigned_alert_seconds: i64,
    pub departments: Vec<DepartmentLive>,
}

fn today_start(tz: Tz, now: NaiveDateTime) -> NaiveDateTime {
    let local = chrono::TimeZone::from_utc_datetime(&tz, &now).naive_local();
    local_to_utc(tz, midnight(local.date()))
}

/// LiveMetrics: agents by status, waiting and open chats, today's waits and closures.
pub fn live_metrics(ctx: &Ctx) -> ApiResult<LiveMetricsView> {
    let alert_seconds = settings::routing_rules(ctx)?.unassigned_alert_seconds;
    ctx.with_conn(|c| {
        let now = ctx.now();
        let past_alert = match alert_seconds {
            0 => 0,
            s => crate::store::routing::count_waiting_since(c, now - Duration::seconds(s))?,
        };
        let tz = settings::time_zone(c)?;
        let since = today_start(tz, now);
        let status = metrics::agents_by_status(c)?;
        let count = |s: AgentStatus| {
            status
                .iter()
                .find(|(id, _)| *id == s.id())
                .map_or(0, |(_, n)| *n)
        };
        let waiting = chats::waiting_by_department(c)?;
        let open = metrics::open_by_department(c)?;
        let online = agents::online_by_department(c)?;
        // Today's assignments and closures, per department and (their sum) for the desk, in
        // one read of only those two kinds of facts.
        let today_rows = metrics::facts_by_department_or_none(
            c,
            since,
            now + Duration::seconds(1),
            &[EventKind::Assigned, EventKind::Closed],
        )?;
        let today = Figures::from_totals(&tally::merge_keys(&today_rows));
        let today_by_department = figures_by_key(today_rows);
        let longest =
            |oldest: Option<NaiveDateTime>| oldest.map_or(0, |t| (now - t).num_seconds().max(0));
        let departments = departments::list(c)?
            .into_iter()
            .filter(|d| d.enabled)
            .map(|d| {
                let (n_waiting, oldest) = waiting
                    .iter()
                    .find(|w| w.0 == Some(d.id))
                    .map_or((0, None), |w| (w.1, w.2));
                let f = today_by_department.get(&d.id).cloned().unwrap_or_default();
                DepartmentLive {
                    department_id: d.id,
                    name: d.name,
                    agents_online: online.iter().find(|o| o.0 == d.id).map_or(0, |o| o.1),
                    figures: LiveFigures {
                        chats_waiting: n_waiting,
                        chats_open: open.iter().find(|o| o.0 == Some(d.id)).map_or(0, |o| o.1),
                        longest_wait_seconds: longest(oldest),
                        average_wait_seconds_today: f.average_wait_seconds,
                        chats_closed_today: f.chats_closed,
                    },
                }
            })
            .collect();
        Ok(LiveMetricsView {
            at: now.and_utc(),
            time_zone: tz.name().to_owned(),
            agents: AgentsByStatus {
                online: count(AgentStatus::Online),
                busy: count(AgentStatus::Busy),
                on_break: count(AgentStatus::OnBreak),
                offline: count(AgentStatus::Offline),
            },
            figures: LiveFigures {
                chats_waiting: waiting.iter().map(|w| w.1).sum(),
                chats_open: open.iter().map(|o| o.1).sum(),
                longest_wait_seconds: longest(waiting.iter().filter_map(|w| w.2).min()),
                average_wait_seconds_today: today.average_wait_seconds,
                chats_closed_today: today.chats_closed,
            },
            chats_past_alert_threshold: past_alert,
            unassigned_alert_seconds: alert_seconds,
            departments,
        })
    })
}

/// One bucket of DataInsight's series.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct SeriesPoint {
    /// Start of the bucket (UTC) and its local label.
    pub start: DateTime<Utc>,
    pub label: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One agent's figures in DataInsight.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct AgentFigures {
    #[serde(rename = "AgentID")]
    pub agent_id: i64,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One department's figures in DataInsight.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentFigures {
    #[serde(rename = "DepartmentID")]
    pub department_id: i64,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// One tag's use in DataInsight and the tag usage report.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct TagFigures {
    #[serde(rename = "TagID")]
    pub tag_id: i64,
    pub name: String,
    pub group: String,
    /// Chats started in the period carrying the tag.
    pub chats: i64,
}

/// DataInsight's answer.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct DataInsightView {
    pub period: &'static str,
    pub time_zone: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub series: Vec<SeriesPoint>,
    pub totals: Figures,
    pub agents: Vec<AgentFigures>,
    pub departments: Vec<DepartmentFigures>,
    pub tags: Vec<TagFigures>,
}

/// DataInsight: a series of the desk's figures, with totals per agent, department and tag. The
/// facts come from `tally` (sealed sums for the days that are over); the totals are the buckets'
/// sums, since the buckets cover the range exactly.
pub fn data_insight(ctx: &Ctx, period: Period) -> ApiResult<DataInsightView> {
    let tz = ctx.with_conn(|c| Ok(settings::time_zone(c)?))?;
    let now_local = chrono::TimeZone::from_utc_datetime(&tz, &ctx.now()).naive_local();
    let local = period.buckets(now_local);
    let edges: Vec<NaiveDateTime> = local.iter().map(|t| local_to_utc(tz, *t)).collect();
    let tally = tally::tally(ctx, tz, &local, period != Period::Day)?;
    ctx.with_conn(|c| {
        let mut series = Vec::new();
        let mut chats_started = 0;
        for (i, w) in edges.windows(2).enumerate() {
            let label = match period {
                Period::Day => local[i].format("%Y-%m-%d %H:00").to_string(),
                Period::Week | Period::Month => local[i].format("%Y-%m-%d").to_string(),
                Period::Year => local[i].format("%Y-%m").to_string(),
            };
            let started = tally.chats_started[i];
            chats_started += started;
            series.push(SeriesPoint {
                start: w[0].and_utc(),
                label,
                figures: Figures {
                    chats_started: started,
                    ..Figures::from_totals(&tally.buckets[i])
                },
            });
        }
        let (from, to) = (edges[0], edges[edges.len() - 1]);
        Ok(DataInsightView {
            period: period.name(),
            time_zone: tz.name().to_owned(),
            from: from.and_utc(),
            to: to.and_utc(),
            series,
            totals: Figures {
                chats_started,
                ..Figures::from_totals(&tally.totals())
            },
            agents: named(
                c,
                tally.by_agent,
                FactsBy::Agent,
                |agent_id, name, figures| AgentFigures {
                    agent_id,
                    name,
                    figures,
                },
            )?,
            departments: named(
                c,
                tally.by_department,
                FactsBy::Department,
                |department_id, name, figures| DepartmentFigures {
                    department_id,
                    name,
                    figures,
                },
            )?,
            tags: named_tags(c, &tally.tags)?,
        })
    })
}

/// Tag counts with their names, most used first (then by name, as `metrics::tag_usage` orders).
fn named_tags(c: &mut DbConnection, counts: &BTreeMap<i64, i64>) -> ApiResult<Vec<TagFigures>> {
    let mut tags: Vec<TagFigures> = metrics::tag_names(c)?
        .into_iter()
        .filter_map(|(tag_id, name, group)| {
            counts.get(&tag_id).map(|&chats| TagFigures {
                tag_id,
                name,
                group,
                chats,
            })
        })
        .collect();
    tags.sort_by(|a, b| b.chats.cmp(&a.chats).then_with(|| a.name.cmp(&b.name)));
    Ok(tags)
}

/// Figures of `[from, to)` per agent or per department, each with its name, shaped by `make`.
pub(crate) fn named_figures<T>(
    c: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    by: FactsBy,
    make: impl Fn(i64, String, Figures) -> T,
) -> ApiResult<Vec<T>> {
    let rows = metrics::facts(c, from, to, by)?;
    named(c, rows, by, make)
}

/// Per-key totals (agent or department) as figures, each with its name, shaped by `make`.
fn named<T>(
    c: &mut DbConnection,
    rows: Vec<KindTotals>,
    by: FactsBy,
    make: impl Fn(i64, String, Figures) -> T,
) -> ApiResult<Vec<T>> {
    let by_key = figures_by_key(rows);
    let names: BTreeMap<i64, String> = match by {
        FactsBy::Agent => agents::list(c)?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect(),
        FactsBy::Department => departments::list(c)?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect(),
        FactsBy::Desk => BTreeMap::new(),
    };
    Ok(by_key
        .into_iter()
        .map(|(id, figures)| make(id, names.get(&id).cloned().unwrap_or_default(), figures))
        .collect())
}

/// Chats started in `[from, to)` per tag they carry.
pub(crate) fn tag_figures(
    c: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> ApiResult<Vec<TagFigures>> {
    Ok(metrics::tag_usage(c, from, to)?
        .into_iter()
        .map(|t| TagFigures {
            tag_id: t.tag_id,
            name: t.tag,
            group: t.tag_group,
            chats: t.chats,
        })
        .collect())
}
