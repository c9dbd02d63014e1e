//! One lease queue for work that leaves the process (a POST to a channel server, a mail): a row
//! per job with `state`, `attempts`, `next_attempt_at`, `lease_until`, `last_error` and a column
//! for when it was done. A worker claims a row with one conditional `UPDATE` (the affected-row
//! count decides between two instances), does its I/O outside any transaction, and records the
//! outcome only while the row is still held by the same attempt: no attempt is made twice, and a
//! late outcome never overwrites a newer attempt's. Channel deliveries and report runs use it; a
//! new queue is a table with these columns and one [`LeaseQueue`] static.
//!
//! Written once for any such table as statement types whose SQL is fixed per queue, portable to
//! both backends and kept prepared (see `db::sql::keyed_by_sql`), which `diesel::update` is not.

use chrono::NaiveDateTime;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{BigInt, Integer, Nullable, SmallInt, Text, Timestamp};
use diesel::{QueryResult, RunQueryDsl};

use crate::db::pool::MultiBackend;
use crate::db::sql::keyed_by_sql;
use crate::db::DbConnection;

/// A queue table and the state numbers it stores.
pub struct LeaseQueue {
    /// The table; a name from the code, never from input.
    pub table: &'static str,
    /// The column set to the time the work was done (`delivered_at`, `sent_at`).
    pub done_at: &'static str,
    pub pending: i16,
    /// Claimed by a worker until `lease_until`.
    pub sending: i16,
    pub done: i16,
    /// For a queue whose work must not be repeated when its outcome is unknown (a mail cut off
    /// mid-send): the state a row still `sending` after its lease ends in, and the error recorded.
    /// The attempt that was sending may still record its real outcome over it. Without it, a row
    /// whose lease ran out is claimed again (at least once).
    pub interrupted: Option<(i16, &'static str)>,
}

/// How an attempt went.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// The work was done.
    Done,
    /// Not done: tried again from this time.
    RetryAt(NaiveDateTime, &'a str),
    /// Not done, and not tried again: the row ends in this state.
    GiveUp(i16, &'a str),
}

impl<'a> Outcome<'a> {
    /// A failed attempt: retried at `retry_at`, or ended in `end_state` when `None`.
    pub fn failed(error: &'a str, retry_at: Option<NaiveDateTime>, end_state: i16) -> Self {
        match retry_at {
            Some(at) => Self::RetryAt(at, error),
            None => Self::GiveUp(end_state, error),
        }
    }
}

impl LeaseQueue {
    /// Leases row `id`, which this worker saw in `seen_state` after `seen_attempts` attempts
    /// (pending and due, or sending with a lease that ran out), as attempt `seen_attempts + 1`:
    /// true when this call took it, false when another worker got there first.
    pub fn claim(
        &'static self,
        conn: &mut DbConnection,
        id: i64,
        seen_state: i16,
        seen_attempts: i32,
        now: NaiveDateTime,
        lease_until: NaiveDateTime,
    ) -> QueryResult<bool> {
        let claimed = Claim {
            queue: self,
            id,
            seen_state,
            seen_attempts,
            now,
            lease_until,
        }
        .execute(conn)?;
        Ok(claimed == 1)
    }

    /// Records how attempt `attempt` of row `id` went, if that attempt still holds the row; 0 rows
    /// updated means its lease had run out and a newer attempt owns the row.
    pub fn record(
        &'static self,
        conn: &mut DbConnection,
        id: i64,
        attempt: i32,
        outcome: Outcome<'_>,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        let (state, error, next_attempt_at) = match outcome {
            Outcome::Done => (self.done, None, None),
            Outcome::RetryAt(at, error) => (self.pending, Some(error), Some(at)),
            Outcome::GiveUp(state, error) => (state, Some(error), Some(now)),
        };
        Record {
            queue: self,
            id,
            attempt,
            state,
            error,
            done_at: matches!(outcome, Outcome::Done).then_some(now),
            next_attempt_at,
        }
        .execute(conn)
    }

    /// Marks rows still sending after their lease as interrupted (queues that have that state):
    /// their outcome is unknown, so they are not repeated behind anyone's back.
    pub fn interrupt_expired(
        &'static self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        if self.interrupted.is_none() {
            return Ok(0);
        }
        InterruptExpired { queue: self, now }.execute(conn)
    }
}

struct Claim {
    queue: &'static LeaseQueue,
    id: i64,
    seen_state: i16,
    seen_attempts: i32,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
}

impl QueryFragment<MultiBackend> for Claim {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        out.push_sql(self.queue.table);
        out.push_sql(" SET state = ");
        out.push_bind_param::<SmallInt, _>(&self.queue.sending)?;
        out.push_sql(", attempts = attempts + 1, lease_until = ");
        out.push_bind_param::<Timestamp, _>(&self.lease_until)?;
        out.push_sql(", next_attempt_at = ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" AND state = ");
        out.push_bind_param::<SmallInt, _>(&self.seen_state)?;
        out.push_sql(" AND attempts = ");
        out.push_bind_param::<Integer, _>(&self.seen_attempts)?;
        Ok(())
    }
}

/// An outcome, written only where the row is as the attempt left it: sending (or marked
/// interrupted meanwhile) and still at that attempt.
struct Record<'a> {
    queue: &'static LeaseQueue,
    id: i64,
    attempt: i32,
    state: i16,
    error: Option<&'a str>,
    done_at: Option<NaiveDateTime>,
    next_attempt_at: Option<NaiveDateTime>,
}

impl QueryFragment<MultiBackend> for Record<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let q = self.queue;
        out.push_sql("UPDATE ");
        out.push_sql(q.table);
        out.push_sql(" SET state = ");
        out.push_bind_param::<SmallInt, _>(&self.state)?;
        out.push_sql(", lease_until = NULL, last_error = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.error)?;
        if let Some(at) = &self.done_at {
            out.push_sql(", ");
            out.push_sql(q.done_at);
            out.push_sql(" = ");
            out.push_bind_param::<Timestamp, _>(at)?;
        }
        if let Some(at) = &self.next_attempt_at {
            out.push_sql(", next_attempt_at = ");
            out.push_bind_param::<Timestamp, _>(at)?;
        }
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" AND attempts = ");
        out.push_bind_param::<Integer, _>(&self.attempt)?;
        out.push_sql(" AND state IN (");
        out.push_bind_param::<SmallInt, _>(&q.sending)?;
        if let Some((interrupted, _)) = &q.interrupted {
            out.push_sql(", ");
            out.push_bind_param::<SmallInt, _>(interrupted)?;
        }
        out.push_sql(")");
        Ok(())
    }
}

struct InterruptExpired {
    queue: &'static LeaseQueue,
    now: NaiveDateTime,
}

impl QueryFragment<MultiBackend> for InterruptExpired {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let q = self.queue;
        let Some((interrupted, why)) = &q.interrupted else {
            return Err(diesel::result::Error::QueryBuilderError(
                "this queue takes expired leases over instead".into(),
            ));
        };
        out.push_sql("UPDATE ");
        out.push_sql(q.table);
        out.push_sql(" SET state = ");
        out.push_bind_param::<SmallInt, _>(interrupted)?;
        out.push_sql(", last_error = ");
        out.push_bind_param::<Text, _>(*why)?;
        out.push_sql(" WHERE state = ");
        out.push_bind_param::<SmallInt, _>(&q.sending)?;
        out.push_sql(" AND lease_until < ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        Ok(())
    }
}

keyed_by_sql!(Claim, Record<'_>, InterruptExpired);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::sql::kept_prepared;

    static QUEUE: LeaseQueue = LeaseQueue {
        table: "jobs",
        done_at: "done_at",
        pending: 1,
        sending: 2,
        done: 3,
        interrupted: Some((5, "cut off")),
    };

    #[test]
    fn the_queue_statements_are_kept_prepared() {
        let now = NaiveDateTime::default();
        assert!(kept_prepared(&Claim {
            queue: &QUEUE,
            id: 1,
            seen_state: 1,
            seen_attempts: 0,
            now,
            lease_until: now,
        }));
        assert!(kept_prepared(&Record {
            queue: &QUEUE,
            id: 1,
            attempt: 1,
            state: 3,
            error: None,
            done_at: Some(now),
            next_attempt_at: None,
        }));
        assert!(kept_prepared(&InterruptExpired { queue: &QUEUE, now }));
    }
}
