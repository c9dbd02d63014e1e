//! The first run (CreateFirstManager): whether the desk has a manager, and its one-time setup code.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{agents, setup_codes};
use crate::db::DbConnection;

/// Whether any agent has `role` (the desk needs setting up while none is a manager).
pub fn any_with_role(conn: &mut DbConnection, role: i16) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        agents::table.filter(agents::role.eq(role)),
    ))
    .get_result(conn)
}

/// The setup code, once made.
pub fn find_code(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    setup_codes::table
        .filter(setup_codes::id.eq(1))
        .select(setup_codes::code)
        .first(conn)
        .optional()
}

/// Stores the setup code (there is one row at most: a second insert fails on the key).
pub fn insert_code(conn: &mut DbConnection, code: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(setup_codes::table)
        .values((
            setup_codes::id.eq(1i64),
            setup_codes::code.eq(code),
            setup_codes::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Forgets the setup code: the desk has its manager.
pub fn delete_code(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(setup_codes::table).execute(conn)
}
