//! The first run in the browser (issue 23): while no manager exists, a one-time setup code (in
//! the server's log at start and from `agentdesk setup-code`) lets whoever installed the desk
//! create its first manager with CreateFirstManager, and log on, from the console.

use std::net::IpAddr;

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{self, to_duration, LogonView};
use super::logon_throttle::{self, Tally};
use super::{passwords, Ctx};
use crate::db::dialect;
use crate::domain::settings::{SettingKey, SettingValue};
use crate::domain::{setup_code, AgentStatus, EmailAddress, Password, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::agents::{self, NewAgentRow};
use crate::store::{logon_failures, settings, setup};

/// The account the throttle files setup attempts under: not an address, so no agent has it.
const SETUP_ATTEMPT: &str = "#setup";

/// GetSetupState's answer.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct SetupStateView {
    /// True while the desk has no manager: the console offers "Set up this desk".
    pub needs_setup: bool,
}

/// CreateFirstManager's fields, already parsed.
pub struct FirstManager {
    pub setup_code: String,
    pub name: String,
    pub email: EmailAddress,
    pub password: Password,
    /// Settings to store with the manager (CompanyName, TimeZone), validated.
    pub settings: Vec<(SettingKey, SettingValue)>,
}

fn already_set_up() -> ApiError {
    ApiError::new(
        ErrorCode::AlreadySetUp,
        "This desk already has a manager; log on instead",
    )
}

/// GetSetupState: whether the desk still needs its first manager.
pub fn get_setup_state(ctx: &Ctx) -> ApiResult<SetupStateView> {
    let has_manager = ctx.read(|c| setup::any_with_role(c, Role::Manager.id()))?;
    Ok(SetupStateView {
        needs_setup: !has_manager,
    })
}

/// The setup code while the desk has no manager (made the first time anyone asks, kept in the
/// database so every instance and the command line show the same one); `None` once set up.
pub fn setup_code(ctx: &Ctx) -> ApiResult<Option<String>> {
    let stored = ctx.read(|c| {
        if setup::any_with_role(c, Role::Manager.id())? {
            return Ok(Some(None));
        }
        Ok(setup::find_code(c)?.map(Some))
    })?;
    if let Some(known) = stored {
        return Ok(known);
    }
    ctx.write(|c| {
        dialect::lock_key(c, "setup-code")?;
        if setup::any_with_role(c, Role::Manager.id())? {
            return Ok(None);
        }
        if let Some(code) = setup::find_code(c)? {
            return Ok(Some(code));
        }
        let code = setup_code::generate();
        setup::insert_code(c, &code, ctx.now())?;
        Ok(Some(code))
    })
}

/// At start: while the desk has no manager, its setup code goes to the log, with what to do.
pub fn announce(ctx: &Ctx) {
    match setup_code(ctx) {
        Ok(Some(code)) => tracing::warn!(
            setup_code = %code,
            "this desk has no manager yet: open the console in a browser and set it up with \
             setup code {code} (also shown by `agentdesk setup-code`)"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "setup code not read this time"),
    }
}

/// CreateFirstManager from `source`: checks the setup code (every attempt counts as a failed
/// logon of the address until it succeeds), creates the manager with the desk's name and time
/// zone, forgets the code and logs the manager on, answering as AgentLogon does. Once a manager
/// exists, 409 `AlreadySetUp`; of two at once, exactly one creates a manager.
pub fn create_first_manager(
    ctx: &Ctx,
    first: FirstManager,
    address: IpAddr,
) -> ApiResult<LogonView> {
    // A set-up desk answers with a read, not a write: this door stays open to anyone for ever.
    if !get_setup_state(ctx)?.needs_setup {
        return Err(already_set_up());
    }
    let source = logon_throttle::source_group(address);
    let started = ctx.now();
    count_attempt(ctx, &source, started)?;
    let code = setup_code(ctx)?.ok_or_else(already_set_up)?;
    if !setup_code::matches(&code, &first.setup_code) {
        tracing::info!("first manager refused: wrong setup code");
        return Err(ApiError::new(
            ErrorCode::SetupCodeInvalid,
            "The setup code is wrong; it is in the server's log, or run `agentdesk setup-code`",
        ));
    }
    let password_hash = passwords::hash(ctx, &first.password)?;
    let key = first.email.key();
    ctx.write_config(|c| {
        dialect::lock_key(c, "setup-code")?;
        if setup::any_with_role(c, Role::Manager.id())? {
            return Err(already_set_up());
        }
        if agents::email_taken(c, &key, None)? {
            return Err(ApiError::conflict(
                ErrorCode::EmailAlreadyExists,
                "Another agent already uses this email address",
            ));
        }
        let now = ctx.now();
        let id = agents::insert(
            c,
            &NewAgentRow {
                name: &first.name,
                email: first.email.as_str(),
                email_key: &key,
                mobile: None,
                role: Role::Manager.id(),
                status: AgentStatus::Offline.id(),
                enabled: true,
                password_hash: Some(&password_hash),
                notify_unassigned: false,
                created_at: now,
                updated_at: now,
            },
        )?;
        for (key, value) in &first.settings {
            settings::put(c, key.name(), &value.to_stored(), now)?;
        }
        setup::delete_code(c)?;
        logon_failures::clear(c, &source, SETUP_ATTEMPT)?;
        tracing::info!(agent_id = id, "first manager created: the desk is set up");
        Ok(())
    })?;
    // The manager logs on as AgentLogon would log them on: the same answer, session and events.
    auth::agent_logon(ctx, &first.email, first.password.expose(), address)
}

/// Files the attempt as a logon failure of `source` before the code is checked (cleared when the
/// manager is created), so guesses meet AgentLogon's per-address limit even when they arrive
/// together; 429 once the address is over it, 409 once the desk is set up.
fn count_attempt(ctx: &Ctx, source: &str, started: NaiveDateTime) -> ApiResult<()> {
    let window = to_duration(ctx.config.logon_failure_window);
    let since = started - window;
    ctx.write(|c| {
        dialect::lock_key(c, &format!("logon:{source}:{SETUP_ATTEMPT}"))?;
        if setup::any_with_role(c, Role::Manager.id())? {
            return Err(already_set_up());
        }
        // The address's failures with AgentLogon's curve: free ones, then a growing wait.
        let (count, latest) = logon_failures::recent(c, source, None, since)?;
        let from_source = Tally::new(count, latest).and(ctx.pending_logon_failures.pending(source));
        let free = ctx.config.logon_max_failures_per_address;
        if let Some(wait) = from_source.wait(free, window, started) {
            let retry = ((wait.num_milliseconds() + 999) / 1000).max(1) as u64;
            return Err(ApiError::new(
                ErrorCode::TooManyLogonAttempts,
                "Too many failed logons from this address; try again later",
            )
            .with_retry_after(retry));
        }
        logon_failures::insert(c, source, Some(SETUP_ATTEMPT), started)?;
        Ok(())
    })
}
