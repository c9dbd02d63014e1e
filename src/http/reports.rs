//! Metrics and report endpoints: LiveMetrics, DataInsight, GetReports, CreateRecipient,
//! GetRecipients, DeleteRecipient, CreateReportSchedule, DeleteReportSchedule.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::Acting;
use super::input::{Input, NoFields};
use super::params::{field, id, Fields, Int, List};
use super::respond::{json, run, success, Success};
use super::schemas;
use super::session_auth::{Caller, Manager};
use crate::domain::report::{self, Period, ReportKind};
use crate::domain::{required_text, EmailAddress};
use crate::error::ApiResult;
use crate::service::metrics::{self, DataInsightView, LiveMetricsView};
use crate::service::reports::{self, NewReportSchedule, RecipientView, ReportView, ScheduleView};
use crate::service::Ctx;

/// The desk right now: agents by status, waiting and open chats, waits and closures today.
#[utoipa::path(get, path = "/api/LiveMetrics", tag = "Reports", responses((status = 200, body = LiveMetricsView)))]
pub async fn live_metrics(
    ctx: web::Data<Ctx>,
    _: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    Ok(json(run(&ctx, metrics::live_metrics).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct DataInsightRequest {
    /// day (by hour), week or month (by day), year (by month).
    #[param(value_type = schemas::param::Period, inline)]
    pub period: String,
}

/// A time series of the desk's figures over a period, with totals per agent, department and tag.
#[utoipa::path(get, path = "/api/DataInsight", tag = "Reports", params(DataInsightRequest),
    responses((status = 200, body = DataInsightView), (status = 400, description = "Period is not day, week, month or year"),
              (status = 403, description = "Forbidden: managers only")))]
pub async fn data_insight(
    ctx: web::Data<Ctx>,
    _: Manager,
    Input(req): Input<DataInsightRequest>,
) -> ApiResult<HttpResponse> {
    let period = field("Period", Period::parse(&req.period))?;
    Ok(json(
        run(&ctx, move |ctx| metrics::data_insight(ctx, period)).await?,
    ))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ReportList {
    pub reports: Vec<ReportView>,
}

/// The reports that can be scheduled.
#[utoipa::path(get, path = "/api/GetReports", tag = "Reports",
    responses((status = 200, body = ReportList), (status = 403, description = "Forbidden: managers only")))]
pub async fn get_reports(_: Manager, _: Input<NoFields>) -> ApiResult<HttpResponse> {
    Ok(json(ReportList {
        reports: reports::get_reports(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRecipientRequest {
    #[schema(schema_with = schemas::text::<100>)]
    pub full_name: String,
    #[schema(schema_with = schemas::email)]
    pub email_address: String,
}

/// Adds a recipient of emailed reports.
#[utoipa::path(post, path = "/api/CreateRecipient", tag = "Reports", request_body = CreateRecipientRequest,
    responses((status = 200, body = RecipientView), (status = 403, description = "Forbidden: managers only")))]
pub async fn create_recipient(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<CreateRecipientRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let name = f.check("FullName", required_text(&req.full_name, 100));
    let email = f.check("EmailAddress", EmailAddress::parse(&req.email_address));
    let (name, email) = f.build(|| Some((name?, email?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            reports::create_recipient(ctx, &actor, name, email)
        })
        .await?,
    ))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RecipientList {
    pub recipients: Vec<RecipientView>,
}

/// Recipients with their schedules: when each was last sent, when it is next due, any error.
#[utoipa::path(get, path = "/api/GetRecipients", tag = "Reports",
    responses((status = 200, body = RecipientList), (status = 403, description = "Forbidden: managers only")))]
pub async fn get_recipients(
    ctx: web::Data<Ctx>,
    _: Manager,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    Ok(json(RecipientList {
        recipients: run(&ctx, reports::get_recipients).await?,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRecipientRequest {
    #[serde(rename = "RecipientID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub recipient_id: Int,
}

/// Deletes a recipient and its schedules.
#[utoipa::path(delete, path = "/api/DeleteRecipient", tag = "Reports", params(DeleteRecipientRequest),
    responses((status = 200, body = Success), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "NotFound")))]
pub async fn delete_recipient(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<DeleteRecipientRequest>,
) -> ApiResult<HttpResponse> {
    let recipient_id = field("RecipientID", id(req.recipient_id))?;
    run(&ctx, move |ctx| {
        reports::delete_recipient(ctx, &actor, recipient_id)
    })
    .await?;
    Ok(success())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateReportScheduleRequest {
    /// An existing recipient.
    #[serde(rename = "RecipientID")]
    #[schema(schema_with = schemas::id)]
    pub recipient_id: Int,
    /// One of GetReports.
    #[serde(rename = "ReportID")]
    #[schema(schema_with = schemas::report_id)]
    pub report_id: Int,
    /// CSV.
    #[schema(schema_with = schemas::report_format)]
    pub format: String,
    /// DAY, WEEK and/or MONTH.
    #[schema(schema_with = schemas::groupings)]
    pub grouping: List<String>,
    /// EMAIL.
    #[schema(schema_with = schemas::report_delivery)]
    pub delivery: String,
    /// 1 = Monday .. 7 = Sunday.
    #[schema(schema_with = schemas::weekdays)]
    pub scheduled_day: List<Int>,
    /// HH:MM in the desk's time zone.
    #[schema(schema_with = schemas::time_of_day)]
    pub scheduled_time: String,
}

/// Schedules a report by email (body as the AgentChat document).
#[utoipa::path(post, path = "/api/CreateReportSchedule", tag = "Reports", request_body = CreateReportScheduleRequest,
    responses((status = 200, body = ScheduleView), (status = 403, description = "Forbidden: managers only")))]
pub async fn create_report_schedule(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<CreateReportScheduleRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let recipient_id = f.check("RecipientID", id(req.recipient_id));
    let report = f.check("ReportID", ReportKind::from_id(req.report_id.0));
    f.check("Format", report::parse_format(&req.format));
    f.check("Delivery", report::parse_delivery(&req.delivery));
    let groupings = f.check("Grouping", report::parse_groupings(&req.grouping.0));
    let days: Vec<i64> = req.scheduled_day.0.iter().map(|d| d.0).collect();
    let days = f.check("ScheduledDay", report::parse_weekdays(&days));
    let time = f.check(
        "ScheduledTime",
        report::parse_send_time(&req.scheduled_time),
    );
    let schedule = f.build(|| {
        Some(NewReportSchedule {
            recipient_id: recipient_id?,
            report: report?,
            groupings: groupings?,
            days: days?,
            time: time?,
        })
    })?;
    Ok(json(
        run(&ctx, move |ctx| {
            reports::create_report_schedule(ctx, &actor, schedule)
        })
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteReportScheduleRequest {
    #[serde(rename = "ScheduleID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub schedule_id: Int,
}

/// Deletes a report schedule.
#[utoipa::path(delete, path = "/api/DeleteReportSchedule", tag = "Reports", params(DeleteReportScheduleRequest),
    responses((status = 200, body = Success), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "NotFound")))]
pub async fn delete_report_schedule(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<DeleteReportScheduleRequest>,
) -> ApiResult<HttpResponse> {
    let schedule_id = field("ScheduleID", id(req.schedule_id))?;
    run(&ctx, move |ctx| {
        reports::delete_report_schedule(ctx, &actor, schedule_id)
    })
    .await?;
    Ok(success())
}
