//! How many chats each department holds in each state: `chat_counts` plus the deltas not yet
//! folded into it, both kept by triggers on `chats` (migration `chat_counts`). GetChatList's
//! `Cursor.Total` sums a few of these rows instead of counting up to every chat.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::{dialect, DbConnection};
use crate::domain::chat::ChatState;

/// The department key of chats without a department (still in the welcome menu).
const NO_DEPARTMENT: i64 = 0;

/// Which departments to add up.
#[derive(Clone, Copy, Debug)]
pub enum Departments<'a> {
    All,
    /// These departments' chats (never the welcome menu's).
    Only(&'a [i64]),
}

/// The number of chats in `state` (any state when `None`) of `departments`. One statement, so
/// on PostgreSQL the counts and the deltas are read in one snapshot: a fold running meanwhile is
/// seen entirely or not at all.
pub fn sum(
    conn: &mut DbConnection,
    state: Option<ChatState>,
    departments: Departments,
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Sum {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conditions = Vec::new();
    if let Some(state) = state {
        conditions.push(format!("state = {}", state.id()));
    }
    if let Departments::Only(ids) = departments {
        // Ids are numbers, written as such: nothing of the caller's text reaches the SQL.
        let ids: Vec<String> = ids
            .iter()
            .filter(|id| **id != NO_DEPARTMENT)
            .map(i64::to_string)
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        conditions.push(format!("department_id IN ({})", ids.join(", ")));
    }
    let filter = match conditions.is_empty() {
        true => String::new(),
        false => format!(" WHERE {}", conditions.join(" AND ")),
    };
    diesel::sql_query(format!(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM (\
           SELECT n FROM chat_counts{filter} \
           UNION ALL SELECT delta FROM chat_count_deltas{filter}) AS counted"
    ))
    .get_result::<Sum>(conn)
    .map(|s| s.n)
}

/// Adds the deltas written so far into the counts and deletes them; the number of counts changed.
pub fn fold(conn: &mut DbConnection) -> QueryResult<usize> {
    dialect::fold_chat_count_deltas(conn)
}
