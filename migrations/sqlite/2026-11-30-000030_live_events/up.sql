-- The event stream's outbox: one row per change a front-end is told about, written in the same
-- transaction as the change. SQLite commits one writer at a time, so ids commit in order and `tx`
-- is always 0. AUTOINCREMENT: an id is never handed out twice, even after pruning the newest rows.
CREATE TABLE live_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tx BIGINT NOT NULL DEFAULT 0,
    at TIMESTAMP NOT NULL,
    topic SMALLINT NOT NULL,
    scope SMALLINT NOT NULL,
    department_id BIGINT,
    also_department_id BIGINT,
    agent_id BIGINT,
    also_agent_id BIGINT,
    data TEXT NOT NULL
);
CREATE INDEX live_events_position ON live_events (tx, id);
CREATE INDEX live_events_at ON live_events (at);

-- The newest position pruned: a client resuming from before it has missed events and resyncs.
CREATE TABLE live_event_horizon (
    id SMALLINT PRIMARY KEY,
    tx BIGINT NOT NULL,
    event_id BIGINT NOT NULL
);
INSERT INTO live_event_horizon (id, tx, event_id) VALUES (1, 0, 0);
