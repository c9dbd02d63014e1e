//! Group commit for SQLite's one writer.
//!
//! SQLite runs one write transaction at a time, and most of a small write's cost is its commit:
//! FTS5 writing the messages it indexed as a new segment (and merging segments), the WAL frames of
//! every page the transaction touched, the checkpoint that follows (a new chat on the benchmark's
//! desk: 37 % of the server's CPU, all of it while every other writer waits). So the writers of
//! this process that wait at the same time share one transaction: whoever gets the turn takes
//! every waiting change (up to [`MAX_BATCH`]), runs each in its own savepoint and commits once.
//!
//! - A change that fails (its own error or a panic) is rolled back to its savepoint alone; the
//!   others of the batch are kept.
//! - A commit that fails fails every change of the batch, with an error: nobody is told a change
//!   was made that was not.
//! - Every caller returns only once the commit of its change is known, so an answer never runs
//!   ahead of what another connection can read.
//! - Changes run one after another on one connection, in the order they arrived: each sees the
//!   ones before it, as it would have after their commits.

use std::collections::VecDeque;
use std::ops::DerefMut;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::Thread;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;

use super::DbConnection;

/// The most changes one transaction carries: the last of a batch waits for all before it.
pub const MAX_BATCH: usize = 64;

/// The queue of waiting changes and whether a caller is running a batch of them.
#[derive(Default)]
pub struct GroupCommit {
    state: Mutex<State>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<Queued>,
    /// A caller is running a batch: the others wait, parked, until their change is settled or
    /// they are woken to run the next batch.
    leading: bool,
}

impl State {
    /// Wakes the caller of the oldest waiting change to run the next batch.
    fn wake_next(&self) {
        if let Some(next) = self.waiting.front() {
            next.caller.unpark();
        }
    }
}

struct Queued {
    id: u64,
    caller: Thread,
    change: Box<dyn Pending>,
}

/// A caller's change, its result type erased so one batch holds changes of any type.
trait Pending: Send {
    /// Runs the change in a savepoint. `Ok(kept)` tells whether it was released (`true`) or
    /// rolled back (`false`, the change failed); `Err` means the transaction itself is broken.
    fn run(&mut self, conn: &mut DbConnection) -> Result<bool, DieselError>;
    /// Hands the outcome to its caller once the batch's commit is known (`None`: committed) and
    /// wakes the caller.
    fn settle(self: Box<Self>, commit_failure: Option<&str>);
}

type Outcome<T, E> = std::thread::Result<Result<T, E>>;

struct Change<'a, T, E, F> {
    change: Option<F>,
    outcome: Option<Outcome<T, E>>,
    span: tracing::Span,
    caller: Thread,
    reply: &'a Mutex<Option<Outcome<T, E>>>,
}

impl<T, E, F> Pending for Change<'_, T, E, F>
where
    T: Send,
    E: From<DieselError> + Send,
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> Result<bool, DieselError> {
        let Some(change) = self.change.take() else {
            return Ok(false);
        };
        let _in_request = self.span.enter();
        let outcome = &mut self.outcome;
        let saved = conn.transaction(|c| {
            let result = catch_unwind(AssertUnwindSafe(|| change(c)));
            let keep = matches!(result, Ok(Ok(_)));
            *outcome = Some(result);
            match keep {
                true => Ok(()),
                false => Err(DieselError::RollbackTransaction),
            }
        });
        match saved {
            Ok(()) => Ok(true),
            Err(DieselError::RollbackTransaction) => Ok(false),
            Err(broken) => Err(broken),
        }
    }

    fn settle(self: Box<Self>, commit_failure: Option<&str>) {
        let Change {
            change,
            outcome,
            span,
            caller,
            reply,
        } = *self;
        // Whatever the change owns goes before its caller may return, and a destructor that
        // panics must not leave the caller parked for ever.
        let _ = catch_unwind(AssertUnwindSafe(|| drop((change, span))));
        let outcome = match (outcome, commit_failure) {
            (Some(Ok(Ok(done))), None) => Ok(Ok(done)),
            // The change's own error or panic stands, whatever became of the batch.
            (Some(failed @ (Ok(Err(_)) | Err(_))), _) => failed,
            (Some(Ok(Ok(_))) | None, failure) => Ok(Err(E::from(not_committed(
                failure.unwrap_or("the change was not run"),
            )))),
        };
        *lock(reply) = Some(outcome);
        caller.unpark();
    }
}

fn not_committed(why: &str) -> DieselError {
    DieselError::DatabaseError(
        DatabaseErrorKind::Unknown,
        Box::new(format!("the write was not committed: {why}")),
    )
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// Set while this thread runs a batch: a change that starts another write would wait for
    /// itself, so that write is refused instead.
    static RUNNING_A_BATCH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl GroupCommit {
    /// Runs `change` in a write transaction shared with the changes waiting beside it, and
    /// returns its result once that transaction has committed (or its failure). `connect` takes
    /// the connection when this caller's turn comes to run a batch; waiting callers hold none.
    pub fn run<T, E, F, C>(&self, connect: impl Fn() -> Result<C, E>, change: F) -> Result<T, E>
    where
        T: Send,
        E: From<DieselError> + Send,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
        C: DerefMut<Target = DbConnection>,
    {
        let nested = RUNNING_A_BATCH.get();
        debug_assert!(!nested, "a change started another write");
        if nested {
            return Err(E::from(not_committed(
                "a change may not start another write",
            )));
        }
        let reply: Mutex<Option<Outcome<T, E>>> = Mutex::new(None);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let pending: Box<dyn Pending + '_> = Box::new(Change {
            change: Some(change),
            outcome: None,
            span: tracing::Span::current(),
            caller: std::thread::current(),
            reply: &reply,
        });
        // SAFETY: the change borrows `reply` and whatever `change` captured, all of which outlive
        // this call, and this call returns (or unwinds) only once the change has been settled
        // (which consumes it) or taken back out of the queue by this very call: `Leading` takes it
        // back when a leader unwinds, in the same critical section that hands the lead on, and a
        // batch settles every change it drained, also when it unwinds (`Batch`'s drop).
        let pending = unsafe {
            std::mem::transmute::<Box<dyn Pending + '_>, Box<dyn Pending + 'static>>(pending)
        };
        lock(&self.state).waiting.push_back(Queued {
            id,
            caller: std::thread::current(),
            change: pending,
        });
        loop {
            if let Some(outcome) = lock(&reply).take() {
                return outcome.unwrap_or_else(|panic| resume_unwind(panic));
            }
            {
                let mut state = lock(&self.state);
                if state.leading {
                    drop(state);
                    // Until this change is settled, or this caller is to run the next batch (a
                    // wake-up that finds another caller leading just parks again).
                    std::thread::park();
                    continue;
                }
                if !state.waiting.iter().any(|q| q.id == id) {
                    // Settled by the batch that ended just now: its answer is waiting.
                    continue;
                }
                state.leading = true;
            }
            let leading = Leading { queue: self, id };
            let conn = connect();
            let mut state = lock(&self.state);
            let mut conn = match conn {
                Ok(conn) => conn,
                Err(e) => {
                    // No connection came within the pool's timeout: the changes waiting now would
                    // each wait that long again as they take the lead, so they fail with this one.
                    let others: Vec<_> = state.waiting.drain(..).filter(|q| q.id != id).collect();
                    drop(state);
                    Batch(others.into_iter().map(|q| q.change).collect())
                        .abandon("database is busy: no connection became free");
                    drop(leading);
                    return Err(e);
                }
            };
            let n = state.waiting.len().min(MAX_BATCH);
            let batch = Batch(state.waiting.drain(..n).map(|q| q.change).collect());
            drop(state);
            batch.run(&mut conn);
        }
    }
}

/// The lead of the caller running a batch; given up when it ends, also by unwinding, so that the
/// callers still waiting are never left parked behind a leader that is gone. A leader that
/// unwinds takes its own change back out of the queue in the same critical section, before
/// another caller can take the lead and run it: nothing may refer to the frame being unwound.
struct Leading<'a> {
    queue: &'a GroupCommit,
    id: u64,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.queue.state);
        if std::thread::panicking() {
            state.waiting.retain(|q| q.id != self.id);
        }
        state.leading = false;
        state.wake_next();
    }
}

/// Changes drained from the queue. Dropped unsettled (an unwinding leader), they are settled as
/// not committed, so their callers return.
struct Batch(Vec<Box<dyn Pending>>);

impl Batch {
    fn run(mut self, conn: &mut DbConnection) {
        let changes = &mut self.0;
        RUNNING_A_BATCH.set(true);
        let committed = super::dialect::write_transaction(conn, |c| {
            for change in changes.iter_mut() {
                change.run(c)?;
            }
            Ok::<_, DieselError>(())
        });
        RUNNING_A_BATCH.set(false);
        let failure = committed.err().map(|e| e.to_string());
        self.settle(failure.as_deref());
    }

    /// Fails every change without running it.
    fn abandon(mut self, why: &str) {
        self.settle(Some(why));
    }

    fn settle(&mut self, failure: Option<&str>) {
        // One at a time off the end: if settling one unwinds, the rest are still here for `drop`.
        while let Some(change) = self.0.pop() {
            change.settle(failure);
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        RUNNING_A_BATCH.set(false);
        self.settle(Some("the batch was abandoned"));
    }
}
