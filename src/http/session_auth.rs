//! Who is calling: the `Version` gate for the agent API, and the `Caller` / `Manager` extractors
//! that resolve the `SessionToken` (query parameter, `SessionToken` header or bearer token).

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::{ready, Ready};

use crate::domain::version;
pub use crate::domain::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::service::Ctx;
use crate::service::{auth, event_tickets};

pub(crate) fn query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Middleware for `/api/<Name>`: every call names its client build in `Version`; a configured
/// `MIN_CLIENT_VERSION` turns older clients away with 426.
pub async fn require_client_version(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(client) = query_value(req.query_string(), "Version") else {
        return Err(ApiError::new(
            ErrorCode::VersionRequired,
            "Send your client's build number as the Version query parameter",
        )
        .into());
    };
    let minimum = req
        .app_data::<web::Data<Ctx>>()
        .and_then(|ctx| ctx.config.min_client_version.clone());
    if let Some(minimum) = minimum {
        if version::is_older(&client, &minimum) {
            return Err(ApiError::new(
                ErrorCode::ClientVersionTooOld,
                format!("Client version {client} is too old; update to {minimum} or later"),
            )
            .into());
        }
    }
    next.call(req).await
}

fn session_token(req: &HttpRequest) -> Option<String> {
    if let Some(token) = query_value(req.query_string(), "SessionToken") {
        return Some(token);
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(token) = header("SessionToken").filter(|t| !t.is_empty()) {
        return Some(token.to_owned());
    }
    header("Authorization")
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Agent-API endpoints that work without a session.
pub const PUBLIC_ENDPOINTS: [&str; 5] = [
    "AgentLogon",
    "SetPassword",
    "RequestPasswordReset",
    "GetSetupState",
    "CreateFirstManager",
];

/// Middleware for `/api/<Name>`: resolves the `SessionToken` before any extractor runs, so a bad
/// token is always a 401 (and a wrong role a 403), whatever is wrong with the body.
pub async fn authenticate_session(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let endpoint = req.path().rsplit('/').next().unwrap_or("");
    if !PUBLIC_ENDPOINTS.contains(&endpoint) {
        let ctx = req
            .app_data::<web::Data<Ctx>>()
            .cloned()
            .ok_or_else(|| ApiError::internal("application state is missing"))?;
        let token = session_token(req.request());
        // GetEvents may carry a ticket instead (an EventSource can't send headers, and a token
        // in a URL is logged): it is used up here.
        let ticket = (endpoint == "GetEvents" && token.is_none())
            .then(|| query_value(req.query_string(), "Ticket"))
            .flatten();
        if let Some(ticket) = ticket {
            let caller = web::block(move || event_tickets::redeem(&ctx, &ticket))
                .await
                .map_err(ApiError::from)??;
            req.extensions_mut().insert(caller);
            return next.call(req).await;
        }
        let token = token.ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidSessionToken,
                "Send the SessionToken from AgentLogon",
            )
        })?;
        // Most calls are answered from the session cache, without a query or a thread hop.
        let caller = match auth::authenticate_cached(&ctx, &token) {
            Some(result) => result?,
            None => web::block(move || auth::authenticate(&ctx, &token))
                .await
                .map_err(ApiError::from)??,
        };
        req.extensions_mut().insert(caller);
    }
    next.call(req).await
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<Caller>().cloned().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidSessionToken,
                "Send the SessionToken from AgentLogon",
            )
        }))
    }
}

/// A caller with the Manager role; anyone else gets 403.
pub struct Manager(pub Caller);

impl FromRequest for Manager {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(
            Caller::from_request(req, payload)
                .into_inner()
                .and_then(|caller| {
                    if caller.is_manager() {
                        Ok(Manager(caller))
                    } else {
                        Err(ApiError::forbidden("Only a manager may do this"))
                    }
                }),
        )
    }
}
