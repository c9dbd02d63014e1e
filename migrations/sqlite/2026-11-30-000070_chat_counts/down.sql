DROP TRIGGER chat_counts_delete;
DROP TRIGGER chat_counts_update;
DROP TRIGGER chat_counts_insert;
DROP TABLE chat_count_deltas;
DROP TABLE chat_counts;
