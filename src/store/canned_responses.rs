//! Canned responses (CreateCannedResponse, UpdateCannedResponse, DeleteCannedResponse,
//! GetCannedResponses).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::canned_responses;
use crate::db::sql::lower;
use crate::db::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = canned_responses)]
pub struct CannedResponseRow {
    pub id: i64,
    pub name: String,
    pub message_text: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = canned_responses)]
pub struct CannedResponseChanges {
    pub name: Option<String>,
    pub message_text: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConnection,
    name: &str,
    text: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(canned_responses::table)
        .values((
            canned_responses::name.eq(name),
            canned_responses::message_text.eq(text),
            canned_responses::created_at.eq(now),
            canned_responses::updated_at.eq(now),
        ))
        .returning(canned_responses::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CannedResponseRow>> {
    canned_responses::table
        .find(id)
        .select(CannedResponseRow::as_select())
        .first(conn)
        .optional()
}

pub fn update(
    conn: &mut DbConnection,
    id: i64,
    changes: &CannedResponseChanges,
) -> QueryResult<usize> {
    diesel::update(canned_responses::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(canned_responses::table.find(id)).execute(conn)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<CannedResponseRow>> {
    canned_responses::table
        .order((lower(canned_responses::name), canned_responses::id))
        .select(CannedResponseRow::as_select())
        .load(conn)
}
