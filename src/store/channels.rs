//! Registered channel servers, found by the hash of their API key on every channel-API call
//! (CreateChannel, GetChannelList, DeleteChannel).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::channels;
use crate::db::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = channels)]
pub struct ChannelRow {
    pub id: i64,
    pub name: String,
    pub chat_server: String,
    pub account_token_hash: String,
    pub signing_secret: String,
    pub created_at: NaiveDateTime,
    pub verifies_identity: bool,
    pub kind: i16,
    pub widget_key: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = channels)]
pub struct NewChannelRow<'a> {
    pub name: &'a str,
    pub chat_server: &'a str,
    pub api_key_hash: &'a str,
    pub account_token_hash: &'a str,
    pub signing_secret: &'a str,
    pub created_at: NaiveDateTime,
    pub verifies_identity: bool,
    pub kind: i16,
    pub widget_key: Option<&'a str>,
}

pub fn insert(conn: &mut DbConnection, row: &NewChannelRow<'_>) -> QueryResult<i64> {
    diesel::insert_into(channels::table)
        .values(row)
        .returning(channels::id)
        .get_result(conn)
}

/// A live (not deleted) channel.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ChannelRow>> {
    channels::table
        .find(id)
        .filter(channels::deleted_at.is_null())
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()
}

/// Every channel's server, deleted channels included (their deliveries still need an end).
pub fn servers(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    channels::table
        .select((channels::id, channels::chat_server))
        .load(conn)
}

/// The live channel whose API key hashes to `hash`: one lookup on the unique index.
pub fn find_by_api_key_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<ChannelRow>> {
    channels::table
        .filter(channels::api_key_hash.eq(hash))
        .filter(channels::deleted_at.is_null())
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()
}

/// The live web channel whose widget key this is.
pub fn find_by_widget_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<ChannelRow>> {
    channels::table
        .filter(channels::widget_key.eq(key))
        .filter(channels::deleted_at.is_null())
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()
}

/// Every channel of a kind, deleted ones included (their deliveries still need an end).
pub fn ids_of_kind(conn: &mut DbConnection, kind: i16) -> QueryResult<Vec<i64>> {
    channels::table
        .filter(channels::kind.eq(kind))
        .select(channels::id)
        .load(conn)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ChannelRow>> {
    channels::table
        .filter(channels::deleted_at.is_null())
        .order(channels::id)
        .select(ChannelRow::as_select())
        .load(conn)
}

pub fn soft_delete(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        channels::table
            .find(id)
            .filter(channels::deleted_at.is_null()),
    )
    .set(channels::deleted_at.eq(now))
    .execute(conn)
}
