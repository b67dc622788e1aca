//! "Webhooks": the events another system can be told of, what the administration page
//! lists and sends, and the JSON body each delivery carries.

use crate::domain::log::{LogDetails, LogKind};
use crate::domain::{code_enum, ReleaseId, UserId};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What a webhook is told of: one event per kind of execution-log entry. The code is
    /// the `X-ReleaseDesk-Event` header and the body's `event`; codes never change.
    WebhookEvent {
        Registered = "registered",
        Captured = "captured",
        Saved = "saved",
        Advanced = "advanced",
        Resolved = "resolved",
        SentBack = "sent_back",
        Suspended = "suspended",
        Reactivated = "reactivated",
        Reopened = "reopened",
        Cancelled = "cancelled",
        Delegated = "delegated",
        Linked = "linked",
        Unlinked = "unlinked",
        OccurrenceAdded = "occurrence_added",
        Edited = "edited",
        AttachmentAdded = "attachment_added",
        AttachmentRemoved = "attachment_removed",
    }
);

impl WebhookEvent {
    /// The event an execution-log entry of `kind` is delivered as. Every kind has one: a
    /// kind added to the log must be given its event here (the match is exhaustive).
    pub fn of(kind: LogKind) -> WebhookEvent {
        match kind {
            LogKind::Registered => WebhookEvent::Registered,
            LogKind::Captured => WebhookEvent::Captured,
            LogKind::Saved => WebhookEvent::Saved,
            LogKind::Advanced => WebhookEvent::Advanced,
            LogKind::Resolved => WebhookEvent::Resolved,
            LogKind::SentBack => WebhookEvent::SentBack,
            LogKind::Linked => WebhookEvent::Linked,
            LogKind::Unlinked => WebhookEvent::Unlinked,
            LogKind::Manual => WebhookEvent::OccurrenceAdded,
            LogKind::Delegated => WebhookEvent::Delegated,
            LogKind::Suspended => WebhookEvent::Suspended,
            LogKind::Reactivated => WebhookEvent::Reactivated,
            LogKind::Reopened => WebhookEvent::Reopened,
            LogKind::Cancelled => WebhookEvent::Cancelled,
            LogKind::Edited => WebhookEvent::Edited,
            LogKind::AttachmentAdded => WebhookEvent::AttachmentAdded,
            LogKind::AttachmentRemoved => WebhookEvent::AttachmentRemoved,
        }
    }
}

code_enum!(
    /// Where a delivery stands: waiting (for its first attempt or a retry), received by the
    /// webhook (a 2xx answer), or given up after a day of retries.
    DeliveryStatus {
        Pending = "pending",
        Delivered = "delivered",
        Failed = "failed",
    }
);

/// The shortest secret an administrator may choose.
pub const MIN_SECRET_CHARS: usize = 16;
/// The longest secret.
pub const MAX_SECRET_CHARS: usize = 200;
/// The longest URL.
pub const MAX_URL_CHARS: usize = 2000;
/// How many of a webhook's newest deliveries the page shows.
pub const DELIVERIES_SHOWN: usize = 20;

/// What the registration form sends. An empty secret asks the desk to generate one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDraft {
    pub url: String,
    #[serde(default)]
    pub secret: String,
    pub events: Vec<WebhookEvent>,
}

/// A webhook as the page lists it: never its secret, except once at registration
/// ([`CreatedWebhook`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSummary {
    pub id: i64,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub active: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// Its newest deliveries, newest first (at most [`DELIVERIES_SHOWN`]).
    pub deliveries: Vec<DeliverySummary>,
}

/// A webhook just registered, with its secret (the one chosen or the one generated), which
/// the page shows this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub webhook: WebhookSummary,
    pub secret: String,
}

/// One delivery as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySummary {
    pub id: i64,
    pub event: WebhookEvent,
    pub release: ReleaseId,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// The HTTP status of the last answer, if one came.
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    /// Unix seconds: when it was queued (its event, or "Reenviar"), and when the webhook
    /// received it.
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// Who acted, in a delivery's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadUser {
    pub id: UserId,
    pub username: String,
}

/// The JSON body of a delivery (README, *Webhooks*). The delivery's id travels in the
/// `X-ReleaseDesk-Delivery` header, so that a delivery sent again is the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPayload {
    pub event: WebhookEvent,
    /// The execution-log entry the event is: increasing, one per event.
    pub entry: i64,
    /// The release's number.
    pub release: ReleaseId,
    /// RFC 3339, UTC.
    pub occurred_at: String,
    pub user: PayloadUser,
    /// What the log recorded, as its `details` (tagged by `kind`).
    pub details: LogDetails,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_log_kind_has_an_event_and_codes_are_serde_names() {
        for kind in LogKind::ALL {
            let event = WebhookEvent::of(*kind);
            assert_eq!(WebhookEvent::from_code(event.code()), Some(event));
            assert_eq!(serde_json::to_value(event).ok(), Some(serde_json::Value::from(event.code())));
        }
        let mut codes: Vec<_> = LogKind::ALL.iter().map(|k| WebhookEvent::of(*k)).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), WebhookEvent::ALL.len(), "each event comes from exactly one kind");
    }
}
