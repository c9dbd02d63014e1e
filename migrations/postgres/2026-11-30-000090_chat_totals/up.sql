-- The counts of `chat_counts` and the deltas not yet folded into them, as one relation: a list's
-- Cursor.Total is one query on it (one snapshot, so a fold running meanwhile is seen entirely or
-- not at all) that Diesel's query builder can write, and so keep prepared, where a UNION of the
-- two tables is SQL text it parses on every call. docs/performance.md, "Cursor.Total from counters".
CREATE VIEW chat_totals AS
SELECT department_id, state, n FROM chat_counts
UNION ALL
SELECT department_id, state, delta AS n FROM chat_count_deltas;
