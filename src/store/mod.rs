//! Diesel queries, one file per aggregate. Functions return `QueryResult` and decide nothing.

pub mod agents;
pub mod canned_responses;
pub mod departments;
pub mod logon_failures;
pub mod password_resets;
pub mod sessions;
pub mod settings;
pub mod tags;
pub mod working_hours;
