//! Plain types and rules of the desk: no actix, no Diesel. Each parser is the only way to build its
//! type, so invalid data cannot travel inward. Parse errors are a sentence about the value; the HTTP
//! layer adds the field name.

pub mod addresses;
pub mod agent;
pub mod attachment;
pub mod audit;
pub mod channel_fields;
pub mod chat;
pub mod chat_list;
pub mod csv_cell;
pub mod delivery;
pub mod email;
pub mod hours;
pub mod live;
pub mod netlist;
pub mod password;
pub mod phone;
pub mod rating;
pub mod report;
pub mod retry;
pub mod routing;
pub mod settings;
pub mod setup_code;
pub mod signing;
pub mod text;
pub mod token;
pub mod version;
pub mod web_chat;
pub mod webhook;

pub use agent::{AgentStatus, Caller, Notification, Role};
pub use email::EmailAddress;
pub use hours::{HhMm, WeekSchedule};
pub use password::Password;
pub use phone::PhoneNumber;
pub use text::{optional_text, required_text};
