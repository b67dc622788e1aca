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

/// The channel on which PostgreSQL names, once a batch of notifications commits, the users
/// it concerns (named again in the migration `0021_notified.sql`, whose trigger sends it):
/// their ids separated by commas, or [`NOTIFIED_EVERYONE`].
pub const NOTIFIED_CHANNEL: &str = "releasedesk_notified";

/// The payload on [`NOTIFIED_CHANNEL`] when the users would not fit in one (PostgreSQL's
/// limit is 8,000 bytes): every open bell counts again.
pub const NOTIFIED_EVERYONE: &str = "*";

/// The name of the event a stream receives when its user has new notifications: the bell
/// counts again. Only the streams of the users notified receive it. Its data is
/// [`NOTIFIED_EVENT`] too (an event without data is never dispatched).
pub const NOTIFIED_EVENT: &str = "notified";

/// The name of the last event of a stream the server ends because it is stopping. The
/// browser connects again after the pause the event sets (`retry:`); behind a proxy, to an
/// instance that still serves. Its data is [`RECONNECT_REASON_SHUTDOWN`].
pub const RECONNECT_EVENT: &str = "reconnect";

/// The data of a [`RECONNECT_EVENT`] sent because the server is stopping.
pub const RECONNECT_REASON_SHUTDOWN: &str = "shutdown";
