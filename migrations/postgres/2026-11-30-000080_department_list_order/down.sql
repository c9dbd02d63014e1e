DROP INDEX chats_department_closed;
DROP INDEX chats_department_state_recent;
DROP INDEX chats_department_recent;
CREATE INDEX chats_department_recent ON chats (department_id, last_message_at, id);
