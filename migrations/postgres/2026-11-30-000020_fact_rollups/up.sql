-- Rollups of the reporting facts for periods that are over (docs/performance.md, "LiveMetrics and
-- DataInsight"): DataInsight read the year's million facts four times per call; it now reads the
-- sums of the months and days that are over, and the facts of today only.
--
-- A seal is one span of local days [from_at, to_at) (UTC instants of local midnights, in the time
-- zone it names), with its facts summed per (kind, agent, department) in fact_rollups. A seal is
-- only written for a span that ended a while ago, and any later change to a fact in its span
-- (a late insert, an update, a delete: the trigger below) deletes it with its sums, so a seal
-- that exists always equals its facts; the next reader seals it again.
CREATE TABLE fact_seals (
    id BIGSERIAL PRIMARY KEY,
    time_zone TEXT NOT NULL,
    from_at TIMESTAMP NOT NULL,
    to_at TIMESTAMP NOT NULL,
    sealed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fact_seals_span ON fact_seals (time_zone, from_at, to_at);
-- The trigger finds the seals holding a fact's time: to_at > at, then from_at <= at.
CREATE INDEX fact_seals_to_at ON fact_seals (to_at, from_at);

CREATE TABLE fact_rollups (
    seal_id BIGINT NOT NULL REFERENCES fact_seals (id) ON DELETE CASCADE,
    kind SMALLINT NOT NULL,
    agent_id BIGINT,
    department_id BIGINT,
    n BIGINT NOT NULL,
    timed BIGINT NOT NULL,
    total_seconds BIGINT NOT NULL
);
CREATE INDEX fact_rollups_seal ON fact_rollups (seal_id, kind, agent_id, department_id, n, timed, total_seconds);

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

-- Every read of facts by time names the kinds (`kind IN (...)`), so this one index answers it:
-- a seek per kind, then that kind's facts of the range, without a table row (it replaces
-- (kind, at), which it starts with). LiveMetrics reads only today's Assigned and Closed facts.
CREATE INDEX chat_events_kind_at_facts ON chat_events (kind, at, agent_id, department_id, seconds);
DROP INDEX IF EXISTS chat_events_kind_at;
