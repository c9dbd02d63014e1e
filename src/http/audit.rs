//! The audit log: `Acting` (who is calling, from where, for the log) and GetAuditLog with its CSV
//! export.

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::{ready, Ready};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use super::chats::paging;
use super::client_address::ClientAddress;
use super::input::Input;
use super::params::{id, Fields, Int};
use super::respond::{json, run};
use super::schemas;
use super::session_auth::{Caller, Manager};
use crate::domain::audit::Actor;
use crate::error::ApiResult;
use crate::service::governance::audit::{self, AuditLogView, Filter};
use crate::service::Ctx;
use crate::telemetry;

/// The caller as the audit log names them: their session's agent and their address.
pub struct Acting(pub Actor);

impl FromRequest for Acting {
    type Error = crate::error::ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let address = ClientAddress::of(req).0;
        ready(
            Caller::from_request(req, payload)
                .into_inner()
                .map(|caller| Acting(Actor::agent(&caller, address))),
        )
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct GetAuditLogRequest {
    /// From 1.
    #[param(value_type = Option<schemas::param::Page>, inline)]
    pub page: Option<Int>,
    /// 20 when absent.
    #[param(value_type = Option<schemas::param::PageSize>, inline)]
    pub page_size: Option<Int>,
    /// Only what this agent did.
    #[serde(rename = "AgentID")]
    #[param(value_type = Option<schemas::param::Id>, inline)]
    pub agent_id: Option<Int>,
    /// Only this action (`UpdateSettings`, `AgentLogonFailed`...).
    #[param(value_type = Option<String>, max_length = 100)]
    pub action: Option<String>,
    /// From this time (RFC 3339), inclusive.
    #[param(value_type = Option<String>, format = DateTime, max_length = 40)]
    pub from: Option<String>,
    /// Before this time (RFC 3339), exclusive.
    #[param(value_type = Option<String>, format = DateTime, max_length = 40)]
    pub to: Option<String>,
    /// `json` (the default) or `csv`: every matching row, oldest first, as a download.
    #[param(value_type = Option<String>, pattern = "^([jJ][sS][oO][nN]|[cC][sS][vV])$")]
    pub format: Option<String>,
}

fn time(raw: String) -> Result<chrono::NaiveDateTime, String> {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.naive_utc())
        .map_err(|_| format!("must be an RFC 3339 time like 2026-12-01T00:00:00Z, not `{raw}`"))
}

/// Who changed what and every security event, newest first (manager only); `Format=csv`
/// downloads every matching row.
#[utoipa::path(get, path = "/api/GetAuditLog", tag = "Audit", params(GetAuditLogRequest),
    responses((status = 200, body = AuditLogView, description = "JSON, or text/csv with Format=csv"),
              (status = 400, description = "ValidationFailed naming the parameter"),
              (status = 403, description = "Forbidden: managers only")))]
pub async fn get_audit_log(
    ctx: web::Data<Ctx>,
    _: Manager,
    Input(req): Input<GetAuditLogRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let paging = paging(&mut f, req.page, req.page_size);
    let agent_id = f.check_opt("AgentID", req.agent_id, id);
    let action = f.check_opt("Action", req.action, |a| {
        crate::domain::optional_text(&a, 100)
    });
    let from = f.check_opt("From", req.from, time);
    let to = f.check_opt("To", req.to, time);
    let csv = f.check(
        "Format",
        match req
            .format
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("") | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(other) => Err(format!("must be json or csv, not `{other}`")),
        },
    );
    let (filter, (page, page_size), csv) = f.build(|| {
        Some((
            Filter {
                agent_id: agent_id?,
                action: action?.flatten(),
                from: from?,
                to: to?,
            },
            paging?,
            csv?,
        ))
    })?;
    if !csv {
        let view = run(&ctx, move |ctx| {
            audit::get_audit_log(ctx, &filter, page, page_size)
        })
        .await?;
        return Ok(json(view));
    }
    let span = tracing::Span::current();
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"audit-log.csv\"",
        ))
        .streaming(
            audit::export_audit_log(ctx.into_inner(), filter).map(move |chunk| {
                chunk.map(Bytes::from).inspect_err(|e| {
                    span.in_scope(|| telemetry::log_server_error(e));
                })
            }),
        ))
}
