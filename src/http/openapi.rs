//! The OpenAPI document (`/api/openapi.json`) and a browsable page (`/api/docs/`), served from
//! assets compiled into the binary: the page works with no internet.

use actix_web::dev::HttpServiceFactory;
use actix_web::{web, HttpResponse};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ObjectBuilder, Required, Type};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::session_auth::PUBLIC_ENDPOINTS;
use super::{
    agents, canned_responses, channel_api, channels, chats, customers, departments, events, health,
    messages, reports, sessions, settings, tags, working_hours,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "agentdesk", description = "Live-chat agent desk. The agent API is compatible with the AgentChat API: \
        every /api/<Name> call takes the client's build number as the `Version` query parameter and, except \
        AgentLogon, SetPassword and RequestPasswordReset, a `SessionToken` (query parameter, `SessionToken` header \
        or bearer token). Integers may be sent as numbers or numeric strings. Errors are \
        {\"Error\":{\"Code\",\"Message\",\"Fields\"}}."),
    paths(
        health::health, health::ready,
        sessions::agent_logon, sessions::keep_alive, sessions::agent_logoff,
        sessions::request_password_reset, sessions::set_password,
        events::get_events,
        agents::create_agent, agents::update_agent, agents::get_agent_list,
        departments::create_department, departments::update_department, departments::get_department_list,
        tags::create_tag_group, tags::update_tag_group, tags::create_tag, tags::update_tag, tags::delete_tag,
        tags::get_tag_list,
        canned_responses::create_canned_response, canned_responses::update_canned_response,
        canned_responses::delete_canned_response, canned_responses::get_canned_responses,
        working_hours::update_working_hours, working_hours::get_working_hours,
        settings::update_settings, settings::get_settings,
        channels::create_channel, channels::get_channel_list, channels::delete_channel,
        chats::get_chat_list, chats::get_chat, chats::grab_chat, chats::assign_chat, chats::reassign_chat,
        chats::transfer_chat, chats::close_chat, chats::export_chat,
        messages::send_message, messages::get_chat_messages, messages::mark_chat_read, messages::get_attachment,
        customers::add_comment, customers::find_customer, customers::update_customer, customers::add_tag,
        customers::remove_tag,
        reports::live_metrics, reports::data_insight, reports::get_reports, reports::create_recipient,
        reports::get_recipients, reports::delete_recipient, reports::create_report_schedule,
        reports::delete_report_schedule,
        channel_api::notify_user_new_chat_message, channel_api::notify_user_new_chat_event,
        channel_api::notify_user_visited, channel_api::notify_user_end_chat, channel_api::add_attachment,
        channel_api::check_origin_and_ip, channel_api::whitelisted_domains_and_blacklisted_ips,
        channel_api::request_chat_queue, channel_api::request_chat_config, channel_api::get_attachment,
    ),
    modifiers(&AgentApiConventions)
)]
pub struct ApiDoc;

/// Adds what every `/api/<Name>` operation shares: the `Version` parameter, the session schemes
/// and the error body.
struct AgentApiConventions;

impl Modify for AgentApiConventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "SessionTokenQuery",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("SessionToken"))),
        );
        components.add_security_scheme(
            "SessionTokenHeader",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("SessionToken"))),
        );
        components.add_security_scheme(
            "Bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let session = vec![
            SecurityRequirement::new("SessionTokenQuery", Vec::<String>::new()),
            SecurityRequirement::new("SessionTokenHeader", Vec::<String>::new()),
            SecurityRequirement::new("Bearer", Vec::<String>::new()),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path.starts_with("/api/v2/chat/") {
                for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                    op.security = Some(vec![SecurityRequirement::new(
                        "ApiKey",
                        Vec::<String>::new(),
                    )]);
                }
                continue;
            }
            if !path.starts_with("/api/") {
                continue;
            }
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.delete,
                &mut item.put,
            ];
            for op in operations.into_iter().flatten() {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .insert(0, version_parameter());
                if !PUBLIC_ENDPOINTS
                    .iter()
                    .any(|p| path.strip_prefix("/api/") == Some(*p))
                {
                    op.security = Some(session.clone());
                }
            }
        }
    }
}

fn version_parameter() -> Parameter {
    ParameterBuilder::new()
        .name("Version")
        .parameter_in(ParameterIn::Query)
        .required(Required::True)
        .description(Some("The client's build version"))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

pub fn service() -> impl HttpServiceFactory {
    (
        web::resource("/api/docs").to(|| async {
            HttpResponse::MovedPermanently()
                .insert_header(("Location", "/api/docs/"))
                .finish()
        }),
        SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi()),
    )
}
