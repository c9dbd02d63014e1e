//! Running a service call on the blocking pool and shaping common responses.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;
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
