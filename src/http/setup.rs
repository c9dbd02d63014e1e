//! The first run (issue 23): GetSetupState and CreateFirstManager, public like AgentLogon.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::agents::NAME_MAX;
use super::client_address::ClientAddress;
use super::gates::Gates;
use super::input::Input;
use super::params::Fields;
use super::respond::{json, run};
use super::schemas;
use crate::domain::settings::SettingKey;
use crate::domain::{required_text, EmailAddress, Password};
use crate::error::ApiResult;
use crate::service::auth::LogonView;
use crate::service::setup::{self, FirstManager, SetupStateView};
use crate::service::Ctx;

/// Whether the desk still needs its first manager; the console asks before it shows a form.
#[utoipa::path(get, path = "/api/GetSetupState", tag = "Authentication",
    responses((status = 200, body = SetupStateView)))]
pub async fn get_setup_state(ctx: web::Data<Ctx>) -> ApiResult<HttpResponse> {
    Ok(json(run(&ctx, setup::get_setup_state).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFirstManagerRequest {
    /// The code in the server's log at start (also `agentdesk setup-code`); dashes, spaces and
    /// case do not matter.
    #[schema(schema_with = schemas::text::<64>)]
    pub setup_code: String,
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: String,
    #[schema(schema_with = schemas::email)]
    pub email_address: String,
    #[schema(schema_with = schemas::new_password)]
    pub password: String,
    /// The desk's name (the CompanyName setting), optional.
    #[schema(schema_with = company_name)]
    pub company_name: Option<String>,
    /// The desk's IANA time zone (the TimeZone setting), optional.
    #[schema(schema_with = time_zone)]
    pub time_zone: Option<String>,
}

fn company_name() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    schemas::setting(SettingKey::CompanyName)
}

fn time_zone() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    schemas::setting(SettingKey::TimeZone)
}

/// Creates the desk's first manager with the setup code and logs them on (answers as AgentLogon).
#[utoipa::path(post, path = "/api/CreateFirstManager", tag = "Authentication", request_body = CreateFirstManagerRequest,
    responses((status = 200, body = LogonView), (status = 403, description = "SetupCodeInvalid"),
              (status = 409, description = "AlreadySetUp (the desk has a manager), or EmailAlreadyExists"),
              (status = 429, description = "TooManyLogonAttempts: wrong codes count as failed logons"),
              (status = 503, description = "ServerBusy: too many password checks at once")))]
pub async fn create_first_manager(
    ctx: web::Data<Ctx>,
    gates: web::Data<Gates>,
    ClientAddress(source): ClientAddress,
    Input(req): Input<CreateFirstManagerRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let code = f.check("SetupCode", required_text(&req.setup_code, 64));
    let name = f.check("Name", required_text(&req.name, NAME_MAX));
    let email = f.check("EmailAddress", EmailAddress::parse(&req.email_address));
    let password = f.check("Password", Password::parse(&req.password));
    let mut settings = Vec::new();
    for (key, value) in [
        (SettingKey::CompanyName, req.company_name),
        (SettingKey::TimeZone, req.time_zone),
    ] {
        let value = value.filter(|v| !v.trim().is_empty());
        if let Some(Some(v)) = f.check_opt(key.name(), value, |v| {
            key.validate(&serde_json::Value::String(v))
        }) {
            settings.push((key, v));
        }
    }
    let first = f.build(|| {
        Some(FirstManager {
            setup_code: code?,
            name: name?,
            email: email?,
            password: password?,
            settings,
        })
    })?;
    let _place = gates.passwords.enter().await?;
    let view: LogonView = run(&ctx, move |ctx| {
        setup::create_first_manager(ctx, first, source)
    })
    .await?;
    Ok(json(view))
}
