//! The attachments' table: one row per attached file, its bytes in the row or, with
//! `ATTACHMENTS_DIR`, in a file named by its SHA-256 (see `commands::attachments`).

use crate::domain::{ReleaseId, UserId};
use crate::model::attachments::AttachmentSummary;
use crate::store::Db;
use sqlx::AnyConnection;

/// A file to insert; `content` is `None` when its bytes are kept in the directory.
#[derive(Debug)]
pub struct NewAttachment<'a> {
    pub release: ReleaseId,
    pub occurrence: Option<i64>,
    pub name: &'a str,
    pub media_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub content: Option<&'a [u8]>,
    pub uploaded_by: UserId,
    pub uploaded_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    release_id: i64,
    log_entry_id: Option<i64>,
    name: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
    full_name: String,
    uploaded_at: i64,
}

impl Row {
    fn summary(self) -> AttachmentSummary {
        AttachmentSummary {
            id: self.id,
            release: ReleaseId(self.release_id),
            occurrence: self.log_entry_id,
            name: self.name,
            media_type: self.media_type,
            size: self.size_bytes,
            sha256: self.sha256,
            uploaded_by: self.full_name,
            uploaded_at: self.uploaded_at,
        }
    }
}

const SUMMARY: &str = "SELECT a.id, a.release_id, a.log_entry_id, a.name, a.media_type, a.size_bytes, a.sha256,
        u.full_name, a.uploaded_at
   FROM attachments a JOIN users u ON u.id = a.uploaded_by";

/// Inserts a file inside the caller's transaction; returns its id.
pub async fn insert(conn: &mut AnyConnection, new: &NewAttachment<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO attachments
            (release_id, log_entry_id, name, media_type, size_bytes, sha256, content, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(new.release.0)
    .bind(new.occurrence)
    .bind(new.name)
    .bind(new.media_type)
    .bind(new.size)
    .bind(new.sha256)
    .bind(new.content)
    .bind(new.uploaded_by.0)
    .bind(new.uploaded_at)
    .fetch_one(conn)
    .await
}

/// The release's files, its occurrences' too, oldest first.
pub async fn of_release(db: &Db, release: ReleaseId) -> Result<Vec<AttachmentSummary>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SUMMARY} WHERE a.release_id = $1 ORDER BY a.id"))
        .bind(release.0)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(Row::summary).collect())
}

/// The file `id` of the release, if the release has it.
pub async fn find(
    conn: &mut AnyConnection,
    release: ReleaseId,
    id: i64,
) -> Result<Option<AttachmentSummary>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!("{SUMMARY} WHERE a.release_id = $1 AND a.id = $2"))
        .bind(release.0)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(Row::summary))
}

/// The bytes kept in the row (`None` when they are in the directory, or no such file).
pub async fn content(db: &Db, id: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let content: Option<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT content FROM attachments WHERE id = $1").bind(id).fetch_optional(&db.pool).await?;
    Ok(content.flatten())
}

/// Deletes the file `id` of the release inside the caller's transaction; whether it was there.
pub async fn delete(conn: &mut AnyConnection, release: ReleaseId, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM attachments WHERE release_id = $1 AND id = $2")
        .bind(release.0)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether any row still names the bytes `sha256` (kept in the directory).
pub async fn sha256_in_use(db: &Db, sha256: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM attachments WHERE sha256 = $1 LIMIT 1")
        .bind(sha256)
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

/// Whether `entry` is a manual occurrence of the release's execution log.
pub async fn is_occurrence(conn: &mut AnyConnection, release: ReleaseId, entry: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM execution_log WHERE id = $1 AND release_id = $2 AND kind = 'manual'")
            .bind(entry)
            .bind(release.0)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}
