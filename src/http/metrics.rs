//! `GET /metrics` (see `instruments`): not behind a session. Served on the main listener, or only
//! on `METRICS_BIND`'s when that is set (then an internal address can be scraped without the
//! desk's port being reachable, and the desk's port does not show it).
//!
//! A scrape must not be a way to load the desk: the database's figures are read on the blocking
//! pool at most once a second, by one scrape while the others wait (asynchronously, holding no
//! thread or connection) and then share its reading.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, HttpResponse};

use super::respond::run;
use crate::instruments::{Instruments, CONTENT_TYPE};
use crate::service::gauges::{self, DeskGauges};
use crate::service::Ctx;

/// How long one reading of the database's figures is shown.
const READ_AT_MOST_EVERY: Duration = Duration::from_secs(1);

/// The latest reading of the database's figures, shared by the scrapes of one second.
#[derive(Default)]
pub struct LatestReading(tokio::sync::Mutex<Option<(Instant, Option<Arc<DeskGauges>>)>>);

impl LatestReading {
    /// The figures, read now if the last reading is more than a second old; `None` when the
    /// database did not answer (that too is kept for a second, so a scrape flood during an
    /// outage does not queue on the pool).
    async fn get(&self, ctx: &web::Data<Ctx>) -> Option<Arc<DeskGauges>> {
        let mut latest = self.0.lock().await;
        if let Some((at, reading)) = latest.as_ref() {
            if at.elapsed() < READ_AT_MOST_EVERY {
                return reading.clone();
            }
        }
        let reading = run(ctx, gauges::desk_gauges)
            .await
            .inspect_err(crate::telemetry::log_server_error)
            .ok()
            .map(Arc::new);
        *latest = Some((Instant::now(), reading.clone()));
        reading
    }
}

/// Registers `GET /metrics`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::get("/metrics", metrics));
}

async fn metrics(
    ctx: web::Data<Ctx>,
    instruments: web::Data<Instruments>,
    latest: web::Data<LatestReading>,
) -> HttpResponse {
    let desk = latest.get(&ctx).await;
    let body = instruments.render(&ctx.pool, desk.as_deref());
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body)
}
