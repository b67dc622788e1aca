//! What the desk's pages read and send: plain serde types, shared by the server and the
//! browser. The commands return them; the UI and the API show them.

pub mod actions;
pub mod admin;
pub mod attachments;
pub mod catalogues;
pub mod flow;
pub mod list;
pub mod live;
pub mod log;
pub mod notifications;
pub mod relations;
pub mod release;
pub mod tokens;
pub mod webhooks;
