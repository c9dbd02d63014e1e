-- Chats end to end: channels, customers, chats and their messages, attachments, outbound
-- deliveries to the channel server, and the reporting facts.

-- A channel server (web-chat backend, messaging gateway) registered by a manager. Only the hashes
-- of its ApiKey and ChatAccountToken are kept; the signing secret signs our outbound calls.
CREATE TABLE channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    chat_server TEXT NOT NULL,
    api_key_hash TEXT NOT NULL,
    account_token_hash TEXT NOT NULL,
    signing_secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX channels_api_key_hash ON channels (api_key_hash);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    full_name TEXT,
    mobile TEXT,
    email TEXT,
    email_key TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX customers_mobile ON customers (mobile) WHERE mobile IS NOT NULL;
CREATE INDEX customers_email_key ON customers (email_key);
CREATE INDEX customers_full_name ON customers (full_name);

-- state: 1 unassigned (queued, or choosing from the welcome menu while department_id is null),
-- 2 open (assigned to agent_id), 3 closed.
CREATE TABLE chats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    external_session_id TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    department_id BIGINT REFERENCES departments (id),
    agent_id BIGINT REFERENCES agents (id),
    state SMALLINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    queued_at TIMESTAMP,
    assigned_at TIMESTAMP,
    first_response_at TIMESTAMP,
    closed_at TIMESTAMP,
    close_reason TEXT,
    last_message_at TIMESTAMP NOT NULL,
    last_message_text TEXT,
    agent_unread INTEGER NOT NULL DEFAULT 0,
    customer_typing_at TIMESTAMP
);
CREATE INDEX chats_queue ON chats (state, department_id, queued_at);
CREATE INDEX chats_agent_state ON chats (agent_id, state);
CREATE INDEX chats_customer ON chats (customer_id, state);
CREATE INDEX chats_last_message_at ON chats (last_message_at);
CREATE INDEX chats_closed_at ON chats (closed_at);
CREATE INDEX chats_session ON chats (channel_id, external_session_id);
-- One live chat per channel session: a message after closing opens a new chat.
CREATE UNIQUE INDEX chats_one_live_per_session ON chats (channel_id, external_session_id) WHERE state <> 3;

CREATE TABLE chat_tags (
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    added_at TIMESTAMP NOT NULL,
    added_by BIGINT REFERENCES agents (id),
    PRIMARY KEY (chat_id, tag_id)
);
CREATE INDEX chat_tags_tag_id ON chat_tags (tag_id);

-- Pages the customer visited, by channel session (a widget reports visits before the first message).
CREATE TABLE chat_visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    external_session_id TEXT NOT NULL,
    url TEXT NOT NULL,
    visited_at TIMESTAMP NOT NULL
);
CREATE INDEX chat_visits_session ON chat_visits (channel_id, external_session_id, id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_chat_id ON attachments (chat_id);

-- kind: 1 customer, 2 agent, 3 system, 4 note (private, never sent to the customer).
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    kind SMALLINT NOT NULL,
    special_type TEXT,
    agent_id BIGINT REFERENCES agents (id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    attachment_id BIGINT REFERENCES attachments (id),
    to_customer BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_by_agent_at TIMESTAMP,
    read_by_customer_at TIMESTAMP
);
CREATE INDEX messages_chat_id ON messages (chat_id, id);

-- Messages on their way to the channel server. state: 1 pending, 2 sending (leased), 3 delivered, 4 failed.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    chat_id BIGINT NOT NULL,
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    state SMALLINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX deliveries_message_id ON deliveries (message_id);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_chat ON deliveries (chat_id, state, id);

-- Reporting facts, written when they happen. kind: see domain::chat::EventKind.
CREATE TABLE chat_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    kind SMALLINT NOT NULL,
    at TIMESTAMP NOT NULL,
    agent_id BIGINT,
    department_id BIGINT,
    seconds BIGINT
);
CREATE INDEX chat_events_at ON chat_events (at);
CREATE INDEX chat_events_kind_at ON chat_events (kind, at);
CREATE INDEX chat_events_chat ON chat_events (chat_id);
