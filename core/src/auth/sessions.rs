//! Sessions and login, server side: axum-login over tower-sessions, with the sessions kept
//! in the same database as everything else (SQLite or PostgreSQL, chosen at run time).

use crate::domain::permissions::Actor;
use crate::store::users as db;
use crate::store::{Backend as DbBackend, Db};
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder, AuthSession, AuthUser, AuthnBackend, UserId};
use std::collections::HashSet;
use tower_sessions::cookie::{time::Duration, SameSite};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The user of a session, loaded afresh on every request with their groups and
/// permissions, so that a change to them counts from the next request. The password hash
/// doubles as the session's auth hash, so a password change ends every other session of
/// that user.
#[derive(Clone)]
pub struct SessionUser {
    pub actor: Actor,
    password_hash: String,
    /// The password is a temporary one: nothing but changing it is allowed.
    pub must_change_password: bool,
    /// Their time zone (IANA name), `None` until chosen.
    pub time_zone: Option<String>,
    /// Their language (`es`, `pt`), `None` when not chosen.
    pub language: Option<String>,
}

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser").field("id", &self.actor.user.0).finish_non_exhaustive()
    }
}

impl AuthUser for SessionUser {
    type Id = i64;

    fn id(&self) -> i64 {
        self.actor.user.0
    }

    fn session_auth_hash(&self) -> &[u8] {
        self.password_hash.as_bytes()
    }
}

pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// Checks credentials against the users table.
#[derive(Clone)]
pub struct Users {
    db: Db,
}

impl Users {
    pub fn new(db: Db) -> Self {
        Users { db }
    }
}

/// Verified against when the user does not exist, so an unknown name costs the same time
/// as a wrong password and the answer never tells which it was.
static DECOY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::auth::hashing::hash("no such user").unwrap_or_default());

impl AuthnBackend for Users {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = sqlx::Error;

    async fn authenticate(&self, credentials: Credentials) -> Result<Option<SessionUser>, sqlx::Error> {
        let user = db::user_by_username(&self.db, credentials.username.trim()).await?;
        let hash = user.as_ref().map_or_else(|| DECOY_HASH.clone(), |u| u.password_hash.clone());
        let password = credentials.password;
        let matches =
            crate::auth::hashing::run(move || crate::auth::hashing::verify(&password, &hash)).await.unwrap_or(false);
        match user.filter(|_| matches) {
            Some(user) => self.get_user(&user.id.0).await,
            None => Ok(None),
        }
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, sqlx::Error> {
        let user = db::session_user(&self.db, crate::domain::UserId(*id)).await?;
        Ok(user.map(|user| SessionUser {
            actor: user.actor,
            password_hash: user.password_hash,
            must_change_password: user.must_change_password,
            time_zone: user.time_zone,
            language: user.language,
        }))
    }
}

pub type Session = AuthSession<Users>;

/// The session store of whichever database the server runs on, with its pool for
/// [`Sessions::save`].
#[derive(Debug, Clone)]
pub enum Sessions {
    Sqlite(SqliteStore, sqlx::SqlitePool),
    Postgres(PostgresStore, sqlx::PgPool),
}

#[async_trait::async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s, _) => s.create(record).await,
            Sessions::Postgres(s, _) => s.create(record).await,
        }
    }

    /// Writes back a session that exists, and only then. The stores' own `save` inserts a
    /// session it does not find: a request that extends a session while another logs it
    /// out would bring it back. tower-sessions saves only a session it loaded (a new one is
    /// `create`d), so one deleted since stays deleted.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = rmp_serde::to_vec(record).map_err(|error| session_store::Error::Encode(error.to_string()))?;
        // One statement for both: sqlx reads `$n` parameters on SQLite too.
        macro_rules! update_in {
            ($pool:expr, $table:literal) => {
                sqlx::query(concat!("UPDATE ", $table, " SET data = $1, expiry_date = $2 WHERE id = $3"))
                    .bind(data)
                    .bind(record.expiry_date)
                    .bind(record.id.to_string())
                    .execute($pool)
                    .await
                    .map(|_| ())
            };
        }
        let written = match self {
            Sessions::Sqlite(_, pool) => update_in!(pool, "tower_sessions"),
            Sessions::Postgres(_, pool) => update_in!(pool, r#""tower_sessions"."session""#),
        };
        written.map_err(|error| session_store::Error::Backend(error.to_string()))
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s, _) => s.load(id).await,
            Sessions::Postgres(s, _) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s, _) => s.delete(id).await,
            Sessions::Postgres(s, _) => s.delete(id).await,
        }
    }
}

/// Opens the session store beside the application's pool, creates its table, and starts
/// the task that deletes expired sessions.
pub async fn session_store(db: &Db) -> Result<Sessions, sqlx::Error> {
    let sessions = match db.backend {
        DbBackend::Sqlite => {
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(crate::store::tests_before_acquire(db.backend))
                .acquire_timeout(crate::store::ACQUIRE_TIMEOUT)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        for setting in crate::store::SQLITE_SETTINGS {
                            sqlx::query(setting).execute(&mut *conn).await?;
                        }
                        Ok(())
                    })
                })
                .connect(&db.url)
                .await?;
            let store = SqliteStore::new(pool.clone());
            store.migrate().await?;
            keep_deleting_expired(store.clone(), EXPIRED_SESSIONS_EVERY);
            Sessions::Sqlite(store, pool)
        }
        DbBackend::Postgres => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(4)
                .min_connections(crate::store::warm_connections(db.backend, 4))
                .acquire_timeout(crate::store::ACQUIRE_TIMEOUT)
                .connect(&db.url)
                .await?;
            let store = PostgresStore::new(pool.clone());
            store.migrate().await?;
            keep_deleting_expired(store.clone(), EXPIRED_SESSIONS_EVERY);
            Sessions::Postgres(store, pool)
        }
    };
    Ok(sessions)
}

/// The session cookie's name. Over HTTPS the browser holds it as `__Host-releasedesk_session`
/// (Secure, host-only): the web layer renames it on the way in and out.
pub const SESSION_COOKIE: &str = "releasedesk_session";

/// How often the sessions that expired are deleted.
const EXPIRED_SESSIONS_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes expired sessions every `period` for as long as the server runs. A failed round
/// (the database away for a while) is logged and the next round comes at its time: the
/// loop of tower-sessions (`continuously_delete_expired`) would end at its first error.
pub fn keep_deleting_expired<S: ExpiredDeletion>(store: S, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate: nothing has expired since the server started.
        interval.tick().await;
        loop {
            interval.tick().await;
            if let Err(error) = store.delete_expired().await {
                tracing::warn!(%error, "cannot delete the expired sessions; trying again in {} s", period.as_secs());
            }
        }
    })
}

/// The layer that gives every request its session and logged-in user. The cookie is
/// HttpOnly and SameSite=Lax; the web layer marks it Secure when the request came over HTTPS.
pub fn auth_layer(db: &Db, store: Sessions) -> AuthManagerLayer<Users, Sessions> {
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(IDLE_LIMIT));
    AuthManagerLayerBuilder::new(Users::new(db.clone()), sessions).build()
}

/// A session not used for this long ends.
pub const IDLE_LIMIT: Duration = Duration::hours(12);

/// A session in use is written back, which moves its end to [`IDLE_LIMIT`] from then, at
/// most this often: not on every request, which would be a write per page.
pub const EXTEND_EVERY: Duration = Duration::minutes(5);

/// When the session was last written back (Unix seconds), in its data.
pub const EXTENDED_AT: &str = "releasedesk.extended_at";

/// Marks a session just logged in as extended now, so that its first requests write nothing.
pub async fn opened(session: &tower_sessions::Session) -> Result<(), tower_sessions::session::Error> {
    session.insert(EXTENDED_AT, now()).await
}

/// Extends a logged-in session that is used: once [`EXTEND_EVERY`] has passed since it was
/// last extended, tower-sessions writes it back after the request with a new end, and sends
/// its cookie again with it. A user at work is not logged out in the middle of it.
pub async fn keep_alive(session: &tower_sessions::Session) -> Result<(), tower_sessions::session::Error> {
    let now = now();
    let extended_at: Option<i64> = session.get(EXTENDED_AT).await?;
    let due = extended_at.is_none_or(|at| !(now - EXTEND_EVERY.whole_seconds()..=now).contains(&at));
    if due {
        session.insert(EXTENDED_AT, now).await?;
    }
    Ok(())
}

fn now() -> i64 {
    tower_sessions::cookie::time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Sessions checked per statement by [`Sessions::standing`].
const CHECKED_AT_ONCE: usize = 500;

impl Sessions {
    /// Of the sessions `ids`, those that still stand: not logged out, not expired. One
    /// statement per [`CHECKED_AT_ONCE`]. For what outlives a request, such as an event
    /// stream (see [`crate::auth::watch`]).
    pub async fn standing(&self, ids: &[Id]) -> Result<HashSet<Id>, sqlx::Error> {
        // As the stores compare it when they load a session.
        let now = tower_sessions::cookie::time::OffsetDateTime::now_utc();
        let mut standing = HashSet::new();
        for chunk in ids.chunks(CHECKED_AT_ONCE) {
            let ids: Vec<String> = chunk.iter().map(Id::to_string).collect();
            let found: Vec<String> = match self {
                Sessions::Sqlite(_, pool) => {
                    let mut query =
                        sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT id FROM tower_sessions WHERE expiry_date > ");
                    query.push_bind(now).push(" AND id IN (");
                    let mut list = query.separated(", ");
                    for id in &ids {
                        list.push_bind(id);
                    }
                    list.push_unseparated(")");
                    query.build_query_scalar().fetch_all(pool).await?
                }
                Sessions::Postgres(_, pool) => {
                    sqlx::query_scalar(
                        r#"SELECT id FROM "tower_sessions"."session" WHERE expiry_date > $1 AND id = ANY($2)"#,
                    )
                    .bind(now)
                    .bind(&ids)
                    .fetch_all(pool)
                    .await?
                }
            };
            standing.extend(found.iter().filter_map(|id| id.parse::<Id>().ok()));
        }
        Ok(standing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A store whose first two clean-ups fail, as they would while the database is away.
    #[derive(Debug, Clone, Default)]
    struct FlakyStore {
        rounds: Arc<AtomicUsize>,
    }

    #[async_trait::async_trait]
    impl SessionStore for FlakyStore {
        async fn save(&self, _: &Record) -> session_store::Result<()> {
            Ok(())
        }
        async fn load(&self, _: &Id) -> session_store::Result<Option<Record>> {
            Ok(None)
        }
        async fn delete(&self, _: &Id) -> session_store::Result<()> {
            Ok(())
        }
    }

    #[async_trait::async_trait]
    impl ExpiredDeletion for FlakyStore {
        async fn delete_expired(&self) -> session_store::Result<()> {
            match self.rounds.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(session_store::Error::Backend("the database is away".into())),
                _ => Ok(()),
            }
        }
    }

    #[tokio::test]
    async fn the_clean_up_of_expired_sessions_goes_on_after_a_failed_round() {
        let store = FlakyStore::default();
        let task = keep_deleting_expired(store.clone(), std::time::Duration::from_millis(10));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while store.rounds.load(Ordering::SeqCst) < 4 {
            assert!(!task.is_finished(), "the clean-up task ended after a failed round");
            assert!(std::time::Instant::now() < deadline, "no clean-up round after the failures");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(!task.is_finished());
        task.abort();
    }
}
