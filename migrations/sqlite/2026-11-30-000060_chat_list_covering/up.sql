-- An agent's list holds the chats of their departments and their own, and Selector=unread those
-- with unread lines: a page deep in a list's order is found by walking the order index and
-- testing each entry's department, agent and unread count. With those columns in the order
-- indexes the walk reads the index alone; without them it looked up every walked chat's row
-- (4,000 lookups for page 200). docs/performance.md, "Deep pages read the index alone".
DROP INDEX chats_recent;
CREATE INDEX chats_recent ON chats (last_message_at, id, department_id, agent_id, state, agent_unread);
DROP INDEX chats_state_recent;
CREATE INDEX chats_state_recent ON chats (state, last_message_at, id, department_id, agent_id, agent_unread);
DROP INDEX chats_closed;
CREATE INDEX chats_closed ON chats (state, closed_at, id, department_id, agent_id, agent_unread);
DROP INDEX chats_waiting;
CREATE INDEX chats_waiting ON chats (state, (department_id IS NULL), queued_at, id, department_id, agent_id, agent_unread);
-- Counts of one agent's chats ("my departments or mine", Selector=private) read this index alone;
-- with only (agent_id, state) SQLite preferred a department's or a state's index and looked up
-- thousands of rows.
DROP INDEX chats_agent_state;
CREATE INDEX chats_agent_state ON chats (agent_id, state, department_id, agent_unread);
