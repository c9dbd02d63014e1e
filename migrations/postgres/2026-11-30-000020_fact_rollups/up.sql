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
    id BIGSERIAL PRIMARY KEY,
    time_zone TEXT NOT NULL,
    from_at TIMESTAMP NOT NULL,
    to_at TIMESTAMP NOT NULL,
    -- Chats created in the span (chats.created_at never changes).
    chats_started BIGINT NOT NULL,
    sealed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fact_seals_span ON fact_seals (time_zone, from_at, to_at);
-- The trigger finds the seals holding a fact's time: to_at > at, then from_at <= at.
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

CREATE FUNCTION chat_events_unseal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM fact_seals WHERE to_at > OLD.at AND from_at <= OLD.at;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM fact_seals WHERE to_at > NEW.at AND from_at <= NEW.at;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER chat_events_unseal AFTER INSERT OR UPDATE OR DELETE ON chat_events
    FOR EACH ROW EXECUTE FUNCTION chat_events_unseal();

CREATE FUNCTION chats_unseal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    created TIMESTAMP;
BEGIN
    IF TG_OP = 'INSERT' THEN created := NEW.created_at; ELSE created := OLD.created_at; END IF;
    DELETE FROM fact_seals WHERE to_at > created AND from_at <= created;
    RETURN NULL;
END
$$;
CREATE TRIGGER chats_unseal AFTER INSERT OR DELETE ON chats
    FOR EACH ROW EXECUTE FUNCTION chats_unseal();

CREATE FUNCTION chat_tags_unseal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    created TIMESTAMP;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT created_at INTO created FROM chats WHERE id = NEW.chat_id;
    ELSE
        SELECT created_at INTO created FROM chats WHERE id = OLD.chat_id;
    END IF;
    DELETE FROM fact_seals WHERE to_at > created AND from_at <= created;
    RETURN NULL;
END
$$;
CREATE TRIGGER chat_tags_unseal AFTER INSERT OR DELETE ON chat_tags
    FOR EACH ROW EXECUTE FUNCTION chat_tags_unseal();

-- Every read of facts by time names the kinds (`kind IN (...)`), so this one index answers it:
-- a seek per kind, then that kind's facts of the range, without a table row (it replaces
-- (kind, at), which it starts with). LiveMetrics reads only today's Assigned and Closed facts.
CREATE INDEX chat_events_kind_at_facts ON chat_events (kind, at, agent_id, department_id, seconds);
DROP INDEX IF EXISTS chat_events_kind_at;
