//! Recipients, report schedules and their runs: one run per (schedule, period) under a unique key,
//! so a report goes out once (CreateRecipient, GetRecipients, DeleteRecipient,
//! CreateReportSchedule, DeleteReportSchedule, the scheduler).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{recipients, report_runs, report_schedules};
use crate::db::{dialect, DbConnection};
use crate::domain::report::RunState;
use crate::store::lease_queue::LeaseQueue;

/// The queue the scheduler claims runs from. A run still sending after its lease is interrupted,
/// not resent: its mail may have gone out.
pub static RUN_QUEUE: LeaseQueue = LeaseQueue {
    table: "report_runs",
    done_at: "sent_at",
    pending: RunState::Pending.id(),
    sending: RunState::Sending.id(),
    done: RunState::Sent.id(),
    interrupted: Some((
        RunState::Interrupted.id(),
        "interrupted while sending; not resent, to avoid a duplicate",
    )),
};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = recipients)]
pub struct RecipientRow {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = report_schedules)]
pub struct ScheduleRow {
    pub id: i64,
    pub recipient_id: i64,
    pub report_id: i16,
    pub format: String,
    pub groupings: String,
    pub delivery: String,
    pub scheduled_days: String,
    pub scheduled_minute: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = report_schedules)]
pub struct NewSchedule<'a> {
    pub recipient_id: i64,
    pub report_id: i16,
    pub format: &'a str,
    pub groupings: &'a str,
    pub delivery: &'a str,
    pub scheduled_days: &'a str,
    pub scheduled_minute: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = report_runs)]
pub struct RunRow {
    pub id: i64,
    pub schedule_id: i64,
    pub period_key: String,
    pub due_at: NaiveDateTime,
    pub state: i16,
    pub attempts: i32,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

pub fn insert_recipient(
    conn: &mut DbConnection,
    full_name: &str,
    email: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(recipients::table)
        .values((
            recipients::full_name.eq(full_name),
            recipients::email.eq(email),
            recipients::created_at.eq(now),
        ))
        .returning(recipients::id)
        .get_result(conn)
}

pub fn find_recipient(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RecipientRow>> {
    recipients::table
        .find(id)
        .select(RecipientRow::as_select())
        .first(conn)
        .optional()
}

pub fn recipients(conn: &mut DbConnection) -> QueryResult<Vec<RecipientRow>> {
    recipients::table
        .order(recipients::id)
        .select(RecipientRow::as_select())
        .load(conn)
}

/// Deletes the recipient; its schedules and their runs go with it (ON DELETE CASCADE).
pub fn delete_recipient(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(recipients::table.find(id)).execute(conn)
}

pub fn insert_schedule(conn: &mut DbConnection, s: &NewSchedule<'_>) -> QueryResult<i64> {
    diesel::insert_into(report_schedules::table)
        .values(s)
        .returning(report_schedules::id)
        .get_result(conn)
}

pub fn find_schedule(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ScheduleRow>> {
    report_schedules::table
        .find(id)
        .select(ScheduleRow::as_select())
        .first(conn)
        .optional()
}

pub fn schedules(conn: &mut DbConnection) -> QueryResult<Vec<ScheduleRow>> {
    report_schedules::table
        .order(report_schedules::id)
        .select(ScheduleRow::as_select())
        .load(conn)
}

pub fn delete_schedule(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(report_schedules::table.find(id)).execute(conn)
}

/// Records that a schedule's slot is due; a second call for the same slot changes nothing.
pub fn insert_run_once(
    conn: &mut DbConnection,
    schedule_id: i64,
    period_key: &str,
    due_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    dialect::insert_report_run(conn, schedule_id, period_key, due_at, now)
}

pub fn due_runs(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<RunRow>> {
    report_runs::table
        .filter(report_runs::state.eq(RunState::Pending.id()))
        .filter(report_runs::next_attempt_at.le(now))
        .order(report_runs::id)
        .select(RunRow::as_select())
        .load(conn)
}

/// The latest run of each of these schedules, and when each last went out.
pub fn latest_runs(conn: &mut DbConnection, schedule_ids: &[i64]) -> QueryResult<Vec<RunRow>> {
    report_runs::table
        .filter(report_runs::schedule_id.eq_any(schedule_ids))
        .order((report_runs::schedule_id, report_runs::id.desc()))
        .select(RunRow::as_select())
        .load(conn)
}

/// Report runs per state: (state, count).
pub fn runs_by_state(conn: &mut DbConnection) -> QueryResult<Vec<(i16, i64)>> {
    report_runs::table
        .group_by(report_runs::state)
        .select((report_runs::state, diesel::dsl::count_star()))
        .load(conn)
}
