DROP VIEW chat_totals;
