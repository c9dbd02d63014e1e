DROP TABLE web_visitors;
DROP INDEX channels_widget_key;
ALTER TABLE channels DROP COLUMN widget_key;
ALTER TABLE channels DROP COLUMN kind;
