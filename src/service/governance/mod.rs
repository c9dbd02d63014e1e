//! Governance: the audit log of who changed what, retention of chats and the erasure and export
//! of one customer's data.

pub mod audit;
pub mod daily;
pub mod erasure;
pub mod retention;
