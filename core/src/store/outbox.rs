//! What the two outboxes' tables (`webhook_deliveries`, `mail_outbox`) share: the claim of
//! due rows with a lease. Both have `id`, `status` ('pending' until done), `attempts`,
//! `next_attempt_ms` and `locked_until_ms`.

use crate::store::{Backend, Db};

/// Claims up to `limit` due pending rows of `table` until `now_ms + lease_ms` and counts the
/// attempt; answers the claimed rows' `returning` columns. `pick` selects the candidates'
/// ids from `table` as `alias` (due: `next_attempt_ms` and `locked_until_ms` at most `$2`),
/// in order, without a LIMIT. One statement that writes from its start: SQLite takes its
/// write lock at once (no read lock to upgrade); PostgreSQL locks the rows it picks
/// (`FOR UPDATE SKIP LOCKED`) until the lease is written, so two instances never claim one.
pub async fn claim<T>(
    db: &Db,
    (table, alias, pick): (&str, &str, &str),
    returning: &str,
    (now_ms, lease_ms, limit): (i64, i64, i64),
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let lock = match db.backend {
        Backend::Postgres => format!(" FOR UPDATE OF {alias} SKIP LOCKED"),
        Backend::Sqlite => String::new(),
    };
    let sql = format!(
        "UPDATE {table} SET locked_until_ms = $1, attempts = attempts + 1
          WHERE status = 'pending' AND id IN ({pick} LIMIT $3{lock})
         RETURNING {returning}"
    );
    let mut tx = db.begin_write().await?;
    let claimed =
        sqlx::query_as(&sql).bind(now_ms.saturating_add(lease_ms)).bind(now_ms).bind(limit).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(claimed)
}
