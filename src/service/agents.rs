//! Agents: CreateAgent, UpdateAgent (managers change anything, agents a few fields of their own),
//! GetAgentList, and the last-manager rule.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::governance::audit;
use super::{conflict_as, passwords, Ctx};
use crate::db::{dialect, DbConnection};
use crate::domain::audit::Actor;
use crate::domain::{AgentStatus, Caller, EmailAddress, Notification, Password, PhoneNumber, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::agents::{AgentChanges, AgentRow, NewAgentRow};
use crate::store::{agents, departments, sessions};

/// An agent as the API shows it (CreateAgent, UpdateAgent, GetAgentList, AgentLogon).
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct AgentView {
    #[serde(rename = "AgentID")]
    pub agent_id: i64,
    pub name: String,
    pub email_address: String,
    pub mobile_number: Option<String>,
    /// 1 = Agent, 2 = Manager.
    #[serde(rename = "RoleID")]
    pub role_id: i16,
    /// 1 = Offline, 2 = Busy, 3 = OnBreak, 4 = Online.
    #[serde(rename = "StatusID")]
    pub status_id: i16,
    #[serde(rename = "DepartmentID")]
    pub department_ids: Vec<i64>,
    pub notifications: Vec<String>,
    pub enabled: bool,
    pub has_password: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The agent's own open-chat limit; null: the department's or the desk's applies.
    pub max_chats: Option<i32>,
}

/// Shapes a stored agent and its departments for the API.
fn agent_view(row: AgentRow, department_ids: Vec<i64>) -> AgentView {
    let notifications = if row.notify_unassigned {
        vec![Notification::UnassignedChatsWaiting.name().to_owned()]
    } else {
        Vec::new()
    };
    AgentView {
        agent_id: row.id,
        name: row.name,
        email_address: row.email,
        mobile_number: row.mobile,
        role_id: row.role,
        status_id: row.status,
        department_ids,
        notifications,
        enabled: row.enabled,
        has_password: row.password_hash.is_some(),
        last_seen_at: row.last_seen_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
        max_chats: row.max_chats,
    }
}

/// CreateAgent's fields, already parsed.
pub struct NewAgent {
    pub name: String,
    pub email: EmailAddress,
    pub mobile: Option<PhoneNumber>,
    pub role: Role,
    pub department_ids: Vec<i64>,
    pub password: Option<Password>,
    /// The agent's own open-chat limit, if any.
    pub max_chats: Option<i32>,
    pub notifications: Vec<Notification>,
}

/// Fields an UpdateAgent may carry; `None` leaves the field unchanged.
#[derive(Default)]
pub struct AgentPatch {
    /// Defaults to the caller.
    pub agent_id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    /// `Some(None)` clears the number.
    pub mobile: Option<Option<PhoneNumber>>,
    pub role: Option<Role>,
    pub status: Option<AgentStatus>,
    pub notifications: Option<Vec<Notification>>,
    pub department_ids: Option<Vec<i64>>,
    pub enabled: Option<bool>,
    /// `Some(None)` clears the agent's own limit.
    pub max_chats: Option<Option<i32>>,
}

const EMAIL_TAKEN: &str = "Another agent already uses this email address";

/// CreateAgent: manager only, checked by the caller's extractor.
pub fn create_agent(ctx: &Ctx, actor: &Actor, new: NewAgent) -> ApiResult<AgentView> {
    let password_hash = new
        .password
        .as_ref()
        .map(|p| passwords::hash(ctx, p))
        .transpose()?;
    let key = new.email.key();
    ctx.write(|c| {
        if agents::email_taken(c, &key, None)? {
            return Err(ApiError::conflict(
                ErrorCode::EmailAlreadyExists,
                EMAIL_TAKEN,
            ));
        }
        check_departments_exist(c, &new.department_ids)?;
        let now = ctx.now();
        let id = agents::insert(
            c,
            &NewAgentRow {
                name: &new.name,
                email: new.email.as_str(),
                email_key: &key,
                mobile: new.mobile.as_ref().map(PhoneNumber::as_str),
                role: new.role.id(),
                status: AgentStatus::Offline.id(),
                enabled: true,
                password_hash: password_hash.as_deref(),
                notify_unassigned: new
                    .notifications
                    .contains(&Notification::UnassignedChatsWaiting),
                created_at: now,
                updated_at: now,
            },
        )?;
        agents::replace_departments(c, id, &new.department_ids)?;
        if new.max_chats.is_some() {
            let limit = AgentChanges {
                max_chats: Some(new.max_chats),
                ..Default::default()
            };
            agents::update(c, id, &limit)?;
        }
        tracing::info!(agent_id = id, "agent created");
        let view = load(c, id)?;
        let target = format!("Agent {id}");
        audit::record(
            ctx,
            c,
            actor,
            "CreateAgent",
            &target,
            None,
            audit::snapshot(&view),
        )?;
        Ok(view)
    })
    .map_err(conflict_as(ErrorCode::EmailAlreadyExists, EMAIL_TAKEN))
}

/// UpdateAgent. A manager may change every field of anyone; an agent only its own name, mobile
/// number, status and notifications (a field sent with its current value counts as unchanged).
pub fn update_agent(
    ctx: &Ctx,
    caller: &Caller,
    actor: &Actor,
    patch: AgentPatch,
) -> ApiResult<AgentView> {
    let target = patch.agent_id.unwrap_or(caller.agent_id);
    if !caller.is_manager() && target != caller.agent_id {
        return Err(ApiError::forbidden(
            "Agents may update only their own details",
        ));
    }
    let departments_changed = patch.department_ids.is_some();
    ctx.write(|c| {
        let current = agents::find(c, target)?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::AgentNotFound,
                format!("Agent {target} does not exist"),
            )
        })?;
        if !caller.is_manager() {
            refuse_manager_only_changes(c, &current, &patch)?;
        }
        // Managers' changes are audited; an agent's own name, number and status are not.
        let before = caller.is_manager().then(|| load(c, target)).transpose()?;
        let is_active_manager = current.role == Role::Manager.id() && current.enabled;
        let demoted = patch.role.is_some_and(|r| r != Role::Manager);
        let disabled = patch.enabled == Some(false);
        if is_active_manager && (demoted || disabled) {
            dialect::lock_key(c, "agents:managers")?;
            if agents::count_enabled_managers_except(c, Role::Manager.id(), target)? == 0 {
                return Err(ApiError::conflict(
                    ErrorCode::LastManager,
                    "This is the last enabled manager: it can't be demoted or disabled",
                ));
            }
        }
        let email_key = patch.email.as_ref().map(EmailAddress::key);
        if let Some(key) = &email_key {
            if agents::email_taken(c, key, Some(target))? {
                return Err(ApiError::conflict(
                    ErrorCode::EmailAlreadyExists,
                    EMAIL_TAKEN,
                ));
            }
        }
        if let Some(ids) = &patch.department_ids {
            check_departments_exist(c, ids)?;
            agents::replace_departments(c, target, ids)?;
        }
        let now = ctx.now();
        let status = if disabled {
            Some(AgentStatus::Offline)
        } else {
            patch.status
        };
        agents::update(
            c,
            target,
            &AgentChanges {
                name: patch.name.clone(),
                email: patch.email.as_ref().map(|e| e.as_str().to_owned()),
                email_key,
                mobile: patch
                    .mobile
                    .as_ref()
                    .map(|m| m.as_ref().map(|m| m.as_str().to_owned())),
                role: patch.role.map(Role::id),
                status: status.map(AgentStatus::id),
                enabled: patch.enabled,
                notify_unassigned: patch
                    .notifications
                    .as_ref()
                    .map(|n| n.contains(&Notification::UnassignedChatsWaiting)),
                max_chats: patch.max_chats,
                updated_at: Some(now),
            },
        )?;
        if let Some(status) = status {
            crate::store::routing::status_set_by_hand(c, target, status.id(), now)?;
        }
        if patch.status.is_some() && target == caller.agent_id {
            // Setting one's own status is presence, now: the session's slide (written at most
            // every SESSION_TOUCH_SECONDS) may be older than the presence timeout, and routing
            // would skip an agent who has just said "Online".
            agents::touch_last_seen_if_later(c, target, now)?;
        }
        if let Some(status) = status.filter(|s| s.id() != current.status) {
            let name = patch.name.as_deref().unwrap_or(&current.name);
            super::live::agent_status(c, target, name, status.id(), now)?;
        }
        if disabled {
            let ended = sessions::delete_for_agent(c, target)?;
            tracing::info!(agent_id = target, ended, "agent disabled; sessions ended");
            if ended > 0 {
                let who = format!("Agent {target}");
                audit::record(
                    ctx,
                    c,
                    &Actor::system(),
                    "SessionEndedByDisabling",
                    &who,
                    None,
                    None,
                )?;
            }
        }
        let view = load(c, target)?;
        if let Some(before) = before {
            let who = format!("Agent {target}");
            audit::record(
                ctx,
                c,
                actor,
                "UpdateAgent",
                &who,
                audit::snapshot(&before),
                audit::snapshot(&view),
            )?;
        }
        Ok(view)
    })
    .map_err(conflict_as(ErrorCode::EmailAlreadyExists, EMAIL_TAKEN))
    // Its sessions carry its role and name, the cache its departments: read them again.
    .inspect(|_| {
        ctx.sessions.forget_agent(target);
        if departments_changed {
            ctx.cache.agent_departments.clear();
        }
    })
}

fn refuse_manager_only_changes(
    c: &mut DbConnection,
    current: &AgentRow,
    patch: &AgentPatch,
) -> ApiResult<()> {
    let mut changed = Vec::new();
    if patch
        .email
        .as_ref()
        .is_some_and(|e| e.key() != current.email_key)
    {
        changed.push("EmailAddress");
    }
    if patch.role.is_some_and(|r| r.id() != current.role) {
        changed.push("RoleID");
    }
    if patch.enabled.is_some_and(|e| e != current.enabled) {
        changed.push("Enabled");
    }
    if patch.max_chats.is_some_and(|m| m != current.max_chats) {
        changed.push("MaxChats");
    }
    if let Some(ids) = &patch.department_ids {
        if *ids != agents::department_ids(c, current.id)? {
            changed.push("DepartmentID");
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    let mut e = ApiError::forbidden(format!("Only a manager may change {}", changed.join(", ")));
    for field in changed {
        e.fields.insert(
            field.to_owned(),
            "only a manager may change this".to_owned(),
        );
    }
    Err(e)
}

fn check_departments_exist(c: &mut DbConnection, ids: &[i64]) -> ApiResult<()> {
    let found = departments::existing_ids(c, ids)?;
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.contains(id))
        .map(|id| id.to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::field(
            "DepartmentID",
            format!("no department with id {}", missing.join(", ")),
        ))
    }
}

/// An agent's view, read again after a change.
pub(crate) fn load(c: &mut DbConnection, id: i64) -> ApiResult<AgentView> {
    let row = agents::find(c, id)?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::AgentNotFound,
            format!("Agent {id} does not exist"),
        )
    })?;
    let departments = agents::department_ids(c, id)?;
    Ok(agent_view(row, departments))
}

/// GetAgentList: every agent with status, role, departments and when last seen.
/// A manager sees every agent in full; an agent sees itself in full and its colleagues as
/// [`ColleagueView`]: who they are and whether they take chats, not how to reach them.
pub fn get_agent_list(ctx: &Ctx, caller: &Caller) -> ApiResult<Vec<AgentListEntry>> {
    ctx.read(|c| {
        let rows = agents::list(c)?;
        let mut departments = agents::all_department_ids(c)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let ids = departments.remove(&row.id).unwrap_or_default();
                let view = agent_view(row, ids);
                if caller.is_manager() || view.agent_id == caller.agent_id {
                    AgentListEntry::Full(view)
                } else {
                    AgentListEntry::Colleague(ColleagueView::of(view))
                }
            })
            .collect())
    })
}

/// One agent of GetAgentList.
#[derive(Serialize, ToSchema, Debug)]
#[serde(untagged)]
pub enum AgentListEntry {
    Full(AgentView),
    Colleague(ColleagueView),
}

/// A colleague as an agent (RoleID 1) sees them: no email address, mobile number or settings, so
/// one agent's account is not a directory of everyone's contact details.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ColleagueView {
    #[serde(rename = "AgentID")]
    pub agent_id: i64,
    pub name: String,
    /// 1 = Agent, 2 = Manager.
    #[serde(rename = "RoleID")]
    pub role_id: i16,
    /// 1 = Offline, 2 = Busy, 3 = OnBreak, 4 = Online.
    #[serde(rename = "StatusID")]
    pub status_id: i16,
    #[serde(rename = "DepartmentID")]
    pub department_ids: Vec<i64>,
    pub enabled: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl ColleagueView {
    fn of(view: AgentView) -> Self {
        Self {
            agent_id: view.agent_id,
            name: view.name,
            role_id: view.role_id,
            status_id: view.status_id,
            department_ids: view.department_ids,
            enabled: view.enabled,
            last_seen_at: view.last_seen_at,
        }
    }
}

/// Creates a manager from the command line (`agentdesk create-manager`).
pub fn create_manager(
    ctx: &Ctx,
    name: String,
    email: EmailAddress,
    password: Password,
) -> ApiResult<AgentView> {
    create_agent(
        ctx,
        &Actor::system(),
        NewAgent {
            name,
            email,
            mobile: None,
            role: Role::Manager,
            department_ids: Vec::new(),
            password: Some(password),
            max_chats: None,
            notifications: Vec::new(),
        },
    )
}
