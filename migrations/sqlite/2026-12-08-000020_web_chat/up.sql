-- The web chat (issue 23): a channel of kind web has no chat server; the desk is its server. Its
-- widget key is public (it sits in the website's page), so it is stored as it is, unique.
-- kind: 1 = a channel server calling the channel API, 2 = the desk's own web chat.
ALTER TABLE channels ADD COLUMN kind SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE channels ADD COLUMN widget_key TEXT;
CREATE UNIQUE INDEX channels_widget_key ON channels (widget_key);

-- A browser that opened the web chat: its token is stored hashed, and its chats are the chats of
-- the channel whose session is `session_key`. `away_email` is where replies go while the visitor is
-- not on the page (given with a left message or asked for); `mailed_message_id` the newest message
-- such a mail carried, `mailed_at` when (at most one mail per few minutes).
CREATE TABLE web_visitors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    token_hash TEXT NOT NULL,
    session_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    away_email TEXT,
    mailed_message_id BIGINT NOT NULL DEFAULT 0,
    mailed_at TIMESTAMP
);
CREATE UNIQUE INDEX web_visitors_token_hash ON web_visitors (token_hash);
CREATE UNIQUE INDEX web_visitors_session ON web_visitors (channel_id, session_key);
CREATE INDEX web_visitors_away ON web_visitors (away_email, last_seen_at);
