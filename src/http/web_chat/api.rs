//! The visitor API, `/api/webchat/<Name>`: public and unauthenticated but for the visitor token
//! that Start hands out. Every call passes the per-address and per-visitor limits and the blocked
//! addresses first; bodies are read under the usual limits (files under `MaxAttachmentMB`).

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::client_address::ClientAddress;
use super::super::input::Input;
use super::super::params::{field, id, Bool, Fields, FileData, Int};
use super::super::respond::{file_response, json, run, success, Success};
use super::super::schemas;
use super::super::session_auth::query_value;
use crate::domain::channel_fields as pattern;
use crate::domain::rating::{Rating, COMMENT_MAX};
use crate::domain::web_chat::{visitor_token, widget_key};
use crate::domain::{optional_text, required_text, EmailAddress};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::service::intake::InboundView;
use crate::service::ratings::RatingView;
use crate::service::web_chat::conversation::{self, VisitorWrites};
use crate::service::web_chat::limits::{self, WebChatLimits};
use crate::service::web_chat::{self, away, StartView, Visitor, VisitorMessage};
use crate::service::Ctx;

/// The longest message a visitor may write (as the channel API's `message`).
const MESSAGE_MAX: usize = 4000;

/// The visitor token: the `X-Visitor-Token` header, else the `VisitorToken` query parameter (an
/// EventSource or an `<img>` can't send headers).
pub fn token_of(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("X-Visitor-Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query_value(req.query_string(), "VisitorToken"))
}

/// The calling visitor, after the address's limit, the blocked addresses and the visitor's own
/// limit.
pub struct WebVisitor(pub Visitor);

impl FromRequest for WebVisitor {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = req.app_data::<web::Data<Ctx>>().cloned();
        let limits = req.app_data::<web::Data<WebChatLimits>>().cloned();
        let address = ClientAddress::of(req).0;
        let token = token_of(req);
        Box::pin(async move {
            let (Some(ctx), Some(limits)) = (ctx, limits) else {
                return Err(ApiError::internal("the web chat's state is missing"));
            };
            limits.check(&format!("address:{address}"), limits::PER_ADDRESS)?;
            let token = token
                .as_deref()
                .map(visitor_token)
                .transpose()
                .map_err(|e| ApiError::new(ErrorCode::VisitorTokenInvalid, e))?
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::VisitorTokenInvalid,
                        "Send the visitor token (X-Visitor-Token) that Start gave",
                    )
                })?;
            let visitor = run(&ctx, move |ctx| {
                web_chat::check_access(ctx, None, address)?;
                web_chat::authenticate(ctx, &token)
            })
            .await?;
            limits.check(&format!("visitor:{}", visitor.id), limits::PER_VISITOR)?;
            Ok(WebVisitor(visitor))
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct StartRequest {
    /// The `data-widget-key` of the snippet.
    #[schema(pattern = "^[0-9a-f]{32}$")]
    pub widget_key: String,
    /// The token this browser kept from an earlier Start, to go on with its conversation.
    #[schema(pattern = "^[0-9a-f]{32}$")]
    pub visitor_token: Option<String>,
    /// The host name of the page the chat is embedded in, checked against `WhitelistedDomains`.
    #[schema(schema_with = schemas::channel::origin)]
    pub host_origin: Option<String>,
}

/// Starts (or, with a good VisitorToken, resumes) a visitor of a web channel: the token, the
/// window's configuration and the conversation so far.
#[utoipa::path(post, path = "/api/webchat/Start", tag = "Web chat", request_body = StartRequest,
    responses((status = 200, body = StartView), (status = 401, description = "WidgetKeyInvalid"),
              (status = 403, description = "OriginNotAllowed: the page's host is not on WhitelistedDomains, or the address is blocked"),
              (status = 429, description = "TooManyRequests")))]
pub async fn start(
    ctx: web::Data<Ctx>,
    limits: web::Data<WebChatLimits>,
    ClientAddress(address): ClientAddress,
    Input(req): Input<StartRequest>,
) -> ApiResult<HttpResponse> {
    limits.check(&format!("address:{address}"), limits::PER_ADDRESS)?;
    let mut f = Fields::default();
    let key = f.check("WidgetKey", widget_key(&req.widget_key));
    let token = f.check_opt(
        "VisitorToken",
        req.visitor_token.filter(|t| !t.trim().is_empty()),
        |t| visitor_token(&t),
    );
    let origin = f.check_opt(
        "HostOrigin",
        req.host_origin.filter(|o| !o.trim().is_empty()),
        |o| pattern::origin(&o),
    );
    let (key, token, origin) = f.build(|| Some((key?, token?, origin?)))?;
    if token.is_none() {
        limits.check(&format!("start:{address}"), limits::STARTS_PER_ADDRESS)?;
    }
    let view = run(&ctx, move |ctx| {
        web_chat::check_access(ctx, origin.as_deref(), address)?;
        web_chat::start(ctx, &key, token.as_deref())
    })
    .await?;
    Ok(json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MessageRequest {
    #[schema(schema_with = schemas::text::<MESSAGE_MAX>)]
    pub message: String,
    /// The visitor's name (asked when WebChatAskName is on).
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// The visitor's address (asked when WebChatAskEmail is on): replies go there while it is away.
    #[schema(schema_with = schemas::email)]
    pub email: Option<String>,
}

fn name_and_email(
    f: &mut Fields,
    name: Option<String>,
    email: Option<String>,
) -> (Option<Option<String>>, Option<Option<EmailAddress>>) {
    let name = f.check_opt("Name", name.filter(|n| !n.trim().is_empty()), |n| {
        pattern::customer_name(&n)
    });
    let email = f.check_opt("Email", email.filter(|e| !e.trim().is_empty()), |e| {
        EmailAddress::parse(&e)
    });
    (name, email)
}

/// The visitor writes; the first message opens the chat (welcome menu, queue, routing) exactly
/// as the channel API's notifyUserNewChatMessage does.
#[utoipa::path(post, path = "/api/webchat/Message", tag = "Web chat", request_body = MessageRequest,
    params(("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = InboundView), (status = 400, description = "ValidationFailed"),
              (status = 401, description = "VisitorTokenInvalid"), (status = 429, description = "TooManyRequests")))]
pub async fn message(
    ctx: web::Data<Ctx>,
    limits: web::Data<WebChatLimits>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<MessageRequest>,
) -> ApiResult<HttpResponse> {
    limits.check(
        &format!("message:{}", visitor.id),
        limits::MESSAGES_PER_VISITOR,
    )?;
    let mut f = Fields::default();
    let text = f.check("Message", required_text(&req.message, MESSAGE_MAX));
    let (name, email) = name_and_email(&mut f, req.name, req.email);
    let m = f.build(|| {
        Some(VisitorWrites {
            text: text?,
            name: name?,
            email: email?,
            attachment: None,
        })
    })?;
    let view = run(&ctx, move |ctx| {
        conversation::send_message(ctx, &visitor, m)
    })
    .await?;
    Ok(json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct FileRequest {
    /// A file part in multipart/form-data (or base64 in JSON), within MaxAttachmentMB.
    pub file: FileData,
    #[schema(max_length = 255)]
    pub file_name: Option<String>,
    #[schema(schema_with = schemas::attachment_type)]
    pub content_type: Option<String>,
}

/// The visitor sends a file (an image, a PDF ...) as its message.
#[utoipa::path(post, path = "/api/webchat/File", tag = "Web chat", request_body = FileRequest,
    params(("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = InboundView), (status = 400, description = "ValidationFailed, e.g. a type not on the allow-list"),
              (status = 401, description = "VisitorTokenInvalid"), (status = 413, description = "PayloadTooLarge"),
              (status = 429, description = "TooManyRequests")))]
pub async fn file(
    ctx: web::Data<Ctx>,
    limits: web::Data<WebChatLimits>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<FileRequest>,
) -> ApiResult<HttpResponse> {
    limits.check(
        &format!("message:{}", visitor.id),
        limits::MESSAGES_PER_VISITOR,
    )?;
    let upload = field(
        "File",
        req.file.into_upload(req.file_name, req.content_type),
    )?;
    let m = VisitorWrites {
        text: String::new(),
        name: None,
        email: None,
        attachment: Some(upload),
    };
    let view: InboundView = run(&ctx, move |ctx| {
        conversation::send_message(ctx, &visitor, m)
    })
    .await?;
    Ok(json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LeaveMessageRequest {
    #[schema(max_length = 100)]
    pub name: String,
    #[schema(schema_with = schemas::email)]
    pub email: String,
    #[schema(schema_with = schemas::text::<MESSAGE_MAX>)]
    pub message: String,
}

/// With nobody online or out of hours: the visitor leaves name, address and text; it becomes a
/// chat in the queue, and agents' replies reach the address by mail while the visitor is away.
#[utoipa::path(post, path = "/api/webchat/LeaveMessage", tag = "Web chat", request_body = LeaveMessageRequest,
    params(("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = InboundView), (status = 400, description = "ValidationFailed"),
              (status = 401, description = "VisitorTokenInvalid"), (status = 429, description = "TooManyRequests")))]
pub async fn leave_message(
    ctx: web::Data<Ctx>,
    limits: web::Data<WebChatLimits>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<LeaveMessageRequest>,
) -> ApiResult<HttpResponse> {
    limits.check(
        &format!("message:{}", visitor.id),
        limits::MESSAGES_PER_VISITOR,
    )?;
    let mut f = Fields::default();
    let name = f.check("Name", pattern::customer_name(&req.name));
    let email = f.check("Email", EmailAddress::parse(&req.email));
    let text = f.check("Message", required_text(&req.message, MESSAGE_MAX));
    let (name, email, text) = f.build(|| Some((name?, email?, text?)))?;
    let view = run(&ctx, move |ctx| {
        conversation::leave_message(ctx, &visitor, name, email, text)
    })
    .await?;
    Ok(json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TypingRequest {
    pub typing: Bool,
}

/// The visitor started or stopped typing (agents see it on the chat).
#[utoipa::path(post, path = "/api/webchat/Typing", tag = "Web chat", request_body = TypingRequest,
    params(("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = Success), (status = 401, description = "VisitorTokenInvalid")))]
pub async fn typing(
    ctx: web::Data<Ctx>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<TypingRequest>,
) -> ApiResult<HttpResponse> {
    let typing = req.typing.0;
    run(&ctx, move |ctx| conversation::typing(ctx, &visitor, typing)).await?;
    Ok(success())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ReadRequest {
    /// The newest message the visitor has seen.
    #[serde(rename = "MessageID")]
    #[schema(schema_with = schemas::id)]
    pub message_id: Int,
}

/// The visitor has read the messages meant for it up to MessageID.
#[utoipa::path(post, path = "/api/webchat/Read", tag = "Web chat", request_body = ReadRequest,
    params(("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = Success), (status = 401, description = "VisitorTokenInvalid")))]
pub async fn read(
    ctx: web::Data<Ctx>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<ReadRequest>,
) -> ApiResult<HttpResponse> {
    let up_to = field("MessageID", id(req.message_id))?;
    run(&ctx, move |ctx| {
        conversation::mark_read(ctx, &visitor, up_to)
    })
    .await?;
    Ok(success())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RateRequest {
    /// 1 (poor) to 5 (excellent).
    #[schema(schema_with = schemas::int_range::<1, 5>)]
    pub rating: Int,
    /// What the visitor wrote with the rating; empty for none.
    #[schema(schema_with = schemas::optional_text::<COMMENT_MAX>)]
    pub comment: Option<String>,
}

/// The visitor rates its latest closed chat, once (the answer to the RatingRequest line).
#[utoipa::path(post, path = "/api/webchat/Rate", tag = "Web chat", request_body = RateRequest,
    params(("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = RatingView), (status = 404, description = "ChatNotFound: no closed chat"),
              (status = 409, description = "RatingAlreadyGiven")))]
pub async fn rate(
    ctx: web::Data<Ctx>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<RateRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let rating = f.check("Rating", Rating::parse(req.rating.0));
    let comment = f.check(
        "Comment",
        optional_text(req.comment.as_deref().unwrap_or(""), COMMENT_MAX),
    );
    let (rating, comment) = f.build(|| Some((rating?, comment?)))?;
    let view = run(&ctx, move |ctx| {
        conversation::rate(ctx, &visitor, rating, comment)
    })
    .await?;
    Ok(json(view))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct EndedView {
    pub success: bool,
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
}

/// The visitor ends its open chat.
#[utoipa::path(post, path = "/api/webchat/End", tag = "Web chat",
    params(("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = EndedView), (status = 404, description = "ChatNotFound: no open chat")))]
pub async fn end(ctx: web::Data<Ctx>, WebVisitor(visitor): WebVisitor) -> ApiResult<HttpResponse> {
    let chat_id = run(&ctx, move |ctx| conversation::end_chat(ctx, &visitor)).await?;
    Ok(json(EndedView {
        success: true,
        chat_id,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct MessagesRequest {
    /// Only messages after this one (0 or none: from the start).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub after: Option<Int>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct MessagesView {
    pub messages: Vec<VisitorMessage>,
}

/// The visitor's conversation (its own chats only), 200 messages a page.
#[utoipa::path(get, path = "/api/webchat/Messages", tag = "Web chat", params(MessagesRequest,
    ("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = MessagesView), (status = 401, description = "VisitorTokenInvalid")))]
pub async fn messages(
    ctx: web::Data<Ctx>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<MessagesRequest>,
) -> ApiResult<HttpResponse> {
    let after = match req.after {
        Some(n) if n.0 < 0 => return Err(ApiError::field("After", "must be 0 or more")),
        Some(n) => n.0,
        None => 0,
    };
    let messages = run(&ctx, move |ctx| {
        web_chat::messages_after(ctx, &visitor, after)
    })
    .await?;
    Ok(json(MessagesView { messages }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct AttachmentRequest {
    #[serde(rename = "AttachmentID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub attachment_id: Int,
}

/// A file of one of the visitor's chats (404 for any other).
#[utoipa::path(get, path = "/api/webchat/Attachment", tag = "Web chat", operation_id = "webchat_attachment",
    params(AttachmentRequest, ("VisitorToken" = String, Query, pattern = "^[0-9a-f]{32}$", description = "The token Start gave (or the X-Visitor-Token header)")),
    responses((status = 200, description = "The file", content_type = "*/*"), (status = 404, description = "AttachmentNotFound")))]
pub async fn attachment(
    ctx: web::Data<Ctx>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<AttachmentRequest>,
) -> ApiResult<HttpResponse> {
    let attachment_id = field("AttachmentID", id(req.attachment_id))?;
    let file = run(&ctx, move |ctx| {
        conversation::attachment(ctx, &visitor, attachment_id)
    })
    .await?;
    Ok(file_response(file))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TranscriptRequest {
    #[schema(schema_with = schemas::email)]
    pub email: String,
}

/// Mails the visitor's conversation to the address it gives (twice per ten minutes at most).
#[utoipa::path(post, path = "/api/webchat/Transcript", tag = "Web chat", request_body = TranscriptRequest,
    params(("X-Visitor-Token" = String, Header, pattern = "^[0-9a-f]{32}$", description = "The token Start gave")),
    responses((status = 200, body = Success), (status = 409, description = "NoActiveChat: nothing to send yet"),
              (status = 429, description = "TooManyRequests")))]
pub async fn transcript(
    ctx: web::Data<Ctx>,
    limits: web::Data<WebChatLimits>,
    WebVisitor(visitor): WebVisitor,
    Input(req): Input<TranscriptRequest>,
) -> ApiResult<HttpResponse> {
    let email = field("Email", EmailAddress::parse(&req.email))?;
    limits.check(&format!("mail:{}", visitor.id), limits::MAILS_PER_VISITOR)?;
    run(&ctx, move |ctx| {
        away::email_transcript(ctx, &visitor, &email)
    })
    .await?;
    Ok(success())
}
