//! Diesel queries, one file per aggregate. Functions return `QueryResult` and decide nothing.

pub mod agents;
pub mod attachments;
pub mod bulk;
pub mod canned_responses;
pub mod channels;
pub mod chat_counts;
pub mod chat_list;
pub mod chats;
pub mod customers;
pub mod deliveries;
pub mod departments;
pub mod event_tickets;
pub mod events;
pub mod hot_updates;
pub mod live_events;
pub mod logon_failures;
pub mod messages;
pub mod metrics;
pub mod password_resets;
pub mod reports;
pub mod rollups;
pub mod routing;
pub mod sessions;
pub mod settings;
pub mod tags;
pub mod working_hours;
