DROP INDEX agents_status_seen;
DROP INDEX chats_waiting_since;
ALTER TABLE chats DROP COLUMN alerted_at;
ALTER TABLE departments DROP COLUMN max_chats_per_agent;
ALTER TABLE agents DROP COLUMN alert_mailed_at;
ALTER TABLE agents DROP COLUMN resume_status;
ALTER TABLE agents DROP COLUMN offline_since;
ALTER TABLE agents DROP COLUMN last_assigned_at;
ALTER TABLE agents DROP COLUMN max_chats;
