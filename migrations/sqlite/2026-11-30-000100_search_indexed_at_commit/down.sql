-- Index what is still noted, then go back to indexing in the triggers.
INSERT INTO messages_search (rowid, text)
SELECT (m.chat_id << 32) | (m.id & 4294967295), lower(m.text)
FROM messages_search_pending p JOIN messages m ON m.id = p.message_id;
INSERT INTO customers_search (rowid, full_name, mobile)
SELECT c.id, lower(c.full_name), lower(c.mobile)
FROM customers_search_pending p JOIN customers c ON c.id = p.customer_id;

DROP TRIGGER messages_search_insert;
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_search (rowid, text)
    VALUES ((new.chat_id << 32) | (new.id & 4294967295), lower(new.text));
END;
DROP TRIGGER messages_search_delete;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text)
    VALUES ('delete', (old.chat_id << 32) | (old.id & 4294967295), lower(old.text));
END;
DROP TRIGGER messages_search_update;
CREATE TRIGGER messages_search_update AFTER UPDATE OF text, chat_id ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text)
    VALUES ('delete', (old.chat_id << 32) | (old.id & 4294967295), lower(old.text));
    INSERT INTO messages_search (rowid, text)
    VALUES ((new.chat_id << 32) | (new.id & 4294967295), lower(new.text));
END;

DROP TRIGGER customers_search_insert;
CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_search (rowid, full_name, mobile)
    VALUES (new.id, lower(new.full_name), lower(new.mobile));
END;
DROP TRIGGER customers_search_delete;
CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, full_name, mobile)
    VALUES ('delete', old.id, lower(old.full_name), lower(old.mobile));
END;
DROP TRIGGER customers_search_update;
CREATE TRIGGER customers_search_update AFTER UPDATE OF full_name, mobile ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, full_name, mobile)
    VALUES ('delete', old.id, lower(old.full_name), lower(old.mobile));
    INSERT INTO customers_search (rowid, full_name, mobile)
    VALUES (new.id, lower(new.full_name), lower(new.mobile));
END;

DROP TABLE messages_search_pending;
DROP TABLE customers_search_pending;
