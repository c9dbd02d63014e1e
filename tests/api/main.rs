//! Integration tests over HTTP against the real application (tests/api/helpers.rs builds it). One binary; each test
//! starts its own app on a fresh database.

mod abuse;
mod agents;
mod audit;
mod canned_responses;
mod channel_api;
mod channel_helpers;
mod chat_list;
mod chat_routing;
mod chats;
mod console;
mod conventions;
mod customers;
mod delivery;
mod departments;
mod events;
mod group_commit;
mod helpers;
mod instances;
mod live_desk;
mod metrics;
mod monitoring;
mod outage;
mod reports;
mod retention;
mod schema;
mod seed;
mod seed_examples;
mod sessions;
mod settings;
mod smtp;
mod smtp_sink;
mod tags;
mod trust;
mod webhooks;
mod working_hours;
