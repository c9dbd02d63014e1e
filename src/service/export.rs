//! ExportChat: the transcript as RFC 4180 CSV, read and written in batches so a long chat is never
//! held in memory whole.

use std::sync::Arc;

use actix_web::web::Bytes;
use futures_util::Stream;

use super::Ctx;
use crate::domain::chat::MessageKind;
use crate::domain::csv_cell::neutralise;
use crate::error::{ApiError, ApiResult};
use crate::store::messages::{self, MessageRow};

const BATCH: i64 = 500;
pub const HEADER: [&str; 7] = [
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
pub fn render(rows: &[(MessageRow, Option<String>)], header: bool) -> ApiResult<Vec<u8>> {
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

/// The transcript as a stream of CSV chunks; each batch is read on the blocking pool.
pub fn transcript_stream(
    ctx: Arc<Ctx>,
    chat_id: i64,
) -> impl Stream<Item = Result<Bytes, ApiError>> {
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
                Ok(Ok((bytes, next))) => Some((Ok(Bytes::from(bytes)), next)),
                Ok(Err(e)) => Some((Err(e), None)),
                Err(e) => Some((Err(ApiError::internal(e)), None)),
            }
        }
    })
}
