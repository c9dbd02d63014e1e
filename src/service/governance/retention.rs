//! Retention: closed chats older than `RetentionDays` are deleted by the daily pass, in small
//! batches (each its own short transaction), keeping what the reports count (`retired_chats`).

use chrono::Duration;

use super::daily::Claim;
use crate::domain::settings::SettingKey;
use crate::error::ApiResult;
use crate::service::{settings, Ctx};
use crate::store::retired_chats;

/// Chats per transaction: a batch's deletes (with their messages and files) take milliseconds,
/// so the desk's other writers never wait long for SQLite's single writer.
pub const BATCH: i64 = 50;

/// Deletes the closed chats that closed more than `RetentionDays` ago (none when it is 0), with
/// the customers left with no chat. Returns (chats, customers) deleted. Stops when the claim is
/// lost (another instance took over a stalled pass).
pub fn delete_expired(ctx: &Ctx, claim: &mut Claim) -> ApiResult<(usize, usize)> {
    let days = ctx.read(|c| settings::number(c, SettingKey::RetentionDays))?;
    if days <= 0 {
        return Ok((0, 0));
    }
    let before = ctx.now() - Duration::days(days);
    let (mut chats, mut customers) = (0, 0);
    loop {
        // Found outside the write, checked again inside it.
        let ids = ctx.read(|c| retired_chats::closed_before(c, before, BATCH))?;
        if ids.is_empty() {
            break;
        }
        let (n, m) = ctx.write(|c| {
            let ids = retired_chats::still_closed_before(c, &ids, before)?;
            Ok(retired_chats::retire(c, &ids)?)
        })?;
        chats += n;
        customers += m;
        if (ids.len() as i64) < BATCH || n == 0 || !claim.renew(ctx)? {
            break;
        }
    }
    Ok((chats, customers))
}
