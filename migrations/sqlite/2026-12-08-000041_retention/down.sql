DROP INDEX chats_closed_at;
DROP TABLE retired_chat_tags;
DROP TABLE retired_chats;
-- chat_events keeps no foreign key: facts of deleted chats would have none to point at.
