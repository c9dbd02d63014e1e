-- Rollups of the reporting facts for periods that are over (docs/performance.md, "LiveMetrics and
-- DataInsight"): DataInsight read the year's million facts four times per call; it now reads the
-- sums of the months and days that are over, and the facts of today only.
--
-- A seal is one span of local days [from_at, to_at) (UTC instants of local midnights, in the time
-- zone it names) with its chats started, its facts summed per kind (fact_rollups) and its chats
-- per tag (tag_rollups). A seal is only written for a span that ended a while ago, and any later
-- change to a fact in its span, to a chat created in it or to such a chat's tags (an insert, an
-- update, a delete: the triggers below) deletes it with its sums, so a seal that exists always equals
-- what it sums; the next reader seals the span again.
CREATE TABLE fact_seals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_zone TEXT NOT NULL,
    from_at TIMESTAMP NOT NULL,
    to_at TIMESTAMP NOT NULL,
    -- Chats created in the span (chats.created_at never changes).
    chats_started BIGINT NOT NULL,
    sealed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fact_seals_span ON fact_seals (time_zone, from_at, to_at);
-- The triggers find the seals holding a fact's time: to_at > at, then from_at <= at.
CREATE INDEX fact_seals_to_at ON fact_seals (to_at, from_at);

-- A seal's facts summed per kind three ways: for the desk (dim 0, key_id NULL), per agent (dim 1,
-- key_id = agent_id) and per department (dim 2, key_id = department_id), so each total is read
-- already grouped, in the order of fact_rollups_sums, without sorting.
CREATE TABLE fact_rollups (
    seal_id BIGINT NOT NULL REFERENCES fact_seals (id) ON DELETE CASCADE,
    dim SMALLINT NOT NULL,
    key_id BIGINT,
    kind SMALLINT NOT NULL,
    n BIGINT NOT NULL,
    timed BIGINT NOT NULL,
    total_seconds BIGINT NOT NULL
);
CREATE INDEX fact_rollups_sums ON fact_rollups (dim, key_id, kind, seal_id, n, timed, total_seconds);
CREATE INDEX fact_rollups_seal ON fact_rollups (seal_id);

-- Chats created in a seal's span, per tag they carry.
CREATE TABLE tag_rollups (
    seal_id BIGINT NOT NULL REFERENCES fact_seals (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL,
    chats BIGINT NOT NULL
);
CREATE INDEX tag_rollups_seal ON tag_rollups (seal_id, tag_id, chats);

CREATE TRIGGER chat_events_unseal_insert AFTER INSERT ON chat_events
BEGIN
    DELETE FROM fact_seals WHERE to_at > NEW.at AND from_at <= NEW.at;
END;
CREATE TRIGGER chat_events_unseal_update AFTER UPDATE ON chat_events
BEGIN
    DELETE FROM fact_seals WHERE (to_at > OLD.at AND from_at <= OLD.at)
                              OR (to_at > NEW.at AND from_at <= NEW.at);
END;
CREATE TRIGGER chat_events_unseal_delete AFTER DELETE ON chat_events
BEGIN
    DELETE FROM fact_seals WHERE to_at > OLD.at AND from_at <= OLD.at;
END;
CREATE TRIGGER chats_unseal_insert AFTER INSERT ON chats
BEGIN
    DELETE FROM fact_seals WHERE to_at > NEW.created_at AND from_at <= NEW.created_at;
END;
CREATE TRIGGER chats_unseal_delete AFTER DELETE ON chats
BEGIN
    DELETE FROM fact_seals WHERE to_at > OLD.created_at AND from_at <= OLD.created_at;
END;
CREATE TRIGGER chat_tags_unseal_insert AFTER INSERT ON chat_tags
BEGIN
    DELETE FROM fact_seals WHERE id IN (
        SELECT s.id FROM chats c, fact_seals s
        WHERE c.id = NEW.chat_id AND s.to_at > c.created_at AND s.from_at <= c.created_at);
END;
CREATE TRIGGER chat_tags_unseal_delete AFTER DELETE ON chat_tags
BEGIN
    DELETE FROM fact_seals WHERE id IN (
        SELECT s.id FROM chats c, fact_seals s
        WHERE c.id = OLD.chat_id AND s.to_at > c.created_at AND s.from_at <= c.created_at);
END;

-- Every read of facts by time names the kinds (`kind IN (...)`), so this one index answers it:
-- a seek per kind, then that kind's facts of the range, without a table row (it replaces
-- (kind, at), which it starts with). LiveMetrics reads only today's Assigned and Closed facts.
CREATE INDEX chat_events_kind_at_facts ON chat_events (kind, at, agent_id, department_id, seconds);
DROP INDEX IF EXISTS chat_events_kind_at;
