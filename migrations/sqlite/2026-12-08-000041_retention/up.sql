-- Retention and erasure delete chats, but reports and DataInsight keep their counts: a reporting
-- fact (chat_events) is history, not part of the chat, so it no longer goes with its chat; and a
-- deleted chat leaves its creation time and tags (retired_chats, retired_chat_tags), nothing that
-- names a person, for the counts of chats started and chats per tag.
--
-- SQLite can't drop a foreign key: chat_events is rebuilt without it, with the same columns,
-- indexes and triggers (dropping the old table fires no trigger, so no seal is lost).
CREATE TABLE chat_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    at TIMESTAMP NOT NULL,
    agent_id BIGINT,
    department_id BIGINT,
    seconds BIGINT
);
INSERT INTO chat_events_new (id, chat_id, kind, at, agent_id, department_id, seconds)
    SELECT id, chat_id, kind, at, agent_id, department_id, seconds FROM chat_events;
DROP TABLE chat_events;
ALTER TABLE chat_events_new RENAME TO chat_events;
CREATE INDEX chat_events_at ON chat_events (at);
CREATE INDEX chat_events_chat_kind_at ON chat_events (chat_id, kind, at);
CREATE INDEX chat_events_kind_at_facts ON chat_events (kind, at, agent_id, department_id, seconds);
CREATE TRIGGER chat_events_unseal_insert AFTER INSERT ON chat_events
BEGIN
    DELETE FROM fact_seals WHERE to_at > NEW.at AND from_at <= NEW.at;
END;
CREATE TRIGGER chat_events_unseal_update AFTER UPDATE ON chat_events
BEGIN
    DELETE FROM fact_seals WHERE (to_at > OLD.at AND from_at <= OLD.at)
                              OR (to_at > NEW.at AND from_at <= NEW.at);
END;
CREATE TRIGGER chat_events_unseal_delete AFTER DELETE ON chat_events
BEGIN
    DELETE FROM fact_seals WHERE to_at > OLD.at AND from_at <= OLD.at;
END;

-- A deleted chat as the reports count it: when it started, and its tags.
CREATE TABLE retired_chats (
    id BIGINT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX retired_chats_created_at ON retired_chats (created_at);
CREATE TABLE retired_chat_tags (
    chat_id BIGINT NOT NULL REFERENCES retired_chats (id),
    tag_id BIGINT NOT NULL,
    PRIMARY KEY (chat_id, tag_id)
);

-- The retention pass finds closed chats by age.
CREATE INDEX chats_closed_at ON chats (closed_at) WHERE closed_at IS NOT NULL;
