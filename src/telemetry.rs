//! Logging: tracing with `RUST_LOG` filtering, as text or JSON lines, and one line per request that
//! names the method, path, status and time but never the query string (it carries `SessionToken`);
//! a server error's cause is logged in the same span, once.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::error::ApiError;

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Middleware: a span per request and one line when it is answered. A server error's cause is
/// logged here, once, in the request's span (services only keep it in the [`ApiError`]). A
/// handler that panics answers 500 like any unexpected error; the worker thread, and the other
/// requests it serves, carry on.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let span = tracing::info_span!("request", method = %req.method(), path = %req.path());
    let started = Instant::now();
    let result = match AssertUnwindSafe(next.call(req).instrument(span.clone()))
        .catch_unwind()
        .await
    {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Err(ApiError::internal(format!("a handler panicked: {what}")).into())
        }
    };
    let elapsed_ms = (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
    let (status, error) = match &result {
        Ok(res) => (
            res.status().as_u16(),
            res.response()
                .error()
                .and_then(|e| e.as_error::<ApiError>()),
        ),
        Err(e) => (
            e.as_response_error().status_code().as_u16(),
            e.as_error::<ApiError>(),
        ),
    };
    span.in_scope(|| {
        if let Some(e) = error {
            log_server_error(e);
        }
        tracing::info!(status, elapsed_ms, "answered");
    });
    result
}

/// Logs the cause of a server error (nothing for a client's): 500 as an error, 503 as a warning.
pub fn log_server_error(e: &ApiError) {
    let cause = e.cause().unwrap_or(&e.message);
    match e.code.status() {
        StatusCode::INTERNAL_SERVER_ERROR => {
            tracing::error!(code = e.code.as_str(), error = %cause, "unexpected error")
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            tracing::warn!(code = e.code.as_str(), error = %cause, "database unavailable")
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{middleware, test, web, App, HttpResponse};

    #[actix_web::test]
    async fn a_panicking_handler_answers_500_and_the_server_goes_on() {
        let app = test::init_service(
            App::new()
                .wrap(middleware::from_fn(super::log_request))
                .route(
                    "/boom",
                    web::get().to(|| async {
                        if true {
                            panic!("boom");
                        }
                        HttpResponse::Ok().finish()
                    }),
                )
                .route(
                    "/fine",
                    web::get().to(|| async { HttpResponse::Ok().finish() }),
                ),
        )
        .await;
        let Err(error) =
            test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await
        else {
            panic!("a panic ends as an error the server answers");
        };
        let boom = error.error_response();
        assert_eq!(boom.status(), 500);
        let bytes = actix_web::body::to_bytes(boom.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["Error"]["Code"], "InternalError");
        assert_eq!(body["Error"]["Message"], "An unexpected error occurred");
        let fine =
            test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(fine.status(), 200);
    }
}
