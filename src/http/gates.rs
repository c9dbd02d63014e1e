//! Bounds on the expensive steps a request can start: password hashing (argon2id takes ~19 MiB
//! and a core for ~0.1 s) and uploads (a body of up to `MaxAttachmentMB` in base64, held while it
//! is decoded and stored). A request waits a short while for a place, then gets 503 with
//! `Retry-After`; it never waits on a blocking thread, so a flood of them can't starve the work of
//! other requests. Password resets, answered before any work, run in the background under a
//! bound of their own.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::input::{too_large, BodyLimit};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::service::{attachments, Ctx};

/// One bound: `places` requests at a time, the rest wait up to `wait`.
pub struct Gate {
    places: Arc<Semaphore>,
    wait: Duration,
    what: &'static str,
}

impl Gate {
    pub fn new(places: usize, wait: Duration, what: &'static str) -> Self {
        Self {
            places: Arc::new(Semaphore::new(places.max(1))),
            wait,
            what,
        }
    }

    /// A place now, or none.
    pub fn try_enter(&self) -> Option<OwnedSemaphorePermit> {
        self.places.clone().try_acquire_owned().ok()
    }

    /// A place, held until the permit is dropped; 503 `ServerBusy` when none frees up in time.
    pub async fn enter(&self) -> ApiResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, self.places.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::server_busy(self.what, self.wait.as_secs().max(1))),
        }
    }
}

/// The gates of one server.
pub struct Gates {
    /// Argon2 hashing and verification: AgentLogon, SetPassword, and agents created or updated
    /// with a password.
    pub passwords: Gate,
    /// Requests that carry a file: SendMessage and the channel's addAttachment.
    pub uploads: Gate,
    /// Password resets being looked up and mailed in the background; a request that finds no
    /// place sends nothing (its answer is the same either way).
    pub resets: Gate,
}

impl Gates {
    pub fn from_config(config: &Config) -> Self {
        Self {
            passwords: Gate::new(
                config.password_hash_concurrency,
                config.busy_wait,
                "password checks",
            ),
            uploads: Gate::new(config.upload_concurrency, config.busy_wait, "uploads"),
            resets: Gate::new(8, config.busy_wait, "password resets"),
        }
    }
}

/// Bodies up to this declared length pass the upload gate without a place (a text message, a
/// small file): their memory is bounded by the declaration itself.
pub const SMALL_BODY: usize = 64 * 1024;

/// Middleware for the routes that take a file (SendMessage, addAttachment), after authentication:
/// a declared `Content-Length` over the `MaxAttachmentMB` limit is refused before a byte is read;
/// otherwise a body over [`SMALL_BODY`] or of undeclared length waits for a place among the
/// uploads, and every body is read under that limit.
pub async fn upload_gate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let ctx = req
        .app_data::<web::Data<Ctx>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state is missing"))?;
    let gates = req
        .app_data::<web::Data<Gates>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("the gates are missing"))?;
    let limit = match ctx.cache.settings.get() {
        Some(_) => attachments::upload_body_limit(&ctx)?,
        None => {
            let ctx = ctx.clone();
            web::block(move || attachments::upload_body_limit(&ctx))
                .await
                .map_err(ApiError::from)??
        }
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit).into());
    }
    // A body declared small carries no file worth queueing for: the places bound the memory and
    // time of big bodies, and a text message must not wait behind (or be refused because of) four
    // slow uploads. A body of undeclared length (chunked) may be any size: it takes a place.
    let _place = match declared {
        Some(n) if n <= SMALL_BODY => None,
        _ => Some(gates.uploads.enter().await?),
    };
    req.extensions_mut().insert(BodyLimit(limit));
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_turns_the_next_request_away_after_its_wait() {
        let gate = Gate::new(1, Duration::from_millis(50), "tests");
        let held = gate.enter().await.unwrap();
        let refused = gate.enter().await.unwrap_err();
        assert_eq!(refused.code, crate::error::ErrorCode::ServerBusy);
        assert_eq!(refused.retry_after_secs, Some(1));
        drop(held);
        assert!(gate.enter().await.is_ok());
    }
}
