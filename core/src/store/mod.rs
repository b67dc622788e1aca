//! The database, server side only: one pool for SQLite or PostgreSQL behind sqlx's `Any`
//! driver, so every query is written once with `$1`-style parameters that both accept.
//! One module per group of tables; this module holds the connection and what they share.

pub mod actions;
pub mod admin;
pub mod attachments;
pub mod catalogues;
pub mod flows;
pub mod kept;
pub mod list;
pub mod log;
pub mod mail;
pub mod notifications;
pub mod outbox;
pub mod relations;
pub mod releases;
pub mod search;
pub mod title_index;
pub mod tokens;
pub mod users;
pub mod webhooks;
mod writer;

pub use writer::WriteTx;

use crate::domain::Localized;
use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::{Any, AnyPool, Execute, QueryBuilder};
use std::time::Duration;

/// Which database the URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The connection pool and what the rest of the server needs to know about it.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    pub url: String,
    /// Where write transactions run ([`writer`]). SQLite takes one writer at a time: its
    /// writers queue for one connection and are handed it at once, instead of polling for
    /// the file's lock in SQLite's busy handler (which sleeps up to 100 ms between tries)
    /// while holding a connection readers need, and share its commits. On PostgreSQL, the
    /// pool itself.
    writer: writer::Writer,
    /// What this instance keeps between requests: users, groups, webhooks ([`kept`]).
    kept: std::sync::Arc<kept::Kept>,
    /// Where reads run whose best plan no bound value changes ([`Db::reads`]). PostgreSQL
    /// plans a prepared statement again for each run's values while it finds that plan
    /// cheaper than one for any values: the list's search and plain pages spent more of
    /// their time planned than run. This pool's connections keep one plan per statement
    /// (`plan_cache_mode = force_generic_plan`); opened as they are needed. On SQLite, the
    /// pool itself.
    planned_once: AnyPool,
}

impl Db {
    /// The pool for a read: `plans_alike` when one plan serves the statement whatever its
    /// values (see `planned_once`).
    pub fn reads(&self, plans_alike: bool) -> &AnyPool {
        if plans_alike {
            &self.planned_once
        } else {
            &self.pool
        }
    }

    /// Each pool this instance keeps on the database once: the desk's, and SQLite's writer
    /// or PostgreSQL's `planned_once` (the session store's are its own).
    pub fn pools(&self) -> [&AnyPool; 2] {
        match self.backend {
            Backend::Sqlite => [&self.pool, self.writer.pool()],
            Backend::Postgres => [&self.pool, &self.planned_once],
        }
    }

    /// Begins a transaction that will write (see [`writer`] for SQLite's shared commits).
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        self.writer.begin().await
    }

    /// Whether the database answers a trivial statement.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    /// How many of the migrations this build expects the database has not applied (none
    /// once `connect` ran, unless the database was replaced behind the server's back).
    /// Migrations applied by a newer build are not counted: they are not this one's concern.
    pub async fn pending_migrations(&self) -> Result<usize, sqlx::Error> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(&self.pool).await?;
        Ok(migrator(self.backend)
            .iter()
            .filter(|migration| !migration.migration_type.is_down_migration() && !applied.contains(&migration.version))
            .count())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot open the database at {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error while setting up: {0}")]
    Query(#[from] sqlx::Error),
    #[error("the flow definition {file} is not valid: {reason}")]
    Flow { file: String, reason: String },
}

/// What every SQLite connection of the server is set to, the desk's and the session store's:
/// WAL lets readers run beside the writer; FULL sync makes an acknowledged write durable; the
/// busy timeout queues writers from elsewhere (the other pool, another process) instead of
/// failing them. Each connection's page cache copies pages the OS caches already: 512 KiB
/// instead of SQLite's 2 MiB keeps the connections' share of the server's memory small (the
/// desk's nine, the sessions' four), at no cost the bench can tell (BENCHMARKS.md, *Memory*
/// and *The sixteenth pass*).
pub(crate) const SQLITE_SETTINGS: [&str; 5] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA cache_size = -512",
];

/// How long a request waits for a database connection before it is told the database is
/// unavailable (503), rather than hanging while the database is down.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The variable naming, on PostgreSQL, the role that owns the tables and runs the
/// migrations, when the server runs as another (README, *Two database roles*).
pub const OWNER_URL_VARIABLE: &str = "DATABASE_OWNER_URL";

/// Opens the database named by `url` (creating a SQLite file if needed) and migrates it;
/// on PostgreSQL through `DATABASE_OWNER_URL` when it is set ([`connect_as`]).
pub async fn connect(url: &str) -> Result<Db, SetupError> {
    let owner = std::env::var(OWNER_URL_VARIABLE).ok().filter(|owner| !owner.trim().is_empty());
    connect_as(url, owner.as_deref()).await
}

/// Opens the database named by `url`. With `owner_url` (PostgreSQL only), the owner's role
/// runs the migrations and grants the role of `url` what the server needs, no more: on the
/// execution log only SELECT and INSERT, so the server can neither change an entry nor
/// drop the triggers that refuse changes. Without it, `url`'s role does both (a quick start).
pub async fn connect_as(url: &str, owner_url: Option<&str>) -> Result<Db, SetupError> {
    open_database(url, owner_url.map_or(Schema::Migrate, Schema::MigrateAsOwner)).await
}

/// Opens a database that a start of the server has migrated, without migrating it: for
/// checks that run as the server's role, which may not migrate (`releasedesk verify-log`).
pub async fn open_migrated(url: &str) -> Result<Db, SetupError> {
    open_database(url, Schema::AsIs).await
}

/// What opening a database does to its schema.
#[derive(Debug, Clone, Copy)]
enum Schema<'a> {
    /// Migrates it through the URL's own role.
    Migrate,
    /// Migrates it through the owner's URL, which then grants the URL's role ([`grants`]).
    MigrateAsOwner(&'a str),
    /// Leaves it as it is.
    AsIs,
}

async fn open_database(url: &str, schema: Schema<'_>) -> Result<Db, SetupError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url);
    let connect_url = match backend {
        Backend::Sqlite => sqlite_url(url),
        Backend::Postgres => url.to_owned(),
    };
    if backend == Backend::Sqlite {
        if let Some(dir) = sqlite_parent_dir(&connect_url) {
            let _ = std::fs::create_dir_all(dir);
        }
    }
    let options = |connections: u32, warm: u32, settings: &'static [&'static str]| {
        AnyPoolOptions::new()
            .max_connections(connections)
            .min_connections(warm)
            .test_before_acquire(tests_before_acquire(backend))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    for setting in settings {
                        sqlx::query(setting).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
    };
    let settings: &[&str] = match backend {
        Backend::Sqlite => &SQLITE_SETTINGS,
        Backend::Postgres => &[],
    };
    let desk =
        |connections: u32| options(connections, warm_connections(backend, connections), settings).connect(&connect_url);
    let connect_error = |source| SetupError::Connect { url: redact(url), source };
    Ok(match backend {
        // A few readers in WAL mode are all SQLite can use, and one writer.
        Backend::Sqlite => {
            let pool = desk(8).await.map_err(connect_error)?;
            if !matches!(schema, Schema::AsIs) {
                migrate(backend, &pool).await?;
            }
            let writer = writer::Writer::shared(desk(1).await.map_err(connect_error)?);
            let kept = std::sync::Arc::new(kept::Kept::new(true));
            Db { pool: pool.clone(), backend, url: connect_url.clone(), writer, kept, planned_once: pool }
        }
        // As many as SQLite's readers: PostgreSQL's backends share the machine's cores with
        // the server, and more of them only queue for those (16 made a burst of captures a
        // fifth slower and searches and advances no faster: BENCHMARKS.md, *The eighteenth
        // pass*).
        Backend::Postgres => {
            let pool = desk(8).await.map_err(connect_error)?;
            match schema {
                Schema::Migrate => migrate(backend, &pool).await?,
                Schema::MigrateAsOwner(owner_url) => set_up_as_owner(owner_url, &pool).await?,
                Schema::AsIs => {}
            }
            // Kept only once the instance listens for the triggers' notifications.
            let kept = std::sync::Arc::new(kept::Kept::new(false));
            // Half the desk's for the list's reads: four backends at once keep the cores
            // busy, and a page or search waits in the pool instead of sharing the cores
            // with seven others (searches' p99 at 1,000,000 releases 13–16 ms against 18–19
            // ms with eight, at the same rate: BENCHMARKS.md, *The thirty-second pass*).
            let planned_once = options(4, 0, &["SET plan_cache_mode = force_generic_plan"])
                .connect_lazy(&connect_url)
                .map_err(connect_error)?;
            Db {
                pool: pool.clone(),
                backend,
                url: connect_url.clone(),
                writer: writer::Writer::Pool(pool),
                kept,
                planned_once,
            }
        }
    })
}

/// Migrates through the owner's role, then grants the server's role (that of `server`)
/// what it needs: every table's rows, but only reading and appending the execution log and
/// the administration log, only reading where the log's hash chain starts, nothing of the
/// migrations' own table. The session store creates its schema at start, hence CREATE on
/// the database. Runs at every start, so tables a new version adds are granted too.
async fn set_up_as_owner(owner_url: &str, server: &AnyPool) -> Result<(), SetupError> {
    let owner = AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(owner_url)
        .await
        .map_err(|source| SetupError::Connect { url: redact(owner_url), source })?;
    migrate(Backend::Postgres, &owner).await?;
    let (server_role, superuser): (String, bool) =
        sqlx::query_as("SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(server)
            .await?;
    let owner_role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(&owner).await?;
    if superuser || server_role == owner_role {
        tracing::warn!(role = %server_role, "the server's database role owns the tables or is a superuser: it could rewrite the execution log");
    }
    if server_role != owner_role {
        let (database, schema): (String, String) =
            sqlx::query_as("SELECT current_database()::text, current_schema()::text").fetch_one(&owner).await?;
        for statement in
            grants(&quote_identifier(&server_role), &quote_identifier(&database), &quote_identifier(&schema))
        {
            sqlx::query(&statement).execute(&owner).await?;
        }
    }
    owner.close().await;
    Ok(())
}

/// What the owner grants the server's role `role` (each name already quoted).
fn grants(role: &str, database: &str, schema: &str) -> Vec<String> {
    vec![
        format!("GRANT CONNECT, CREATE ON DATABASE {database} TO {role}"),
        format!("GRANT USAGE ON SCHEMA {schema} TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {schema}.execution_log FROM {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {schema}.admin_log FROM {role}"),
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {schema}.log_chain FROM {role}"),
        format!("REVOKE ALL ON {schema}._sqlx_migrations FROM {role}"),
    ]
}

/// A PostgreSQL identifier, quoted.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How many of a pool's connections are opened up front and kept open. A new PostgreSQL
/// connection costs its server a process and cold caches, milliseconds of CPU each, which
/// the first burst of requests paid (BENCHMARKS.md, *Advances* and *Captures*). A SQLite
/// connection is a file handle, opened when first needed.
pub fn warm_connections(backend: Backend, connections: u32) -> u32 {
    match backend {
        Backend::Postgres => connections,
        Backend::Sqlite => 0,
    }
}

/// Whether a pool checks a connection (a ping) each time it hands it out. A PostgreSQL
/// connection can die idle (a restart, a network cut), and is tested; a SQLite connection
/// is a file opened in this process and cannot, while the ping is one more hand-off to its
/// thread on every statement's way (BENCHMARKS.md, *Found in the seventh pass*).
pub fn tests_before_acquire(backend: Backend) -> bool {
    match backend {
        Backend::Postgres => true,
        Backend::Sqlite => false,
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The migrations this build of the server expects on `backend`.
fn migrator(backend: Backend) -> &'static sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

async fn migrate(backend: Backend, pool: &AnyPool) -> Result<(), SetupError> {
    migrator(backend).run(pool).await?;
    Ok(())
}

/// `data/x.db` or `sqlite:data/x.db` become a URL that creates the file when missing.
fn sqlite_url(url: &str) -> String {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    if path.contains('?') {
        format!("sqlite://{path}")
    } else {
        format!("sqlite://{path}?mode=rwc")
    }
}

fn sqlite_parent_dir(url: &str) -> Option<&std::path::Path> {
    let path = url.strip_prefix("sqlite://")?.split('?').next()?;
    if path.is_empty() || path.starts_with(':') {
        return None;
    }
    std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty())
}

/// A URL fit for logs: the password, if any, replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &credentials[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A catalogue item's id and its name in both languages: the columns `id`, `name_es` and
/// `name_pt` of every catalogue table.
#[derive(Debug, sqlx::FromRow)]
pub struct NamedRow {
    pub id: i64,
    pub name_es: String,
    pub name_pt: String,
}

impl NamedRow {
    pub fn name(self) -> Localized {
        Localized { es: self.name_es, pt: self.name_pt }
    }
}

/// Now, in Unix seconds: every stored time is one.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Folds text for searching: lower case, accents removed ("Liberación" → "liberacion"),
/// so a search finds a title however the user types its accents.
pub fn fold_for_search(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// One of a `code_enum`'s codes, read from `column` as text.
pub fn parse_code<T>(code: &str, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    parse(code).ok_or_else(|| sqlx::Error::Decode(format!("unknown code `{code}` in {column}").into()))
}

/// A value a left join may leave out but the row needs: the error reading a NULL into a
/// non-optional column gives.
pub fn required<T>(value: Option<T>, column: &str) -> Result<T, sqlx::Error> {
    value.ok_or_else(|| sqlx::Error::ColumnDecode {
        index: format!("{column:?}"),
        source: Box::new(sqlx::error::UnexpectedNullError),
    })
}

/// What a [`QueryBuilder`] assembled, as it runs on either database: its SQL with the bound
/// values numbered `$1`, `$2`… in the order they were pushed, and the values.
///
/// sqlx's `Any` builder writes each bound value as `?` (launchbadge/sqlx#3000): SQLite
/// takes that, PostgreSQL refuses it. Numbered, the statement is written once for both,
/// like every other statement here. Run it with `sqlx::query_with(&sql, arguments)` (or
/// `query_as_with`, `query_scalar_with`); the builder is spent.
pub fn numbered<'q, 'args: 'q>(builder: &'q mut QueryBuilder<'args, Any>) -> (String, AnyArguments<'q>) {
    let mut query: sqlx::query::Query<'q, Any, AnyArguments<'q>> = builder.build();
    let (sql, placeholders) = number_placeholders(query.sql());
    // A builder holds its arguments, without error, until it is built.
    let arguments = query.take_arguments().ok().flatten().unwrap_or_default();
    debug_assert_eq!(placeholders, sqlx::Arguments::len(&arguments), "a `?` pushed as text: {sql}");
    (sql, arguments)
}

/// `sql` with each `?` outside quotes written `$1`, `$2`… in order, and how many there are.
fn number_placeholders(sql: &str) -> (String, usize) {
    let mut numbered = String::with_capacity(sql.len() + 16);
    let (mut n, mut quote) = (0, None);
    for c in sql.chars() {
        match (quote, c) {
            // A doubled quote inside quotes closes and reopens them.
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => {
                n += 1;
                numbered.push_str(&format!("${n}"));
                continue;
            }
            (None, _) => {}
        }
        numbered.push(c);
    }
    (numbered, n)
}

/// The values a statement binds, for tests to compare: `Text("erp")`, `BigInt(4)`…
#[cfg(test)]
pub(crate) fn bound_values(arguments: &AnyArguments<'_>) -> Vec<String> {
    arguments.values.0.iter().map(|value| format!("{value:?}")).collect()
}

/// A statement for whichever database is configured, as its parameters are bound.
pub type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// The numbered parameters of row `row` (from 0) when every row binds `columns` values:
/// row 1 of 2 columns is `$3`, `$4`.
pub fn row_parameters(row: usize, columns: usize) -> Vec<String> {
    (1..=columns).map(|column| format!("${}", row * columns + column)).collect()
}

/// The rows of a multi-row `VALUES` for `rows` rows of `columns` values: `($1, $2), ($3, $4)`.
pub fn values_rows(rows: usize, columns: usize) -> String {
    (0..rows).map(|row| format!("({})", row_parameters(row, columns).join(", "))).collect::<Vec<_>>().join(", ")
}

/// Whether an error is a unique-constraint violation (a duplicate link, a taken name…).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(e) => e.is_unique_violation(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_values_number_their_parameters_in_order() {
        assert_eq!(values_rows(1, 3), "($1, $2, $3)");
        assert_eq!(values_rows(3, 1), "($1), ($2), ($3)");
        assert_eq!(values_rows(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(row_parameters(2, 2), ["$5", "$6"]);
    }

    #[test]
    fn built_statements_number_their_values_in_order() {
        assert_eq!(number_placeholders("a = ? AND b IN (?, ?)"), ("a = $1 AND b IN ($2, $3)".into(), 3));
        let quoted = "x = '?' AND \"y?\" = ? AND z = 'it''s ?'";
        assert_eq!(number_placeholders(quoted), ("x = '?' AND \"y?\" = $1 AND z = 'it''s ?'".into(), 1));
        let mut builder = QueryBuilder::<Any>::new("SELECT id FROM releases WHERE status = ");
        builder.push_bind("closed").push(" AND id < ").push_bind(90_i64).push(" LIMIT 26");
        let (sql, arguments) = numbered(&mut builder);
        assert_eq!(sql, "SELECT id FROM releases WHERE status = $1 AND id < $2 LIMIT 26");
        assert_eq!(bound_values(&arguments), ["Text(\"closed\")", "BigInt(90)"]);
    }

    #[test]
    fn search_folding_ignores_case_and_accents() {
        assert_eq!(fold_for_search("Liberación de VERSIÓN"), "liberacion de version");
        assert_eq!(fold_for_search("Atualização"), "atualizacao");
    }

    #[test]
    fn the_server_role_may_only_read_and_append_the_log() {
        assert_eq!(quote_identifier("rd\"x"), "\"rd\"\"x\"");
        let grants = grants("\"rd\"", "\"db\"", "\"public\"");
        assert!(grants.contains(
            &"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON \"public\".execution_log FROM \"rd\"".into()
        ));
        let last_grant = grants.iter().rposition(|g| g.starts_with("GRANT")).unwrap();
        let first_revoke = grants.iter().position(|g| g.starts_with("REVOKE")).unwrap();
        assert!(last_grant < first_revoke, "the revokes come after the grants they narrow");
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(redact("postgres://app:secret@localhost:5432/rd"), "postgres://app:***@localhost:5432/rd");
        assert_eq!(redact("sqlite://data/releasedesk.db"), "sqlite://data/releasedesk.db");
    }

    /// `.cargo/config.toml` builds SQLite without STAT4: with its samples, SQLite compiles a
    /// statement again each time its bound values change.
    #[tokio::test]
    async fn sqlite_is_built_without_stat4() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.expect("an in-memory SQLite database");
        let stat4: i64 = sqlx::query_scalar("SELECT sqlite_compileoption_used('ENABLE_STAT4')")
            .fetch_one(&pool)
            .await
            .expect("SQLite's compile options");
        assert_eq!(stat4, 0, "SQLite was built with STAT4: LIBSQLITE3_FLAGS in .cargo/config.toml no longer applies");
    }

    #[test]
    fn sqlite_paths_become_creating_urls() {
        assert_eq!(sqlite_url("data/releasedesk.db"), "sqlite://data/releasedesk.db?mode=rwc");
        assert_eq!(sqlite_url("sqlite::memory:"), "sqlite://:memory:?mode=rwc");
        assert_eq!(sqlite_parent_dir("sqlite://data/x.db?mode=rwc"), Some(std::path::Path::new("data")));
    }
}
