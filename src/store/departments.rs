//! Departments with their welcome menu places and auto-tags (CreateDepartment,
//! UpdateDepartment, GetDepartmentList).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{department_auto_tags, departments};
use crate::db::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = departments)]
pub struct DepartmentRow {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub include_in_menu: bool,
    pub name_in_menu: Option<String>,
    pub menu_index: Option<i32>,
    pub welcome_new: Option<String>,
    pub welcome_returning: Option<String>,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub max_chats_per_agent: Option<i32>,
}

/// The full set of columns a create or update writes.
#[derive(Insertable, AsChangeset, Clone, Debug)]
#[diesel(table_name = departments, treat_none_as_null = true)]
pub struct DepartmentValues {
    pub name: String,
    pub name_key: String,
    pub include_in_menu: bool,
    pub name_in_menu: Option<String>,
    pub menu_index: Option<i32>,
    pub welcome_new: Option<String>,
    pub welcome_returning: Option<String>,
    pub enabled: bool,
    pub updated_at: NaiveDateTime,
    pub max_chats_per_agent: Option<i32>,
}

pub fn insert(
    conn: &mut DbConnection,
    values: &DepartmentValues,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(departments::table)
        .values((values, departments::created_at.eq(now)))
        .returning(departments::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConnection, id: i64, values: &DepartmentValues) -> QueryResult<usize> {
    diesel::update(departments::table.find(id))
        .set(values)
        .execute(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<DepartmentRow>> {
    departments::table
        .find(id)
        .select(DepartmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<DepartmentRow>> {
    departments::table
        .order(departments::id)
        .select(DepartmentRow::as_select())
        .load(conn)
}

/// Of `ids`, those that exist.
pub fn existing_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    departments::table
        .filter(departments::id.eq_any(ids))
        .select(departments::id)
        .load(conn)
}

pub fn name_taken(
    conn: &mut DbConnection,
    name_key: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    // Ids start at 1, so 0 excludes nothing.
    let query = departments::table
        .filter(departments::name_key.eq(name_key))
        .filter(departments::id.ne(except.unwrap_or(0)));
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

/// The enabled menu department (other than `except`) that already uses `index`, if any.
pub fn menu_index_holder(
    conn: &mut DbConnection,
    index: i32,
    except: Option<i64>,
) -> QueryResult<Option<String>> {
    // Ids start at 1, so 0 excludes nothing.
    let query = departments::table
        .filter(departments::menu_index.eq(index))
        .filter(departments::enabled.eq(true))
        .filter(departments::include_in_menu.eq(true))
        .filter(departments::id.ne(except.unwrap_or(0)));
    query.select(departments::name).first(conn).optional()
}

/// Menu positions used by enabled menu departments.
pub fn used_menu_indexes(conn: &mut DbConnection) -> QueryResult<Vec<i32>> {
    let used: Vec<Option<i32>> = departments::table
        .filter(departments::enabled.eq(true))
        .filter(departments::include_in_menu.eq(true))
        .select(departments::menu_index)
        .load(conn)?;
    Ok(used.into_iter().flatten().collect())
}

pub fn auto_tag_ids(conn: &mut DbConnection, department_id: i64) -> QueryResult<Vec<i64>> {
    department_auto_tags::table
        .filter(department_auto_tags::department_id.eq(department_id))
        .order(department_auto_tags::tag_id)
        .select(department_auto_tags::tag_id)
        .load(conn)
}

pub fn all_auto_tag_ids(conn: &mut DbConnection) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let pairs: Vec<(i64, i64)> = department_auto_tags::table
        .order((
            department_auto_tags::department_id,
            department_auto_tags::tag_id,
        ))
        .select((
            department_auto_tags::department_id,
            department_auto_tags::tag_id,
        ))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (department, tag) in pairs {
        map.entry(department).or_default().push(tag);
    }
    Ok(map)
}

pub fn replace_auto_tags(
    conn: &mut DbConnection,
    department_id: i64,
    tag_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(
        department_auto_tags::table.filter(department_auto_tags::department_id.eq(department_id)),
    )
    .execute(conn)?;
    for tag_id in tag_ids {
        diesel::insert_into(department_auto_tags::table)
            .values((
                department_auto_tags::department_id.eq(department_id),
                department_auto_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Names of the departments that auto-tag with `tag_id`.
pub fn names_auto_tagging(conn: &mut DbConnection, tag_id: i64) -> QueryResult<Vec<String>> {
    department_auto_tags::table
        .inner_join(departments::table)
        .filter(department_auto_tags::tag_id.eq(tag_id))
        .order(departments::name)
        .select(departments::name)
        .load(conn)
}

/// Enabled departments in the welcome menu, in menu order (the welcome menu, requestChatConfig).
pub fn menu(conn: &mut DbConnection) -> QueryResult<Vec<DepartmentRow>> {
    departments::table
        .filter(departments::enabled.eq(true))
        .filter(departments::include_in_menu.eq(true))
        .order((departments::menu_index, departments::id))
        .select(DepartmentRow::as_select())
        .load(conn)
}

/// Enabled departments, oldest first.
pub fn enabled(conn: &mut DbConnection) -> QueryResult<Vec<DepartmentRow>> {
    departments::table
        .filter(departments::enabled.eq(true))
        .order(departments::id)
        .select(DepartmentRow::as_select())
        .load(conn)
}
