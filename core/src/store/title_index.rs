//! Upkeep of SQLite's full-text index of release titles (`release_search`, FTS5).
//!
//! FTS5 writes a new segment of the index for each transaction that changes titles and
//! merges them a few at a time, so a desk's index holds several segments of every size. A
//! search reads each term in every segment and merges what it finds: at 1,000,000 releases
//! the benchmark's index had seven segments, and the same index merged into one served a
//! third more searches with a quarter less p99 (BENCHMARKS.md, the nineteenth pass).
//! Merging rewrites the whole index (19 MB at a million releases), so it runs a step at a
//! time, each step its own short turn of the writer, once a day (the server's job) and
//! after a bulk load. PostgreSQL's GIN index needs no such upkeep.

use super::{Backend, Db};

/// The index's pages one step writes: 20–40 ms of the writer's turn at a million releases
/// (its commit's sync included), so that the desk's own writes wait no longer than that
/// behind a merge.
const PAGES_PER_STEP: i64 = 256;

/// One step of merging the titles' index into a single segment. Answers whether the step
/// found anything to merge; once it answers `false` the index is one segment (and always
/// on PostgreSQL, which has nothing to merge).
pub async fn merge_step(db: &Db) -> Result<bool, sqlx::Error> {
    if db.backend != Backend::Sqlite {
        return Ok(false);
    }
    let mut tx = db.begin_write().await?;
    let before: i64 = sqlx::query_scalar("SELECT total_changes()").fetch_one(&mut *tx).await?;
    // A negative number of pages merges every segment into one (FTS5's 'merge' command):
    // the command's own row counts one change, each page it writes more.
    sqlx::query("INSERT INTO release_search (release_search, rank) VALUES ('merge', $1)")
        .bind(-PAGES_PER_STEP)
        .execute(&mut *tx)
        .await?;
    let after: i64 = sqlx::query_scalar("SELECT total_changes()").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(after - before > 1)
}

/// Merges the titles' index into one segment, step after step.
pub async fn merge(db: &Db) -> Result<(), sqlx::Error> {
    while merge_step(db).await? {}
    Ok(())
}

/// How many segments the titles' index holds (SQLite; none on PostgreSQL).
pub async fn segments(db: &Db) -> Result<i64, sqlx::Error> {
    if db.backend != Backend::Sqlite {
        return Ok(0);
    }
    sqlx::query_scalar("SELECT COUNT(DISTINCT segid) FROM release_search_idx").fetch_one(&db.pool).await
}
