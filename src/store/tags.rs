//! Tag groups and tags; a deleted tag stays for the chats that carry it (CreateTagGroup,
//! UpdateTagGroup, CreateTag, UpdateTag, DeleteTag, GetTagList).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{tag_groups, tags};
use crate::db::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = tag_groups)]
pub struct TagGroupRow {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: i64,
    pub group_id: i64,
    pub name: String,
    pub enabled: bool,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = tag_groups)]
pub struct TagGroupChanges {
    pub name: Option<String>,
    pub name_key: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub name: Option<String>,
    pub name_key: Option<String>,
    pub enabled: Option<bool>,
}

pub fn insert_group(
    conn: &mut DbConnection,
    name: &str,
    name_key: &str,
    enabled: bool,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(tag_groups::table)
        .values((
            tag_groups::name.eq(name),
            tag_groups::name_key.eq(name_key),
            tag_groups::enabled.eq(enabled),
            tag_groups::created_at.eq(now),
        ))
        .returning(tag_groups::id)
        .get_result(conn)
}

pub fn find_group(conn: &mut DbConnection, id: i64) -> QueryResult<Option<TagGroupRow>> {
    tag_groups::table
        .find(id)
        .select(TagGroupRow::as_select())
        .first(conn)
        .optional()
}

/// Updates the columns set in `changes`; nothing to change is not an error.
pub fn update_group(
    conn: &mut DbConnection,
    id: i64,
    changes: &TagGroupChanges,
) -> QueryResult<usize> {
    if changes.name.is_none() && changes.enabled.is_none() {
        return Ok(0);
    }
    diesel::update(tag_groups::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn group_name_taken(
    conn: &mut DbConnection,
    name_key: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    // Ids start at 1, so 0 excludes nothing.
    let query = tag_groups::table
        .filter(tag_groups::name_key.eq(name_key))
        .filter(tag_groups::id.ne(except.unwrap_or(0)));
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

pub fn list_groups(conn: &mut DbConnection) -> QueryResult<Vec<TagGroupRow>> {
    tag_groups::table
        .order(tag_groups::id)
        .select(TagGroupRow::as_select())
        .load(conn)
}

pub fn insert_tag(
    conn: &mut DbConnection,
    group_id: i64,
    name: &str,
    name_key: &str,
    enabled: bool,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(tags::table)
        .values((
            tags::group_id.eq(group_id),
            tags::name.eq(name),
            tags::name_key.eq(name_key),
            tags::enabled.eq(enabled),
            tags::created_at.eq(now),
        ))
        .returning(tags::id)
        .get_result(conn)
}

/// A tag that has not been deleted.
pub fn find_tag(conn: &mut DbConnection, id: i64) -> QueryResult<Option<TagRow>> {
    tags::table
        .find(id)
        .filter(tags::deleted_at.is_null())
        .select(TagRow::as_select())
        .first(conn)
        .optional()
}

/// Updates the columns set in `changes`; nothing to change is not an error.
pub fn update_tag(conn: &mut DbConnection, id: i64, changes: &TagChanges) -> QueryResult<usize> {
    if changes.name.is_none() && changes.enabled.is_none() {
        return Ok(0);
    }
    diesel::update(tags::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn soft_delete_tag(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(tags::table.find(id).filter(tags::deleted_at.is_null()))
        .set(tags::deleted_at.eq(now))
        .execute(conn)
}

pub fn tag_name_taken(
    conn: &mut DbConnection,
    group_id: i64,
    name_key: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    // Ids start at 1, so 0 excludes nothing.
    let query = tags::table
        .filter(tags::group_id.eq(group_id))
        .filter(tags::name_key.eq(name_key))
        .filter(tags::deleted_at.is_null())
        .filter(tags::id.ne(except.unwrap_or(0)));
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

pub fn list_tags(conn: &mut DbConnection) -> QueryResult<Vec<TagRow>> {
    tags::table
        .filter(tags::deleted_at.is_null())
        .order((tags::group_id, tags::id))
        .select(TagRow::as_select())
        .load(conn)
}

/// The group's tags that are not deleted.
pub fn list_tags_of_group(conn: &mut DbConnection, group_id: i64) -> QueryResult<Vec<TagRow>> {
    tags::table
        .filter(tags::group_id.eq(group_id))
        .filter(tags::deleted_at.is_null())
        .order(tags::id)
        .select(TagRow::as_select())
        .load(conn)
}

/// Of `ids`, the tags that exist and are not deleted.
pub fn existing_tag_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    tags::table
        .filter(tags::id.eq_any(ids))
        .filter(tags::deleted_at.is_null())
        .select(tags::id)
        .load(conn)
}
