//! Chat endpoints: GetChatList, GetChat, GrabChat, AssignChat, ReAssignChat, TransferChat,
//! CloseChat, ExportChat.

use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use super::input::{Input, NoFields};
use super::params::{field, id, Fields, Int};
use super::respond::{json, json_bytes, run};
use super::schemas;
use super::session_auth::Caller;
use crate::domain::chat::ChatState;
use crate::domain::chat_list::{ListPosition, SearchTerm};
use crate::error::ApiResult;
use crate::service::chats::{self, ChatDetail, ChatList, ChatListQuery, ChatView};
use crate::service::routing::{self, ReassignedView};
use crate::service::{export, Ctx};
use crate::telemetry;

pub const PAGE_SIZE_MAX: i64 = 100;
pub const PAGE_SIZE_DEFAULT: i64 = 20;
/// Keeps `(Page - 1) * PageSize` far from overflow.
pub const PAGE_MAX: i64 = 1_000_000;

/// `Page` (from 1) and `PageSize` (1 to 100).
pub fn paging(f: &mut Fields, page: Option<Int>, page_size: Option<Int>) -> Option<(i64, i64)> {
    let page = f.check(
        "Page",
        match page.map_or(1, |p| p.0) {
            p if (1..=PAGE_MAX).contains(&p) => Ok(p),
            p => Err(format!("must be between 1 and {PAGE_MAX}, not {p}")),
        },
    );
    let size = f.check(
        "PageSize",
        match page_size.map_or(PAGE_SIZE_DEFAULT, |p| p.0) {
            s if (1..=PAGE_SIZE_MAX).contains(&s) => Ok(s),
            s => Err(format!("must be between 1 and {PAGE_SIZE_MAX}, not {s}")),
        },
    );
    Some((page?, size?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct GetChatListRequest {
    /// open, unassigned or closed; all when absent.
    #[param(value_type = Option<schemas::param::ChatType>, inline)]
    pub chat_type: Option<String>,
    /// From 1.
    #[param(value_type = Option<schemas::param::Page>, inline)]
    pub page: Option<Int>,
    /// 20 when absent.
    #[param(value_type = Option<schemas::param::PageSize>, inline)]
    pub page_size: Option<Int>,
    /// Cursor.Next of the previous page: the page starts right after its last chat (keyset
    /// paging, as fast at any depth); Page is then only echoed in Cursor.Page.
    #[param(value_type = Option<schemas::param::ListAfter>, inline)]
    pub after: Option<String>,
    /// Part of the customer's name or mobile number, or of any message, ignoring case; 1-2
    /// characters search only the newest 20,000 messages.
    #[param(value_type = Option<schemas::param::Term>, inline)]
    pub term: Option<String>,
    /// none, private (assigned to me) or unread.
    #[param(value_type = Option<schemas::param::Selector>, inline)]
    pub selector: Option<String>,
    #[serde(rename = "DepartmentID")]
    #[param(value_type = Option<schemas::param::Id>, inline)]
    pub department_id: Option<Int>,
    #[serde(rename = "AgentID")]
    #[param(value_type = Option<schemas::param::Id>, inline)]
    pub agent_id: Option<Int>,
}

/// The longest search term.
pub const TERM_MAX: usize = 100;

/// The longest transfer note.
pub const NOTE_MAX: usize = 2000;

/// Chats the caller may see, filtered and paged.
#[utoipa::path(get, path = "/api/GetChatList", tag = "Chats",
    params(GetChatListRequest), responses((status = 200, body = ChatList)))]
pub async fn get_chat_list(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<GetChatListRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let state = f.check_opt("ChatType", req.chat_type, |t| ChatState::parse(&t));
    let paging = paging(&mut f, req.page, req.page_size);
    let selector = f.check(
        "Selector",
        match req
            .selector
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("none") | Some("") => Ok((false, false)),
            Some("private") => Ok((true, false)),
            Some("unread") => Ok((false, true)),
            Some(other) => Err(format!("must be none, private or unread, not `{other}`")),
        },
    );
    let term = f.check_opt("Term", req.term, |t| {
        crate::domain::optional_text(&t, TERM_MAX)
    });
    // `After=` (empty) is the first page, so a client can send the parameter unconditionally.
    let after = f.check_opt("After", req.after, |a| match a.trim() {
        "" => Ok(None),
        a => ListPosition::parse(a).map(Some),
    });
    let department_id = f.check_opt("DepartmentID", req.department_id, id);
    let agent_id = f.check_opt("AgentID", req.agent_id, id);
    let query = f.build(|| {
        let (page, page_size) = paging?;
        let (only_mine, unread_only) = selector?;
        Some(ChatListQuery {
            state: state?,
            page,
            page_size,
            after: after?.flatten(),
            term: term?.flatten().as_deref().map(SearchTerm::parse),
            only_mine,
            unread_only,
            department_id: department_id?,
            agent_id: agent_id?,
        })
    })?;
    let body = run(&ctx, move |ctx| chats::get_chat_list(ctx, &caller, query)).await?;
    Ok(json_bytes(body))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct ChatIdRequest {
    #[serde(rename = "ChatID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub chat_id: Int,
}

/// One chat with its customer, tags, visited pages and whether the customer is typing.
#[utoipa::path(get, path = "/api/GetChat", tag = "Chats", params(ChatIdRequest),
    responses((status = 200, body = ChatDetail), (status = 404, description = "ChatNotFound")))]
pub async fn get_chat(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<ChatIdRequest>,
) -> ApiResult<HttpResponse> {
    let chat_id = field("ChatID", id(req.chat_id))?;
    let body = run(&ctx, move |ctx| chats::get_chat(ctx, &caller, chat_id)).await?;
    Ok(json_bytes(body))
}

/// Takes the longest-waiting chat of the caller's departments.
#[utoipa::path(method(get, post), path = "/api/GrabChat", tag = "Chats",
    responses((status = 200, body = ChatView), (status = 404, description = "NoChatWaiting"), (status = 409, description = "AgentAtCapacity or AgentNotOnline")))]
pub async fn grab_chat(
    ctx: web::Data<Ctx>,
    caller: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    Ok(json(
        run(&ctx, move |ctx| routing::grab_chat(ctx, &caller)).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct AssignChatRequest {
    #[serde(rename = "ChatID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub chat_id: Int,
    /// Defaults to the caller; agents may assign only to themselves.
    #[serde(rename = "AgentID")]
    #[param(value_type = Option<schemas::param::Id>, inline)]
    pub agent_id: Option<Int>,
}

/// Assigns a waiting chat.
#[utoipa::path(method(get, post), path = "/api/AssignChat", tag = "Chats",
    params(AssignChatRequest),
    responses((status = 200, body = ChatView), (status = 403, description = "Forbidden: an agent assigning to someone else"),
              (status = 404, description = "ChatNotFound or AgentNotFound"),
              (status = 409, description = "ChatAlreadyAssigned, ChatClosed, ChatNotQueued, AgentNotInDepartment, AgentAtCapacity or AgentNotOnline")))]
pub async fn assign_chat(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<AssignChatRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let chat_id = f.check("ChatID", id(req.chat_id));
    let agent_id = f.check_opt("AgentID", req.agent_id, id);
    let (chat_id, agent_id) = f.build(|| Some((chat_id?, agent_id?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            routing::assign_chat(ctx, &caller, chat_id, agent_id)
        })
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct ReAssignChatRequest {
    #[serde(rename = "AgentID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub agent_id: Int,
    /// Without it, every open chat of the caller moves.
    #[serde(rename = "ChatID")]
    #[param(value_type = Option<schemas::param::Id>, inline)]
    pub chat_id: Option<Int>,
}

/// Moves an assigned chat (or all the caller's) to an online agent.
#[utoipa::path(method(get, post), path = "/api/ReAssignChat", tag = "Chats", operation_id = "re_assign_chat",
    params(ReAssignChatRequest),
    responses((status = 200, body = ReassignedView), (status = 403, description = "Forbidden: an agent moving another agent's chat"),
              (status = 404, description = "ChatNotFound or AgentNotFound"),
              (status = 409, description = "ChatNotAssigned, AgentNotInDepartment, AgentNotOnline or AgentAtCapacity")))]
pub async fn reassign_chat(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<ReAssignChatRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let agent_id = f.check("AgentID", id(req.agent_id));
    let chat_id = f.check_opt("ChatID", req.chat_id, id);
    let (agent_id, chat_id) = f.build(|| Some((agent_id?, chat_id?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            routing::reassign_chat(ctx, &caller, agent_id, chat_id)
        })
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct TransferChatRequest {
    #[serde(rename = "ChatID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub chat_id: Int,
    /// The department whose queue (or agent) takes the chat; required unless AgentID is sent
    /// (then the chat stays in its department).
    #[serde(rename = "DepartmentID")]
    #[param(value_type = Option<schemas::param::Id>, inline)]
    pub department_id: Option<Int>,
    /// Straight to this agent (Online, with room) instead of the queue.
    #[serde(rename = "AgentID")]
    #[param(value_type = Option<schemas::param::Id>, inline)]
    pub agent_id: Option<Int>,
    /// For whoever takes the chat: kept as a private comment, sent with `chat.transferred`.
    #[param(value_type = Option<schemas::param::Note>, inline)]
    pub note: Option<String>,
}

/// Transfers a chat to another department's queue or straight to an agent.
#[utoipa::path(method(get, post), path = "/api/TransferChat", tag = "Chats",
    params(TransferChatRequest),
    responses((status = 200, body = ChatView), (status = 403, description = "Forbidden: an agent moving another agent's chat"),
              (status = 404, description = "ChatNotFound, DepartmentNotFound or AgentNotFound"),
              (status = 409, description = "ChatClosed, DepartmentDisabled, AgentNotOnline, AgentAtCapacity or AgentNotInDepartment")))]
pub async fn transfer_chat(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<TransferChatRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let chat_id = f.check("ChatID", id(req.chat_id));
    let department_id = f.check(
        "DepartmentID",
        match (req.department_id, &req.agent_id) {
            (None, None) => Err("is required unless AgentID is sent".to_owned()),
            (None, Some(_)) => Ok(None),
            (Some(d), _) => id(d).map(Some),
        },
    );
    let agent_id = f.check_opt("AgentID", req.agent_id, id);
    let note = f.check_opt("Note", req.note, |n| {
        crate::domain::optional_text(&n, NOTE_MAX)
    });
    let (chat_id, to) = f.build(|| {
        Some((
            chat_id?,
            routing::Transfer {
                department_id: department_id?,
                agent_id: agent_id?,
                note: note?.flatten(),
            },
        ))
    })?;
    Ok(json(
        run(&ctx, move |ctx| {
            routing::transfer_chat(ctx, &caller, chat_id, to)
        })
        .await?,
    ))
}

/// Closes a chat.
#[utoipa::path(method(get, post), path = "/api/CloseChat", tag = "Chats", params(ChatIdRequest),
    responses((status = 200, body = ChatView), (status = 403, description = "Forbidden: an agent closing another agent's chat"),
              (status = 404, description = "ChatNotFound"), (status = 409, description = "ChatClosed")))]
pub async fn close_chat(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<ChatIdRequest>,
) -> ApiResult<HttpResponse> {
    let chat_id = field("ChatID", id(req.chat_id))?;
    Ok(json(
        run(&ctx, move |ctx| routing::close_chat(ctx, &caller, chat_id)).await?,
    ))
}

/// The whole transcript as CSV, streamed.
#[utoipa::path(get, path = "/api/ExportChat", tag = "Chats", params(ChatIdRequest),
    responses((status = 200, content_type = "text/csv", description = "Time,Direction,Author,Type,SpecialType,Message,Attachment"),
              (status = 404, description = "ChatNotFound")))]
pub async fn export_chat(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<ChatIdRequest>,
) -> ApiResult<HttpResponse> {
    let chat_id = field("ChatID", id(req.chat_id))?;
    let export = run(&ctx, move |ctx| export::export_chat(ctx, &caller, chat_id)).await?;
    // The body is read after this handler returns: a batch that fails is logged in this span.
    let span = tracing::Span::current();
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"chat-{}.csv\"", export.chat_id()),
        ))
        .streaming(export.into_stream(ctx.into_inner()).map(move |chunk| {
            chunk.map(Bytes::from).inspect_err(|e| {
                span.in_scope(|| telemetry::log_server_error(e));
            })
        })))
}
