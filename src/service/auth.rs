//! Sessions: logon with per-address failure limits, token authentication with a sliding idle
//! expiry, keep-alive, logoff and the sweep of expired sessions.

use std::net::IpAddr;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::agents::AgentView;
use super::governance::audit;
use super::logon_throttle::{self, Tally};
use super::session_cache::CachedSession;
use super::{passwords, session_touches, Ctx};
use crate::db::{dialect, DbConnection};
use crate::domain::audit::Actor;
use crate::domain::{token, AgentStatus, Caller, EmailAddress, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::sessions::NewSessionRow;
use crate::store::{agents, logon_failures, routing, sessions};

/// A new session, with the token shown this once.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LogonView {
    pub session_token: String,
    pub expires_at: DateTime<Utc>,
    pub agent: AgentView,
}

fn invalid_token() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidSessionToken,
        "The session token is missing, unknown or expired",
    )
}

pub(crate) fn to_duration(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

/// AgentLogon from `source` (the client's address). Failures count per (source, account) and per
/// source, an unknown account like a known one; past the free ones each attempt waits a delay
/// that doubles with the failures (see `logon_throttle`). An attempt for a known account is
/// recorded before its password is checked, under a lock on (source, account), so attempts that
/// arrive together can't pass the limit; a successful logon clears that record.
pub fn agent_logon(
    ctx: &Ctx,
    email: &EmailAddress,
    password: &str,
    source: IpAddr,
) -> ApiResult<LogonView> {
    let key = email.key();
    let source_ip = source;
    let source = logon_throttle::source_group(source);
    let window = to_duration(ctx.config.logon_failure_window);
    let started = ctx.now();
    let since = started - window;
    let limits = logon_throttle::Limits {
        per_account: ctx.config.logon_max_failures,
        per_source: ctx.config.logon_max_failures_per_address,
        cap: window,
    };
    let too_many = |wait: Duration| {
        let retry = (wait.num_milliseconds() + 999) / 1000;
        ApiError::new(
            ErrorCode::TooManyLogonAttempts,
            "Too many failed logons from this address; try again later",
        )
        .with_retry_after(retry.max(1) as u64)
    };
    let tally = |(count, latest)| Tally::new(count, latest);
    let agent = ctx.read(|c| agents::find_by_email_key(c, &key))?;
    let mut attempts = 0;
    if agent.is_some() {
        attempts = ctx.write(|c| {
            dialect::lock_key(c, &format!("logon:{source}:{key}"))?;
            let account = tally(logon_failures::recent(c, &source, Some(&key), since)?);
            let from_source = tally(logon_failures::recent(c, &source, None, since)?)
                .and(ctx.pending_logon_failures.pending(&source));
            if let Some(wait) = limits.wait(account, from_source, started) {
                return Err(too_many(wait));
            }
            logon_failures::insert(c, &source, Some(&key), started)?;
            Ok(account.count + 1)
        })?;
    } else {
        let written = ctx.read(|c| {
            Ok((
                tally(logon_failures::recent(c, &source, Some(&key), since)?),
                tally(logon_failures::recent(c, &source, None, since)?),
            ))
        })?;
        ctx.pending_logon_failures
            .try_record(&source, &key, written, limits, started)
            .map_err(too_many)?;
    }

    let verified = passwords::verify(
        ctx,
        agent.as_ref().and_then(|a| a.password_hash.as_deref()),
        password,
    )?;
    let agent = match agent {
        Some(agent) if verified => agent,
        _ => {
            if let Some(agent) = &agent {
                // Failures for unknown addresses are only counted: a flood of them must not
                // become a flood of writes (see `logon_throttle`). The failure that starts the
                // wait is the one audited as a lockout.
                let locked = attempts >= limits.per_account;
                let actor = Actor::anonymous(Some(agent.id), &agent.name, source_ip);
                ctx.write(|c| audit::logon_failed(ctx, c, &actor, agent.id, locked))?;
            }
            if let Some(agent) = agent.filter(|_| attempts == limits.per_account) {
                // From here on each attempt from there waits: someone may be guessing this
                // password. The line is the managers' alert (docs/operations.md); the attempts
                // stay in logon_failures for the window.
                tracing::warn!(
                    agent_id = agent.id,
                    source = %source,
                    attempts,
                    "logon: an account is being guessed; its attempts are now slowed down"
                );
            }
            tracing::info!("logon refused: invalid credentials");
            return Err(ApiError::new(
                ErrorCode::InvalidCredentials,
                "The email address or password is wrong",
            ));
        }
    };
    if !agent.enabled {
        return Err(ApiError::new(
            ErrorCode::AgentDisabled,
            "This agent is disabled; ask a manager",
        ));
    }

    let (plain, hash) = token::generate();
    let now = ctx.now();
    let absolute = now + to_duration(ctx.config.session_absolute);
    let idle = (now + to_duration(ctx.config.session_idle)).min(absolute);
    ctx.write(|c| {
        logon_failures::clear(c, &source, &key)?;
        sessions::insert(
            c,
            &NewSessionRow {
                agent_id: agent.id,
                token_hash: &hash,
                created_at: now,
                last_seen_at: now,
                idle_expires_at: idle,
                absolute_expires_at: absolute,
            },
        )?;
        agents::mark_logged_on(c, agent.id, AgentStatus::Online.id(), now)?;
        routing::status_set_by_hand(c, agent.id, AgentStatus::Online.id(), now)?;
        if agent.status != AgentStatus::Online.id() {
            super::live::agent_status(c, agent.id, &agent.name, AgentStatus::Online.id(), now)?;
        }
        tracing::info!(agent_id = agent.id, "agent logged on");
        let actor = Actor::anonymous(Some(agent.id), &agent.name, source_ip);
        let target = format!("Agent {}", agent.id);
        audit::record(ctx, c, &actor, "AgentLogon", &target, None, None)?;
        Ok(LogonView {
            session_token: plain,
            expires_at: idle.and_utc(),
            agent: super::agents::load(c, agent.id)?,
        })
    })
}

/// The SHA-256 a session token is stored as, if the text can be a token at all.
fn token_hash(plain_token: &str) -> Option<String> {
    let plain_token = plain_token.trim();
    if plain_token.len() != 32 || !plain_token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(token::hash(&plain_token.to_ascii_lowercase()))
}

/// Authenticates from the session cache alone, when that is enough: the session was read within
/// the last second and its expiry needs no write now. `None` means: ask [`authenticate`]. Cheap
/// enough for an async thread (no query, no blocking).
pub fn authenticate_cached(ctx: &Ctx, plain_token: &str) -> Option<ApiResult<Caller>> {
    let Some(hash) = token_hash(plain_token) else {
        return Some(Err(invalid_token()));
    };
    let session = ctx.sessions.get(&hash)?;
    let now = ctx.now();
    if session.idle_expires_at <= now || session.absolute_expires_at <= now {
        return Some(Err(invalid_token()));
    }
    if now - session.touched_at >= to_duration(ctx.config.session_touch_interval) {
        return None;
    }
    Some(Ok(session.caller))
}

/// Resolves a session token to its agent: one indexed lookup. The idle expiry slides at most once
/// per `SESSION_TOUCH_SECONDS`, so reads don't all become writes, and is written with the other
/// sessions' by a writer ([`session_touches`]) unless it is near. The session is kept in the
/// cache for [`authenticate_cached`].
pub fn authenticate(ctx: &Ctx, plain_token: &str) -> ApiResult<Caller> {
    let hash = token_hash(plain_token).ok_or_else(invalid_token)?;
    authenticate_hash(ctx, &hash)
}

/// [`authenticate`] for a session known by its token's hash (a GetEvents ticket names it so).
pub fn authenticate_hash(ctx: &Ctx, hash: &str) -> ApiResult<Caller> {
    let mut conn = ctx.conn()?;
    let (session, agent) = sessions::find_with_agent(&mut conn, hash)?.ok_or_else(invalid_token)?;
    let now = ctx.now();
    if session.idle_expires_at <= now || session.absolute_expires_at <= now || !agent.enabled {
        return Err(invalid_token());
    }
    let mut idle = session.idle_expires_at;
    let mut touched = session.last_seen_at;
    if now - session.last_seen_at >= to_duration(ctx.config.session_touch_interval) {
        let far_from_expiry = session.idle_expires_at - now > session_touches::WRITE_BEHIND_MARGIN;
        // Coming back from Offline is decided on the written `last_seen_at`: such a call writes.
        if far_from_expiry
            && agent.resume_status.is_none()
            && session_touches::writes_behind(&ctx.config)
        {
            // Written with this process's other touches by the writer.
            idle = slid_expiry(ctx, session.absolute_expires_at, now);
            touched = now;
            ctx.session_touches.record(session.id, agent.id, now, idle);
        } else {
            // A database that can't take the write now (SQLite locked by another process) must
            // not turn every read into an error: the expiry slides at the next call instead.
            match slide(
                ctx,
                &mut conn,
                session.id,
                agent.id,
                session.absolute_expires_at,
                now,
            ) {
                Ok(slid) => (idle, touched) = (slid, now),
                Err(e) => {
                    tracing::warn!(error = %format_args!("{e:#}"), "session expiry not slid this time")
                }
            }
        }
        if touched == now && agent.resume_status.is_some() {
            // Back after presence set them Offline: their status returns with this call.
            let back = dialect::write_transaction(&mut conn, |c| {
                super::presence::came_back_now(c, &agent, now)
            });
            if let Err(e) = back {
                tracing::warn!(error = %format_args!("{e:#}"), "status not restored this time");
            }
        }
    }
    let caller = Caller {
        agent_id: agent.id,
        session_id: session.id,
        role: Role::from_id(agent.role.into()).unwrap_or(Role::Agent),
        name: agent.name,
        session_expires_at: idle,
    };
    ctx.sessions.put(
        hash,
        CachedSession {
            caller: caller.clone(),
            idle_expires_at: idle,
            absolute_expires_at: session.absolute_expires_at,
            touched_at: touched,
        },
    );
    Ok(caller)
}

fn slide(
    ctx: &Ctx,
    conn: &mut DbConnection,
    session_id: i64,
    agent_id: i64,
    absolute: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<NaiveDateTime> {
    let idle = slid_expiry(ctx, absolute, now);
    sessions::touch(conn, session_id, now, idle)?;
    agents::touch_last_seen_if_later(conn, agent_id, now)?;
    Ok(idle)
}

/// The idle expiry a call at `now` slides a session to: `SESSION_IDLE_MINUTES` on, never past
/// its absolute expiry.
fn slid_expiry(ctx: &Ctx, absolute: NaiveDateTime, now: NaiveDateTime) -> NaiveDateTime {
    (now + to_duration(ctx.config.session_idle)).min(absolute)
}

/// KeepAlive: the call itself slid the session's idle expiry (written at most every
/// `SESSION_TOUCH_SECONDS`, like any call's); this answers it.
pub fn keep_alive(caller: &Caller) -> DateTime<Utc> {
    caller.session_expires_at.and_utc()
}

/// AgentLogoff: ends the caller's session; the agent goes Offline when it was its last one.
pub fn agent_logoff(ctx: &Ctx, caller: &Caller, actor: &Actor) -> ApiResult<()> {
    ctx.write(|c| {
        sessions::delete(c, caller.session_id)?;
        let target = format!("Agent {}", caller.agent_id);
        audit::record(ctx, c, actor, "AgentLogoff", &target, None, None)?;
        set_offline_without_sessions(c, caller.agent_id, ctx.now())?;
        tracing::info!(agent_id = caller.agent_id, "agent logged off");
        Ok(())
    })
    .inspect(|_| ctx.sessions.forget_session(caller.session_id))
}

fn set_offline_without_sessions(
    c: &mut DbConnection,
    agent_id: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if sessions::count_live_for_agent(c, agent_id, now)? > 0 {
        return Ok(());
    }
    let Some(agent) = agents::find(c, agent_id)? else {
        return Ok(());
    };
    if agent.status != AgentStatus::Offline.id() {
        agents::set_status(c, agent_id, AgentStatus::Offline.id())?;
        routing::status_set_by_hand(c, agent_id, AgentStatus::Offline.id(), now)?;
        super::live::agent_status(c, agent_id, &agent.name, AgentStatus::Offline.id(), now)?;
    }
    Ok(())
}

/// Deletes expired sessions (agents left with none go Offline) and stale logon failures.
/// Safe to run on several instances at once. Returns how many sessions ended.
pub fn sweep_expired_sessions(ctx: &Ctx) -> ApiResult<usize> {
    let mut ended = 0;
    loop {
        let now = ctx.now();
        let batch = ctx.read(|c| sessions::expired(c, now, 500))?;
        if batch.is_empty() {
            break;
        }
        ctx.write(|c| {
            let mut agents_touched: Vec<i64> = Vec::new();
            for (session_id, agent_id) in &batch {
                if sessions::delete(c, *session_id)? > 0 {
                    ended += 1;
                    let target = format!("Agent {agent_id}");
                    audit::record(
                        ctx,
                        c,
                        &Actor::system(),
                        "SessionExpired",
                        &target,
                        None,
                        None,
                    )?;
                }
                if !agents_touched.contains(agent_id) {
                    agents_touched.push(*agent_id);
                }
            }
            for agent_id in agents_touched {
                set_offline_without_sessions(c, agent_id, now)?;
            }
            Ok(())
        })?;
        if batch.len() < 500 {
            break;
        }
    }
    let window = to_duration(ctx.config.logon_failure_window);
    ctx.write(|c| Ok(logon_failures::delete_older_than(c, ctx.now() - window)?))?;
    if ended > 0 {
        tracing::info!(ended, "expired sessions swept");
    }
    Ok(ended)
}
