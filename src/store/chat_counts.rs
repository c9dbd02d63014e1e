//! How many chats each department holds in each state: `chat_counts` plus the deltas not yet
//! folded into it, both kept by triggers on `chats` (migration `chat_counts`). GetChatList's
//! `Cursor.Total` sums a few of these rows instead of counting up to every chat.

use diesel::prelude::*;

use crate::db::schema::chat_totals;
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

/// The number of chats in `state` (any state when `None`) of `departments`: one query on the
/// view `chat_totals` (counts and unfolded deltas), so on PostgreSQL both are read in one
/// snapshot and a fold running meanwhile is seen entirely or not at all. Written with Diesel's
/// query builder so that the statement stays prepared (an `IN` list is `= ANY($1)` on
/// PostgreSQL).
pub fn sum(
    conn: &mut DbConnection,
    state: Option<ChatState>,
    departments: Departments,
) -> QueryResult<i64> {
    let mut q = chat_totals::table.select(chat_totals::n).into_boxed();
    if let Some(state) = state {
        q = q.filter(chat_totals::state.eq(state.id()));
    }
    if let Departments::Only(ids) = departments {
        let ids: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| *id != NO_DEPARTMENT)
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        q = q.filter(chat_totals::department_id.eq_any(ids));
    }
    let parts: Vec<i64> = q.load(conn)?;
    Ok(parts.into_iter().sum())
}

/// Adds the deltas written so far into the counts and deletes them; the number of counts changed.
pub fn fold(conn: &mut DbConnection) -> QueryResult<usize> {
    dialect::fold_chat_count_deltas(conn)
}
