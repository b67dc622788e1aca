//! The task history of a release.

use crate::db::Db;
use crate::domain::ReleaseId;

#[derive(sqlx::FromRow)]
pub struct StoredVisit {
    #[sqlx(rename = "step_code")]
    pub step: String,
    #[sqlx(rename = "group_name")]
    pub group: String,
    pub assignee: Option<String>,
    pub created_at: i64,
    pub captured_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub outcome: Option<String>,
}

/// Every task of the release, oldest first.
pub async fn visits(db: &Db, release: ReleaseId) -> Result<Vec<StoredVisit>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.step_code, g.name AS group_name, u.full_name AS assignee, t.created_at,
                t.captured_at, t.finished_at, t.outcome
           FROM tasks t
           JOIN user_groups g ON g.id = t.group_id
           LEFT JOIN users u ON u.id = t.assignee_id
          WHERE t.release_id = $1
          ORDER BY t.id",
    )
    .bind(release.0)
    .fetch_all(&db.pool)
    .await
}
