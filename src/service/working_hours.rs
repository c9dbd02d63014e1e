//! Working hours, one row per weekday, read in the desk's time zone.

use serde::Serialize;
use utoipa::ToSchema;

use super::governance::audit;
use super::{settings, Ctx};
use crate::db::DbConnection;
use crate::domain::audit::Actor;
use crate::domain::hours::DayHours;
use crate::domain::{HhMm, WeekSchedule};
use crate::error::ApiResult;
use crate::store::working_hours::{self as store, WorkingDayRow};

/// One weekday's hours as the API shows them.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct WorkingDayView {
    /// 1 = Monday .. 7 = Sunday.
    pub day: u8,
    pub enabled: bool,
    /// HH:MM in the desk's time zone.
    pub start_time: String,
    pub end_time: String,
}

/// The week's hours in the desk's time zone, and whether the desk is open now.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct WorkingHoursView {
    pub time_zone: String,
    /// Whether the desk is inside its working hours right now.
    pub open_now: bool,
    /// Open every day from 00:00 to 24:00: a new desk is, until a manager sets working hours.
    pub around_the_clock: bool,
    pub days: Vec<WorkingDayView>,
}

/// UpdateWorkingHours: replaces the hours of the days given (each day at most once); other days
/// stay as they are.
pub fn update_working_hours(
    ctx: &Ctx,
    actor: &Actor,
    days: Vec<DayHours>,
) -> ApiResult<WorkingHoursView> {
    ctx.write_config(|c| {
        let before = audit::week_snapshot(&week_schedule(c)?);
        for d in &days {
            store::update(
                c,
                &WorkingDayRow {
                    day: d.day.into(),
                    enabled: d.enabled,
                    start_minute: d.start.minutes(),
                    end_minute: d.end.minutes(),
                },
            )?;
        }
        let after = audit::week_snapshot(&week_schedule(c)?);
        audit::record(
            ctx,
            c,
            actor,
            "UpdateWorkingHours",
            "Working hours",
            Some(before),
            Some(after),
        )?;
        Ok(())
    })?;
    get_working_hours(ctx)
}

/// GetWorkingHours: the week's hours and whether the desk is open now.
pub fn get_working_hours(ctx: &Ctx) -> ApiResult<WorkingHoursView> {
    ctx.read(|c| {
        let week = week_schedule(c)?;
        let tz = settings::time_zone(c)?;
        Ok(WorkingHoursView {
            time_zone: tz.name().to_owned(),
            open_now: week.is_open(ctx.clock.now_utc(), tz),
            around_the_clock: week.is_around_the_clock(),
            days: week
                .days
                .iter()
                .map(|d| WorkingDayView {
                    day: d.day,
                    enabled: d.enabled,
                    start_time: d.start.to_string(),
                    end_time: d.end.to_string(),
                })
                .collect(),
        })
    })
}

/// The stored week, for "open now?" decisions elsewhere.
pub fn week_schedule(c: &mut DbConnection) -> diesel::QueryResult<WeekSchedule> {
    let days = store::list(c)?
        .into_iter()
        .map(|r| DayHours {
            day: r.day as u8,
            enabled: r.enabled,
            start: HhMm::from_minutes(r.start_minute),
            end: HhMm::from_minutes(r.end_minute),
        })
        .collect();
    Ok(WeekSchedule { days })
}
