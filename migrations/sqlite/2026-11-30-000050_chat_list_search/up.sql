-- GetChatList at the scale of a real desk (docs/performance.md, "GetChatList and Term").
--
-- Term: trigram indexes of message text and of customers' names and numbers, so that
-- `Term=refund` reads the matching rows instead of lower-casing a million messages. The indexes
-- hold exactly what the list used to compare with LIKE: the text through SQLite's `lower` (which
-- folds ASCII only, as LIKE does), indexed case-sensitively, so a phrase of the term's trigrams
-- matches where `lower(text) LIKE '%term%'` did and nowhere else. They are contentless (the
-- text stays in `messages` and `customers`); the triggers below keep them in step with every
-- insert, update and delete, in the same transaction.
--
-- A message's row id in the index is `(chat_id << 32) | (id & 0xFFFFFFFF)`: the chats that
-- match are read from the index alone (`rowid >> 32`), without a lookup per matching message.
-- Two messages of one chat would share a row id only if their ids differed by a multiple of 2^32.
CREATE VIRTUAL TABLE messages_search USING fts5 (
    text, content = '', tokenize = 'trigram case_sensitive 1'
);
INSERT INTO messages_search (rowid, text)
SELECT (chat_id << 32) | (id & 4294967295), lower(text) FROM messages;
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_search (rowid, text)
    VALUES ((new.chat_id << 32) | (new.id & 4294967295), lower(new.text));
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text)
    VALUES ('delete', (old.chat_id << 32) | (old.id & 4294967295), lower(old.text));
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF text, chat_id ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text)
    VALUES ('delete', (old.chat_id << 32) | (old.id & 4294967295), lower(old.text));
    INSERT INTO messages_search (rowid, text)
    VALUES ((new.chat_id << 32) | (new.id & 4294967295), lower(new.text));
END;

CREATE VIRTUAL TABLE customers_search USING fts5 (
    full_name, mobile, content = '', tokenize = 'trigram case_sensitive 1'
);
INSERT INTO customers_search (rowid, full_name, mobile)
SELECT id, lower(full_name), lower(mobile) FROM customers;
CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_search (rowid, full_name, mobile)
    VALUES (new.id, lower(new.full_name), lower(new.mobile));
END;
CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, full_name, mobile)
    VALUES ('delete', old.id, lower(old.full_name), lower(old.mobile));
END;
CREATE TRIGGER customers_search_update AFTER UPDATE OF full_name, mobile ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, full_name, mobile)
    VALUES ('delete', old.id, lower(old.full_name), lower(old.mobile));
    INSERT INTO customers_search (rowid, full_name, mobile)
    VALUES (new.id, lower(new.full_name), lower(new.mobile));
END;

-- The list's orders, each with the id that breaks ties, so a page is read from an index in
-- order (and a keyset page starts where the last one ended) instead of sorting every match.
-- The queue: the order GrabChat takes, chats still in the welcome menu (no department) last.
CREATE INDEX chats_waiting ON chats (state, (department_id IS NULL), queued_at, id);
-- Everything, and an agent's departments, by the latest message.
DROP INDEX chats_last_message_at;
CREATE INDEX chats_recent ON chats (last_message_at, id);
CREATE INDEX chats_department_recent ON chats (department_id, last_message_at, id);
-- Open chats by the latest message, closed chats by when they closed.
CREATE INDEX chats_state_recent ON chats (state, last_message_at, id);
DROP INDEX chats_closed_at;
CREATE INDEX chats_closed ON chats (state, closed_at, id);
-- Selector=unread is counted from the chats that have unread lines only, by department and
-- state, without reading a chat (the pages walk the orders above).
CREATE INDEX chats_unread ON chats (department_id, state, agent_unread) WHERE agent_unread > 0;
