DROP TABLE report_runs;
DROP TABLE report_schedules;
DROP TABLE recipients;
DROP INDEX chats_created_at;
