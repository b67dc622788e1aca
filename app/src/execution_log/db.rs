//! The execution log in the database: entries are only ever inserted. There is no update
//! or delete here, and the database's triggers refuse them from anywhere else.

use crate::domain::{ReleaseId, UserId};
use sqlx::AnyConnection;

crate::domain::code_enum!(
    /// What happened, as stored in `execution_log.kind`.
    LogKind {
        Registered = "registered",
        Captured = "captured",
        Saved = "saved",
        Advanced = "advanced",
        Resolved = "resolved",
        SentBack = "sent_back",
        Linked = "linked",
        Unlinked = "unlinked",
        Manual = "manual",
    }
);

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub release: ReleaseId,
    pub user: UserId,
    pub at: i64,
    pub kind: LogKind,
    pub step: Option<String>,
    pub time_spent_minutes: Option<i64>,
    pub details: serde_json::Value,
    pub snapshot: Option<serde_json::Value>,
}

impl NewEntry {
    pub fn new(release: ReleaseId, user: UserId, at: i64, kind: LogKind) -> Self {
        NewEntry {
            release,
            user,
            at,
            kind,
            step: None,
            time_spent_minutes: None,
            details: serde_json::Value::Object(Default::default()),
            snapshot: None,
        }
    }
}

/// Appends an entry inside the caller's transaction, so it stands or falls with the action.
pub async fn append(conn: &mut AnyConnection, entry: &NewEntry) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO execution_log
             (release_id, occurred_at, user_id, kind, step_code, time_spent_minutes, details, snapshot)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.release.0)
    .bind(entry.at)
    .bind(entry.user.0)
    .bind(entry.kind.code())
    .bind(entry.step.as_deref())
    .bind(entry.time_spent_minutes)
    .bind(entry.details.to_string())
    .bind(entry.snapshot.as_ref().map(|s| s.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}
