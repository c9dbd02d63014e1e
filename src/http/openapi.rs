//! The OpenAPI document (`/api/openapi.json`) and a browsable page (`/api/docs/`), served from
//! assets compiled into the binary: the page works with no internet.

use actix_web::dev::HttpServiceFactory;
use actix_web::{web, HttpResponse};
use std::collections::BTreeSet;

use serde_json::Value;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    Components, ContentBuilder, ObjectBuilder, OneOfBuilder, Ref, RefOr, Required, Response,
    Schema, Type,
};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::session_auth::PUBLIC_ENDPOINTS;
use super::{
    agents, audit, canned_responses, channel_api, channel_rating, channels, chats, customers,
    departments, events, governance, health, messages, reports, sessions, settings, setup, tags,
    web_chat, webhooks, working_hours,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "agentdesk", description = "Live-chat agent desk. The agent API is compatible with the AgentChat API: \
        every /api/<Name> call takes the client's build number as the `Version` query parameter and, except \
        AgentLogon, SetPassword, RequestPasswordReset, GetSetupState and CreateFirstManager, a `SessionToken` (query parameter, `SessionToken` header \
        or bearer token). Integers may be sent as numbers or numeric strings. Errors are \
        {\"Error\":{\"Code\",\"Message\",\"Fields\"}}."),
    paths(
        health::health, health::ready,
        sessions::agent_logon, sessions::keep_alive, sessions::agent_logoff,
        sessions::request_password_reset, sessions::set_password,
        setup::get_setup_state, setup::create_first_manager,
        events::get_events, events::create_event_ticket,
        agents::create_agent, agents::update_agent, agents::get_agent_list,
        departments::create_department, departments::update_department, departments::get_department_list,
        tags::create_tag_group, tags::update_tag_group, tags::create_tag, tags::update_tag, tags::delete_tag,
        tags::get_tag_list,
        canned_responses::create_canned_response, canned_responses::update_canned_response,
        canned_responses::delete_canned_response, canned_responses::get_canned_responses,
        working_hours::update_working_hours, working_hours::get_working_hours,
        settings::update_settings, settings::get_settings,
        audit::get_audit_log,
        webhooks::create_webhook, webhooks::get_webhook_list, webhooks::update_webhook,
        webhooks::delete_webhook, webhooks::test_webhook, webhooks::get_webhook_deliveries,
        webhooks::retry_webhook_delivery,
        channels::create_channel, channels::get_channel_list, channels::delete_channel,
        chats::get_chat_list, chats::get_chat, chats::grab_chat, chats::assign_chat, chats::reassign_chat,
        chats::transfer_chat, chats::close_chat, chats::export_chat,
        messages::send_message, messages::get_chat_messages, messages::mark_chat_read, messages::get_attachment,
        customers::add_comment, customers::find_customer, customers::update_customer, customers::add_tag,
        customers::remove_tag, governance::erase_customer, governance::export_customer,
        reports::live_metrics, reports::data_insight, reports::get_reports, reports::create_recipient,
        reports::get_recipients, reports::delete_recipient, reports::create_report_schedule,
        reports::delete_report_schedule,
        channel_api::notify_user_new_chat_message, channel_api::notify_user_new_chat_event,
        channel_api::notify_user_visited, channel_api::notify_user_end_chat, channel_api::add_attachment,
        channel_api::check_origin_and_ip, channel_api::whitelisted_domains_and_blacklisted_ips,
        channel_api::request_chat_queue, channel_api::request_chat_config, channel_api::get_attachment,
        channel_rating::notify_user_rating,
        web_chat::api::start, web_chat::api::message, web_chat::api::file, web_chat::api::leave_message,
        web_chat::api::typing, web_chat::api::read, web_chat::api::end, web_chat::api::rate, web_chat::api::messages,
        web_chat::api::attachment, web_chat::api::transcript, web_chat::stream::events,
    ),
    modifiers(&AgentApiConventions)
)]
pub struct ApiDoc;

/// Adds what every operation shares: the `Version` parameter and the session schemes of the agent
/// API, the `apiKey` scheme of the channel API, the error body on every failure status, and the
/// request conventions of docs/api.md ("Request fields") that no single annotation can state.
struct AgentApiConventions;

/// The name of the error body's schema.
const ERROR_BODY: &str = "ErrorBody";

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
        components.add_security_scheme(
            "ApiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("apiKey"))),
        );
        components
            .schemas
            .insert(ERROR_BODY.to_owned(), error_body());
        let session = vec![
            SecurityRequirement::new("SessionTokenQuery", Vec::<String>::new()),
            SecurityRequirement::new("SessionTokenHeader", Vec::<String>::new()),
            SecurityRequirement::new("Bearer", Vec::<String>::new()),
        ];
        let mut request_schemas = BTreeSet::new();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = Api::of(path);
            let get_id = item.get.as_ref().and_then(|op| op.operation_id.clone());
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.delete,
                &mut item.put,
            ];
            for op in operations.into_iter().flatten() {
                match api {
                    Api::Channel => {
                        op.security = Some(vec![SecurityRequirement::new(
                            "ApiKey",
                            Vec::<String>::new(),
                        )]);
                    }
                    Api::Agent { public } => {
                        op.parameters
                            .get_or_insert_with(Vec::new)
                            .insert(0, version_parameter());
                        if !public {
                            op.security = Some(session.clone());
                        }
                    }
                    Api::Operations | Api::WebChat => {}
                }
                add_error_responses(op, api);
                if let Some(body) = &mut op.request_body {
                    body.required = Some(if requires_a_field(body, components) {
                        Required::True
                    } else {
                        Required::False
                    });
                    for content in body.content.values() {
                        if let Some(schema) = &content.schema {
                            referred_schemas(schema, components, &mut request_schemas);
                        }
                    }
                }
            }
            // A change the seed documents as GET is also served as POST, from one handler: the
            // two operations need ids of their own for generated clients.
            if let (Some(id), Some(post)) = (get_id, item.post.as_mut()) {
                if post.operation_id.as_deref() == Some(id.as_str()) {
                    post.operation_id = Some(format!("{id}_post"));
                }
            }
        }
        for name in request_schemas {
            if let Some(schema) = components.schemas.get_mut(&name) {
                nullable_when_optional(schema);
            }
        }
    }
}

/// Which API a path belongs to.
#[derive(Clone, Copy)]
enum Api {
    /// `/api/<Name>`: `Version`, and a session unless public.
    Agent { public: bool },
    /// `/api/v2/chat/<name>`: the channel's `apiKey`.
    Channel,
    /// `/api/webchat/<Name>`: public; the visitor token that Start gives.
    WebChat,
    /// `/health`, `/ready`.
    Operations,
}

impl Api {
    fn of(path: &str) -> Self {
        if path.starts_with("/api/v2/chat/") {
            Api::Channel
        } else if path.starts_with("/api/webchat/") {
            Api::WebChat
        } else if let Some(name) = path.strip_prefix("/api/") {
            Api::Agent {
                public: PUBLIC_ENDPOINTS.contains(&name),
            }
        } else {
            Api::Operations
        }
    }
}

fn version_parameter() -> Parameter {
    ParameterBuilder::new()
        .name("Version")
        .parameter_in(ParameterIn::Query)
        .required(Required::True)
        .description(Some(
            "The client's build version; missing or blank is 400 VersionRequired",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"\S")),
        ))
        .build()
}

/// `{"Error": {"Code", "Message", "Fields"}}`, as `error::ApiError` answers.
fn error_body() -> RefOr<Schema> {
    let text = |description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
    };
    let detail = ObjectBuilder::new()
        .property(
            "Code",
            text("Stable: match on it (docs/api.md lists every code)"),
        )
        .required("Code")
        .property("Message", text("A sentence for people"))
        .required("Message")
        .property(
            "Fields",
            ObjectBuilder::new()
                .additional_properties(Some(text("The problem")))
                .description(Some(
                    "Each field at fault, named by path (Days[1].StartTime), with its problem; \
                     {} when no field is",
                )),
        )
        .required("Fields");
    ObjectBuilder::new()
        .property("Error", detail)
        .required("Error")
        .into()
}

/// The failures every operation of its API can answer, besides those its annotation names; every
/// failure gets the error body.
fn add_error_responses(op: &mut Operation, api: Api) {
    let has_body = op.request_body.is_some();
    let secured = op.security.is_some();
    let mut standard = vec![("500", "InternalError")];
    match api {
        Api::Agent { .. } | Api::Channel | Api::WebChat => {
            standard.push(("400", "ValidationFailed: Fields names each field at fault"));
            standard.push(("503", "DatabaseUnavailable (with Retry-After)"));
            if has_body {
                standard.push(("413", "PayloadTooLarge"));
                standard.push(("415", "UnsupportedMediaType"));
            }
        }
        Api::Operations => {}
    }
    match api {
        Api::Agent { .. } => {
            standard.push((
                "426",
                "ClientVersionTooOld (when MIN_CLIENT_VERSION is set)",
            ));
            if secured {
                standard.push(("401", "InvalidSessionToken"));
            }
        }
        Api::Channel => standard.push(("401", "ApiKeyInvalid")),
        Api::WebChat => standard.push(("429", "TooManyRequests (with Retry-After)")),
        Api::Operations => {}
    }
    for (status, description) in standard {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| Response::new(description).into());
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let failure = status.parse::<u16>().map_or(true, |code| code >= 400);
        if let (true, RefOr::T(response)) = (failure, response) {
            response
                .content
                .entry("application/json".to_owned())
                .or_insert_with(|| {
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(ERROR_BODY)))
                        .build()
                });
        }
    }
}

/// The components a request body's schema is made of (through `$ref` and `allOf`).
fn referred_schemas(schema: &RefOr<Schema>, components: &Components, names: &mut BTreeSet<String>) {
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") {
                if names.insert(name.to_owned()) {
                    if let Some(schema) = components.schemas.get(name) {
                        referred_schemas(schema, components, names);
                    }
                }
            }
        }
        RefOr::T(Schema::AllOf(all)) => all
            .items
            .iter()
            .for_each(|s| referred_schemas(s, components, names)),
        RefOr::T(_) => {}
    }
}

/// Whether the body's schema has a required field: a body of optional fields may be left out
/// (the request fields may come from the query string instead).
fn requires_a_field(body: &RequestBody, components: &Components) -> bool {
    body.content.values().any(|content| {
        content
            .schema
            .as_ref()
            .is_some_and(|s| schema_requires(s, components))
    })
}

fn schema_requires(schema: &RefOr<Schema>, components: &Components) -> bool {
    match schema {
        RefOr::Ref(r) => r
            .ref_location
            .strip_prefix("#/components/schemas/")
            .and_then(|name| components.schemas.get(name))
            .is_some_and(|s| schema_requires(s, components)),
        RefOr::T(Schema::Object(o)) => !o.required.is_empty(),
        RefOr::T(Schema::AllOf(all)) => all.items.iter().any(|s| schema_requires(s, components)),
        RefOr::T(_) => false,
    }
}

/// "A JSON `null` counts as absent": every optional field of a request body also takes null.
fn nullable_when_optional(schema: &mut RefOr<Schema>) {
    match schema {
        RefOr::T(Schema::Object(object)) => {
            let required = object.required.clone();
            for (name, property) in object.properties.iter_mut() {
                if !required.contains(name) {
                    make_nullable(property);
                }
            }
        }
        RefOr::T(Schema::AllOf(all)) => all.items.iter_mut().for_each(nullable_when_optional),
        _ => {}
    }
}

fn make_nullable(schema: &mut RefOr<Schema>) {
    let add_null = |t: &mut SchemaType| match t {
        SchemaType::Type(Type::Null) | SchemaType::AnyValue => {}
        SchemaType::Type(one) => *t = SchemaType::from_iter([one.clone(), Type::Null]),
        SchemaType::Array(types) if !types.contains(&Type::Null) => types.push(Type::Null),
        SchemaType::Array(_) => {}
    };
    match schema {
        RefOr::T(Schema::Object(o)) => {
            add_null(&mut o.schema_type);
            if let Some(values) = o.enum_values.as_mut().filter(|v| !v.contains(&Value::Null)) {
                values.push(Value::Null);
            }
        }
        RefOr::T(Schema::Array(a)) => add_null(&mut a.schema_type),
        RefOr::T(Schema::OneOf(one_of)) if one_of.items.iter().any(is_null) => {}
        other => {
            let inner = std::mem::replace(other, RefOr::T(Schema::default()));
            *other = OneOfBuilder::new()
                .item(inner)
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .into();
        }
    }
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
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
