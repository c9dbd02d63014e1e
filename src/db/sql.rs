//! SQL functions both backends have.

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
