ALTER TABLE chats DROP COLUMN rated_at;
ALTER TABLE chats DROP COLUMN rating_comment;
ALTER TABLE chats DROP COLUMN rating;
ALTER TABLE chats DROP COLUMN rating_requested_at;
