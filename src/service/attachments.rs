//! Files in chats, for both sides: the size rule, storing an upload with its message, the views and
//! links agents and channel servers fetch them by, and downloads for whoever may see the chat.

use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::channels::AuthenticatedChannel;
use super::chats::find_visible;
use super::{settings, Ctx};
use crate::db::DbConnection;
use crate::domain::attachment::Upload;
use crate::domain::settings::SettingKey;
use crate::domain::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::attachments::{self as store, AttachmentMeta, NewAttachment};
use crate::store::chats;

/// A file as a message shows it.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct AttachmentView {
    #[serde(rename = "AttachmentID")]
    pub attachment_id: i64,
    pub name: String,
    pub mime_type: String,
    pub size: i64,
    /// Where an agent downloads it (add `Version` and the session token).
    #[serde(rename = "URL")]
    pub url: String,
}

/// A file to download: its name, type and bytes.
pub struct AttachmentFile {
    pub name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

/// Where an agent downloads an attachment (GetAttachment).
pub fn attachment_url(id: i64) -> String {
    format!("/api/GetAttachment?AttachmentID={id}")
}

/// Where a channel server downloads an attachment (the channel API's getAttachment).
pub fn channel_attachment_url(id: i64) -> String {
    format!("/api/v2/chat/getAttachment?attachmentID={id}")
}

/// Shapes an attachment's metadata for a message.
pub(crate) fn view(meta: AttachmentMeta) -> AttachmentView {
    AttachmentView {
        attachment_id: meta.id,
        url: attachment_url(meta.id),
        name: meta.name,
        mime_type: meta.mime_type,
        size: meta.size,
    }
}

/// The largest body a request carrying a file may have: `MaxAttachmentMB` as base64 (4 bytes for
/// every 3), with room for the request's other fields and multipart boundaries.
pub fn upload_body_limit(ctx: &Ctx) -> ApiResult<usize> {
    let max_mb = settings::cached_number(ctx, SettingKey::MaxAttachmentMB)?.max(1) as usize;
    Ok(max_mb * 1024 * 1024 / 3 * 4 + 64 * 1024)
}

/// Checks an upload against the desk's `MaxAttachmentMB`; `field` names the request field at fault.
/// Called inside the write that stores the file, so it reads on that write's connection.
pub(crate) fn check_size(
    ctx: &Ctx,
    c: &mut DbConnection,
    bytes: usize,
    field: &str,
) -> ApiResult<()> {
    let max_mb = settings::cached_number_on(ctx, c, SettingKey::MaxAttachmentMB)?;
    if bytes as i64 > max_mb * 1024 * 1024 {
        let mut e = ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("Attachments may be at most {max_mb} MB (MaxAttachmentMB)"),
        );
        e.fields
            .insert(field.to_owned(), format!("is larger than {max_mb} MB"));
        return Err(e);
    }
    Ok(())
}

/// Stores an upload of a chat, with its SHA-256; returns the attachment's id.
pub(crate) fn store(
    c: &mut DbConnection,
    chat_id: i64,
    upload: &Upload,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let sha = hex::encode(Sha256::digest(&upload.bytes));
    Ok(store::insert(
        c,
        &NewAttachment {
            chat_id,
            name: &upload.file_name,
            mime_type: upload.mime_type,
            sha256: &sha,
            bytes: &upload.bytes,
            created_at: now,
        },
    )?)
}

/// The web chat's download: a file of one of the visitor's chats (its channel's chats of its session).
pub fn get_web_attachment(
    ctx: &Ctx,
    channel_id: i64,
    session_key: &str,
    attachment_id: i64,
) -> ApiResult<AttachmentFile> {
    load(ctx, attachment_id, |c, chat_id| {
        Ok(crate::store::web_visitors::owns_chat(
            c,
            channel_id,
            session_key,
            chat_id,
        )?)
    })
}

/// An attachment's name, type and bytes, once `may_see` accepts the chat it belongs to; an
/// attachment the caller may not see is reported as missing, so ids reveal nothing.
fn load(
    ctx: &Ctx,
    attachment_id: i64,
    may_see: impl FnOnce(&mut DbConnection, i64) -> ApiResult<bool>,
) -> ApiResult<AttachmentFile> {
    ctx.with_conn(|c| {
        let not_found = || {
            ApiError::new(
                ErrorCode::AttachmentNotFound,
                format!("Attachment {attachment_id} does not exist"),
            )
        };
        let meta = store::find_meta(c, attachment_id)?.ok_or_else(not_found)?;
        if !may_see(c, meta.chat_id)? {
            return Err(not_found());
        }
        let bytes = store::bytes(c, attachment_id)?;
        Ok(AttachmentFile {
            name: meta.name,
            mime_type: meta.mime_type,
            bytes,
        })
    })
}

/// GetAttachment: a file of a chat the agent may act on (403 otherwise, as for the chat itself).
pub fn get_attachment(ctx: &Ctx, caller: &Caller, attachment_id: i64) -> ApiResult<AttachmentFile> {
    load(ctx, attachment_id, |c, chat_id| {
        Ok(find_visible(ctx, c, caller, chat_id)?.is_some())
    })
}

/// The channel API's getAttachment: a file of one of the calling channel's chats.
pub fn get_channel_attachment(
    ctx: &Ctx,
    channel: &AuthenticatedChannel,
    attachment_id: i64,
) -> ApiResult<AttachmentFile> {
    load(ctx, attachment_id, |c, chat_id| {
        Ok(chats::find(c, chat_id)?.is_some_and(|chat| chat.channel_id == channel.id))
    })
}
