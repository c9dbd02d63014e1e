-- The audit log: one row per change a manager makes and per security event, written in the same
-- transaction as the change. Append-only: no API updates a row, and the trigger below refuses an
-- UPDATE from anywhere; rows leave only by age (`AuditRetentionDays`).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    agent_id BIGINT,
    actor TEXT NOT NULL,
    address TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_agent ON audit_log (agent_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Daily passes (retention, audit retention) run on one instance at a time: an instance claims the
-- pass's row until `claimed_until`, and `last_done_at` says when it last finished.
CREATE TABLE daily_passes (
    name TEXT PRIMARY KEY,
    claimed_until TIMESTAMP,
    last_done_at TIMESTAMP
);
INSERT INTO daily_passes (name) VALUES ('retention');
