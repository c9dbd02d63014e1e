CREATE INDEX IF NOT EXISTS chat_events_kind_at ON chat_events (kind, at);
DROP INDEX IF EXISTS chat_events_kind_at_facts;
DROP TRIGGER IF EXISTS chat_events_unseal_delete;
DROP TRIGGER IF EXISTS chat_events_unseal_update;
DROP TRIGGER IF EXISTS chat_events_unseal_insert;
DROP TABLE IF EXISTS fact_rollups;
DROP TABLE IF EXISTS fact_seals;
