-- Logon failures are counted per source address, and per (source address, account): someone
-- guessing from one address can't lock the account's owner out from another. A failure for an
-- address nobody has carries no account (email_key is NULL).
DROP TABLE logon_failures;
CREATE TABLE logon_failures (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    email_key TEXT,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX logon_failures_source ON logon_failures (source, failed_at);
CREATE INDEX logon_failures_source_account ON logon_failures (source, email_key, failed_at);
CREATE INDEX logon_failures_failed_at ON logon_failures (failed_at);

-- A customer's identity is only as trusted as the channel that vouches for it: customers are
-- recognised by phone or address within their identity scope, the channel that first saw them
-- (its id), or 0 for the customers of channels that verify identity (a messaging gateway).
ALTER TABLE channels ADD COLUMN verifies_identity BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE customers ADD COLUMN identity_scope BIGINT NOT NULL DEFAULT 0;
UPDATE customers SET identity_scope = COALESCE(
    (SELECT chats.channel_id FROM chats WHERE chats.customer_id = customers.id ORDER BY chats.id LIMIT 1), 0);
DROP INDEX customers_mobile;
CREATE UNIQUE INDEX customers_scope_mobile ON customers (identity_scope, mobile) WHERE mobile IS NOT NULL;
CREATE INDEX customers_scope_email ON customers (identity_scope, email_key);

-- What this chat's visitor said about themselves; the stored customer is never overwritten by it.
ALTER TABLE chats ADD COLUMN visitor_name TEXT;
ALTER TABLE chats ADD COLUMN visitor_email TEXT;
ALTER TABLE chats ADD COLUMN visitor_phone TEXT;
