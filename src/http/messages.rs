//! Message endpoints: SendMessage, GetChatMessages, MarkChatRead, GetAttachment.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::chats::paging;
use super::input::Input;
use super::params::{field, id, Fields, FileData, Int};
use super::respond::{file_response, json, json_bytes, run, success, Success};
use super::schemas;
use super::session_auth::Caller;
use crate::error::ApiResult;
use crate::service::attachments;
use crate::service::messages::{self, MessageList, MessageView, OutgoingMessage};
use crate::service::Ctx;

const MESSAGE_MAX: usize = 4000;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SendMessageRequest {
    #[serde(rename = "ChatID")]
    #[schema(schema_with = schemas::id)]
    pub chat_id: Int,
    /// Required unless an attachment or a canned response is sent.
    #[schema(schema_with = schemas::optional_text::<MESSAGE_MAX>)]
    pub message_text: Option<String>,
    /// The file's type; without it, the type follows AttachmentName's extension.
    #[schema(schema_with = schemas::attachment_type)]
    pub attachment_type: Option<String>,
    /// The file's name as the customer sees it.
    pub attachment_name: Option<String>,
    /// Base64, or a file part in multipart/form-data; at most MaxAttachmentMB.
    pub attachment_data: Option<FileData>,
    /// Sends this canned response, with #CUSTOMERNAME# and #AGENTNAME# expanded.
    #[serde(rename = "CannedResponseID")]
    #[schema(schema_with = schemas::id)]
    pub canned_response_id: Option<Int>,
}

schemas::body_schema! {
    /// SendMessage's body: text, a canned response or a file, the file with its type.
    SendMessageBody = SendMessageRequest [
        schemas::any_of_fields([
            ("MessageText", schemas::text::<MESSAGE_MAX>()),
            ("CannedResponseID", schemas::id()),
            ("AttachmentData", schemas::base64_file()),
        ]),
        schemas::present_requires("AttachmentData", ("AttachmentType", schemas::attachment_type())),
    ]
}

/// Sends an agent's message (text, attachment or canned response) to the chat's customer.
#[utoipa::path(post, path = "/api/SendMessage", tag = "Messages", request_body = SendMessageBody,
    responses((status = 200, body = MessageView), (status = 404, description = "ChatNotFound or CannedResponseNotFound"),
              (status = 409, description = "ChatClosed, ChatNotQueued, ChatAssignedToAnotherAgent, AgentNotOnline or AgentAtCapacity"),
              (status = 413, description = "PayloadTooLarge"),
              (status = 503, description = "ServerBusy (too many uploads at once) or DatabaseUnavailable")))]
pub async fn send_message(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<SendMessageRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let chat_id = f.check("ChatID", id(req.chat_id));
    let text = f.check_opt("MessageText", req.message_text, |t| {
        crate::domain::optional_text(&t, MESSAGE_MAX)
    });
    let canned = f.check_opt("CannedResponseID", req.canned_response_id, id);
    let file = f.check_opt("AttachmentData", req.attachment_data, |file| {
        file.into_upload(req.attachment_name, req.attachment_type)
    });
    let (chat_id, out) = f.build(|| {
        Some((
            chat_id?,
            OutgoingMessage {
                text: text?.flatten(),
                canned_response_id: canned?,
                attachment: file?,
            },
        ))
    })?;
    Ok(json(
        run(&ctx, move |ctx| {
            messages::send_message(ctx, &caller, chat_id, out)
        })
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct GetChatMessagesRequest {
    #[serde(rename = "ChatID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub chat_id: Int,
    /// Only messages after this MessageID (for polling).
    #[param(value_type = Option<schemas::param::After>, inline)]
    pub after: Option<Int>,
    /// From 1.
    #[param(value_type = Option<schemas::param::Page>, inline)]
    pub page: Option<Int>,
    /// 20 when absent.
    #[param(value_type = Option<schemas::param::PageSize>, inline)]
    pub page_size: Option<Int>,
}

/// The chat's messages in order, paged, or those after a message id.
#[utoipa::path(get, path = "/api/GetChatMessages", tag = "Messages",
    params(GetChatMessagesRequest),
    responses((status = 200, body = MessageList), (status = 404, description = "ChatNotFound")))]
pub async fn get_chat_messages(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<GetChatMessagesRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let chat_id = f.check("ChatID", id(req.chat_id));
    let after = f.check_opt("After", req.after, |a| {
        if a.0 >= 0 {
            Ok(a.0)
        } else {
            Err("must be a message id".into())
        }
    });
    let paging = paging(&mut f, req.page, req.page_size);
    let (chat_id, after, (page, page_size)) = f.build(|| Some((chat_id?, after?, paging?)))?;
    let body = run(&ctx, move |ctx| {
        messages::get_chat_messages(ctx, &caller, chat_id, after, page, page_size)
    })
    .await?;
    Ok(json_bytes(body))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct MarkChatReadRequest {
    #[serde(rename = "ChatID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub chat_id: Int,
}

/// Marks the customer's messages in a chat as read.
#[utoipa::path(method(get, post), path = "/api/MarkChatRead", tag = "Messages", params(MarkChatReadRequest),
    responses((status = 200, body = Success), (status = 404, description = "ChatNotFound")))]
pub async fn mark_chat_read(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<MarkChatReadRequest>,
) -> ApiResult<HttpResponse> {
    let chat_id = field("ChatID", id(req.chat_id))?;
    run(&ctx, move |ctx| {
        messages::mark_chat_read(ctx, &caller, chat_id)
    })
    .await?;
    Ok(success())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct GetAttachmentRequest {
    #[serde(rename = "AttachmentID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub attachment_id: Int,
}

/// Downloads an attachment of a chat the caller may see.
#[utoipa::path(get, path = "/api/GetAttachment", tag = "Messages", params(GetAttachmentRequest),
    responses((status = 200, description = "The file, with its own type", content_type = "*/*"),
              (status = 404, description = "AttachmentNotFound")))]
pub async fn get_attachment(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<GetAttachmentRequest>,
) -> ApiResult<HttpResponse> {
    let attachment_id = field("AttachmentID", id(req.attachment_id))?;
    let file = run(&ctx, move |ctx| {
        attachments::get_attachment(ctx, &caller, attachment_id)
    })
    .await?;
    Ok(file_response(file))
}
