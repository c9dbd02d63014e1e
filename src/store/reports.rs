//! Recipients, report schedules and their runs: one run per (schedule, period) under a unique key,
//! so a report goes out once (CreateRecipient, GetRecipients, DeleteRecipient,
//! CreateReportSchedule, DeleteReportSchedule, the scheduler).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{recipients, report_runs, report_schedules};
use crate::db::{dialect, DbConnection};
use crate::domain::report::RunState;

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

/// Marks sends that were cut off (lease expired while sending) as interrupted: their outcome is
/// unknown, so they are not repeated behind anyone's back.
pub fn mark_interrupted(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        report_runs::table
            .filter(report_runs::state.eq(RunState::Sending.id()))
            .filter(report_runs::lease_until.lt(now)),
    )
    .set((
        report_runs::state.eq(RunState::Interrupted.id()),
        report_runs::last_error.eq(Some(
            "interrupted while sending; not resent, to avoid a duplicate",
        )),
    ))
    .execute(conn)
}

pub fn due_runs(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<RunRow>> {
    report_runs::table
        .filter(report_runs::state.eq(RunState::Pending.id()))
        .filter(report_runs::next_attempt_at.le(now))
        .order(report_runs::id)
        .select(RunRow::as_select())
        .load(conn)
}

/// Claims a due run for sending; false when another pass got it first.
pub fn claim_run(
    conn: &mut DbConnection,
    run: &RunRow,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        report_runs::table
            .find(run.id)
            .filter(report_runs::state.eq(RunState::Pending.id()))
            .filter(report_runs::attempts.eq(run.attempts)),
    )
    .set((
        report_runs::state.eq(RunState::Sending.id()),
        report_runs::attempts.eq(run.attempts + 1),
        report_runs::lease_until.eq(Some(lease_until)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

type RunInState = diesel::dsl::Filter<
    diesel::dsl::Find<report_runs::table, i64>,
    diesel::dsl::EqAny<report_runs::state, [i16; 2]>,
>;
type HeldRun = diesel::dsl::Filter<RunInState, diesel::dsl::Eq<report_runs::attempts, i32>>;

/// The run as the attempt that sent it left it: only that attempt records the outcome. A run
/// another pass marked interrupted meanwhile still takes its real outcome from the sender.
fn held(id: i64, attempt: i32) -> HeldRun {
    report_runs::table
        .find(id)
        .filter(report_runs::state.eq_any([RunState::Sending.id(), RunState::Interrupted.id()]))
        .filter(report_runs::attempts.eq(attempt))
}

pub fn mark_sent(
    conn: &mut DbConnection,
    id: i64,
    attempt: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(held(id, attempt))
        .set((
            report_runs::state.eq(RunState::Sent.id()),
            report_runs::sent_at.eq(Some(now)),
            report_runs::lease_until.eq(None::<NaiveDateTime>),
            report_runs::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// An attempt that did not send: back to pending until `retry_at`, or `end_state` (failed, or
/// interrupted when the outcome is unknown) when `None`.
pub fn mark_not_sent(
    conn: &mut DbConnection,
    id: i64,
    attempt: i32,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    end_state: RunState,
) -> QueryResult<usize> {
    match retry_at {
        Some(at) => diesel::update(held(id, attempt))
            .set((
                report_runs::state.eq(RunState::Pending.id()),
                report_runs::next_attempt_at.eq(at),
                report_runs::lease_until.eq(None::<NaiveDateTime>),
                report_runs::last_error.eq(Some(error)),
            ))
            .execute(conn),
        None => diesel::update(held(id, attempt))
            .set((
                report_runs::state.eq(end_state.id()),
                report_runs::lease_until.eq(None::<NaiveDateTime>),
                report_runs::last_error.eq(Some(error)),
            ))
            .execute(conn),
    }
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
