//! What an operator does to a database besides serving it: a consistent copy of a live
//! SQLite database (`releasedesk backup`), putting one back (`releasedesk restore`), and a
//! look at its health (`releasedesk check`). PostgreSQL is backed up and restored with its
//! own tools (`pg_dump`, `pg_restore`; see the README), and checked here.
//!
//! A server serving a SQLite database holds a shared lock on `<database>.lock` (an
//! advisory `flock`, see [`ServingLock`]) for as long as it runs; a restore takes the same
//! lock exclusively, so it refuses to replace a file a server uses, and a server refuses to
//! start while a restore runs. The kernel drops the lock when the process ends, however it
//! ends (even `kill -9`): no stale lock to clean up after a crash.

use crate::store::Backend;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, PgConnection};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    #[error(
        "{what} works on SQLite databases; for PostgreSQL use {tool} (README, \"Running in production\", Backups)"
    )]
    PostgresTool { what: &'static str, tool: &'static str },
    #[error("{0} is an in-memory database: there is no file to back up or restore")]
    InMemory(String),
    #[error("there is no database at {0}")]
    Missing(PathBuf),
    #[error("{0} already exists: choose a new file name (a backup never overwrites one)")]
    Exists(PathBuf),
    #[error("a server is using {database} (it holds {lock}): stop it before restoring")]
    InUse { database: PathBuf, lock: PathBuf },
    #[error("a restore of {database} is running (it holds {lock}): start the server when it has finished")]
    Restoring { database: PathBuf, lock: PathBuf },
    #[error("{file} is not a sound ReleaseDesk database: {problems}")]
    NotSound { file: PathBuf, problems: String },
    #[error("{action} {path}: {source}")]
    File { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

fn file_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> MaintenanceError {
    let path = path.to_owned();
    move |source| MaintenanceError::File { action, path, source }
}

/// The file of a SQLite database URL (`data/x.db`, `sqlite:data/x.db`,
/// `sqlite://data/x.db?mode=rwc`), or why there is none.
pub fn sqlite_file(url: &str) -> Result<PathBuf, MaintenanceError> {
    if Backend::of_url(url) == Backend::Postgres {
        return Err(MaintenanceError::PostgresTool { what: "this", tool: "pg_dump and pg_restore" });
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(':') {
        return Err(MaintenanceError::InMemory(url.to_owned()));
    }
    Ok(PathBuf::from(path))
}

/// `data/x.db` → `data/x.db.lock`.
pub fn lock_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// `data/x.db` → `data/x.db-wal` (and `-shm`, `-journal`): SQLite's companion files.
fn companion(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Held by a server while it serves a SQLite database: see the module's documentation.
#[derive(Debug)]
pub struct ServingLock {
    _file: File,
}

impl ServingLock {
    /// Takes the shared lock of the database `url` names; `None` on PostgreSQL or an
    /// in-memory database, where there is nothing to restore from a file.
    pub fn acquire(url: &str) -> Result<Option<ServingLock>, MaintenanceError> {
        let database = match sqlite_file(url) {
            Ok(database) => database,
            Err(MaintenanceError::PostgresTool { .. } | MaintenanceError::InMemory(_)) => return Ok(None),
            Err(error) => return Err(error),
        };
        if let Some(dir) = database.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(file_error("cannot create the directory", dir))?;
        }
        let lock = lock_file(&database);
        let file = open_lock_file(&lock)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(Some(ServingLock { _file: file })),
            Err(TryLockError::WouldBlock) => Err(MaintenanceError::Restoring { database, lock }),
            Err(TryLockError::Error(source)) => {
                Err(MaintenanceError::File { action: "cannot lock", path: lock, source })
            }
        }
    }
}

fn open_lock_file(lock: &Path) -> Result<File, MaintenanceError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock)
        .map_err(file_error("cannot open the lock file", lock))
}

/// A connection to an existing SQLite file, never creating one.
async fn open_sqlite(file: &Path, read_only: bool) -> Result<SqliteConnection, MaintenanceError> {
    if !file.is_file() {
        return Err(MaintenanceError::Missing(file.to_owned()));
    }
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(5));
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// Copies `from` (an open connection) into the new file `to`: `VACUUM INTO` reads one
/// snapshot, in one read transaction that writers in WAL mode do not wait for, and writes
/// it compacted. The copy goes to `to.partial` first, is synced, then renamed: an
/// interrupted copy never leaves a file that looks like a finished one.
async fn copy_into(from: &mut SqliteConnection, to: &Path) -> Result<(), MaintenanceError> {
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let Some(text) = partial.to_str() else {
        return Err(MaintenanceError::File {
            action: "cannot name",
            path: partial.clone(),
            source: std::io::Error::other("the path is not UTF-8"),
        });
    };
    sqlx::query("VACUUM INTO $1").bind(text).execute(&mut *from).await?;
    // VACUUM INTO writes without syncing.
    File::open(&partial).and_then(|file| file.sync_all()).map_err(file_error("cannot sync", &partial))?;
    std::fs::rename(&partial, to).map_err(file_error("cannot rename the copy to", to))?;
    sync_directory(to);
    Ok(())
}

/// Makes a rename in `path`'s directory durable (best effort: not every system can).
fn sync_directory(path: &Path) {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct Backup {
    pub file: PathBuf,
    pub bytes: u64,
}

/// Writes a consistent copy of the SQLite database `url` names to the new file `to`, while
/// servers go on serving it: everything committed before the copy began is in it.
pub async fn backup(url: &str, to: &Path) -> Result<Backup, MaintenanceError> {
    let database = sqlite_file(url).map_err(|error| match error {
        MaintenanceError::PostgresTool { .. } => MaintenanceError::PostgresTool { what: "backup", tool: "pg_dump" },
        other => other,
    })?;
    if to.exists() {
        return Err(MaintenanceError::Exists(to.to_owned()));
    }
    let mut connection = open_sqlite(&database, false).await?;
    copy_into(&mut connection, to).await?;
    connection.close().await?;
    let bytes = std::fs::metadata(to).map_err(file_error("cannot read", to))?.len();
    Ok(Backup { file: to.to_owned(), bytes })
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restore {
    pub database: PathBuf,
    /// Where the database that was there before now is, if there was one.
    pub previous: Option<PathBuf>,
}

/// Puts the backup `from` in place of the SQLite database `url` names, after checking it;
/// refuses while a server uses that database. The database that was there is kept beside
/// it, renamed `<database>.before-restore-<time>` (with its WAL, if any).
pub async fn restore(url: &str, from: &Path) -> Result<Restore, MaintenanceError> {
    let database = sqlite_file(url).map_err(|error| match error {
        MaintenanceError::PostgresTool { .. } => MaintenanceError::PostgresTool { what: "restore", tool: "pg_restore" },
        other => other,
    })?;
    let mut backup = open_sqlite(from, true).await?;
    let report = check_sqlite(&mut backup).await?;
    if !report.is_sound() {
        return Err(MaintenanceError::NotSound { file: from.to_owned(), problems: report.problems().join("; ") });
    }
    if let Some(dir) = database.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(file_error("cannot create the directory", dir))?;
    }
    let lock = lock_file(&database);
    let lock_file = open_lock_file(&lock)?;
    match lock_file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(MaintenanceError::InUse { database, lock }),
        Err(TryLockError::Error(source)) => {
            return Err(MaintenanceError::File { action: "cannot lock", path: lock, source })
        }
    }
    // From here until the lock is dropped, no server opens the database.
    let mut incoming = database.as_os_str().to_owned();
    incoming.push(".restoring");
    let incoming = PathBuf::from(incoming);
    let _ = std::fs::remove_file(&incoming);
    copy_into(&mut backup, &incoming).await?;
    backup.close().await?;
    let previous = if database.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut aside = database.as_os_str().to_owned();
        aside.push(format!(".before-restore-{stamp}"));
        let aside = PathBuf::from(aside);
        // The WAL goes with its database (it may hold committed writes), so that the copy
        // kept aside opens whole; the shared-memory index is rebuilt from it.
        for suffix in ["-wal", "-journal", "-shm"] {
            let from = companion(&database, suffix);
            if from.exists() {
                let to = companion(&aside, suffix);
                std::fs::rename(&from, &to).map_err(file_error("cannot move aside", &from))?;
            }
        }
        std::fs::rename(&database, &aside).map_err(file_error("cannot move aside", &database))?;
        Some(aside)
    } else {
        for suffix in ["-wal", "-journal", "-shm"] {
            // Left without their database: they would be applied to the restored one.
            let _ = std::fs::remove_file(companion(&database, suffix));
        }
        None
    };
    std::fs::rename(&incoming, &database).map_err(file_error("cannot put in place", &database))?;
    sync_directory(&database);
    drop(lock_file);
    Ok(Restore { database, previous })
}

/// One thing `check` looked at, and what it found wrong.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check: &'static str,
    /// Empty when all is well.
    pub problems: Vec<String>,
    /// What is worth knowing but not wrong (a migration the next start will apply).
    pub notes: Vec<String>,
}

impl Finding {
    fn new(check: &'static str) -> Finding {
        Finding { check, problems: Vec::new(), notes: Vec::new() }
    }
}

/// What `check` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn is_sound(&self) -> bool {
        self.findings.iter().all(|finding| finding.problems.is_empty())
    }

    pub fn problems(&self) -> Vec<String> {
        self.findings
            .iter()
            .flat_map(|finding| finding.problems.iter().map(move |problem| format!("{}: {problem}", finding.check)))
            .collect()
    }
}

/// How many problems of one kind a report lists before it counts the rest.
const LISTED: usize = 20;

/// Checks the database `url` names without changing it: its structure (SQLite), its
/// foreign keys, its migrations, and the execution log's hash chain.
pub async fn check(url: &str) -> Result<Report, MaintenanceError> {
    let mut report = check_structure(url).await?;
    // On a database whose structure and migrations are sound.
    if report.is_sound() {
        report.findings.push(log_hash_chain(url).await);
    }
    Ok(report)
}

async fn check_structure(url: &str) -> Result<Report, MaintenanceError> {
    match Backend::of_url(url) {
        Backend::Sqlite => {
            let mut connection = open_sqlite(&sqlite_file(url)?, true).await?;
            let report = check_sqlite(&mut connection).await?;
            connection.close().await?;
            Ok(report)
        }
        Backend::Postgres => {
            let mut connection = PgConnection::connect(url).await?;
            let report = check_postgres(&mut connection).await?;
            connection.close().await?;
            Ok(report)
        }
    }
}

async fn check_sqlite(connection: &mut SqliteConnection) -> Result<Report, MaintenanceError> {
    let mut report = Report::default();
    // Every page, index and constraint of the file; "ok" when all is well.
    let mut integrity = Finding::new("PRAGMA integrity_check");
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut *connection).await?;
    integrity.problems.extend(rows.into_iter().filter(|row| row != "ok"));
    report.findings.push(integrity);

    let mut keys = Finding::new("PRAGMA foreign_key_check");
    // Each row: the table, the row's id, the parent table it names, the key's number.
    let rows: Vec<(String, Option<i64>, String, i64)> =
        sqlx::query_as("PRAGMA foreign_key_check").fetch_all(&mut *connection).await?;
    for (table, rowid, parent, _) in rows.iter().take(LISTED) {
        keys.problems.push(format!("row {} of {table} names a missing row of {parent}", rowid.unwrap_or_default()));
    }
    if rows.len() > LISTED {
        keys.problems.push(format!("and {} more rows with a missing parent", rows.len() - LISTED));
    }
    report.findings.push(keys);

    let recorded: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *connection)
    .await?;
    let applied = if recorded { Some(sqlx::query_as(APPLIED).fetch_all(&mut *connection).await?) } else { None };
    report.findings.push(migrations(applied, &SQLITE_MIGRATIONS));
    Ok(report)
}

async fn check_postgres(connection: &mut PgConnection) -> Result<Report, MaintenanceError> {
    let mut report = Report::default();
    // PostgreSQL enforces foreign keys and checks on every write; what it can leave behind
    // is a constraint created NOT VALID (or by a restore interrupted before validating).
    let mut constraints = Finding::new("constraints validated");
    let unvalidated: Vec<String> = sqlx::query_scalar(
        "SELECT conrelid::regclass::text || ': ' || conname FROM pg_constraint c
           JOIN pg_namespace n ON n.oid = c.connamespace
          WHERE NOT c.convalidated AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_all(&mut *connection)
    .await?;
    constraints.problems.extend(unvalidated.into_iter().map(|name| format!("{name} was never validated")));
    report.findings.push(constraints);

    // Indexes against their tables, when the amcheck extension is installed (it ships with
    // PostgreSQL: `CREATE EXTENSION amcheck`).
    let mut indexes = Finding::new("amcheck B-tree indexes");
    let amcheck: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck')")
        .fetch_one(&mut *connection)
        .await?;
    if amcheck {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE a.amname = 'btree' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
        )
        .fetch_all(&mut *connection)
        .await?;
        for name in names {
            if let Err(error) =
                sqlx::query("SELECT bt_index_check($1::regclass, true)").bind(&name).execute(&mut *connection).await
            {
                indexes.problems.push(format!("{name}: {error}"));
            }
        }
    } else {
        indexes.notes.push("not checked: the amcheck extension is not installed".into());
    }
    report.findings.push(indexes);

    let recorded: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(&mut *connection).await?;
    let applied = if recorded { Some(sqlx::query_as(APPLIED).fetch_all(&mut *connection).await?) } else { None };
    report.findings.push(migrations(applied, &POSTGRES_MIGRATIONS));
    Ok(report)
}

/// The execution log's hash chain: every entry's hash covers its release's previous one
/// (`store::log::verify_chain`, what `releasedesk verify-log` reports).
async fn log_hash_chain(url: &str) -> Finding {
    let mut finding = Finding::new("log hash chain");
    let verified = match crate::store::open_migrated(url).await {
        Ok(db) => crate::store::log::verify_chain(&db).await.map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    };
    match verified {
        Ok(chain) => {
            if let Some(broken) = chain.first_broken {
                finding.problems.push(format!(
                    "entry {} of release {} does not match its hash: it was changed behind the server's back",
                    broken.entry, broken.release
                ));
            }
            finding
                .notes
                .push(format!("{} entries checked, {} written before the chain began", chain.checked, chain.unchained));
        }
        Err(error) => finding.problems.push(format!("cannot verify it: {error}")),
    }
    finding
}

/// A migration the database records: version, whether it completed, checksum.
type Applied = (i64, bool, Vec<u8>);

const APPLIED: &str = "SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version";

/// The migrations this binary knows against those the database records (`None`: it has no
/// record of migrations at all, so it is no ReleaseDesk database).
fn migrations(applied: Option<Vec<Applied>>, known: &Migrator) -> Finding {
    let mut finding = Finding::new("migrations");
    let Some(applied) = applied else {
        finding.problems.push("no _sqlx_migrations table: this is not a ReleaseDesk database".into());
        return finding;
    };
    for (version, success, checksum) in &applied {
        match known.iter().find(|migration| migration.version == *version) {
            None => finding.problems.push(format!("{version} was applied by a newer ReleaseDesk than this one")),
            Some(_) if !success => finding.problems.push(format!("{version} failed partway")),
            Some(migration) if migration.checksum.as_ref() != checksum.as_slice() => {
                finding.problems.push(format!("{version} differs from this ReleaseDesk's ({})", migration.description))
            }
            Some(_) => {}
        }
    }
    for migration in known.iter().filter(|migration| !migration.migration_type.is_down_migration()) {
        if !applied.iter().any(|(version, _, _)| *version == migration.version) {
            finding.notes.push(format!(
                "{} ({}) not applied yet: the server applies it when it starts",
                migration.version, migration.description
            ));
        }
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_name_their_files() {
        assert_eq!(sqlite_file("data/releasedesk.db").ok(), Some(PathBuf::from("data/releasedesk.db")));
        assert_eq!(sqlite_file("sqlite://data/x.db?mode=rwc").ok(), Some(PathBuf::from("data/x.db")));
        assert_eq!(sqlite_file("sqlite:/var/lib/rd/x.db").ok(), Some(PathBuf::from("/var/lib/rd/x.db")));
        assert!(matches!(sqlite_file("sqlite::memory:"), Err(MaintenanceError::InMemory(_))));
        assert!(matches!(sqlite_file("postgres://rd@db/rd"), Err(MaintenanceError::PostgresTool { .. })));
        assert_eq!(lock_file(Path::new("data/x.db")), PathBuf::from("data/x.db.lock"));
    }

    #[test]
    fn a_restore_cannot_take_the_lock_a_server_holds_and_a_server_cannot_start_during_a_restore() {
        let dir = std::env::temp_dir().join(format!("releasedesk-lock-{}", std::process::id()));
        let database = dir.join("x.db");
        let url = database.display().to_string();
        let serving = ServingLock::acquire(&url).expect("lock").expect("a SQLite lock");
        let second = ServingLock::acquire(&url).expect("a second server may serve the same file");
        let restore = open_lock_file(&lock_file(&database)).expect("open");
        assert!(matches!(restore.try_lock(), Err(TryLockError::WouldBlock)), "a restore while servers serve");
        drop((serving, second));
        restore.try_lock().expect("the servers are gone: the restore locks");
        assert!(matches!(ServingLock::acquire(&url), Err(MaintenanceError::Restoring { .. })));
        drop(restore);
        assert!(ServingLock::acquire(&url).expect("after the restore").is_some());
        let _ = std::fs::remove_dir_all(dir);
    }
}
