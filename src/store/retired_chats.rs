//! Deleting chats for retention and erasure: what a chat leaves for the reports (its start and
//! tags, in `retired_chats`), and everything else of it gone in one statement per table.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use crate::db::schema::{chats, customers};
use crate::db::sql::id_list;
use crate::db::DbConnection;
use crate::domain::chat::ChatState;

/// Closed chats that closed before `before`, the longest closed first (at most `limit`).
pub fn closed_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    chats::table
        .filter(chats::closed_at.lt(before))
        .filter(chats::state.eq(ChatState::Closed.id()))
        .order(chats::closed_at.asc())
        .limit(limit)
        .select(chats::id)
        .load(conn)
}

/// The chats of a customer, in any state.
pub fn of_customer(conn: &mut DbConnection, customer_id: i64) -> QueryResult<Vec<i64>> {
    chats::table
        .filter(chats::customer_id.eq(customer_id))
        .order(chats::id)
        .select(chats::id)
        .load(conn)
}

/// Of `ids`, those still closed before `before` (retention re-checks inside its transaction:
/// a chat reopened since it was read stays).
pub fn still_closed_before(
    conn: &mut DbConnection,
    ids: &[i64],
    before: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    chats::table
        .filter(chats::id.eq_any(ids))
        .filter(chats::closed_at.lt(before))
        .filter(chats::state.eq(ChatState::Closed.id()))
        .select(chats::id)
        .load(conn)
}

/// Deletes the chats `ids` with their messages, attachments, deliveries and tags (cascades), and
/// their visits unless another chat shares the visitor's session; keeps each chat's start and
/// tags in `retired_chats` for the reports; then deletes the customers of these chats left with
/// none. Returns (chats deleted, customers deleted). Call inside a write transaction.
pub fn retire(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<(usize, usize)> {
    if ids.is_empty() {
        return Ok((0, 0));
    }
    let list = id_list(ids);
    let customer_ids: Vec<i64> = chats::table
        .filter(chats::id.eq_any(ids))
        .select(chats::customer_id)
        .distinct()
        .load(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO retired_chats (id, created_at) SELECT id, created_at FROM chats WHERE id IN ({list})"
    ))
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO retired_chat_tags (chat_id, tag_id) \
         SELECT chat_id, tag_id FROM chat_tags WHERE chat_id IN ({list})"
    ))
    .execute(conn)?;
    diesel::sql_query(format!(
        "DELETE FROM chat_visits WHERE EXISTS (SELECT 1 FROM chats c WHERE c.id IN ({list}) \
             AND c.channel_id = chat_visits.channel_id \
             AND c.external_session_id = chat_visits.external_session_id) \
         AND NOT EXISTS (SELECT 1 FROM chats o WHERE o.id NOT IN ({list}) \
             AND o.channel_id = chat_visits.channel_id \
             AND o.external_session_id = chat_visits.external_session_id)"
    ))
    .execute(conn)?;
    // A web chat visitor (its token and the address replies were mailed to) goes with its last chat.
    diesel::sql_query(format!(
        "DELETE FROM web_visitors WHERE EXISTS (SELECT 1 FROM chats c WHERE c.id IN ({list}) \
             AND c.channel_id = web_visitors.channel_id \
             AND c.external_session_id = web_visitors.session_key) \
         AND NOT EXISTS (SELECT 1 FROM chats o WHERE o.id NOT IN ({list}) \
             AND o.channel_id = web_visitors.channel_id \
             AND o.external_session_id = web_visitors.session_key)"
    ))
    .execute(conn)?;
    let chats_deleted = diesel::delete(chats::table.filter(chats::id.eq_any(ids))).execute(conn)?;
    let customers_deleted = diesel::delete(
        customers::table
            .filter(customers::id.eq_any(&customer_ids))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                chats::table.filter(chats::customer_id.eq(customers::id)),
            ))),
    )
    .execute(conn)?;
    Ok((chats_deleted, customers_deleted))
}

/// Deletes a customer with no chat left (EraseCustomer of a customer whose chats are gone).
pub fn delete_customer_without_chats(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(
        customers::table
            .filter(customers::id.eq(id))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                chats::table.filter(chats::customer_id.eq(customers::id)),
            ))),
    )
    .execute(conn)
}

/// Chats started in `[from, to)`, the deleted ones included: a bound pair for the reports.
pub const STARTED_IN_SPAN: &str =
    "(SELECT COUNT(*) FROM chats WHERE created_at >= $1 AND created_at < $2) \
     + (SELECT COUNT(*) FROM retired_chats WHERE created_at >= $1 AND created_at < $2)";

/// Counts chats started in `[from, to)`, deleted ones included.
pub fn started_in(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let row: N = diesel::sql_query(format!("SELECT CAST({STARTED_IN_SPAN} AS BIGINT) AS n"))
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to)
        .get_result(conn)?;
    Ok(row.n)
}

/// `(tag_id)` of every chat started in `[$a, $b)` per tag it carries, deleted chats included, as
/// a subquery for the reports (`$a`, `$b` are the caller's placeholders).
pub fn tagged_chats_in(a: &str, b: &str) -> String {
    format!(
        "(SELECT ct.tag_id AS tag_id FROM chat_tags ct JOIN chats c ON c.id = ct.chat_id \
          WHERE c.created_at >= {a} AND c.created_at < {b} \
          UNION ALL SELECT rt.tag_id AS tag_id FROM retired_chat_tags rt \
          JOIN retired_chats r ON r.id = rt.chat_id WHERE r.created_at >= {a} AND r.created_at < {b})"
    )
}

/// A chat as ExportCustomer lists it.
pub type ChatExportRow = (
    i64,
    i64,
    String,
    Option<i64>,
    Option<i64>,
    i16,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The chats of a customer, for ExportCustomer: id, channel, session, department, agent, state,
/// created, closed, close reason and what the visitor said (name, email, phone).
pub fn export_chats(conn: &mut DbConnection, customer_id: i64) -> QueryResult<Vec<ChatExportRow>> {
    chats::table
        .filter(chats::customer_id.eq(customer_id))
        .order(chats::id)
        .select((
            chats::id,
            chats::channel_id,
            chats::external_session_id,
            chats::department_id,
            chats::agent_id,
            chats::state,
            chats::created_at,
            chats::closed_at,
            chats::close_reason,
            chats::visitor_name,
            chats::visitor_email,
            chats::visitor_phone,
        ))
        .load(conn)
}

/// A message as ExportCustomer lists it: id, chat, kind, special type, author, text, attachment,
/// to the customer, created.
pub type MessageExportRow = (
    i64,
    i64,
    i16,
    Option<String>,
    String,
    String,
    Option<i64>,
    bool,
    NaiveDateTime,
);

pub fn export_messages(
    conn: &mut DbConnection,
    chat_ids: &[i64],
) -> QueryResult<Vec<MessageExportRow>> {
    use crate::db::schema::messages;
    messages::table
        .filter(messages::chat_id.eq_any(chat_ids))
        .order(messages::id)
        .select((
            messages::id,
            messages::chat_id,
            messages::kind,
            messages::special_type,
            messages::author,
            messages::text,
            messages::attachment_id,
            messages::to_customer,
            messages::created_at,
        ))
        .load(conn)
}

/// Attachments of the chats (without their bytes): id, chat, name, type, size, SHA-256, created.
pub type AttachmentExportRow = (i64, i64, String, String, i64, String, NaiveDateTime);

pub fn export_attachments(
    conn: &mut DbConnection,
    chat_ids: &[i64],
) -> QueryResult<Vec<AttachmentExportRow>> {
    use crate::db::schema::attachments;
    attachments::table
        .filter(attachments::chat_id.eq_any(chat_ids))
        .order(attachments::id)
        .select((
            attachments::id,
            attachments::chat_id,
            attachments::name,
            attachments::mime_type,
            attachments::size,
            attachments::sha256,
            attachments::created_at,
        ))
        .load(conn)
}

/// The tags of the chats: (chat, tag id).
pub fn export_tags(conn: &mut DbConnection, chat_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    use crate::db::schema::chat_tags;
    chat_tags::table
        .filter(chat_tags::chat_id.eq_any(chat_ids))
        .order((chat_tags::chat_id, chat_tags::tag_id))
        .select((chat_tags::chat_id, chat_tags::tag_id))
        .load(conn)
}

/// The pages the visitor's sessions visited: (channel, session, url, when).
pub fn export_visits(
    conn: &mut DbConnection,
    sessions: &[(i64, String)],
) -> QueryResult<Vec<(i64, String, String, NaiveDateTime)>> {
    use crate::db::schema::chat_visits;
    let mut out = Vec::new();
    for (channel, session) in sessions {
        out.extend(
            chat_visits::table
                .filter(chat_visits::channel_id.eq(channel))
                .filter(chat_visits::external_session_id.eq(session))
                .order(chat_visits::id)
                .select((
                    chat_visits::channel_id,
                    chat_visits::external_session_id,
                    chat_visits::url,
                    chat_visits::visited_at,
                ))
                .load::<(i64, String, String, NaiveDateTime)>(conn)?,
        );
    }
    Ok(out)
}
