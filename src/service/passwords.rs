//! Password hashing (argon2id, OWASP parameters) and the reset-code flow.

use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Duration;

use super::governance::audit;
use super::mailer::OutgoingMail;
use super::Ctx;
use crate::db::dialect;
use crate::domain::audit::Actor;
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

/// The threads argon2 runs on. Each hash takes ~19 MiB: run on whichever blocking thread, every
/// thread that ever hashed would keep that much in its allocator arena (seen: 340 MB after a flood
/// of logons). On a few threads of their own, a few of those are kept, whatever the flood.
pub struct PasswordThreads {
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl PasswordThreads {
    /// Starts `threads` threads that take argon2 work in turn.
    pub fn start(threads: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password thread");
            }
        }
        Self { jobs }
    }

    /// Runs `work` on a password thread and waits for it (call from a blocking thread).
    fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        let (done, result) = std::sync::mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| ApiError::internal("the password threads are gone"))?;
        result
            .recv()
            .map_err(|_| ApiError::internal("a password thread failed"))
    }
}

/// Hashes a password on a password thread.
pub fn hash(ctx: &Ctx, password: &Password) -> ApiResult<String> {
    let password = password.expose().to_owned();
    ctx.password_threads.run(move || hash_now(&password))?
}

fn hash_now(password: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Checks `candidate` against `stored` on a password thread. Without a stored hash (unknown agent,
/// or no password set) it verifies against a dummy hash, so both answers take the same time.
pub fn verify(ctx: &Ctx, stored: Option<&str>, candidate: &str) -> ApiResult<bool> {
    let (stored, candidate) = (stored.map(str::to_owned), candidate.to_owned());
    ctx.password_threads
        .run(move || verify_now(stored.as_deref(), &candidate))
}

fn verify_now(stored: Option<&str>, candidate: &str) -> bool {
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
pub fn request_password_reset(
    ctx: &Ctx,
    email: &EmailAddress,
    source: std::net::IpAddr,
) -> ApiResult<bool> {
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
        let actor = Actor::anonymous(Some(agent.id), &agent.name, source);
        let target = format!("Agent {}", agent.id);
        audit::record(ctx, c, &actor, "RequestPasswordReset", &target, None, None)?;
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
        // In the fragment, which browsers never send: the code stays out of the desk's and any
        // proxy's access logs, and out of Referer headers.
        .map(|base| format!("\nOr open this link:\n{base}/reset-password#ResetCode={code}\n"))
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
        html: None,
        attachments: Vec::new(),
    };
    ctx.mailer.send(&mail).map_err(ApiError::internal)?;
    tracing::info!(agent_id = agent.id, "password reset code sent");
    Ok(true)
}

/// SetPassword: a new password with a reset code; burns the code, ends all the agent's sessions.
pub fn set_password(
    ctx: &Ctx,
    reset_code: &str,
    password: &Password,
    source: std::net::IpAddr,
) -> ApiResult<()> {
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
    let new_hash = hash(ctx, password)?;
    ctx.write(|c| {
        let agent_id = password_resets::consume(c, &code_hash, ctx.now())?.ok_or_else(invalid)?;
        password_resets::burn_unused_for_agent(c, agent_id, now)?;
        agents::set_password_hash(c, agent_id, &new_hash, now)?;
        sessions::delete_for_agent(c, agent_id)?;
        agents::set_status(c, agent_id, AgentStatus::Offline.id())?;
        tracing::info!(agent_id, "password set with a reset code; sessions ended");
        let name = agents::find(c, agent_id)?
            .map(|a| a.name)
            .unwrap_or_default();
        let actor = Actor::anonymous(Some(agent_id), &name, source);
        let target = format!("Agent {agent_id}");
        let after = serde_json::json!({"Password": "set"});
        audit::record(ctx, c, &actor, "SetPassword", &target, None, Some(after))?;
        Ok(agent_id)
    })
    .map(|agent_id| ctx.sessions.forget_agent(agent_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let p = Password::parse("correct horse").unwrap();
        let h = hash_now(p.expose()).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_now(Some(&h), "correct horse"));
        assert!(!verify_now(Some(&h), "wrong horse"));
        assert!(!verify_now(None, "agentdesk-dummy-password"));
    }
}
