//! The benchmark's ceiling: the cheapest request this machine can serve with actix-web, built with
//! the server's own actix-web features and profile (no extra dependencies). `benches/bench.sh`
//! alternates each measured call with a run against this, so every figure has its ceiling from
//! the same minute on the same (shared) cores.
//!
//! `cargo run --release --example ceiling -- 127.0.0.1:18500`
//! `GET /` answers `200 ok`; `GET /json` a small JSON object, the size of a KeepAlive answer.

use actix_web::{web, App, HttpResponse, HttpServer};

async fn ok() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"Success":true,"ExpiresAt":"2026-11-30T12:00:00Z"}"#)
}

fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18500".to_owned());
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                .route("/", web::get().to(ok))
                .route("/json", web::get().to(json))
        })
        .bind(&bind)?
        .run()
        .await
    })
}
