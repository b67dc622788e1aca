//! Access tokens in the database: only each token's SHA-256 is stored.

use crate::domain::UserId;
use crate::model::tokens::TokenSummary;
use crate::store::Db;

#[derive(Debug, sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    name: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl SummaryRow {
    fn at(self, now: i64) -> TokenSummary {
        let row = self;
        let mut summary = TokenSummary {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
            active: false,
        };
        summary.active = summary.is_active(now);
        summary
    }
}

/// Stores a token of `user` by its hash; answers its id.
pub async fn insert_token(
    db: &Db,
    user: UserId,
    name: &str,
    token_hash: &str,
    created_at: i64,
    expires_at: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.0)
    .bind(name)
    .bind(token_hash)
    .bind(created_at)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The user's tokens, newest first, revoked ones too; active or not at `now`.
pub async fn tokens_of(db: &Db, user: UserId, now: i64) -> Result<Vec<TokenSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT id, name, created_at, expires_at, revoked_at, last_used_at
           FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(user.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|row| row.at(now)).collect())
}

/// Revokes the token `id` if it is `user`'s and not revoked yet; whether it was.
pub async fn revoke(db: &Db, user: UserId, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Whether `user` has a token `id` (revoked or not).
pub async fn exists(db: &Db, user: UserId, id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM api_tokens WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user.0)
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

/// A token found by its hash: whose it is and whether it still counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredToken {
    pub id: i64,
    pub user_id: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

pub async fn token_by_hash(db: &Db, token_hash: &str) -> Result<Option<StoredToken>, sqlx::Error> {
    sqlx::query_as("SELECT id, user_id, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await
}

/// Records that the token was used at `now`.
pub async fn mark_used(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
