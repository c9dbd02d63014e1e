//! Authentication endpoints: AgentLogon, KeepAlive, AgentLogoff, RequestPasswordReset, SetPassword.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::Acting;
use super::client_address::ClientAddress;
use super::gates::Gates;
use super::input::{Input, NoFields};
use super::params::{field, Fields};
use super::respond::{json, run, success, Success};
use super::schemas;
use crate::domain::Caller;
use crate::domain::{EmailAddress, Password};
use crate::error::ApiResult;
use crate::service::auth::{self, LogonView};
use crate::service::{passwords, Ctx};

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AgentLogonRequest {
    #[schema(schema_with = schemas::email)]
    pub email_address: String,
    #[schema(schema_with = schemas::password)]
    pub password: String,
}

/// Logs an agent on and returns a new session token.
#[utoipa::path(post, path = "/api/AgentLogon", tag = "Authentication", request_body = AgentLogonRequest,
    responses((status = 200, body = LogonView), (status = 401, description = "InvalidCredentials"),
              (status = 403, description = "AgentDisabled"), (status = 429, description = "TooManyLogonAttempts"),
              (status = 503, description = "ServerBusy: too many password checks at once")))]
pub async fn agent_logon(
    ctx: web::Data<Ctx>,
    gates: web::Data<Gates>,
    ClientAddress(source): ClientAddress,
    Input(req): Input<AgentLogonRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let email = f.check("EmailAddress", EmailAddress::parse(&req.email_address));
    if req.password.is_empty() {
        f.add("Password", "is required");
    }
    let email = f.build(|| email)?;
    let _place = gates.passwords.enter().await?;
    let view = run(&ctx, move |ctx| {
        auth::agent_logon(ctx, &email, &req.password, source)
    })
    .await?;
    Ok(json(view))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct KeepAliveView {
    pub expires_at: DateTime<Utc>,
}

/// Keeps the session alive: slides its idle expiry.
#[utoipa::path(method(get, post), path = "/api/KeepAlive", tag = "Authentication", responses((status = 200, body = KeepAliveView)))]
pub async fn keep_alive(caller: Caller, _: Input<NoFields>) -> ApiResult<HttpResponse> {
    let expires_at = auth::keep_alive(&caller);
    Ok(json(KeepAliveView { expires_at }))
}

/// Ends the session; the token is dead at once.
#[utoipa::path(method(get, post), path = "/api/AgentLogoff", tag = "Authentication", responses((status = 200, body = Success)))]
pub async fn agent_logoff(
    ctx: web::Data<Ctx>,
    caller: Caller,
    _: Input<NoFields>,
    Acting(actor): Acting,
) -> ApiResult<HttpResponse> {
    run(&ctx, move |ctx| auth::agent_logoff(ctx, &caller, &actor)).await?;
    Ok(success())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct RequestPasswordResetRequest {
    /// The agent's email address.
    #[param(value_type = schemas::param::Email, inline)]
    pub email_address: String,
}

/// Mails a reset code to an enabled agent. Always answers 200, whoever the address belongs to.
#[utoipa::path(method(get, post), path = "/api/RequestPasswordReset", tag = "Authentication",
    params(RequestPasswordResetRequest),
    responses((status = 200, body = Success)))]
pub async fn request_password_reset(
    ctx: web::Data<Ctx>,
    gates: web::Data<Gates>,
    ClientAddress(source): ClientAddress,
    Input(req): Input<RequestPasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    let email = field("EmailAddress", EmailAddress::parse(&req.email_address))?;
    // Answer before any lookup or mail, so the response (and its time) says nothing about the
    // address; a flood of requests finds the background places taken and sends nothing.
    let Some(place) = gates.resets.try_enter() else {
        tracing::warn!("password reset dropped: too many in progress");
        return Ok(success());
    };
    let ctx = ctx.into_inner();
    actix_web::rt::spawn(async move {
        let sent =
            web::block(move || passwords::request_password_reset(&ctx, &email, source)).await;
        drop(place);
        if let Ok(Err(e)) = sent {
            tracing::warn!(error = %format_args!("{e:#}"), "password reset mail not sent");
        }
    });
    Ok(success())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct SetPasswordRequest {
    /// The code RequestPasswordReset mailed.
    #[schema(schema_with = schemas::reset_code)]
    pub reset_code: String,
    /// The new password.
    #[schema(schema_with = schemas::new_password)]
    pub password: String,
}

/// Sets a new password with a reset code; ends all the agent's sessions.
#[utoipa::path(post, path = "/api/SetPassword", tag = "Authentication", request_body = SetPasswordRequest,
    responses((status = 200, body = Success), (status = 400, description = "InvalidResetCode or ValidationFailed")))]
pub async fn set_password(
    ctx: web::Data<Ctx>,
    gates: web::Data<Gates>,
    ClientAddress(source): ClientAddress,
    Input(req): Input<SetPasswordRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let password = f.check("Password", Password::parse(&req.password));
    if req.reset_code.trim().is_empty() {
        f.add("ResetCode", "is required");
    }
    let password = f.build(|| password)?;
    let _place = gates.passwords.enter().await?;
    run(&ctx, move |ctx| {
        passwords::set_password(ctx, &req.reset_code, &password, source)
    })
    .await?;
    Ok(success())
}
