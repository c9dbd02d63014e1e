//! `/health` (the process answers) and `/ready` (the database answers and its schema is current).

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::respond::run;
use crate::service::Ctx;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct HealthView {
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(get, path = "/health", tag = "Operations", responses((status = 200, body = HealthView)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthView { status: "ok" })
}

/// The database answers and migrations have run; 503 otherwise.
#[utoipa::path(get, path = "/ready", tag = "Operations",
    responses((status = 200, body = HealthView), (status = 503, description = "DatabaseUnavailable")))]
pub async fn ready(ctx: web::Data<Ctx>) -> actix_web::Result<HttpResponse> {
    run(&ctx, Ctx::ping).await?;
    Ok(HttpResponse::Ok().json(HealthView { status: "ready" }))
}
