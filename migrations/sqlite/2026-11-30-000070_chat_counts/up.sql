-- How many chats each department holds in each state, so that GetChatList's Cursor.Total is a
-- sum of a few rows instead of a count of up to every chat (100,000 index entries for a
-- manager's list). Department 0 stands for "no department yet" (the welcome menu). Kept exact by
-- triggers, so every path that writes a chat (the API, the workers, `agentdesk seed`) keeps it.
-- SQLite has one writer, so the triggers add to the rows directly; `chat_count_deltas` exists so
-- that both backends read the counts with one query (on PostgreSQL the triggers write there; see
-- its migration of this name). docs/performance.md, "Cursor.Total from counters".
CREATE TABLE chat_counts (
    department_id BIGINT NOT NULL,
    state SMALLINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (department_id, state)
) WITHOUT ROWID;

CREATE TABLE chat_count_deltas (
    id INTEGER PRIMARY KEY,
    department_id BIGINT NOT NULL,
    state SMALLINT NOT NULL,
    delta BIGINT NOT NULL
);

INSERT INTO chat_counts (department_id, state, n)
SELECT COALESCE(department_id, 0), state, COUNT(*) FROM chats GROUP BY 1, 2;

CREATE TRIGGER chat_counts_insert AFTER INSERT ON chats BEGIN
    INSERT INTO chat_counts (department_id, state, n)
    VALUES (COALESCE(NEW.department_id, 0), NEW.state, 1)
    ON CONFLICT (department_id, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER chat_counts_update AFTER UPDATE OF state, department_id ON chats
WHEN OLD.state IS NOT NEW.state OR OLD.department_id IS NOT NEW.department_id BEGIN
    UPDATE chat_counts SET n = n - 1
    WHERE department_id = COALESCE(OLD.department_id, 0) AND state = OLD.state;
    INSERT INTO chat_counts (department_id, state, n)
    VALUES (COALESCE(NEW.department_id, 0), NEW.state, 1)
    ON CONFLICT (department_id, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER chat_counts_delete AFTER DELETE ON chats BEGIN
    UPDATE chat_counts SET n = n - 1
    WHERE department_id = COALESCE(OLD.department_id, 0) AND state = OLD.state;
END;
