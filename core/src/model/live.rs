//! A change on a release, as live updates announce it.

use serde::{Deserialize, Serialize};

/// Something happened on a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub release: i64,
    pub user: i64,
    pub kind: String,
}

/// The channel of the database's notifications (named again in the PostgreSQL migration
/// `0006_log_notify.sql`, whose trigger sends them).
pub const CHANNEL: &str = "releasedesk_log";
