-- The event stream's outbox: one row per change a front-end is told about, written in the same
-- transaction as the change. Sequence ids are taken at insert, not at commit, so they commit out of
-- order; `tx` (the writing transaction's id) orders them instead: the reader only reads events of
-- transactions below the oldest one still running (snapshot xmin), all of which have ended, so no
-- event can later appear before one already sent. Position = (tx, id).
CREATE TABLE live_events (
    id BIGSERIAL PRIMARY KEY,
    tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
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
