//! SQL functions both backends have.

use diesel::query_builder::{AstPass, QueryFragment};
use diesel::QueryResult;

use super::pool::MultiBackend;

diesel::define_sql_function! {
    /// Lower-cases text, for case-insensitive ordering.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Ids written into SQL text as a list (`1, 2, 3`), where a list can't be bound portably or a
/// plan must see the values. They are numbers, so nothing of a caller's text gets in.
pub fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `ids` as bound parameters separated by commas (`$1, $2`), for the `IN (...)` of a
/// statement type: one SQL text per number of ids, each kept prepared.
pub fn push_bound_ids<'b>(
    out: &mut AstPass<'_, 'b, MultiBackend>,
    ids: &'b [i64],
) -> QueryResult<()> {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push_sql(", ");
        }
        out.push_bind_param::<diesel::sql_types::BigInt, _>(id)?;
    }
    Ok(())
}

/// Whether Diesel keeps `statement` prepared on both backends (for the statement types' tests).
#[cfg(test)]
pub(crate) fn kept_prepared(statement: &impl QueryFragment<MultiBackend>) -> bool {
    [
        MultiBackend::Postgres(Default::default()),
        MultiBackend::Sqlite(Default::default()),
    ]
    .iter()
    .all(|backend| statement.is_safe_to_cache_prepared(backend).unwrap())
}

/// Runs statement types written out with `push_sql`/`push_bind_param`, which Diesel keeps
/// prepared: nothing in them marks them unsafe to keep, as `diesel::update` and `sql_query` mark
/// theirs. Keyed by SQL text, not by type, since one type may write two texts.
macro_rules! keyed_by_sql {
    ($($statement:ty),*) => {$(
        impl diesel::query_builder::QueryId for $statement {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl diesel::RunQueryDsl<$crate::db::DbConnection> for $statement {}
    )*};
}

pub(crate) use keyed_by_sql;

/// Makes a type written with `push_sql`/`push_bind_param` a boolean condition for any query's
/// `filter`, which (unlike `sql(...)`) leaves the statement kept prepared.
macro_rules! condition {
    ($($condition:ty),*) => {$(
        impl diesel::expression::Expression for $condition {
            type SqlType = diesel::sql_types::Bool;
        }

        impl<GroupBy> diesel::expression::ValidGrouping<GroupBy> for $condition {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }

        impl<QS> diesel::expression::AppearsOnTable<QS> for $condition {}

        impl<QS> diesel::expression::SelectableExpression<QS> for $condition {}

        impl diesel::query_builder::QueryId for $condition {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }
    )*};
}

pub(crate) use condition;

/// A condition written as fixed SQL text, for where a bound value would hide what a planner must
/// see (a partial index's predicate, a `+` that keeps an index out of a plan). Unlike
/// `sql(...)`, a statement holding it stays prepared: the text is all there is to it.
#[derive(Debug, Clone, Copy)]
pub struct Condition(pub &'static str);

impl QueryFragment<MultiBackend> for Condition {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql(self.0);
        Ok(())
    }
}

condition!(Condition);
