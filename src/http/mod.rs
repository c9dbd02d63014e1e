//! The HTTP API: routes, extractors and handlers. Handlers parse, call one service function and
//! shape the response.

pub mod agents;
pub mod auth;
pub mod canned_responses;
pub mod departments;
pub mod health;
pub mod input;
pub mod openapi;
pub mod params;
pub mod respond;
pub mod sessions;
pub mod settings;
pub mod tags;
pub mod working_hours;

use actix_web::http::Method;
use actix_web::{middleware, web, Handler, HttpRequest, HttpResponse, Resource, Responder};

use crate::error::{ApiError, ApiResult, ErrorCode};

/// Registers every route. Order matters: the docs and the channel API are matched before the
/// `/api/<Name>` scope, which requires `Version`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get("/health", health::health))
        .service(get("/ready", health::ready))
        .service(openapi::service())
        .service(
            web::scope("/api")
                .wrap(middleware::from_fn(auth::authenticate_session))
                // Wrapped last, so it runs first: a missing Version is reported before anything else.
                .wrap(middleware::from_fn(auth::require_client_version))
                .service(post("/AgentLogon", sessions::agent_logon))
                .service(get_or_post("/KeepAlive", sessions::keep_alive))
                .service(get_or_post("/AgentLogoff", sessions::agent_logoff))
                .service(get_or_post(
                    "/RequestPasswordReset",
                    sessions::request_password_reset,
                ))
                .service(post("/SetPassword", sessions::set_password))
                .service(post("/CreateAgent", agents::create_agent))
                .service(post("/UpdateAgent", agents::update_agent))
                .service(get("/GetAgentList", agents::get_agent_list))
                .service(post("/CreateDepartment", departments::create_department))
                .service(post("/UpdateDepartment", departments::update_department))
                .service(get("/GetDepartmentList", departments::get_department_list))
                .service(post("/CreateTagGroup", tags::create_tag_group))
                .service(post("/UpdateTagGroup", tags::update_tag_group))
                .service(post("/CreateTag", tags::create_tag))
                .service(post("/UpdateTag", tags::update_tag))
                .service(delete("/DeleteTag", tags::delete_tag))
                .service(get("/GetTagList", tags::get_tag_list))
                .service(post(
                    "/CreateCannedResponse",
                    canned_responses::create_canned_response,
                ))
                .service(post(
                    "/UpdateCannedResponse",
                    canned_responses::update_canned_response,
                ))
                .service(delete(
                    "/DeleteCannedResponse",
                    canned_responses::delete_canned_response,
                ))
                .service(get(
                    "/GetCannedResponses",
                    canned_responses::get_canned_responses,
                ))
                .service(post(
                    "/UpdateWorkingHours",
                    working_hours::update_working_hours,
                ))
                .service(get("/GetWorkingHours", working_hours::get_working_hours))
                .service(post("/UpdateSettings", settings::update_settings))
                .service(get("/GetSettings", settings::get_settings))
                .default_service(web::to(unknown_endpoint)),
        )
        .default_service(web::to(unknown_endpoint));
}

fn endpoint<F, Args>(path: &str, methods: &[Method], handler: F) -> Resource
where
    F: Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let mut resource = web::resource(path);
    for method in methods {
        resource = resource.route(web::method(method.clone()).to(handler.clone()));
    }
    let allow = methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    resource.default_service(web::to(move |req: HttpRequest| {
        let allow = allow.clone();
        async move { method_not_allowed(&req, &allow) }
    }))
}

macro_rules! method_helpers {
    ($($(#[$doc:meta])* $name:ident => [$($method:ident),+];)+) => {$(
        $(#[$doc])*
        pub fn $name<F, Args>(path: &str, handler: F) -> Resource
        where
            F: Handler<Args> + Clone,
            Args: actix_web::FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            endpoint(path, &[$(Method::$method),+], handler)
        }
    )+};
}

method_helpers! {
    /// A read.
    get => [GET];
    /// A change with a body.
    post => [POST];
    /// A change the seed documents as GET; POST is accepted too, as state changes should be.
    get_or_post => [GET, POST];
    /// A deletion.
    delete => [DELETE];
}

async fn unknown_endpoint(req: HttpRequest) -> ApiResult<HttpResponse> {
    Err(ApiError::new(
        ErrorCode::NotFound,
        format!("There is no endpoint {}", req.path()),
    ))
}

fn method_not_allowed(req: &HttpRequest, allow: &str) -> HttpResponse {
    let error = ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "{} does not accept {}; use {allow}",
            req.path(),
            req.method()
        ),
    );
    let mut response = actix_web::ResponseError::error_response(&error);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
}
