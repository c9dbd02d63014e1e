//! Middleware: every answered request is counted under its route pattern and status, with its
//! latency (time until the response's head; a streamed body's download is not included).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use super::Instruments;

/// The label of a request that matched no route: one series for every unknown path, so a
/// scanner trying paths can't grow the registry.
const UNMATCHED: &str = "unmatched";

/// Wrapped around the whole app, outside the request log, so a panic already turned into a 500
/// is counted as one.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let instruments = req.app_data::<web::Data<Instruments>>().cloned();
    // The pattern (`/api/GetChat`, `/console/{build}/{path:.*}`), never the path itself.
    let endpoint = req.match_pattern();
    let started = Instant::now();
    let result = next.call(req).await;
    if let Some(instruments) = instruments {
        let status = match &result {
            Ok(res) => res.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        instruments.observe_request(
            endpoint.as_deref().unwrap_or(UNMATCHED),
            status.as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    result
}
