//! The generator's store: the history tables written thousands of rows per statement (`COPY` on
//! PostgreSQL, through `db::dialect`), with ids chosen by the caller so that rows can refer to each
//! other before they are written. Each function splits its rows to stay under SQLite's 32,766 bound
//! parameters. Chats and messages are written as the store's own rows (`ChatRow`, `MessageRow`);
//! the other tables have no row type with every column, so theirs are here.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{chat_events, chat_tags, chats, customers, deliveries, messages};
use crate::db::{dialect, DbConnection};
use crate::store::chats::ChatRow;
use crate::store::messages::MessageRow;

/// Bound parameters per statement: below SQLite's limit (32,766) and PostgreSQL's (65,535).
const MAX_PARAMS: usize = 32_000;

#[derive(Insertable, Clone, Debug)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
pub struct CustomerInsert {
    pub id: i64,
    pub full_name: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The channel that brought them (see `customers::find_by_mobile`).
    pub identity_scope: i64,
}

#[derive(Insertable, Clone, Debug)]
#[diesel(table_name = deliveries, treat_none_as_default_value = false)]
pub struct DeliveryInsert {
    pub message_id: i64,
    pub chat_id: i64,
    pub channel_id: i64,
    pub state: i16,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Clone, Debug)]
#[diesel(table_name = chat_events, treat_none_as_default_value = false)]
pub struct EventInsert {
    pub chat_id: i64,
    pub kind: i16,
    pub at: NaiveDateTime,
    pub agent_id: Option<i64>,
    pub department_id: Option<i64>,
    pub seconds: Option<i64>,
}

#[derive(Insertable, Clone, Debug)]
#[diesel(table_name = chat_tags, treat_none_as_default_value = false)]
pub struct ChatTagInsert {
    pub chat_id: i64,
    pub tag_id: i64,
    pub added_at: NaiveDateTime,
    pub added_by: Option<i64>,
}

/// Rows per statement for a table of `columns` columns.
fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMS / columns).max(1)
}

macro_rules! bulk_insert {
    ($(#[$doc:meta])* $name:ident, $row:ty, $table:path, $columns:expr) => {
        $(#[$doc])*
        pub fn $name(conn: &mut DbConnection, rows: &[$row]) -> QueryResult<usize> {
            if rows.is_empty() {
                return Ok(0);
            }
            if let DbConnection::Postgres(_) = conn {
                // One COPY takes any number of rows.
                return dialect::bulk_insert_rows!(conn, $table, rows);
            }
            let mut inserted = 0;
            for chunk in rows.chunks(rows_per_statement($columns)) {
                inserted += dialect::bulk_insert_rows!(conn, $table, chunk)?;
            }
            Ok(inserted)
        }
    };
}

bulk_insert!(
    /// Customers, with their ids.
    customers,
    CustomerInsert,
    customers::table,
    8
);
bulk_insert!(
    /// Chats, with their ids.
    chats,
    ChatRow,
    chats::table,
    20
);
bulk_insert!(
    /// Messages, with their ids.
    messages,
    MessageRow,
    messages::table,
    12
);
bulk_insert!(
    /// Deliveries of messages to the channel server.
    deliveries,
    DeliveryInsert,
    deliveries::table,
    10
);
bulk_insert!(
    /// Reporting facts.
    events,
    EventInsert,
    chat_events::table,
    6
);
bulk_insert!(
    /// Tags on chats.
    chat_tags,
    ChatTagInsert,
    chat_tags::table,
    4
);

/// The highest id in each history table, so a load into a desk that has rows continues after them.
pub struct MaxIds {
    pub customers: i64,
    pub chats: i64,
    pub messages: i64,
}

pub fn max_ids(conn: &mut DbConnection) -> QueryResult<MaxIds> {
    use diesel::dsl::max;
    Ok(MaxIds {
        customers: customers::table
            .select(max(customers::id))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0),
        chats: chats::table
            .select(max(chats::id))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0),
        messages: messages::table
            .select(max(messages::id))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0),
    })
}

/// How many chats the desk has.
pub fn count_chats(conn: &mut DbConnection) -> QueryResult<i64> {
    chats::table.count().get_result(conn)
}

/// The tables whose ids [`customers`], [`chats`] and [`messages`] choose.
pub const TABLES_WITH_CHOSEN_IDS: [&str; 3] = ["customers", "chats", "messages"];
