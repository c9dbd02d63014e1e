//! The event stream's outbox (`live_events`) and its pruning horizon.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{live_event_horizon, live_events};
use crate::db::{dialect, DbConnection};
use crate::domain::live::{Audience, Position, Topic};

/// An event as written.
pub struct NewLiveEvent<'a> {
    pub topic: Topic,
    pub audience: &'a Audience,
    pub data: &'a str,
    pub at: NaiveDateTime,
}

/// An event as read back.
#[derive(Queryable, Debug, Clone)]
pub struct LiveEventRow {
    pub id: i64,
    pub tx: i64,
    pub topic: i16,
    pub scope: i16,
    pub department_id: Option<i64>,
    pub also_department_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub also_agent_id: Option<i64>,
    pub data: String,
}

impl LiveEventRow {
    pub fn position(&self) -> Position {
        Position::new(self.tx, self.id)
    }

    pub fn audience(&self) -> Audience {
        Audience::from_stored(
            self.scope,
            [self.department_id, self.also_department_id],
            [self.agent_id, self.also_agent_id],
        )
    }
}

/// Writes an event in the caller's transaction (`tx` is filled in by the database).
pub fn insert(conn: &mut DbConnection, e: &NewLiveEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(live_events::table)
        .values((
            live_events::at.eq(e.at),
            live_events::topic.eq(e.topic.id()),
            live_events::scope.eq(e.audience.scope()),
            live_events::department_id.eq(e.audience.departments[0]),
            live_events::also_department_id.eq(e.audience.departments[1]),
            live_events::agent_id.eq(e.audience.agents[0]),
            live_events::also_agent_id.eq(e.audience.agents[1]),
            live_events::data.eq(e.data),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Up to `limit` settled events after `from`, in stream order, and the position read up to: the
/// last event's, or when there are none, the furthest position known to be settled.
pub fn settled_after(
    conn: &mut DbConnection,
    from: Position,
    limit: i64,
) -> QueryResult<(Vec<LiveEventRow>, Position)> {
    let below = dialect::settled_transactions_below(conn)?;
    let settled = || {
        let query = live_events::table.select(columns()).into_boxed();
        match below {
            Some(below) => query.filter(live_events::tx.lt(below)),
            None => query,
        }
    };
    // Two range reads of `live_events_position`: the rest of `from`'s transaction, then the
    // transactions after it. One query with `tx > t OR (tx = t AND id > n)` made SQLite seek on
    // `tx >= t` and step over every earlier event of that transaction: on SQLite, where every
    // event has transaction 0, a walk of the whole outbox on every read.
    let mut rows: Vec<LiveEventRow> = settled()
        .filter(live_events::tx.eq(from.tx))
        .filter(live_events::id.gt(from.id))
        .order(live_events::id)
        .limit(limit)
        .load(conn)?;
    let left = limit - rows.len() as i64;
    if left > 0 {
        rows.extend(
            settled()
                .filter(live_events::tx.gt(from.tx))
                .order((live_events::tx, live_events::id))
                .limit(left)
                .load::<LiveEventRow>(conn)?,
        );
    }
    let reached = match (rows.last(), below) {
        (Some(last), _) => last.position(),
        // Everything of a transaction below `below` has been read: start the next read at it.
        (None, Some(below)) => from.max(Position::new(below, 0)),
        (None, None) => from,
    };
    Ok((rows, reached))
}

type Columns = (
    live_events::id,
    live_events::tx,
    live_events::topic,
    live_events::scope,
    live_events::department_id,
    live_events::also_department_id,
    live_events::agent_id,
    live_events::also_agent_id,
    live_events::data,
);

fn columns() -> Columns {
    (
        live_events::id,
        live_events::tx,
        live_events::topic,
        live_events::scope,
        live_events::department_id,
        live_events::also_department_id,
        live_events::agent_id,
        live_events::also_agent_id,
        live_events::data,
    )
}

/// The live end of the stream: every change committed before this call is at or before it, so a
/// list read after it and a stream started from it meet without a gap (at worst the stream
/// repeats a change the list already shows).
pub fn live_end(conn: &mut DbConnection) -> QueryResult<Position> {
    match dialect::settled_transactions_below(conn)? {
        Some(below) => Ok(Position::new(below, 0)),
        None => {
            let newest: Option<i64> = live_events::table
                .select(diesel::dsl::max(live_events::id))
                .first(conn)?;
            Ok(Position::new(0, newest.unwrap_or(0)).max(horizon(conn)?))
        }
    }
}

/// The newest position pruned away.
pub fn horizon(conn: &mut DbConnection) -> QueryResult<Position> {
    live_event_horizon::table
        .select((live_event_horizon::tx, live_event_horizon::event_id))
        .first::<(i64, i64)>(conn)
        .optional()
        .map(|found| {
            found
                .map(|(tx, id)| Position::new(tx, id))
                .unwrap_or_default()
        })
}

/// Deletes up to `batch` events older than `before` and moves the horizon past them. Returns how
/// many went. Run inside a write transaction.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime, batch: i64) -> QueryResult<usize> {
    let old: Vec<(i64, i64)> = live_events::table
        .filter(live_events::at.lt(before))
        .order((live_events::tx, live_events::id))
        .limit(batch)
        .select((live_events::tx, live_events::id))
        .load(conn)?;
    let Some(&(tx, id)) = old.last() else {
        return Ok(0);
    };
    let newest = Position::new(tx, id).max(horizon(conn)?);
    diesel::update(live_event_horizon::table)
        .set((
            live_event_horizon::tx.eq(newest.tx),
            live_event_horizon::event_id.eq(newest.id),
        ))
        .execute(conn)?;
    let ids: Vec<i64> = old.iter().map(|(_, id)| *id).collect();
    diesel::delete(live_events::table.filter(live_events::id.eq_any(&ids))).execute(conn)
}
