DROP TABLE live_event_horizon;
DROP TABLE live_events;
