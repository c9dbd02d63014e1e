//! Files in chats, stored with their bytes; lists read only the metadata (SendMessage,
//! addAttachment, GetAttachment and the channel API's getAttachment).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::attachments;
use crate::db::DbConnection;

/// An attachment without its bytes.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentMeta {
    pub id: i64,
    pub chat_id: i64,
    pub name: String,
    pub mime_type: String,
    pub size: i64,
}

pub struct NewAttachment<'a> {
    pub chat_id: i64,
    pub name: &'a str,
    pub mime_type: &'a str,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, a: &NewAttachment<'_>) -> QueryResult<i64> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::chat_id.eq(a.chat_id),
            attachments::name.eq(a.name),
            attachments::mime_type.eq(a.mime_type),
            attachments::size.eq(a.bytes.len() as i64),
            attachments::sha256.eq(a.sha256),
            attachments::bytes.eq(a.bytes),
            attachments::created_at.eq(a.created_at),
        ))
        .returning(attachments::id)
        .get_result(conn)
}

pub fn find_meta(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AttachmentMeta>> {
    attachments::table
        .find(id)
        .select(AttachmentMeta::as_select())
        .first(conn)
        .optional()
}

pub fn bytes(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<u8>> {
    attachments::table
        .find(id)
        .select(attachments::bytes)
        .first(conn)
}

pub fn metas(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, AttachmentMeta>> {
    if ids.is_empty() {
        // Most messages have no file: no round trip to learn that.
        return Ok(HashMap::new());
    }
    let rows: Vec<AttachmentMeta> = attachments::table
        .filter(attachments::id.eq_any(ids))
        .select(AttachmentMeta::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|a| (a.id, a)).collect())
}
