//! The audit log: appended to in the change's own transaction, read by GetAuditLog, pruned by age.
//! No function here updates a row (the table's trigger would refuse it anyway).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::audit_log;
use crate::db::DbConnection;

/// A row to append.
#[derive(Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditRow<'a> {
    pub at: NaiveDateTime,
    pub agent_id: Option<i64>,
    pub actor: &'a str,
    pub address: Option<&'a str>,
    pub action: &'a str,
    pub target: &'a str,
    /// `{"Field": {"Before": .., "After": ..}}` as JSON text.
    pub changes: &'a str,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub agent_id: Option<i64>,
    pub actor: String,
    pub address: Option<String>,
    pub action: String,
    pub target: String,
    pub changes: String,
}

/// What GetAuditLog filters on; every part optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub agent_id: Option<i64>,
    pub action: Option<String>,
    /// From this time, inclusive.
    pub from: Option<NaiveDateTime>,
    /// Before this time, exclusive.
    pub to: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NewAuditRow) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

type Backend = <DbConnection as diesel::Connection>::Backend;

fn filtered(filter: &AuditFilter) -> audit_log::BoxedQuery<'static, Backend> {
    let mut q = audit_log::table.into_boxed();
    if let Some(id) = filter.agent_id {
        q = q.filter(audit_log::agent_id.eq(id));
    }
    if let Some(action) = &filter.action {
        q = q.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(audit_log::at.lt(to));
    }
    q
}

/// One page of matching rows, newest first, and how many match in all.
pub fn page(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AuditRow>, i64)> {
    let rows = filtered(filter)
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?;
    let total = filtered(filter).count().get_result(conn)?;
    Ok((rows, total))
}

/// Matching rows, oldest first, after the row `after_id` (a CSV export reads it in batches).
pub fn batch_after(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    filtered(filter)
        .filter(audit_log::id.gt(after_id))
        .order(audit_log::id.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Deletes up to `limit` rows older than `before` (the oldest first); returns how many went.
pub fn delete_older_than(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<usize> {
    let ids: Vec<i64> = audit_log::table
        .filter(audit_log::at.lt(before))
        .order(audit_log::id.asc())
        .limit(limit)
        .select(audit_log::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::delete(audit_log::table.filter(audit_log::id.eq_any(ids))).execute(conn)
}
