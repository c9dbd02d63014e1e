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

/// A new customer in an identity scope (see `find_by_mobile`).
pub fn insert(
    conn: &mut DbConnection,
    identity_scope: i64,
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
            customers::identity_scope.eq(identity_scope),
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

/// The customer with this number in an identity scope: the channel that first saw them (its id),
/// or 0 for customers of channels that verify identity. A number is unique within a scope only: a
/// web visitor who types someone's number is not that someone.
pub fn find_by_mobile(
    conn: &mut DbConnection,
    identity_scope: i64,
    mobile: &str,
) -> QueryResult<Option<CustomerRow>> {
    customers::table
        .filter(customers::identity_scope.eq(identity_scope))
        .filter(customers::mobile.eq(mobile))
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()
}

/// Every customer with this number, whatever the scope (FindCustomer).
pub fn with_mobile(conn: &mut DbConnection, mobile: &str) -> QueryResult<Vec<CustomerRow>> {
    customers::table
        .filter(customers::mobile.eq(mobile))
        .order(customers::id)
        .select(CustomerRow::as_select())
        .load(conn)
}

/// The oldest customer with this address in an identity scope (addresses are not unique: a
/// family may share one).
pub fn find_by_email(
    conn: &mut DbConnection,
    identity_scope: i64,
    email: &str,
) -> QueryResult<Option<CustomerRow>> {
    customers::table
        .filter(customers::identity_scope.eq(identity_scope))
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
