-- Business hours are opt-in: a new desk is open around the clock until a manager sets working
-- hours. A desk that already has agents keeps the hours it has, even the old Monday-Friday
-- 08:00-17:00 default: a manager may have chosen them (docs/decisions.md).
UPDATE working_hours SET enabled = TRUE, start_minute = 0, end_minute = 1440
WHERE NOT EXISTS (SELECT 1 FROM agents);
