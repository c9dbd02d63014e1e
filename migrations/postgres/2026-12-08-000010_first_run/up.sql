-- The one-time setup code of a desk without a manager (issue 23): made once, by whichever
-- instance or command asks first, so every instance's log and `agentdesk setup-code` show the
-- same code; deleted when the first manager is created. One row at most (id = 1).
CREATE TABLE setup_codes (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
