//! Running a service call on the blocking pool and shaping common responses: JSON, success and
//! file downloads.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::service::attachments::AttachmentFile;
use crate::service::Ctx;

/// Runs one service function on the blocking pool (Diesel and argon2 never run on async workers).
pub async fn run<T, F>(ctx: &web::Data<Ctx>, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Ctx) -> ApiResult<T> + Send + 'static,
{
    let ctx = ctx.clone().into_inner();
    web::block(move || f(&ctx)).await?
}

/// Answers a configuration read from the answer cache when its copy is less than a second old
/// (no query, no serialisation, no thread hop); otherwise runs `load` on the blocking pool and
/// keeps its JSON under `key`.
pub async fn cached_json<T, F>(
    ctx: &web::Data<Ctx>,
    key: &'static str,
    load: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&Ctx) -> ApiResult<T> + Send + 'static,
{
    if let Some(body) = ctx.cache.answers.get(key) {
        return Ok(json_bytes(body));
    }
    let generation = ctx.cache.answers.generation();
    let body = run(ctx, move |ctx| {
        serde_json::to_vec(&load(ctx)?).map_err(ApiError::internal)
    })
    .await?;
    let body = bytes::Bytes::from(body);
    ctx.cache.answers.put(key, body.clone(), generation);
    Ok(json_bytes(body))
}

/// A JSON answer already serialised.
pub fn json_bytes(body: bytes::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

/// `{"Success": true}`, for actions without a natural body.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Success {
    pub success: bool,
}

pub fn success() -> HttpResponse {
    HttpResponse::Ok().json(Success { success: true })
}

pub fn json<T: Serialize>(body: T) -> HttpResponse {
    HttpResponse::Ok().json(body)
}

/// A download: never rendered inline, so a file can't run as a page of this site.
pub fn file_response(file: AttachmentFile) -> HttpResponse {
    let safe_name: String = file
        .name
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    HttpResponse::Ok()
        .content_type(file.mime_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{safe_name}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.bytes)
}
