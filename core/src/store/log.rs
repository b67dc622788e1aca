//! The execution log in the database: entries are only ever inserted. There is no update
//! or delete here, and the database's triggers refuse them from anywhere else.

pub use crate::domain::log::{LogDetails, LogKind};
use crate::domain::{Localized, ReleaseId, UserId};
use crate::store::{values_rows, AnyQuery, Db};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use std::sync::LazyLock;

/// One entry to append; its kind is its details' kind.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub release: ReleaseId,
    pub user: UserId,
    pub at: i64,
    pub step: Option<String>,
    pub time_spent_minutes: Option<i64>,
    pub details: LogDetails,
    pub snapshot: Option<serde_json::Value>,
}

impl NewEntry {
    pub fn new(release: ReleaseId, user: UserId, at: i64, details: LogDetails) -> Self {
        NewEntry { release, user, at, step: None, time_spent_minutes: None, details, snapshot: None }
    }
}

/// The columns an entry is inserted with, in their parameters' order.
const COLUMNS: &str = "release_id, occurred_at, user_id, kind, step_code, time_spent_minutes, details, snapshot";

const COLUMN_COUNT: usize = 8;

/// Appends an entry inside the caller's transaction, so it stands or falls with the action;
/// returns the entry's id. On PostgreSQL a trigger tells every instance once it commits.
pub async fn append(conn: &mut AnyConnection, entry: &NewEntry) -> Result<i64, sqlx::Error> {
    static APPEND_ONE: LazyLock<String> = LazyLock::new(|| {
        format!("INSERT INTO execution_log ({COLUMNS}) VALUES {} RETURNING id", values_rows(1, COLUMN_COUNT))
    });
    bind(sqlx::query(APPEND_ONE.as_str()), entry).fetch_one(conn).await?.try_get("id")
}

/// Appends several entries in one statement, in order, inside the caller's transaction.
pub async fn append_all(conn: &mut AnyConnection, entries: &[NewEntry]) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO execution_log ({COLUMNS}) VALUES {}", values_rows(entries.len(), COLUMN_COUNT));
    let statement = entries.iter().fold(sqlx::query(&sql), bind);
    statement.execute(conn).await?;
    Ok(())
}

fn bind<'q>(query: AnyQuery<'q>, entry: &'q NewEntry) -> AnyQuery<'q> {
    query
        .bind(entry.release.0)
        .bind(entry.at)
        .bind(entry.user.0)
        .bind(entry.details.kind().code())
        .bind(entry.step.as_deref())
        .bind(entry.time_spent_minutes)
        .bind(entry.details.to_json())
        .bind(entry.snapshot.as_ref().map(|s| s.to_string()))
}

/// A stored entry, with the names the log shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEntry {
    pub id: i64,
    #[sqlx(rename = "occurred_at")]
    pub at: i64,
    #[sqlx(rename = "full_name")]
    pub user: String,
    pub kind: String,
    #[sqlx(rename = "step_code")]
    pub step: Option<String>,
    pub time_spent_minutes: Option<i64>,
    pub details: String,
    /// The release after an advance, as JSON.
    pub snapshot: Option<String>,
}

/// The release's entries, oldest first.
pub async fn entries(db: &Db, release: ReleaseId) -> Result<Vec<StoredEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.occurred_at, u.full_name, l.kind, l.step_code, l.time_spent_minutes, l.details, l.snapshot
           FROM execution_log l JOIN users u ON u.id = l.user_id
          WHERE l.release_id = $1
          ORDER BY l.id",
    )
    .bind(release.0)
    .fetch_all(&db.pool)
    .await
}

/// Every solution category's names, retired ones too: the log names what was chosen then.
pub async fn category_names(db: &Db) -> Result<HashMap<i64, Localized>, sqlx::Error> {
    sqlx::query("SELECT id, name_es, name_pt FROM solution_categories")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, Localized { es: r.try_get("name_es")?, pt: r.try_get("name_pt")? })))
        .collect()
}
