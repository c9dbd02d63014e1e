-- A rating at the end (issue 23, CSAT): a closed chat may be rated once, 1 to 5 with a comment.
-- The rating lives on the chat, so GetChat and GetChatList show it without a join, and a single
-- conditional UPDATE (WHERE rating IS NULL) decides which of two answers counts. The reporting
-- figures come from facts (chat_events kinds 10-12), not from these columns.
ALTER TABLE chats ADD COLUMN rating_requested_at TIMESTAMP;
ALTER TABLE chats ADD COLUMN rating SMALLINT;
ALTER TABLE chats ADD COLUMN rating_comment TEXT;
ALTER TABLE chats ADD COLUMN rated_at TIMESTAMP;
