//! Customers, recognised by mobile number or address (FindCustomer, UpdateCustomer, and the
//! intake of notifyUserNewChatMessage).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::customers;
use crate::db::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub struct CustomerRow {
    pub id: i64,
    pub full_name: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Columns to change; `None` leaves a column as it is.
#[derive(AsChangeset, Default)]
#[diesel(table_name = customers)]
pub struct CustomerChanges {
    pub full_name: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConnection,
    full_name: Option<&str>,
    mobile: Option<&str>,
    email: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(customers::table)
        .values((
            customers::full_name.eq(full_name),
            customers::mobile.eq(mobile),
            customers::email.eq(email),
            customers::email_key.eq(email.map(str::to_lowercase)),
            customers::created_at.eq(now),
            customers::updated_at.eq(now),
        ))
        .returning(customers::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CustomerRow>> {
    customers::table
        .find(id)
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_mobile(conn: &mut DbConnection, mobile: &str) -> QueryResult<Option<CustomerRow>> {
    customers::table
        .filter(customers::mobile.eq(mobile))
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()
}

/// The oldest customer with this address (addresses are not unique: a family may share one).
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<CustomerRow>> {
    customers::table
        .filter(customers::email_key.eq(email.to_lowercase()))
        .order(customers::id)
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()
}

pub fn update(conn: &mut DbConnection, id: i64, changes: &CustomerChanges) -> QueryResult<usize> {
    diesel::update(customers::table.find(id))
        .set(changes)
        .execute(conn)
}
