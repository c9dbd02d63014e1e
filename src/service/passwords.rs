//! Password hashing (argon2id, OWASP parameters) and the reset-code flow.

use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Duration;

use super::mailer::OutgoingMail;
use super::Ctx;
use crate::db::dialect;
use crate::domain::{token, AgentStatus, EmailAddress, Password};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::{agents, password_resets, sessions};

/// How long a reset code stays valid.
pub const RESET_CODE_MINUTES: i64 = 60;

fn argon2() -> Argon2<'static> {
    // m = 19 MiB, t = 2, p = 1: the OWASP recommendation for argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password. CPU-heavy: call only on the blocking pool.
pub fn hash(password: &Password) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Checks `candidate` against `stored`. Without a stored hash (unknown agent, or no password set)
/// it verifies against a dummy hash, so both answers take the same time.
pub fn verify(stored: Option<&str>, candidate: &str) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"agentdesk-dummy-password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    });
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok()
        && real
}

/// RequestPasswordReset: mails a single-use reset code to an enabled agent with this address;
/// does nothing (and says nothing different) for anyone else. At most `PASSWORD_RESET_MAX` codes
/// go to one agent per `PASSWORD_RESET_WINDOW_MINUTES`: more requests send nothing, and a new code
/// never voids one already sent (a trickle of requests can't keep the agent from using theirs).
/// Returns whether a mail went out.
pub fn request_password_reset(ctx: &Ctx, email: &EmailAddress) -> ApiResult<bool> {
    let Some(agent) = ctx.read(|c| agents::find_by_email_key(c, &email.key()))? else {
        tracing::info!("password reset requested for an unknown address");
        return Ok(false);
    };
    if !agent.enabled {
        tracing::info!(
            agent_id = agent.id,
            "password reset requested for a disabled agent"
        );
        return Ok(false);
    }
    let (code, code_hash) = token::generate();
    let now = ctx.now();
    let window = Duration::from_std(ctx.config.password_reset_window).unwrap_or(Duration::MAX);
    let issued = ctx.write(|c| {
        dialect::lock_key(c, &format!("password-reset:{}", agent.id))?;
        if password_resets::count_sent_since(c, agent.id, now - window)?
            >= ctx.config.password_reset_max
        {
            return Ok(false);
        }
        password_resets::insert(
            c,
            agent.id,
            &code_hash,
            now,
            now + Duration::minutes(RESET_CODE_MINUTES),
        )?;
        Ok(true)
    })?;
    if !issued {
        tracing::info!(
            agent_id = agent.id,
            "password reset not sent: enough codes went out recently"
        );
        return Ok(false);
    }
    let link = ctx
        .config
        .public_base_url
        .as_ref()
        .map(|base| format!("\nOr open this link:\n{base}/reset-password?ResetCode={code}\n"))
        .unwrap_or_default();
    let mail = OutgoingMail {
        to_name: agent.name.clone(),
        to_address: agent.email.clone(),
        subject: "Reset your agentdesk password".into(),
        text: format!(
            "Hello {name},\n\nSomeone (hopefully you) asked to reset your agentdesk password.\n\n\
             Your reset code is: {code}\n{link}\n\
             The code works once and expires in {RESET_CODE_MINUTES} minutes. If you did not ask for it, \
             ignore this mail: your password stays as it is.\n",
            name = agent.name
        ),
        attachments: Vec::new(),
    };
    ctx.mailer.send(&mail).map_err(ApiError::internal)?;
    tracing::info!(agent_id = agent.id, "password reset code sent");
    Ok(true)
}

/// SetPassword: a new password with a reset code; burns the code, ends all the agent's sessions.
pub fn set_password(ctx: &Ctx, reset_code: &str, password: &Password) -> ApiResult<()> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidResetCode,
            "The reset code is unknown, used or expired",
        )
    };
    let code_hash = token::hash(reset_code);
    // Look before hashing, so junk codes cost no argon2 work; the conditional update below decides.
    let now = ctx.now();
    let known = ctx.read(|c| password_resets::peek_valid(c, &code_hash, now))?;
    if !known {
        return Err(invalid());
    }
    let new_hash = hash(password)?;
    ctx.write(|c| {
        let agent_id = password_resets::consume(c, &code_hash, ctx.now())?.ok_or_else(invalid)?;
        password_resets::burn_unused_for_agent(c, agent_id, now)?;
        agents::set_password_hash(c, agent_id, &new_hash, now)?;
        sessions::delete_for_agent(c, agent_id)?;
        agents::set_status(c, agent_id, AgentStatus::Offline.id())?;
        tracing::info!(agent_id, "password set with a reset code; sessions ended");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let p = Password::parse("correct horse").unwrap();
        let h = hash(&p).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(Some(&h), "correct horse"));
        assert!(!verify(Some(&h), "wrong horse"));
        assert!(!verify(None, "agentdesk-dummy-password"));
    }
}
