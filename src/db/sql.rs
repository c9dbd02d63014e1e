//! SQL functions both backends have.

diesel::define_sql_function! {
    /// Lower-cases text, for case-insensitive ordering.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
