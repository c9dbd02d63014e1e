-- Automatic assignment, presence and waiting-chat alerts (docs/routing.md).
-- An agent's own chat limit (over the department's, over the MaxChatsPerAgent setting).
ALTER TABLE agents ADD COLUMN max_chats INTEGER;
-- Round robin: who was given a chat least recently.
ALTER TABLE agents ADD COLUMN last_assigned_at TIMESTAMP;
-- When the agent last went Offline: their open chats return to the queue after the grace.
ALTER TABLE agents ADD COLUMN offline_since TIMESTAMP;
-- The status an agent had when presence (no heartbeat) set them Offline; restored when they return.
ALTER TABLE agents ADD COLUMN resume_status SMALLINT;
-- The last waiting-chat alert mail: at most one per AlertMailMinutes.
ALTER TABLE agents ADD COLUMN alert_mailed_at TIMESTAMP;
ALTER TABLE departments ADD COLUMN max_chats_per_agent INTEGER;
-- Set when the chat's waiting alert went out (once per wait in a queue).
ALTER TABLE chats ADD COLUMN alerted_at TIMESTAMP;
CREATE INDEX chats_waiting_since ON chats (state, queued_at);
CREATE INDEX agents_status_seen ON agents (status, last_seen_at);
