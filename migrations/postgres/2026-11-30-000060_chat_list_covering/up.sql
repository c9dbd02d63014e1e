-- SQLite's list order indexes gained the columns an agent's page is tested on (see the SQLite
-- migration of this name). PostgreSQL keeps its indexes: an index-only scan there needs the
-- visibility map's all-visible pages, which the chats table, updated on every message, rarely has.
SELECT 1;
