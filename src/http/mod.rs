//! The HTTP API: routes, extractors and handlers. Handlers parse, call one service function and
//! shape the response.

pub mod agents;
pub mod audit;
pub mod canned_responses;
pub mod channel_api;
pub mod channel_details;
pub mod channel_rating;
pub mod channels;
pub mod chats;
pub mod client_address;
pub mod console;
pub mod customers;
pub mod departments;
pub mod events;
pub mod gates;
pub mod governance;
pub mod health;
pub mod input;
pub mod known_fields;
pub mod messages;
pub mod metrics;
pub mod multipart;
pub mod openapi;
pub mod params;
pub mod reports;
pub mod respond;
pub mod schemas;
pub mod security_headers;
pub mod session_auth;
pub mod sessions;
pub mod settings;
pub mod setup;
pub mod signed_calls;
pub mod tags;
pub mod web_chat;
pub mod webhooks;
pub mod working_hours;

use actix_web::http::Method;
use actix_web::{middleware, web, Handler, HttpRequest, HttpResponse, Resource, Responder};

use crate::error::{ApiError, ApiResult, ErrorCode};

/// Registers every route. Order matters: the docs and the channel API are matched before the
/// `/api/<Name>` scope, which requires `Version`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get("/health", health::health))
        .service(get("/ready", health::ready))
        .configure(console::configure)
        .service(openapi::service())
        .configure(web_chat::configure)
        .service(
            web::scope("/api/v2/chat")
                // A customer's message is never lost for a field the desk doesn't know: it is
                // taken and the field named in the answer.
                .app_data(known_fields::UnknownFields::Ignore)
                .wrap(middleware::from_fn(known_fields::name_ignored))
                .wrap(middleware::from_fn(channel_api::authenticate_channel))
                .wrap(no_store())
                .service(post(
                    "/notifyUserNewChatMessage",
                    channel_api::notify_user_new_chat_message,
                ))
                .service(post(
                    "/notifyUserNewChatEvent",
                    channel_api::notify_user_new_chat_event,
                ))
                .service(post("/notifyUserVisited", channel_api::notify_user_visited))
                .service(post(
                    "/notifyUserEndChat",
                    channel_api::notify_user_end_chat,
                ))
                .service(post(
                    "/notifyUserRating",
                    channel_rating::notify_user_rating,
                ))
                .service(
                    post("/addAttachment", channel_api::add_attachment)
                        .wrap(middleware::from_fn(gates::upload_gate)),
                )
                .service(post("/checkOriginAndIP", channel_api::check_origin_and_ip))
                .service(get(
                    "/whitelistedDomainsAndBlacklistedIPs",
                    channel_api::whitelisted_domains_and_blacklisted_ips,
                ))
                .service(post("/requestChatQueue", channel_api::request_chat_queue))
                .service(post("/requestChatConfig", channel_api::request_chat_config))
                .service(get("/getAttachment", channel_api::get_attachment))
                .default_service(web::to(unknown_endpoint)),
        )
        .service(
            web::scope("/api")
                .wrap(middleware::from_fn(session_auth::authenticate_session))
                // Wrapped last, so it runs first: a missing Version is reported before anything else.
                .wrap(middleware::from_fn(session_auth::require_client_version))
                .wrap(no_store())
                .service(post("/AgentLogon", sessions::agent_logon))
                .service(get("/GetSetupState", setup::get_setup_state))
                .service(post("/CreateFirstManager", setup::create_first_manager))
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
                .service(get("/GetAuditLog", audit::get_audit_log))
                .service(post("/CreateWebhook", webhooks::create_webhook))
                .service(get("/GetWebhookList", webhooks::get_webhook_list))
                .service(post("/UpdateWebhook", webhooks::update_webhook))
                .service(delete("/DeleteWebhook", webhooks::delete_webhook))
                .service(get_or_post("/TestWebhook", webhooks::test_webhook))
                .service(get(
                    "/GetWebhookDeliveries",
                    webhooks::get_webhook_deliveries,
                ))
                .service(get_or_post(
                    "/RetryWebhookDelivery",
                    webhooks::retry_webhook_delivery,
                ))
                .service(post("/CreateChannel", channels::create_channel))
                .service(get("/GetChannelList", channels::get_channel_list))
                .service(delete("/DeleteChannel", channels::delete_channel))
                .service(get("/GetEvents", events::get_events))
                .service(post("/CreateEventTicket", events::create_event_ticket))
                .service(get("/GetChatList", chats::get_chat_list))
                .service(get("/GetChat", chats::get_chat))
                .service(get_or_post("/GrabChat", chats::grab_chat))
                .service(get_or_post("/AssignChat", chats::assign_chat))
                .service(get_or_post("/ReAssignChat", chats::reassign_chat))
                .service(get_or_post("/TransferChat", chats::transfer_chat))
                .service(get_or_post("/CloseChat", chats::close_chat))
                .service(get("/ExportChat", chats::export_chat))
                .service(
                    post("/SendMessage", messages::send_message)
                        .wrap(middleware::from_fn(gates::upload_gate)),
                )
                .service(get("/GetChatMessages", messages::get_chat_messages))
                .service(get_or_post("/MarkChatRead", messages::mark_chat_read))
                .service(get("/GetAttachment", messages::get_attachment))
                .service(post("/AddComment", customers::add_comment))
                .service(get("/FindCustomer", customers::find_customer))
                .service(post("/UpdateCustomer", customers::update_customer))
                .service(post("/AddTag", customers::add_tag))
                .service(post("/RemoveTag", customers::remove_tag))
                .service(post("/EraseCustomer", governance::erase_customer))
                .service(get("/ExportCustomer", governance::export_customer))
                .service(get("/LiveMetrics", reports::live_metrics))
                .service(get("/DataInsight", reports::data_insight))
                .service(get("/GetReports", reports::get_reports))
                .service(post("/CreateRecipient", reports::create_recipient))
                .service(get("/GetRecipients", reports::get_recipients))
                .service(delete("/DeleteRecipient", reports::delete_recipient))
                .service(post(
                    "/CreateReportSchedule",
                    reports::create_report_schedule,
                ))
                .service(delete(
                    "/DeleteReportSchedule",
                    reports::delete_report_schedule,
                ))
                .default_service(web::to(unknown_endpoint)),
        )
        .default_service(web::to(unknown_endpoint));
}

/// API answers carry tokens, transcripts, files and exports: no cache, shared or private, may keep
/// them (an answer that sets its own `Cache-Control` keeps it). Nor may a browser run anything in
/// one, were it opened as a page (an attachment that is really HTML): see `security_headers`.
fn no_store() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .add((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            security_headers::API_POLICY,
        ))
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
