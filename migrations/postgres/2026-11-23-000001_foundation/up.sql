-- The desk's configuration side: agents, sessions, departments, tags, canned responses,
-- working hours and settings. Times are UTC.

-- Always empty on PostgreSQL; SQLite uses it to take its write lock up front. Kept so both trees
-- have the same tables.
CREATE TABLE write_lock (id BIGINT PRIMARY KEY);

CREATE TABLE agents (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    mobile TEXT,
    role SMALLINT NOT NULL,
    status SMALLINT NOT NULL DEFAULT 1,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT,
    notify_unassigned BOOLEAN NOT NULL DEFAULT FALSE,
    last_seen_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX agents_email_key ON agents (email_key);
CREATE INDEX agents_role_enabled ON agents (role, enabled);

CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    idle_expires_at TIMESTAMP NOT NULL,
    absolute_expires_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_agent_id ON sessions (agent_id);
CREATE INDEX sessions_idle_expires_at ON sessions (idle_expires_at);

CREATE TABLE password_resets (
    id BIGSERIAL PRIMARY KEY,
    agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE UNIQUE INDEX password_resets_code_hash ON password_resets (code_hash);
CREATE INDEX password_resets_agent_id ON password_resets (agent_id);

-- Logon attempts not (yet) followed by a successful logon, for the per-email rate limit.
CREATE TABLE logon_failures (
    id BIGSERIAL PRIMARY KEY,
    email_key TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX logon_failures_email_key_failed_at ON logon_failures (email_key, failed_at);

CREATE TABLE departments (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    include_in_menu BOOLEAN NOT NULL DEFAULT FALSE,
    name_in_menu TEXT,
    menu_index INTEGER,
    welcome_new TEXT,
    welcome_returning TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX departments_name_key ON departments (name_key);
CREATE UNIQUE INDEX departments_menu_index ON departments (menu_index) WHERE enabled AND include_in_menu;

CREATE TABLE agent_departments (
    agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, department_id)
);
CREATE INDEX agent_departments_department_id ON agent_departments (department_id);

CREATE TABLE tag_groups (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tag_groups_name_key ON tag_groups (name_key);

-- Tags are soft-deleted (deleted_at) so that chats tagged in the past keep their tag names in reports.
CREATE TABLE tags (
    id BIGSERIAL PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES tag_groups (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX tags_group_name_key ON tags (group_id, name_key) WHERE deleted_at IS NULL;

CREATE TABLE department_auto_tags (
    department_id BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (department_id, tag_id)
);
CREATE INDEX department_auto_tags_tag_id ON department_auto_tags (tag_id);

CREATE TABLE canned_responses (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    message_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per weekday, 1 = Monday .. 7 = Sunday; minutes after midnight in the desk's time zone.
CREATE TABLE working_hours (
    day SMALLINT PRIMARY KEY NOT NULL,
    enabled BOOLEAN NOT NULL,
    start_minute INTEGER NOT NULL,
    end_minute INTEGER NOT NULL
);
INSERT INTO working_hours (day, enabled, start_minute, end_minute) VALUES
    (1, TRUE, 480, 1020), (2, TRUE, 480, 1020), (3, TRUE, 480, 1020), (4, TRUE, 480, 1020), (5, TRUE, 480, 1020),
    (6, FALSE, 0, 0), (7, FALSE, 0, 0);

-- Only settings a manager changed are stored; the rest take their documented defaults.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
