-- Group commit (docs/performance.md, "Fourth pass"): the writers waiting at the same time share one
-- transaction, each in a savepoint. FTS5 writes what it has indexed so far as a new segment at
-- every savepoint, so indexing through the triggers cost a segment (and its merges) per message
-- again, half of a new chat's cost. The triggers now note the new rows, and the writer indexes
-- every noted row once, just before it commits (`db::text_search::index_pending`, run by every
-- write transaction): one segment per transaction. A row still noted when a search runs (written
-- by something other than agentdesk's writers, or earlier in the searching transaction) is
-- compared with LIKE instead, so searches stay exact.
CREATE TABLE messages_search_pending (message_id INTEGER PRIMARY KEY NOT NULL);
CREATE TABLE customers_search_pending (customer_id INTEGER PRIMARY KEY NOT NULL);

DROP TRIGGER messages_search_insert;
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_search_pending (message_id) VALUES (new.id);
END;
-- A noted row is not in the index yet: it is only forgotten (a contentless index must be told
-- exactly the values it holds when a row leaves it).
DROP TRIGGER messages_search_delete;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text)
    SELECT 'delete', (old.chat_id << 32) | (old.id & 4294967295), lower(old.text)
    WHERE NOT EXISTS (SELECT 1 FROM messages_search_pending WHERE message_id = old.id);
    DELETE FROM messages_search_pending WHERE message_id = old.id;
END;
DROP TRIGGER messages_search_update;
CREATE TRIGGER messages_search_update AFTER UPDATE OF text, chat_id ON messages
WHEN NOT EXISTS (SELECT 1 FROM messages_search_pending WHERE message_id = old.id) BEGIN
    INSERT INTO messages_search (messages_search, rowid, text)
    VALUES ('delete', (old.chat_id << 32) | (old.id & 4294967295), lower(old.text));
    INSERT INTO messages_search (rowid, text)
    VALUES ((new.chat_id << 32) | (new.id & 4294967295), lower(new.text));
END;

DROP TRIGGER customers_search_insert;
CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_search_pending (customer_id) VALUES (new.id);
END;
DROP TRIGGER customers_search_delete;
CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, full_name, mobile)
    SELECT 'delete', old.id, lower(old.full_name), lower(old.mobile)
    WHERE NOT EXISTS (SELECT 1 FROM customers_search_pending WHERE customer_id = old.id);
    DELETE FROM customers_search_pending WHERE customer_id = old.id;
END;
DROP TRIGGER customers_search_update;
CREATE TRIGGER customers_search_update AFTER UPDATE OF full_name, mobile ON customers
WHEN NOT EXISTS (SELECT 1 FROM customers_search_pending WHERE customer_id = old.id) BEGIN
    INSERT INTO customers_search (customers_search, rowid, full_name, mobile)
    VALUES ('delete', old.id, lower(old.full_name), lower(old.mobile));
    INSERT INTO customers_search (rowid, full_name, mobile)
    VALUES (new.id, lower(new.full_name), lower(new.mobile));
END;
