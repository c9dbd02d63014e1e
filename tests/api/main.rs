//! Integration tests over HTTP against the real application (DESIGN.md §7). One binary; each test
//! starts its own app on a fresh database.

mod agents;
mod canned_responses;
mod channel_api;
mod channel_helpers;
mod chat_routing;
mod chats;
mod conventions;
mod customers;
mod delivery;
mod departments;
mod helpers;
mod metrics;
mod reports;
mod schema;
mod seed;
mod seed_examples;
mod sessions;
mod settings;
mod smtp;
mod smtp_sink;
mod tags;
mod working_hours;
