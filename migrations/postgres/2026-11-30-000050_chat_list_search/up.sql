-- GetChatList at the scale of a real desk (docs/performance.md, "GetChatList and Term").
--
-- Term: trigram indexes (pg_trgm) on exactly the expressions the list filters with, so that
-- `lower(text) LIKE '%refund%'` reads the matching rows from the index (PostgreSQL re-checks each
-- hit) instead of a million messages. GIN indexes are maintained by every write, in its
-- transaction. pg_trgm ships with PostgreSQL; creating it needs the CREATE privilege on the
-- database (PostgreSQL 13+ treats it as a trusted extension) or a superuser: where the desk's role
-- has neither, an administrator runs `CREATE EXTENSION pg_trgm;` in the desk's database once
-- before the first start (README, PostgreSQL).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_text_trgm ON messages USING gin (lower(text) gin_trgm_ops);
CREATE INDEX customers_full_name_trgm ON customers USING gin (lower(full_name) gin_trgm_ops);
CREATE INDEX customers_mobile_trgm ON customers USING gin (mobile gin_trgm_ops);

-- The list's orders, each with the id that breaks ties, so a page is read from an index in
-- order (and a keyset page starts where the last one ended) instead of sorting every match.
-- The queue: the order GrabChat takes, chats still in the welcome menu (no department) last.
CREATE INDEX chats_waiting ON chats (state, (department_id IS NULL), queued_at, id);
-- Everything, and an agent's departments, by the latest message.
DROP INDEX chats_last_message_at;
CREATE INDEX chats_recent ON chats (last_message_at, id);
CREATE INDEX chats_department_recent ON chats (department_id, last_message_at, id);
-- Open chats by the latest message, closed chats by when they closed.
CREATE INDEX chats_state_recent ON chats (state, last_message_at, id);
DROP INDEX chats_closed_at;
CREATE INDEX chats_closed ON chats (state, closed_at, id);
-- Selector=unread is counted from the chats that have unread lines only, by department and
-- state, without reading a chat (the pages walk the orders above).
CREATE INDEX chats_unread ON chats (department_id, state, agent_unread) WHERE agent_unread > 0;
