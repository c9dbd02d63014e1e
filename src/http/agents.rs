//! Agent endpoints: CreateAgent, UpdateAgent, GetAgentList.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::Acting;
use super::gates::Gates;
use super::input::{Input, NoFields};
use super::params::{id, ids, Bool, Fields, Int, List};
use super::respond::{json, run};
use super::schemas;
use super::session_auth::{Caller, Manager};
use crate::domain::{
    required_text, AgentStatus, EmailAddress, Notification, Password, PhoneNumber, Role,
};
use crate::error::ApiResult;
use crate::service::agents::{self, AgentListEntry, AgentPatch, AgentView, NewAgent};
use crate::service::Ctx;

pub const NAME_MAX: usize = 100;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAgentRequest {
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: String,
    #[schema(schema_with = schemas::email)]
    pub email_address: String,
    /// Blank for none.
    #[schema(schema_with = schemas::blank_or_phone)]
    pub mobile_number: Option<String>,
    /// 1 = Agent, 2 = Manager.
    #[serde(rename = "RoleID")]
    #[schema(schema_with = schemas::role_id)]
    pub role_id: Int,
    /// Existing departments.
    #[serde(rename = "DepartmentID", default)]
    #[schema(schema_with = schemas::ids)]
    pub department_id: Option<List<Int>>,
    /// Optional: without one the agent sets it through RequestPasswordReset and SetPassword.
    #[schema(schema_with = schemas::new_password)]
    pub password: Option<String>,
    /// The agent's own open-chat limit (1-1000); 0 or absent: the department's or the desk's.
    #[schema(schema_with = schemas::int_range::<0, CHAT_LIMIT_MAX>)]
    pub max_chats: Option<Int>,
    /// Only `UnassignedChatsWaiting` exists; none when absent.
    #[schema(schema_with = schemas::notifications)]
    pub notifications: Option<List<String>>,
}

/// An empty mobile number means "none".
fn mobile(raw: String) -> Result<Option<PhoneNumber>, String> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        PhoneNumber::parse(&raw).map(Some)
    }
}

/// Creates an agent (manager only).
#[utoipa::path(post, path = "/api/CreateAgent", tag = "Agents", request_body = CreateAgentRequest,
    responses((status = 200, body = AgentView), (status = 403, description = "Forbidden: managers only"),
              (status = 409, description = "EmailAlreadyExists"),
              (status = 503, description = "ServerBusy (too many password checks at once) or DatabaseUnavailable")))]
pub async fn create_agent(
    ctx: web::Data<Ctx>,
    gates: web::Data<Gates>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<CreateAgentRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let name = f.check("Name", required_text(&req.name, NAME_MAX));
    let email = f.check("EmailAddress", EmailAddress::parse(&req.email_address));
    let mobile = f
        .check_opt("MobileNumber", req.mobile_number, mobile)
        .map(Option::flatten);
    let role = f.check("RoleID", Role::from_id(req.role_id.0));
    let department_ids = f.check(
        "DepartmentID",
        ids(req.department_id.unwrap_or(List(Vec::new()))),
    );
    let password = f.check_opt("Password", req.password, |p| Password::parse(&p));
    let max_chats = f.check_opt("MaxChats", req.max_chats, |n| chat_limit(n.0));
    let notifications = f.check_opt("Notifications", req.notifications, notifications);
    let new = f.build(|| {
        Some(NewAgent {
            name: name?,
            email: email?,
            mobile: mobile?,
            role: role?,
            department_ids: department_ids?,
            password: password?,
            max_chats: max_chats?.flatten(),
            notifications: notifications?.unwrap_or_default(),
        })
    })?;
    // Hashing the password is argon2 work, bounded like every other.
    let _place = match new.password {
        Some(_) => Some(gates.passwords.enter().await?),
        None => None,
    };
    Ok(json(
        run(&ctx, move |ctx| agents::create_agent(ctx, &actor, new)).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAgentRequest {
    /// Defaults to the caller.
    #[serde(rename = "AgentID")]
    #[schema(schema_with = schemas::id)]
    pub agent_id: Option<Int>,
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: Option<String>,
    /// An empty string removes the number.
    #[schema(schema_with = schemas::blank_or_phone)]
    pub mobile_number: Option<String>,
    #[schema(schema_with = schemas::email)]
    pub email_address: Option<String>,
    /// Only `UnassignedChatsWaiting` exists.
    #[schema(schema_with = schemas::notifications)]
    pub notifications: Option<List<String>>,
    /// 1 = Agent, 2 = Manager.
    #[serde(rename = "RoleID")]
    #[schema(schema_with = schemas::role_id)]
    pub role_id: Option<Int>,
    /// 1 = Offline, 2 = Busy, 3 = OnBreak, 4 = Online.
    #[serde(rename = "StatusID")]
    #[schema(schema_with = schemas::status_id)]
    pub status_id: Option<Int>,
    /// Existing departments.
    #[serde(rename = "DepartmentID")]
    #[schema(schema_with = schemas::ids)]
    pub department_id: Option<List<Int>>,
    pub enabled: Option<Bool>,
    /// The agent's own open-chat limit (1-1000), over the department's and the desk's
    /// MaxChatsPerAgent; 0 clears it. Managers only.
    #[schema(schema_with = schemas::int_range::<0, CHAT_LIMIT_MAX>)]
    pub max_chats: Option<Int>,
}

/// Updates an agent: managers any field of anyone, agents their own name, mobile, status and notifications.
#[utoipa::path(post, path = "/api/UpdateAgent", tag = "Agents", request_body = UpdateAgentRequest,
    responses((status = 200, body = AgentView), (status = 403, description = "Forbidden"),
              (status = 404, description = "AgentNotFound"), (status = 409, description = "LastManager or EmailAlreadyExists")))]
pub async fn update_agent(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Acting(actor): Acting,
    Input(req): Input<UpdateAgentRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let agent_id = f.check_opt("AgentID", req.agent_id, id);
    let name = f.check_opt("Name", req.name, |n| required_text(&n, NAME_MAX));
    let mobile = f.check_opt("MobileNumber", req.mobile_number, mobile);
    let email = f.check_opt("EmailAddress", req.email_address, |e| {
        EmailAddress::parse(&e)
    });
    let notifications = f.check_opt("Notifications", req.notifications, notifications);
    let role = f.check_opt("RoleID", req.role_id, |r| Role::from_id(r.0));
    let status = f.check_opt("StatusID", req.status_id, |s| AgentStatus::from_id(s.0));
    let department_ids = f.check_opt("DepartmentID", req.department_id, ids);
    let max_chats = f.check_opt("MaxChats", req.max_chats, |n| chat_limit(n.0));
    let patch = f.build(|| {
        Some(AgentPatch {
            agent_id: agent_id?,
            name: name?,
            email: email?,
            mobile: mobile?,
            role: role?,
            status: status?,
            notifications: notifications?,
            department_ids: department_ids?,
            enabled: req.enabled.map(|b| b.0),
            max_chats: max_chats?,
        })
    })?;
    Ok(json(
        run(&ctx, move |ctx| {
            agents::update_agent(ctx, &caller, &actor, patch)
        })
        .await?,
    ))
}

/// The notifications an agent asks for, each by name.
fn notifications(list: List<String>) -> Result<Vec<Notification>, String> {
    list.0.iter().map(|n| Notification::parse(n)).collect()
}

/// An open-chat limit: 1 to 1000, or 0 for none of its own (`None`).
/// The largest open-chat limit of an agent or a department.
pub const CHAT_LIMIT_MAX: i64 = 1000;

pub fn chat_limit(n: i64) -> Result<Option<i32>, String> {
    match n {
        0 => Ok(None),
        1..=CHAT_LIMIT_MAX => Ok(Some(n as i32)),
        _ => Err(format!(
            "must be between 0 (no limit of its own) and {CHAT_LIMIT_MAX}, not {n}"
        )),
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AgentList {
    pub agents: Vec<AgentListEntry>,
}

/// Every agent with status, role, departments, enabled and last seen; contact details and
/// settings only for managers (and for the caller's own entry).
#[utoipa::path(get, path = "/api/GetAgentList", tag = "Agents", responses((status = 200, body = AgentList)))]
pub async fn get_agent_list(
    ctx: web::Data<Ctx>,
    caller: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    let agents = run(&ctx, move |ctx| agents::get_agent_list(ctx, &caller)).await?;
    Ok(json(AgentList { agents }))
}
