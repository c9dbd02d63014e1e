//! The channel API, `/api/v2/chat/<name>`, called by channel servers with their `apiKey` header.
//! Field names and patterns follow the Omnidesk chat controller.
//!
//! Over 400 lines because it is one API group of ten endpoints, each with its documented request
//! type; the handlers themselves only parse and call one service function.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::{ready, Ready};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::channel_details::Ignored;
use super::input::{Input, NoFields};
use super::params::{field, id, positive, Fields, FileData, Flat, Int};
use super::respond::{file_response, json, run, success, Success};
use super::schemas::{self, channel as field};
use super::signed_calls::SignedCall;
use crate::domain::channel_fields as pattern;
use crate::domain::{EmailAddress, PhoneNumber};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::service::channels::{self, AuthenticatedChannel};
use crate::service::intake::{self, CustomerMessage, InboundView};
use crate::service::widget::{
    self, AccessListsView, ChatConfigView, ChatQueueView, OriginCheckView,
};
use crate::service::{attachments, Ctx};

/// The calling channel, resolved from `apiKey` by [`authenticate_channel`].
pub struct Channel(pub AuthenticatedChannel);

/// Middleware for `/api/v2/chat`: the `apiKey` header decides the channel before any body is read.
pub async fn authenticate_channel(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let ctx = req
        .app_data::<web::Data<Ctx>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state is missing"))?;
    let key = req
        .headers()
        .get("apiKey")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let now = ctx.now().and_utc().timestamp();
    let channel = web::block(move || channels::authenticate(&ctx, &key))
        .await
        .map_err(ApiError::from)??;
    if let Some(signed) = SignedCall::from_headers(req.headers(), &channel, now)? {
        req.extensions_mut().insert(signed);
    }
    req.extensions_mut().insert(channel);
    next.call(req).await
}

impl FromRequest for Channel {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<AuthenticatedChannel>()
                .cloned()
                .map(Channel)
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::ApiKeyInvalid,
                        "The apiKey header is missing or unknown",
                    )
                }),
        )
    }
}

/// `chatServer` and `chatSessionID`, the pair most channel calls carry.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatSessionFields {
    #[schema(schema_with = field::chat_server)]
    pub chat_server: Flat<String>,
    #[serde(rename = "chatSessionID")]
    #[schema(schema_with = field::chat_session_id)]
    pub chat_session_id: Flat<String>,
}

impl ChatSessionFields {
    fn of(chat_server: Flat<String>, chat_session_id: Flat<String>) -> Self {
        Self {
            chat_server,
            chat_session_id,
        }
    }

    /// Checks both fields against their patterns; returns the session.
    pub(super) fn check(self, f: &mut Fields) -> Option<String> {
        let server = self.chat_server.0.and_then(|s| pattern::chat_server(&s));
        f.check("chatServer", server);
        let session = self
            .chat_session_id
            .0
            .and_then(|s| pattern::chat_session_id(&s));
        f.check("chatSessionID", session)
    }
}

/// Checks `chatAccountToken` (pattern, then ownership).
fn account_token(
    f: &mut Fields,
    channel: &AuthenticatedChannel,
    raw: &str,
) -> Option<Result<(), ApiError>> {
    let token = f.check("chatAccountToken", pattern::chat_account_token(raw))?;
    Some(channel.check_account_token(&token))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewChatMessageRequest {
    // Written out, not `#[serde(flatten)]`: a flattened type can't say which fields it knows,
    // and every field this API doesn't know is named in the answer (`known_fields`).
    #[schema(schema_with = field::chat_server)]
    pub chat_server: Flat<String>,
    #[serde(rename = "chatSessionID")]
    #[schema(schema_with = field::chat_session_id)]
    pub chat_session_id: Flat<String>,
    #[schema(schema_with = field::chat_account_token)]
    pub chat_account_token: String,
    #[serde(rename = "channelID")]
    #[schema(schema_with = schemas::id)]
    pub channel_id: Option<Int>,
    #[schema(schema_with = schemas::text::<MESSAGE_MAX>)]
    pub message: String,
    #[schema(schema_with = field::message_url)]
    pub url: Option<String>,
    #[schema(schema_with = field::message_number)]
    pub message_number: Option<Int>,
    pub used_predefined_user_input: Option<serde_json::Value>,
    pub additional_data: Option<String>,
    pub external_address_overwrite: Option<String>,
    #[schema(schema_with = field::customer_name)]
    pub customer_name: Option<Flat<String>>,
    #[schema(schema_with = field::email)]
    pub email_address: Option<Flat<String>>,
    #[schema(schema_with = field::phone)]
    pub phone_number: Option<Flat<String>>,
}

/// The longest customer message.
const MESSAGE_MAX: usize = 4000;

fn message_number(n: Int) -> Result<i64, String> {
    if (1..=50).contains(&n.0) {
        Ok(n.0)
    } else {
        Err(format!("must be 1 to 50, not {}", n.0))
    }
}

/// A customer's message: opens or continues the session's chat, runs the welcome menu, queues it.
#[utoipa::path(post, path = "/api/v2/chat/notifyUserNewChatMessage", tag = "Channel API", request_body = NewChatMessageRequest,
    responses((status = 200, body = InboundView), (status = 401, description = "ApiKeyInvalid or AccountTokenInvalid")))]
pub async fn notify_user_new_chat_message(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<NewChatMessageRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let session = ChatSessionFields::of(req.chat_server, req.chat_session_id).check(&mut f);
    let token = account_token(&mut f, &channel, &req.chat_account_token);
    let text = f.check(
        "message",
        crate::domain::required_text(&req.message, MESSAGE_MAX),
    );
    let url = f.check_opt("url", req.url.filter(|u| !u.is_empty()), |u| {
        pattern::url(&u, 1)
    });
    f.check_opt("messageNumber", req.message_number, message_number);
    f.check_opt("channelID", req.channel_id, id);
    let mut ignored = Ignored::default();
    let name = ignored.detail("customerName", req.customer_name, pattern::customer_name);
    let email = ignored.detail("emailAddress", req.email_address, EmailAddress::parse);
    let phone = ignored.detail("phoneNumber", req.phone_number, PhoneNumber::parse);
    let message = f.build(|| {
        Some(CustomerMessage {
            session_id: session?,
            text: text?,
            customer_name: name,
            email,
            phone,
            url: url?,
            attachment: None,
        })
    })?;
    take_customer_message(ctx, channel, token, message, ignored).await
}

/// Stores a customer's message (text or file) once its account token has proved good.
async fn take_customer_message(
    ctx: web::Data<Ctx>,
    channel: AuthenticatedChannel,
    token: Option<Result<(), ApiError>>,
    message: CustomerMessage,
    ignored: Ignored,
) -> ApiResult<HttpResponse> {
    token.unwrap_or(Ok(()))?;
    let mut view = run(&ctx, move |ctx| {
        intake::notify_user_new_chat_message(ctx, &channel, message)
    })
    .await?;
    view.ignored = ignored.into_map();
    Ok(json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatEventRequest {
    // Written out, not `#[serde(flatten)]`: a flattened type can't say which fields it knows,
    // and every field this API doesn't know is named in the answer (`known_fields`).
    #[schema(schema_with = field::chat_server)]
    pub chat_server: Flat<String>,
    #[serde(rename = "chatSessionID")]
    #[schema(schema_with = field::chat_session_id)]
    pub chat_session_id: Flat<String>,
    /// startedtyping or stoppedtyping.
    #[schema(schema_with = field::typing_event)]
    pub event: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ChatRef {
    pub success: bool,
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
}

impl ChatRef {
    fn new(chat_id: i64) -> Self {
        Self {
            success: true,
            chat_id,
        }
    }
}

/// The customer started or stopped typing.
#[utoipa::path(post, path = "/api/v2/chat/notifyUserNewChatEvent", tag = "Channel API", request_body = ChatEventRequest,
    responses((status = 200, body = ChatRef), (status = 404, description = "ChatNotFound")))]
pub async fn notify_user_new_chat_event(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<ChatEventRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let session = ChatSessionFields::of(req.chat_server, req.chat_session_id).check(&mut f);
    let typing = f.check("event", pattern::typing_event(&req.event));
    let (session, typing) = f.build(|| Some((session?, typing?)))?;
    let chat_id = run(&ctx, move |ctx| {
        intake::notify_user_new_chat_event(ctx, &channel, &session, typing)
    })
    .await?;
    Ok(json(ChatRef::new(chat_id)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitedRequest {
    // Written out, not `#[serde(flatten)]`: a flattened type can't say which fields it knows,
    // and every field this API doesn't know is named in the answer (`known_fields`).
    #[schema(schema_with = field::chat_server)]
    pub chat_server: Flat<String>,
    #[serde(rename = "chatSessionID")]
    #[schema(schema_with = field::chat_session_id)]
    pub chat_session_id: Flat<String>,
    #[schema(schema_with = field::visited_url)]
    pub url: String,
}

/// The customer opened a page; shown with the session's chat.
#[utoipa::path(post, path = "/api/v2/chat/notifyUserVisited", tag = "Channel API", request_body = VisitedRequest,
    responses((status = 200, body = Success)))]
pub async fn notify_user_visited(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<VisitedRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let session = ChatSessionFields::of(req.chat_server, req.chat_session_id).check(&mut f);
    let url = f.check("url", pattern::url(&req.url, 4));
    let (session, url) = f.build(|| Some((session?, url?)))?;
    run(&ctx, move |ctx| {
        intake::notify_user_visited(ctx, &channel, &session, &url)
    })
    .await?;
    Ok(success())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndChatRequest {
    // Written out, not `#[serde(flatten)]`: a flattened type can't say which fields it knows,
    // and every field this API doesn't know is named in the answer (`known_fields`).
    #[schema(schema_with = field::chat_server)]
    pub chat_server: Flat<String>,
    #[serde(rename = "chatSessionID")]
    #[schema(schema_with = field::chat_session_id)]
    pub chat_session_id: Flat<String>,
}

/// The customer left: the chat closes as closed by the customer.
#[utoipa::path(post, path = "/api/v2/chat/notifyUserEndChat", tag = "Channel API", request_body = EndChatRequest,
    responses((status = 200, body = ChatRef), (status = 404, description = "ChatNotFound")))]
pub async fn notify_user_end_chat(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<EndChatRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let session = ChatSessionFields::of(req.chat_server, req.chat_session_id).check(&mut f);
    let session = f.build(|| session)?;
    let chat_id = run(&ctx, move |ctx| {
        intake::notify_user_end_chat(ctx, &channel, &session)
    })
    .await?;
    Ok(json(ChatRef::new(chat_id)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddAttachmentRequest {
    // Written out, not `#[serde(flatten)]`: a flattened type can't say which fields it knows,
    // and every field this API doesn't know is named in the answer (`known_fields`).
    #[schema(schema_with = field::chat_server)]
    pub chat_server: Flat<String>,
    #[serde(rename = "chatSessionID")]
    #[schema(schema_with = field::chat_session_id)]
    pub chat_session_id: Flat<String>,
    #[schema(schema_with = field::chat_account_token)]
    pub chat_account_token: String,
    #[schema(schema_with = field::phone)]
    pub phone_number: Option<Flat<String>>,
    #[schema(schema_with = schemas::int_from::<1>)]
    pub message_number: Option<Int>,
    /// Base64 in JSON, or a file part in multipart/form-data.
    pub file: FileData,
    /// Optional name and type for a base64 file (otherwise the type is read from its first bytes).
    pub file_name: Option<String>,
    #[schema(schema_with = schemas::attachment_type)]
    pub content_type: Option<String>,
}

schemas::body_schema! {
    /// addAttachment's body: the file with its type (a name with a known extension, or a JPEG,
    /// PNG, GIF, WebP or PDF file without either, is also taken).
    AddAttachmentBody = AddAttachmentRequest [
        schemas::required_fields([("contentType", schemas::attachment_type())]),
    ]
}

/// A file from the customer, as a message of the session's chat.
#[utoipa::path(post, path = "/api/v2/chat/addAttachment", tag = "Channel API", request_body = AddAttachmentBody,
    responses((status = 200, body = InboundView), (status = 401, description = "ApiKeyInvalid or AccountTokenInvalid"),
              (status = 413, description = "PayloadTooLarge"), (status = 400, description = "ValidationFailed, e.g. a type not on the allow-list"),
              (status = 503, description = "ServerBusy (too many uploads at once) or DatabaseUnavailable")))]
pub async fn add_attachment(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<AddAttachmentRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let session = ChatSessionFields::of(req.chat_server, req.chat_session_id).check(&mut f);
    let token = account_token(&mut f, &channel, &req.chat_account_token);
    let mut ignored = Ignored::default();
    let phone = ignored.detail(
        "phoneNumber",
        req.phone_number,
        PhoneNumber::parse_digits_adding_plus,
    );
    f.check_opt("messageNumber", req.message_number, positive);
    let file = f.check(
        "file",
        req.file.into_upload(req.file_name, req.content_type),
    );
    let message = f.build(|| {
        Some(CustomerMessage {
            session_id: session?,
            text: String::new(),
            customer_name: None,
            email: None,
            phone,
            url: None,
            attachment: Some(file?),
        })
    })?;
    take_customer_message(ctx, channel, token, message, ignored).await
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckOriginRequest {
    #[schema(schema_with = field::chat_server)]
    pub chat_server: String,
    #[schema(schema_with = field::chat_account_token)]
    pub chat_account_token: String,
    /// The host name of the page embedding the widget.
    #[schema(schema_with = field::origin)]
    pub origin: String,
    #[schema(schema_with = field::ip)]
    pub ip: String,
}

/// Whether a page's origin is allowed and the visitor's IP is not blocked.
#[utoipa::path(post, path = "/api/v2/chat/checkOriginAndIP", tag = "Channel API", request_body = CheckOriginRequest,
    responses((status = 200, body = OriginCheckView), (status = 401, description = "ApiKeyInvalid or AccountTokenInvalid")))]
pub async fn check_origin_and_ip(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<CheckOriginRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    f.check("chatServer", pattern::chat_server(&req.chat_server));
    let token = account_token(&mut f, &channel, &req.chat_account_token);
    let origin = f.check("origin", pattern::origin(&req.origin));
    let ip = f.check("ip", pattern::ip(&req.ip));
    let (origin, ip) = f.build(|| Some((origin?, ip?)))?;
    token.unwrap_or(Ok(()))?;
    Ok(json(
        run(&ctx, move |ctx| {
            widget::check_origin_and_ip(ctx, &origin, ip)
        })
        .await?,
    ))
}

/// The origin allow-list and IP block-list.
#[utoipa::path(get, path = "/api/v2/chat/whitelistedDomainsAndBlacklistedIPs", tag = "Channel API",
    responses((status = 200, body = AccessListsView)))]
pub async fn whitelisted_domains_and_blacklisted_ips(
    ctx: web::Data<Ctx>,
    _: Channel,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    Ok(json(
        run(&ctx, widget::whitelisted_domains_and_blacklisted_ips).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountTokenRequest {
    #[schema(schema_with = field::chat_account_token)]
    pub chat_account_token: String,
    #[schema(schema_with = field::chat_server)]
    pub chat_server: Option<String>,
}

fn check_account_request(
    channel: &AuthenticatedChannel,
    req: &AccountTokenRequest,
) -> ApiResult<()> {
    let mut f = Fields::default();
    let token = account_token(&mut f, channel, &req.chat_account_token);
    if let Some(server) = &req.chat_server {
        f.check("chatServer", pattern::chat_server(server));
    }
    f.build(|| Some(()))?;
    token.unwrap_or(Ok(()))
}

/// Waiting chats, online agents and the next queue position, per department.
#[utoipa::path(post, path = "/api/v2/chat/requestChatQueue", tag = "Channel API", request_body = AccountTokenRequest,
    responses((status = 200, body = ChatQueueView), (status = 401, description = "ApiKeyInvalid or AccountTokenInvalid")))]
pub async fn request_chat_queue(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<AccountTokenRequest>,
) -> ApiResult<HttpResponse> {
    check_account_request(&channel, &req)?;
    Ok(json(run(&ctx, widget::request_chat_queue).await?))
}

/// What the widget shows: company, department menu, working hours and whether open now, texts, limits.
#[utoipa::path(post, path = "/api/v2/chat/requestChatConfig", tag = "Channel API", request_body = AccountTokenRequest,
    responses((status = 200, body = ChatConfigView), (status = 401, description = "ApiKeyInvalid or AccountTokenInvalid")))]
pub async fn request_chat_config(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<AccountTokenRequest>,
) -> ApiResult<HttpResponse> {
    check_account_request(&channel, &req)?;
    Ok(json(run(&ctx, widget::request_chat_config).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct GetAttachmentRequest {
    #[serde(rename = "attachmentID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub attachment_id: Int,
}

/// Downloads a file of one of this channel's chats (the `url` of an attachment we delivered).
#[utoipa::path(get, path = "/api/v2/chat/getAttachment", tag = "Channel API", operation_id = "channel_get_attachment",
    params(GetAttachmentRequest),
    responses((status = 200, description = "The file, with its own type", content_type = "*/*"),
              (status = 404, description = "AttachmentNotFound")))]
pub async fn get_attachment(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<GetAttachmentRequest>,
) -> ApiResult<HttpResponse> {
    let attachment_id = field("attachmentID", id(req.attachment_id))?;
    let file = run(&ctx, move |ctx| {
        attachments::get_channel_attachment(ctx, &channel, attachment_id)
    })
    .await?;
    Ok(file_response(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_field_of_the_wrong_type_is_named() {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(flatten)]
            session: ChatSessionFields,
        }
        let probe: Probe =
            serde_json::from_value(serde_json::json!({"chatServer": 5, "chatSessionID": "s"}))
                .unwrap();
        let mut f = Fields::default();
        probe.session.check(&mut f);
        let e = f.build(|| Some(())).unwrap_err();
        assert_eq!(
            e.fields.keys().collect::<Vec<_>>(),
            vec!["chatServer", "chatSessionID"]
        );
        assert!(e.fields["chatServer"].contains("invalid type"), "{e:?}");
    }
}
