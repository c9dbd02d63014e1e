//! This process's side of the event stream: one reader of the `live_events` outbox fans every
//! event out in memory to the open streams (a broadcast channel), and a watcher keeps each
//! stream's viewer current (session still live, role, departments) and its agent present.
//!
//! The loops that drive this are in `worker::live`; the SSE endpoint in `http::events`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use tokio::sync::{broadcast, Notify};

use super::Ctx;
use crate::domain::live::{Audience, Position, Topic, Viewer};
use crate::domain::Role;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::live_events::{self, LiveEventRow};
use crate::store::{agents, sessions};

/// Events the fan-out holds for streams that have not taken them yet. A stream that falls this far
/// behind is sent `resync` and closed rather than holding more memory.
pub const FAN_OUT_BUFFER: usize = 4096;

/// Events read from the outbox per query.
pub const READ_BATCH: i64 = 500;

/// An event ready to send: its SSE frame and who may see it.
#[derive(Debug)]
pub struct Outgoing {
    /// None for events that are not kept (`metrics.live`): they carry no id.
    pub position: Option<Position>,
    pub audience: Audience,
    pub frame: Bytes,
}

impl Outgoing {
    /// An event read from the outbox.
    pub fn from_row(row: &LiveEventRow) -> Option<Self> {
        let topic = Topic::from_id(row.topic)?;
        let position = row.position();
        Some(Self {
            position: Some(position),
            audience: row.audience(),
            frame: frame(Some(position), topic.name(), &row.data),
        })
    }

    /// An event sent once to whoever is connected, without an id (nothing to resume).
    pub fn passing(name: &str, audience: Audience, data: &str) -> Self {
        Self {
            position: None,
            audience,
            frame: frame(None, name, data),
        }
    }
}

/// One SSE event: `id:`, `event:` and one `data:` line (the JSON has no newlines).
pub fn frame(position: Option<Position>, name: &str, data: &str) -> Bytes {
    let mut out = String::with_capacity(data.len() + name.len() + 40);
    if let Some(p) = position {
        out.push_str("id: ");
        out.push_str(&p.to_string());
        out.push('\n');
    }
    out.push_str("event: ");
    out.push_str(name);
    out.push_str("\ndata: ");
    out.push_str(data);
    out.push_str("\n\n");
    Bytes::from(out)
}

/// What the watcher knows of one open stream.
pub struct StreamWatch {
    pub session_id: i64,
    pub viewer: RwLock<Viewer>,
    ended: AtomicBool,
    /// Woken when the stream must end (its session ended or the agent was disabled).
    pub end: Notify,
}

impl StreamWatch {
    pub fn has_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    fn finish(&self) {
        self.ended.store(true, Ordering::Release);
        self.end.notify_waiters();
        self.end.notify_one();
    }

    pub fn viewer(&self) -> Viewer {
        self.viewer
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

type Registry = Arc<Mutex<HashMap<u64, Arc<StreamWatch>>>>;

fn lock(registry: &Registry) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<StreamWatch>>> {
    registry.lock().unwrap_or_else(|e| e.into_inner())
}

/// The fan-out and the registry of open streams.
pub struct LiveHub {
    sender: broadcast::Sender<Arc<Outgoing>>,
    streams: Registry,
    next_stream: AtomicU64,
    per_session: usize,
    max_streams: usize,
    /// Woken after this process committed events, so the reader reads at once.
    pub written: Notify,
}

/// A stream's registration; dropping it takes the stream out of the registry.
pub struct Registration {
    streams: Registry,
    key: u64,
    pub watch: Arc<StreamWatch>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.streams).remove(&self.key);
    }
}

impl LiveHub {
    /// A hub that holds at most `per_session` streams of one session and `max_streams` in all.
    pub fn new(per_session: usize, max_streams: usize) -> Self {
        Self {
            sender: broadcast::channel(FAN_OUT_BUFFER).0,
            streams: Registry::default(),
            next_stream: AtomicU64::new(1),
            per_session,
            max_streams,
            written: Notify::new(),
        }
    }

    fn lock_streams(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<StreamWatch>>> {
        lock(&self.streams)
    }

    /// Registers a stream, unless its session or this process already holds as many as allowed
    /// (one client opening streams without end would hold memory and sockets for everyone). The
    /// returned guard keeps it registered.
    pub fn register(&self, session_id: i64, viewer: Viewer) -> ApiResult<Registration> {
        let mut streams = self.lock_streams();
        if streams.len() >= self.max_streams {
            return Err(ApiError::new(
                ErrorCode::TooManyStreams,
                "This server has as many event streams open as it takes; try again shortly",
            )
            .with_retry_after(5));
        }
        let of_session = streams
            .values()
            .filter(|w| w.session_id == session_id)
            .count();
        if of_session >= self.per_session {
            return Err(ApiError::new(
                ErrorCode::TooManyStreams,
                format!(
                    "This session has {of_session} event streams open already; close one first"
                ),
            )
            .with_retry_after(5));
        }
        let key = self.next_stream.fetch_add(1, Ordering::Relaxed);
        let watch = Arc::new(StreamWatch {
            session_id,
            viewer: RwLock::new(viewer),
            ended: AtomicBool::new(false),
            end: Notify::new(),
        });
        streams.insert(key, watch.clone());
        Ok(Registration {
            streams: self.streams.clone(),
            key,
            watch,
        })
    }

    /// Everything sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Outgoing>> {
        self.sender.subscribe()
    }

    /// Sends an event to every open stream of this process (each filters by its viewer).
    pub fn send(&self, event: Arc<Outgoing>) {
        // An error only means that no stream is open.
        let _ = self.sender.send(event);
    }

    /// How many streams are open here.
    pub fn open_streams(&self) -> usize {
        self.lock_streams().len()
    }

    /// Whether a manager watches a stream here (then `metrics.live` is worth computing).
    pub fn manager_watching(&self) -> bool {
        self.lock_streams().values().any(|w| w.viewer().is_manager)
    }

    fn watches(&self) -> Vec<Arc<StreamWatch>> {
        self.lock_streams().values().cloned().collect()
    }
}

/// The viewer behind a session: its agent, role and departments.
pub fn viewer_of(ctx: &Ctx, agent_id: i64, role: Role) -> ApiResult<Viewer> {
    let department_ids = ctx.read(|c| agents::department_ids(c, agent_id))?;
    Ok(Viewer {
        agent_id,
        is_manager: role == Role::Manager,
        department_ids,
    })
}

/// The watcher's pass over the open streams: ends those whose session ended or whose agent was
/// disabled, and brings role and departments up to date. With `keep_present`, also slides the
/// sessions' idle expiry and marks their agents seen: an open stream is activity.
pub fn watch_streams(ctx: &Ctx, keep_present: bool) -> ApiResult<usize> {
    let watches = ctx.live.watches();
    if watches.is_empty() {
        return Ok(0);
    }
    let mut session_ids: Vec<i64> = watches.iter().map(|w| w.session_id).collect();
    session_ids.sort_unstable();
    session_ids.dedup();
    let now = ctx.now();
    let live = ctx.read(|c| sessions::live_with_role(c, &session_ids, now))?;
    let by_session: HashMap<i64, (i64, i16)> = live
        .iter()
        .map(|(session, agent, role)| (*session, (*agent, *role)))
        .collect();
    let mut agent_ids: Vec<i64> = live.iter().map(|(_, agent, _)| *agent).collect();
    agent_ids.sort_unstable();
    agent_ids.dedup();
    let departments = ctx.read(|c| agents::department_ids_of(c, &agent_ids))?;
    for watch in &watches {
        match by_session.get(&watch.session_id) {
            None => watch.finish(),
            Some((agent_id, role)) => {
                let viewer = Viewer {
                    agent_id: *agent_id,
                    is_manager: Role::from_id((*role).into()) == Ok(Role::Manager),
                    department_ids: departments.get(agent_id).cloned().unwrap_or_default(),
                };
                *watch.viewer.write().unwrap_or_else(|e| e.into_inner()) = viewer;
            }
        }
    }
    if keep_present && !live.is_empty() {
        let live_sessions: Vec<i64> = live.iter().map(|(session, _, _)| *session).collect();
        let idle = now + super::auth::to_duration(ctx.config.session_idle);
        ctx.write(|c| {
            sessions::touch_many(c, &live_sessions, now, idle)?;
            agents::touch_last_seen_many(c, &agent_ids, now)?;
            Ok(())
        })?;
    }
    Ok(watches.len())
}

/// Reads the settled events after `from` (at most [`READ_BATCH`]), with the position reached.
pub fn read_after(ctx: &Ctx, from: Position) -> ApiResult<(Vec<LiveEventRow>, Position)> {
    ctx.read(|c| live_events::settled_after(c, from, READ_BATCH))
}

/// The live end of the stream (see [`live_events::live_end`]).
pub fn live_end(ctx: &Ctx) -> ApiResult<Position> {
    ctx.read(live_events::live_end)
}

/// Where a stream asked to resume from stands: `Ok(true)` when it can resume there, `Ok(false)`
/// when events after it were pruned (or it is not a position this desk handed out) and the client
/// must resync.
pub fn can_resume_from(ctx: &Ctx, from: Position) -> ApiResult<bool> {
    ctx.read(|c| {
        let horizon = live_events::horizon(c)?;
        let end = live_events::live_end(c)?;
        Ok(from >= horizon && from <= end)
    })
}

/// Deletes events older than the retention, in batches. Returns how many went.
pub fn prune(ctx: &Ctx) -> ApiResult<usize> {
    let before = ctx.now() - super::auth::to_duration(ctx.config.event_retention);
    let mut pruned = 0;
    loop {
        let n = ctx.write(|c| Ok(live_events::prune(c, before, 1000)?))?;
        pruned += n;
        if n < 1000 {
            return Ok(pruned);
        }
    }
}
