-- SQLite's list order indexes gained the columns an agent's page is tested on (see the SQLite
-- migration of this name). PostgreSQL keeps its indexes: the same columns INCLUDEd made the
-- benchmark's list calls slower (680 -> 947 ms for the 96 calls, one client) until a VACUUM, and
-- only 25 % faster after it: an index-only scan needs the visibility map's all-visible pages, which
-- a chats table updated on every message rarely has (docs/performance.md).
SELECT 1;
