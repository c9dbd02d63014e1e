//! ExportChat: the transcript as RFC 4180 CSV, read and written in batches so a long chat is never
//! held in memory whole.

use std::sync::Arc;

use futures_util::Stream;

use super::chats::load_for;
use super::Ctx;
use crate::domain::chat::MessageKind;
use crate::domain::csv_cell::neutralise;
use crate::domain::Caller;
use crate::error::{ApiError, ApiResult};
use crate::store::messages::{self, MessageRow};

const BATCH: i64 = 500;
const HEADER: [&str; 7] = [
    "Time",
    "Direction",
    "Author",
    "Type",
    "SpecialType",
    "Message",
    "Attachment",
];

/// in (customer), out (to the customer), event (the desk's own notes on what happened), note.
fn direction(m: &MessageRow) -> &'static str {
    match MessageKind::from_id(m.kind) {
        MessageKind::Customer => "in",
        MessageKind::Note => "note",
        _ if m.to_customer => "out",
        _ => "event",
    }
}

/// CSV rows for a batch (with the header first when `header`).
fn render(rows: &[(MessageRow, Option<String>)], header: bool) -> ApiResult<Vec<u8>> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        out.write_record(HEADER).map_err(ApiError::internal)?;
    }
    for (m, attachment) in rows {
        let time = m
            .created_at
            .and_utc()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let kind = MessageKind::from_id(m.kind).name();
        let cells = [
            time.as_str(),
            direction(m),
            &neutralise(&m.author),
            kind,
            m.special_type.as_deref().unwrap_or(""),
            &neutralise(&m.text),
            &neutralise(attachment.as_deref().unwrap_or("")),
        ];
        out.write_record(cells).map_err(ApiError::internal)?;
    }
    out.into_inner().map_err(ApiError::internal)
}

/// A chat the caller may export: only [`export_chat`] makes one.
pub struct ChatExport {
    chat_id: i64,
}

/// ExportChat: checks that the caller may act on the chat; the transcript itself is read as it is
/// sent, by [`ChatExport::into_stream`].
pub fn export_chat(ctx: &Ctx, caller: &Caller, chat_id: i64) -> ApiResult<ChatExport> {
    ctx.with_conn(|c| load_for(ctx, c, caller, chat_id))?;
    Ok(ChatExport { chat_id })
}

impl ChatExport {
    /// The chat being exported.
    pub fn chat_id(&self) -> i64 {
        self.chat_id
    }

    /// The transcript as a stream of CSV chunks; each batch is read on the blocking pool.
    pub fn into_stream(self, ctx: Arc<Ctx>) -> impl Stream<Item = ApiResult<Vec<u8>>> {
        transcript_stream(ctx, self.chat_id)
    }
}

fn transcript_stream(ctx: Arc<Ctx>, chat_id: i64) -> impl Stream<Item = ApiResult<Vec<u8>>> {
    futures_util::stream::unfold(Some(0i64), move |after| {
        let ctx = ctx.clone();
        async move {
            let after = after?;
            let batch =
                tokio::task::spawn_blocking(move || -> ApiResult<(Vec<u8>, Option<i64>)> {
                    let rows = ctx.read(|c| messages::export_batch(c, chat_id, after, BATCH))?;
                    let next = (rows.len() as i64 == BATCH)
                        .then(|| rows.last().map(|(m, _)| m.id))
                        .flatten();
                    Ok((render(&rows, after == 0)?, next))
                })
                .await;
            match batch {
                Ok(Ok((bytes, next))) => Some((Ok(bytes), next)),
                Ok(Err(e)) => Some((Err(e), None)),
                Err(e) => Some((Err(ApiError::internal(e)), None)),
            }
        }
    })
}
