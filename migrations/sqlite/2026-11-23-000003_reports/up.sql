-- Scheduled email reports. A run is one (schedule, period) and exists at most once: that unique key
-- is what keeps restarts and several instances from ever sending one report twice.

CREATE INDEX chats_created_at ON chats (created_at);

CREATE TABLE recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    full_name TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- groupings: comma-separated DAY, WEEK, MONTH; scheduled_days: comma-separated 1 (Monday) .. 7;
-- scheduled_minute: minutes after midnight in the desk's time zone.
CREATE TABLE report_schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id BIGINT NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
    report_id SMALLINT NOT NULL,
    format TEXT NOT NULL,
    groupings TEXT NOT NULL,
    delivery TEXT NOT NULL,
    scheduled_days TEXT NOT NULL,
    scheduled_minute INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX report_schedules_recipient ON report_schedules (recipient_id);

-- state: 1 pending, 2 sending (claimed, leased), 3 sent, 4 failed (gave up), 5 interrupted (a send
-- whose outcome is unknown; never repeated automatically).
CREATE TABLE report_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id BIGINT NOT NULL REFERENCES report_schedules (id) ON DELETE CASCADE,
    period_key TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    state SMALLINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX report_runs_schedule_period ON report_runs (schedule_id, period_key);
CREATE INDEX report_runs_due ON report_runs (state, next_attempt_at);
