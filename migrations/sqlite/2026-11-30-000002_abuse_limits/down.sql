ALTER TABLE chats DROP COLUMN visitor_phone;
ALTER TABLE chats DROP COLUMN visitor_email;
ALTER TABLE chats DROP COLUMN visitor_name;
DROP INDEX customers_scope_email;
DROP INDEX customers_scope_mobile;
CREATE UNIQUE INDEX customers_mobile ON customers (mobile) WHERE mobile IS NOT NULL;
ALTER TABLE customers DROP COLUMN identity_scope;
ALTER TABLE channels DROP COLUMN verifies_identity;
DROP TABLE logon_failures;
CREATE TABLE logon_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email_key TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX logon_failures_email_key_failed_at ON logon_failures (email_key, failed_at);
