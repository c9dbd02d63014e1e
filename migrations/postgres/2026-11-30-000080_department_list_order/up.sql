-- An agent's list is read as the merge of one list per department of theirs (and one of their
-- own chats elsewhere), each in the list's order from these indexes: a page at any offset then
-- steps over offset + page size entries, where walking the whole desk's order index and skipping
-- other departments' chats stepped over offset / (the agent's share of the desk) — 54,000 entries
-- for page 200 of an agent of a department with 7 % of the chats. The trailing columns are the
-- ones the list filters on, so the walk can read the index alone (index-only, where vacuum has
-- marked the pages all-visible). docs/performance.md, "An agent's list as a merge of department
-- lists".
DROP INDEX chats_department_recent;
CREATE INDEX chats_department_recent ON chats (department_id, last_message_at, id, state, agent_unread);
CREATE INDEX chats_department_state_recent ON chats (department_id, state, last_message_at, id, agent_unread);
CREATE INDEX chats_department_closed ON chats (department_id, state, closed_at, id, agent_unread);
