//! The reporting facts, written as things happen; `metrics.rs` adds them up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::chat_events;
use crate::db::DbConnection;
use crate::domain::chat::EventKind;

/// One reporting fact.
pub struct Event {
    pub chat_id: i64,
    pub kind: EventKind,
    pub at: NaiveDateTime,
    pub agent_id: Option<i64>,
    pub department_id: Option<i64>,
    pub seconds: Option<i64>,
}

pub fn insert(conn: &mut DbConnection, e: &Event) -> QueryResult<()> {
    diesel::insert_into(chat_events::table)
        .values((
            chat_events::chat_id.eq(e.chat_id),
            chat_events::kind.eq(e.kind.id()),
            chat_events::at.eq(e.at),
            chat_events::agent_id.eq(e.agent_id),
            chat_events::department_id.eq(e.department_id),
            chat_events::seconds.eq(e.seconds),
        ))
        .execute(conn)
        .map(|_| ())
}

/// When the chat was first queued, unless it was ever assigned: where the wait of its first
/// assignment starts. `None` when it was assigned before (or never queued). One query where
/// `exists` and `first_at` were two, on every GrabChat.
pub fn first_wait_start(
    conn: &mut DbConnection,
    chat_id: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    let assigned = diesel::alias!(chat_events as assigned);
    let assigned_before = assigned
        .filter(assigned.field(chat_events::chat_id).eq(chat_id))
        .filter(
            assigned
                .field(chat_events::kind)
                .eq(EventKind::Assigned.id()),
        )
        .select(assigned.field(chat_events::id));
    chat_events::table
        .filter(chat_events::chat_id.eq(chat_id))
        .filter(chat_events::kind.eq(EventKind::Queued.id()))
        .filter(diesel::dsl::not(diesel::dsl::exists(assigned_before)))
        .select(diesel::dsl::min(chat_events::at))
        .first(conn)
}

/// When the chat first had a fact of this kind.
pub fn first_at(
    conn: &mut DbConnection,
    chat_id: i64,
    kind: EventKind,
) -> QueryResult<Option<NaiveDateTime>> {
    chat_events::table
        .filter(chat_events::chat_id.eq(chat_id))
        .filter(chat_events::kind.eq(kind.id()))
        .select(diesel::dsl::min(chat_events::at))
        .first(conn)
}
