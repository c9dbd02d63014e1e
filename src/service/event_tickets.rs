//! CreateEventTicket and its redemption by GetEvents: an EventSource can't send headers, and a
//! `SessionToken` in its URL would land in every proxy's access log, valid for hours. A ticket is
//! good for [`TICKET_SECONDS`] and one stream; it is kept in the database (hashed), so a load
//! balancer may send the stream to another instance than the one that made it.

use chrono::{DateTime, Duration, Utc};

use super::{auth, Ctx};
use crate::domain::{token, Caller};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::event_tickets;

/// How long a ticket may wait for its stream.
pub const TICKET_SECONDS: i64 = 30;

/// A new ticket, shown this once.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct EventTicketView {
    /// For `GetEvents?Ticket=`: one stream, within `ExpiresAt`.
    pub ticket: String,
    pub expires_at: DateTime<Utc>,
}

fn invalid_ticket() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidSessionToken,
        "The ticket is unknown, used or expired: ask CreateEventTicket for another",
    )
}

/// CreateEventTicket: a ticket for the caller's own session.
pub fn create_event_ticket(ctx: &Ctx, caller: &Caller) -> ApiResult<EventTicketView> {
    let (plain, hash) = token::generate();
    let now = ctx.now();
    let expires_at = now + Duration::seconds(TICKET_SECONDS);
    ctx.write(|c| {
        let session = event_tickets::session_token_hash(c, caller.session_id)?
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidSessionToken, "The session ended"))?;
        // Tickets nobody used are forgotten here rather than by a sweep of their own: a
        // handful at most per console.
        event_tickets::delete_expired(c, now)?;
        event_tickets::insert(c, &hash, &session, expires_at)?;
        Ok(())
    })?;
    Ok(EventTicketView {
        ticket: plain,
        expires_at: expires_at.and_utc(),
    })
}

/// The caller a ticket stands for, using it up. A ticket that is unknown, used or expired, or
/// whose session has ended, is a 401.
pub fn redeem(ctx: &Ctx, plain_ticket: &str) -> ApiResult<Caller> {
    let plain = plain_ticket.trim().to_ascii_lowercase();
    if plain.len() != 32 || !plain.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid_ticket());
    }
    let hash = token::hash(&plain);
    let now = ctx.now();
    let session = ctx
        .write(|c| Ok(event_tickets::take(c, &hash, now)?))?
        .ok_or_else(invalid_ticket)?;
    auth::authenticate_hash(ctx, &session)
}
