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
