CREATE INDEX IF NOT EXISTS chat_events_chat ON chat_events (chat_id);
DROP INDEX IF EXISTS chat_events_chat_kind_at;
