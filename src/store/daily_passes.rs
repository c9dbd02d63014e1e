//! Daily passes (retention): which instance runs one now and when it last finished. A guarded
//! update claims the row; the affected-row count says who won.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::daily_passes;
use crate::db::DbConnection;

/// Claims `name` until `lease_until` if no live claim holds it and it last finished at or before
/// `done_before` (or never). True when this caller won.
pub fn claim(
    conn: &mut DbConnection,
    name: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    done_before: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        daily_passes::table
            .filter(daily_passes::name.eq(name))
            .filter(
                daily_passes::claimed_until
                    .is_null()
                    .or(daily_passes::claimed_until.lt(now)),
            )
            .filter(
                daily_passes::last_done_at
                    .is_null()
                    .or(daily_passes::last_done_at.le(done_before)),
            ),
    )
    .set(daily_passes::claimed_until.eq(Some(lease_until)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Extends a claim this caller holds (it still says `held_until`); false when it was lost.
pub fn extend(
    conn: &mut DbConnection,
    name: &str,
    held_until: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        daily_passes::table
            .filter(daily_passes::name.eq(name))
            .filter(daily_passes::claimed_until.eq(held_until)),
    )
    .set(daily_passes::claimed_until.eq(Some(lease_until)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Marks the pass done at `now` and lets the claim go, if this caller still holds it.
pub fn finish(
    conn: &mut DbConnection,
    name: &str,
    held_until: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        daily_passes::table
            .filter(daily_passes::name.eq(name))
            .filter(daily_passes::claimed_until.eq(held_until)),
    )
    .set((
        daily_passes::claimed_until.eq(None::<NaiveDateTime>),
        daily_passes::last_done_at.eq(Some(now)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
