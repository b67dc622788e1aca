//! The execution log in the database: entries are only ever inserted. There is no update
//! or delete here, and the database's triggers refuse them from anywhere else.

pub use super::LogKind;
use crate::domain::{ReleaseId, UserId};
use sqlx::AnyConnection;

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

/// A stored entry, with the names the log shows.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub id: i64,
    pub at: i64,
    pub user: String,
    pub kind: String,
    pub step: Option<String>,
    pub time_spent_minutes: Option<i64>,
    pub details: String,
}

/// The release's entries, newest first.
pub async fn entries(db: &crate::db::Db, release: ReleaseId) -> Result<Vec<StoredEntry>, sqlx::Error> {
    use sqlx::Row;
    sqlx::query(
        "SELECT l.id, l.occurred_at, u.full_name, l.kind, l.step_code, l.time_spent_minutes, l.details
           FROM execution_log l JOIN users u ON u.id = l.user_id
          WHERE l.release_id = $1
          ORDER BY l.id DESC",
    )
    .bind(release.0)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(StoredEntry {
            id: r.try_get("id")?,
            at: r.try_get("occurred_at")?,
            user: r.try_get("full_name")?,
            kind: r.try_get("kind")?,
            step: r.try_get("step_code")?,
            time_spent_minutes: r.try_get("time_spent_minutes")?,
            details: r.try_get("details")?,
        })
    })
    .collect()
}
