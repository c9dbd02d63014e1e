-- SQLite's text indexes are now written once per transaction (see the SQLite migration of this
-- name). PostgreSQL's GIN trigram indexes keep their own pending list (fastupdate): nothing to do.
SELECT 1;
