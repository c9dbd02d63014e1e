-- A chat's facts of one kind (its first queueing, whether it was assigned before) are looked up
-- inside the write transactions of GrabChat and SendMessage: without this index SQLite walked
-- every fact of the kind (110,000 on the benchmark desk) for each.
CREATE INDEX IF NOT EXISTS chat_events_chat_kind_at ON chat_events (chat_id, kind, at);
DROP INDEX IF EXISTS chat_events_chat;
