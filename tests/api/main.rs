//! Integration tests over HTTP against the real application (DESIGN.md §7). One binary; each test
//! starts its own app on a fresh database.

mod abuse;
mod agents;
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
mod hardening;
mod helpers;
mod instances;
mod live_desk;
mod metrics;
mod monitoring;
mod outage;
mod reports;
mod schema;
mod seed;
mod seed_examples;
mod sessions;
mod settings;
mod smtp;
mod smtp_sink;
mod tags;
mod trust;
mod working_hours;
