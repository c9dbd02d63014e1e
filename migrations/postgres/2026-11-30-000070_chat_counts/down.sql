DROP TRIGGER chat_counts_update ON chats;
DROP TRIGGER chat_counts_insert_delete ON chats;
DROP FUNCTION chat_counts_track();
DROP TABLE chat_count_deltas;
DROP TABLE chat_counts;
