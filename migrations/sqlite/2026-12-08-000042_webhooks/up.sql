-- Webhooks: endpoints a manager registered, the events each wants, and a delivery queue (the
-- lease queue's columns, see store/lease_queue.rs) filled from the event stream's outbox.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    signing_secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

-- One row per (endpoint, event): the unique index makes a repeated fan-out harmless. chat_id
-- orders a chat's events per endpoint; body is the exact JSON posted (and signed).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
    event_id BIGINT NOT NULL,
    event TEXT NOT NULL,
    chat_id BIGINT,
    body TEXT NOT NULL,
    state SMALLINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    last_status INTEGER,
    last_duration_ms BIGINT,
    last_answer TEXT
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (webhook_id, event_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_chat ON webhook_deliveries (webhook_id, chat_id, id);

-- How far the outbox has been fanned out to webhooks (a stream position: tx, event id).
CREATE TABLE webhook_cursor (
    id SMALLINT PRIMARY KEY,
    tx BIGINT NOT NULL,
    event_id BIGINT NOT NULL
);
INSERT INTO webhook_cursor (id, tx, event_id) VALUES (1, 0, 0);
