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

/// The name of the last event of a stream the server ends because it is stopping. The
/// browser connects again after the pause the event sets (`retry:`); behind a proxy, to an
/// instance that still serves. Its data is [`RECONNECT_REASON_SHUTDOWN`].
pub const RECONNECT_EVENT: &str = "reconnect";

/// The data of a [`RECONNECT_EVENT`] sent because the server is stopping.
pub const RECONNECT_REASON_SHUTDOWN: &str = "shutdown";
