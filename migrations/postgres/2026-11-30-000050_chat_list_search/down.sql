DROP INDEX chats_unread;
DROP INDEX chats_closed;
CREATE INDEX chats_closed_at ON chats (closed_at);
DROP INDEX chats_state_recent;
DROP INDEX chats_department_recent;
DROP INDEX chats_recent;
CREATE INDEX chats_last_message_at ON chats (last_message_at);
DROP INDEX chats_waiting;
DROP INDEX customers_mobile_trgm;
DROP INDEX customers_full_name_trgm;
DROP INDEX messages_text_trgm;
-- pg_trgm stays: other objects may use it, and dropping it needs the rights creating it did.
