//! The execution log in the database: entries are only ever inserted. There is no update
//! or delete here, and the database's triggers refuse them from anywhere else (on
//! PostgreSQL with two roles, the server's role has no right to either, nor to drop the
//! triggers: README, *Two database roles*). Each entry carries a hash chained onto its
//! release's previous entry, so a row changed behind the server's back is found
//! ([`verify_chain`], `releasedesk verify-log`). The chain is per release: appends to one
//! release run under its write lock, and releases never wait for one another.

pub use crate::domain::log::{LogDetails, LogKind};
use crate::domain::{Localized, ReleaseId, UserId};
use crate::store::notifications::People;
use crate::store::releases::{ChainHead, Locked};
use crate::store::{values_rows, AnyQuery, Db, NamedRow};
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
const COLUMNS: &str =
    "release_id, occurred_at, user_id, kind, step_code, time_spent_minutes, details, snapshot, chain_hash";

const COLUMN_COUNT: usize = 9;

/// An entry as stored: its columns as text and numbers, and its link in the chain.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Linked {
    pub release_id: i64,
    pub occurred_at: i64,
    pub user_id: i64,
    pub kind: String,
    pub step_code: Option<String>,
    pub time_spent_minutes: Option<i64>,
    pub details: String,
    pub snapshot: Option<String>,
}

impl Linked {
    fn of(entry: &NewEntry) -> Linked {
        Linked {
            release_id: entry.release.0,
            occurred_at: entry.at,
            user_id: entry.user.0,
            kind: entry.details.kind().code().to_owned(),
            step_code: entry.step.clone(),
            time_spent_minutes: entry.time_spent_minutes,
            details: entry.details.to_json(),
            snapshot: entry.snapshot.as_ref().map(|s| s.to_string()),
        }
    }
}

/// The hash an entry carries: SHA-256, in hex, of the hash of its release's previous entry
/// (empty for the first) and its own columns, written as one JSON array so that no two
/// different rows give the same text.
pub fn link_hash(previous: &str, entry: &Linked) -> String {
    use sha2::{Digest, Sha256};
    let fields = (
        previous,
        entry.release_id,
        entry.occurred_at,
        entry.user_id,
        &entry.kind,
        &entry.step_code,
        entry.time_spent_minutes,
        &entry.details,
        &entry.snapshot,
    );
    // A tuple of strings and numbers always serializes.
    let text = serde_json::to_string(&fields).unwrap_or_default();
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// The hash of the release's latest entry, which the next one chains onto ("" when it has
/// none, or when it was written before the chain started): `known` when a statement under
/// the lock read it already. Read under the release's write lock, so two transactions never
/// chain onto the same entry; `entries`, the ones about to be chained, must all be of the
/// locked release.
async fn chain_head(
    conn: &mut AnyConnection,
    lock: Locked,
    known: Option<ChainHead>,
    entries: &[NewEntry],
) -> Result<String, sqlx::Error> {
    let release = lock.release();
    // The known head too must be the locked release's.
    let mut releases = entries.iter().map(|e| e.release).chain(known.as_ref().map(|head| head.release));
    if let Some(other) = releases.find(|other| *other != release) {
        let (other, locked) = (other.0, release.0);
        return Err(sqlx::Error::InvalidArgument(format!("an entry of release {other} under the lock of {locked}")));
    }
    if let Some(head) = known {
        return Ok(head.hash);
    }
    let head: Option<Option<String>> =
        sqlx::query_scalar("SELECT chain_hash FROM execution_log WHERE release_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(release.0)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(head.flatten().unwrap_or_default())
}

/// Appends an entry of the locked release inside the caller's transaction, so it stands or
/// falls with the action, queues its webhooks' deliveries (`store::webhooks::enqueue`) and
/// writes its notifications (`store::notifications::record`); returns the entry's id. On
/// PostgreSQL a trigger tells every instance once it commits.
pub async fn append(db: &Db, conn: &mut AnyConnection, lock: Locked, entry: &NewEntry) -> Result<i64, sqlx::Error> {
    static APPEND_ONE: LazyLock<String> = LazyLock::new(|| {
        format!("INSERT INTO execution_log ({COLUMNS}) VALUES {} RETURNING id", values_rows(1, COLUMN_COUNT))
    });
    let linked = Linked::of(entry);
    let hash = link_hash(&chain_head(conn, lock, None, std::slice::from_ref(entry)).await?, &linked);
    // The binding helper serves the batch insert too, so the new id is read from the row.
    let id: i64 = bind(sqlx::query(APPEND_ONE.as_str()), linked, hash).fetch_one(&mut *conn).await?.try_get("id")?;
    // The webhooks' deliveries of the entry, in its transaction: queued iff it commits.
    crate::store::webhooks::enqueue(db, conn, &[(id, entry)]).await?;
    // Its notifications (and their mail), likewise.
    crate::store::notifications::record(db, conn, &[(id, entry)], None).await?;
    Ok(id)
}

/// Appends several entries of the locked release in one statement, in order, inside the
/// caller's transaction, and queues their webhooks' deliveries. They chain onto `head` when
/// a statement under the lock read it, onto the head read here otherwise; their
/// notifications go to `people` when the command knows them, to those read here otherwise.
pub async fn append_all(
    db: &Db,
    conn: &mut AnyConnection,
    lock: Locked,
    head: Option<ChainHead>,
    entries: &[NewEntry],
    people: Option<People>,
) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut previous = chain_head(conn, lock, head, entries).await?;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let linked = Linked::of(entry);
        let hash = link_hash(&previous, &linked);
        previous.clone_from(&hash);
        rows.push((linked, hash));
    }
    let sql = format!(
        "INSERT INTO execution_log ({COLUMNS}) VALUES {} RETURNING id",
        values_rows(entries.len(), COLUMN_COUNT)
    );
    let statement = rows.into_iter().fold(sqlx::query(&sql), |query, (linked, hash)| bind(query, linked, hash));
    let mut ids = statement
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    // The rows' ids are given in the order of their VALUES.
    ids.sort_unstable();
    let appended: Vec<(i64, &NewEntry)> = ids.into_iter().zip(entries).collect();
    // The webhooks' deliveries of the entries, in their transaction: queued iff they commit.
    crate::store::webhooks::enqueue(db, conn, &appended).await?;
    // Their notifications (and their mail), likewise.
    crate::store::notifications::record(db, conn, &appended, people).await
}

fn bind(query: AnyQuery<'_>, entry: Linked, hash: String) -> AnyQuery<'_> {
    query
        .bind(entry.release_id)
        .bind(entry.occurred_at)
        .bind(entry.user_id)
        .bind(entry.kind)
        .bind(entry.step_code)
        .bind(entry.time_spent_minutes)
        .bind(entry.details)
        .bind(entry.snapshot)
        .bind(hash)
}

/// What checking the log's hash chain found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    /// Entries whose hash was checked.
    pub checked: u64,
    /// Entries written before the chain started (see `log_chain`), not checked.
    pub unchained: u64,
    /// The first entry, in the order they were written, that does not match its hash.
    pub first_broken: Option<BrokenLink>,
}

/// An entry whose stored hash is not the one its release's previous entry and its own
/// columns give: it, or the entry before it, was changed, inserted or removed behind the
/// server's back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BrokenLink {
    pub entry: i64,
    pub release: i64,
}

/// How many entries `verify_chain` reads at a time.
const VERIFY_BATCH: i64 = 5_000;

/// Recomputes every entry's hash from its release's previous entry and its own columns, in
/// the order they were written, and reports the first that does not match.
pub async fn verify_chain(db: &Db) -> Result<ChainReport, crate::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        chain_hash: Option<String>,
        #[sqlx(flatten)]
        entry: Linked,
    }
    let starts_after: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(starts_after), 0) FROM log_chain").fetch_one(&db.pool).await?;
    let mut heads: HashMap<i64, String> = HashMap::new();
    let mut report = ChainReport { checked: 0, unchained: 0, first_broken: None };
    let mut after = 0_i64;
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, release_id, occurred_at, user_id, kind, step_code, time_spent_minutes, details, snapshot,
                    chain_hash
               FROM execution_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(VERIFY_BATCH)
        .fetch_all(&db.pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows {
            let head = heads.entry(row.entry.release_id).or_default();
            if row.id <= starts_after {
                report.unchained += 1;
                // What `append` chained the release's next entry onto.
                *head = row.chain_hash.unwrap_or_default();
                continue;
            }
            report.checked += 1;
            let expected = link_hash(head, &row.entry);
            if row.chain_hash.as_deref() != Some(expected.as_str()) {
                report.first_broken = Some(BrokenLink { entry: row.id, release: row.entry.release_id });
                return Ok(report);
            }
            *head = expected;
        }
    }
    Ok(report)
}

/// Starts the chain after every entry written so far: for a history loaded in bulk (the
/// benchmark's), whose entries carry no hash.
pub async fn restart_chain(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE log_chain SET starts_after = (SELECT COALESCE(MAX(id), 0) FROM execution_log)")
        .execute(conn)
        .await?;
    Ok(())
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
    let rows: Vec<NamedRow> =
        sqlx::query_as("SELECT id, name_es, name_pt FROM solution_categories").fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(|row| (row.id, row.name())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Linked {
        Linked {
            release_id: 7,
            occurred_at: 1_700_000_000,
            user_id: 3,
            kind: "advanced".into(),
            step_code: Some("execution".into()),
            time_spent_minutes: Some(30),
            details: r#"{"kind":"advanced"}"#.into(),
            snapshot: None,
        }
    }

    #[test]
    fn every_column_and_the_previous_link_change_the_hash() {
        let base = link_hash("", &entry());
        assert_eq!(base, link_hash("", &entry()), "the same row hashes the same");
        assert_eq!(base.len(), 64);
        assert_ne!(base, link_hash("00", &entry()));
        let changes: [fn(&mut Linked); 8] = [
            |e| e.release_id += 1,
            |e| e.occurred_at += 1,
            |e| e.user_id += 1,
            |e| e.kind.push('x'),
            |e| e.step_code = None,
            |e| e.time_spent_minutes = Some(31),
            |e| e.details.push(' '),
            |e| e.snapshot = Some(String::new()),
        ];
        for change in changes {
            let mut changed = entry();
            change(&mut changed);
            assert_ne!(link_hash("", &changed), base, "{changed:?}");
        }
        // Text cannot slide from one column into the next.
        let (mut a, mut b) = (entry(), entry());
        a.kind = "ab".into();
        a.details = "c".into();
        b.kind = "a".into();
        b.details = "bc".into();
        assert_ne!(link_hash("", &a), link_hash("", &b));
    }
}
