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

/// Whether the chat already has a fact of this kind.
pub fn exists(conn: &mut DbConnection, chat_id: i64, kind: EventKind) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        chat_events::table
            .filter(chat_events::chat_id.eq(chat_id))
            .filter(chat_events::kind.eq(kind.id())),
    ))
    .get_result(conn)
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
