DROP TABLE daily_passes;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION audit_log_refuse_update();
DROP TABLE audit_log;
