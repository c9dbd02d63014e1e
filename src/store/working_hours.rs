//! One row per weekday (GetWorkingHours, UpdateWorkingHours).

use diesel::prelude::*;

use crate::db::schema::working_hours;
use crate::db::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = working_hours)]
pub struct WorkingDayRow {
    pub day: i16,
    pub enabled: bool,
    pub start_minute: i32,
    pub end_minute: i32,
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<WorkingDayRow>> {
    working_hours::table
        .order(working_hours::day)
        .select(WorkingDayRow::as_select())
        .load(conn)
}

pub fn update(conn: &mut DbConnection, row: &WorkingDayRow) -> QueryResult<usize> {
    diesel::update(working_hours::table.find(row.day))
        .set((
            working_hours::enabled.eq(row.enabled),
            working_hours::start_minute.eq(row.start_minute),
            working_hours::end_minute.eq(row.end_minute),
        ))
        .execute(conn)
}
