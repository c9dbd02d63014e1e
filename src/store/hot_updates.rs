//! The `UPDATE`s of the hottest writes (every message, first answer and assignment), written as statement
//! types whose SQL is fixed. Diesel never keeps an `UPDATE` built with `diesel::update` prepared
//! (its SQL may change with the changeset), so PostgreSQL parsed and planned each of these on
//! every run, at the cost of one more round trip for the parse; these are prepared once per
//! connection and keyed by their SQL text (docs/performance.md, "Sixth pass").

use chrono::NaiveDateTime;
use diesel::query_builder::{AstPass, Query, QueryFragment};
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text, Timestamp};
use diesel::QueryResult;

use crate::db::pool::MultiBackend;
use crate::db::sql::{keyed_by_sql, push_bound_ids};

/// A new last message of a chat: its time and preview, and from a customer one more unread and
/// no longer typing. Returns the chat's channel, department and agent as the update, which locks
/// the row, left them.
pub struct TouchLastMessage<'a> {
    pub id: i64,
    pub at: NaiveDateTime,
    pub preview: &'a str,
    pub from_customer: bool,
}

impl QueryFragment<MultiBackend> for TouchLastMessage<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("UPDATE chats SET last_message_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", last_message_text = ");
        out.push_bind_param::<Nullable<Text>, _>(self.preview)?;
        if self.from_customer {
            out.push_sql(", agent_unread = agent_unread + 1, customer_typing_at = NULL");
        }
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" RETURNING channel_id, department_id, agent_id");
        Ok(())
    }
}

impl Query for TouchLastMessage<'_> {
    type SqlType = (BigInt, Nullable<BigInt>, Nullable<BigInt>);
}

/// The first agent answer of a chat that is not closed, if none was recorded yet.
pub struct MarkFirstResponse {
    pub id: i64,
    pub at: NaiveDateTime,
    pub closed: i16,
}

impl QueryFragment<MultiBackend> for MarkFirstResponse {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("UPDATE chats SET first_response_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" AND first_response_at IS NULL AND state <> ");
        out.push_bind_param::<SmallInt, _>(&self.closed)?;
        Ok(())
    }
}

/// An assignment: the chat goes to the agent if it is still waiting in one of `departments`
/// (the one place that decides who wins a chat: of two claims exactly one updates a row).
pub struct ClaimChat<'a> {
    pub id: i64,
    pub agent_id: i64,
    pub at: NaiveDateTime,
    pub departments: &'a [i64],
    pub waiting: i16,
    pub open: i16,
}

impl QueryFragment<MultiBackend> for ClaimChat<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("UPDATE chats SET state = ");
        out.push_bind_param::<SmallInt, _>(&self.open)?;
        out.push_sql(", agent_id = ");
        out.push_bind_param::<BigInt, _>(&self.agent_id)?;
        out.push_sql(", assigned_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" AND state = ");
        out.push_bind_param::<SmallInt, _>(&self.waiting)?;
        if self.departments.is_empty() {
            out.push_sql(" AND 1 = 0");
            return Ok(());
        }
        out.push_sql(" AND department_id IN (");
        push_bound_ids(&mut out, self.departments)?;
        out.push_sql(")");
        Ok(())
    }
}

/// When an agent was last given a chat (who has waited longest for one, in routing).
pub struct MarkAssigned {
    pub agent_id: i64,
    pub at: NaiveDateTime,
}

impl QueryFragment<MultiBackend> for MarkAssigned {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("UPDATE agents SET last_assigned_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.agent_id)?;
        Ok(())
    }
}

keyed_by_sql!(
    TouchLastMessage<'_>,
    MarkFirstResponse,
    ClaimChat<'_>,
    MarkAssigned
);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::*;
    use crate::db::dialect::{AdvisoryLock, TagsOfChatJson};
    use crate::db::schema::chats;
    use crate::db::sql::kept_prepared;

    #[test]
    fn these_statements_are_kept_prepared_where_diesel_update_is_not() {
        let at = chrono::NaiveDateTime::default();
        assert!(!kept_prepared(
            &diesel::update(chats::table.find(1)).set(chats::last_message_at.eq(at))
        ));
        for from_customer in [false, true] {
            assert!(kept_prepared(&TouchLastMessage {
                id: 1,
                at,
                preview: "hello",
                from_customer,
            }));
        }
        assert!(kept_prepared(&MarkFirstResponse {
            id: 1,
            at,
            closed: 3
        }));
        assert!(kept_prepared(&AdvisoryLock { key: "k" }));
        assert!(kept_prepared(&ClaimChat {
            id: 1,
            agent_id: 2,
            at,
            departments: &[1, 2],
            waiting: 1,
            open: 2
        }));
        assert!(kept_prepared(&MarkAssigned { agent_id: 1, at }));
        assert!(kept_prepared(
            &chats::table.select((chats::id, TagsOfChatJson))
        ));
    }
}
