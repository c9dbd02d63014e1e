//! Working hours endpoints: UpdateWorkingHours, GetWorkingHours.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::audit::Acting;
use super::input::{Input, NoFields};
use super::params::{Bool, Fields, Int};
use super::respond::{json, run};
use super::schemas;
use super::session_auth::{Caller, Manager};
use crate::domain::hours::{weekday, DayHours};
use crate::domain::HhMm;
use crate::error::ApiResult;
use crate::service::working_hours::{self, WorkingHoursView};
use crate::service::Ctx;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct WorkingDay {
    /// 1 = Monday .. 7 = Sunday; each day at most once.
    #[schema(schema_with = schemas::weekday)]
    pub day: Int,
    pub enabled: Bool,
    /// HH:MM in the desk's time zone.
    #[schema(schema_with = schemas::hh_mm)]
    pub start_time: String,
    /// HH:MM; 24:00 means until midnight. After StartTime on an enabled day.
    #[schema(schema_with = schemas::hh_mm)]
    pub end_time: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateWorkingHoursRequest {
    /// 1 to 7 days, each once.
    #[schema(min_items = 1, max_items = 7)]
    pub days: Vec<WorkingDay>,
}

fn parse_days(days: Vec<WorkingDay>) -> ApiResult<Vec<DayHours>> {
    let mut f = Fields::default();
    if days.is_empty() || days.len() > 7 {
        f.add("Days", "must list 1 to 7 days");
    }
    let mut parsed = Vec::new();
    for (i, d) in days.into_iter().enumerate() {
        let at = |name: &str| format!("Days[{i}].{name}");
        let start = f.check(&at("StartTime"), HhMm::parse(&d.start_time));
        let end = f.check(&at("EndTime"), HhMm::parse(&d.end_time));
        let weekday = f.check(&at("Day"), weekday(d.day.0));
        if let (Some(weekday), Some(start), Some(end)) = (weekday, start, end) {
            if parsed.iter().any(|p: &DayHours| p.day == weekday) {
                f.add(&at("Day"), format!("day {weekday} is listed twice"));
            }
            let day = DayHours::new(weekday, d.enabled.0, start, end);
            if let Some(day) = f.check(&at("EndTime"), day) {
                parsed.push(day);
            }
        }
    }
    f.build(|| Some(parsed))
}

/// Sets the working hours of the days listed (manager only).
#[utoipa::path(post, path = "/api/UpdateWorkingHours", tag = "Working hours", request_body = UpdateWorkingHoursRequest,
    responses((status = 200, body = WorkingHoursView), (status = 403, description = "Forbidden: managers only")))]
pub async fn update_working_hours(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<UpdateWorkingHoursRequest>,
) -> ApiResult<HttpResponse> {
    let days = parse_days(req.days)?;
    Ok(json(
        run(&ctx, move |ctx| {
            working_hours::update_working_hours(ctx, &actor, days)
        })
        .await?,
    ))
}

/// The week's working hours, the desk's time zone and whether it is open now.
#[utoipa::path(get, path = "/api/GetWorkingHours", tag = "Working hours", responses((status = 200, body = WorkingHoursView)))]
pub async fn get_working_hours(
    ctx: web::Data<Ctx>,
    _: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    // Not cached: OpenNow changes with the clock.
    Ok(json(run(&ctx, working_hours::get_working_hours).await?))
}
