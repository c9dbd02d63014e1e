-- Short-lived single-use tickets for GetEvents (issue 25.3): an EventSource can't send headers,
-- and a session token in the URL lands in proxy logs for up to 12 h. A ticket lives 30 s and is
-- deleted as it is used; it names the session by its token's hash. Stored hashed, like tokens.
CREATE TABLE event_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_hash TEXT NOT NULL,
    session_token_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX event_tickets_ticket_hash ON event_tickets (ticket_hash);
CREATE INDEX event_tickets_expires_at ON event_tickets (expires_at);
