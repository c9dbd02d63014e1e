-- Retention and erasure delete chats, but reports and DataInsight keep their counts: a reporting
-- fact (chat_events) is history, not part of the chat, so it no longer goes with its chat; and a
-- deleted chat leaves its creation time and tags (retired_chats, retired_chat_tags), nothing that
-- names a person, for the counts of chats started and chats per tag.
ALTER TABLE chat_events DROP CONSTRAINT chat_events_chat_id_fkey;

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
