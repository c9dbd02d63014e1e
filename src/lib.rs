//! agentdesk: a live-chat agent desk server. Layers (docs/architecture.md):
//! `http` → `service` → `store` → `db` → `domain`.

pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod instruments;
pub mod memory;
pub mod seed;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod worker;

pub use startup::Application;
