//! Users, groups and permissions in the database.

use crate::domain::permissions::{Actor, Membership};
use crate::domain::{GroupId, Permission, UserId};
use crate::store::kept::Lookup;
use crate::store::{now, parse_code, required, Db};

/// What the login check needs of a user.
#[derive(Debug, Clone)]
pub struct StoredUser {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
}

pub async fn user_by_username(db: &Db, username: &str) -> Result<Option<StoredUser>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        username: String,
        password_hash: String,
    }
    // A deactivated user is not found: they cannot log in, and the login's answer does not
    // tell them apart from a wrong password.
    let row: Option<Row> =
        sqlx::query_as("SELECT id, username, password_hash FROM users WHERE username = $1 AND active = 1")
            .bind(username)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|r| StoredUser { id: UserId(r.id), username: r.username, password_hash: r.password_hash }))
}

/// The user with their groups and each group's permissions.
pub async fn actor(db: &Db, id: UserId) -> Result<Option<Actor>, sqlx::Error> {
    Ok(session_user(db, id).await?.map(|user| user.actor))
}

/// A session's user: the actor, the hash the session is bound to, and whether the password
/// is a temporary one to change before anything else.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub actor: Actor,
    pub password_hash: String,
    pub must_change_password: bool,
    /// Their time zone (IANA name), `None` until chosen.
    pub time_zone: Option<String>,
    /// Their language (`es`, `pt`), `None` when not chosen.
    pub language: Option<String>,
}

/// The active user `id` as a session needs them, in one statement: the session layer loads
/// this once per request, and every server function reads the actor from there. A
/// deactivated user is not found, so their sessions end at their next request.
/// Kept between requests while nothing about users changes ([`super::kept`]).
pub async fn session_user(db: &Db, id: UserId) -> Result<Option<SessionRecord>, sqlx::Error> {
    let ticket = match db.kept.lookup(id.0) {
        Lookup::Kept(user) => return Ok(user),
        Lookup::Read(ticket) => ticket,
    };
    let user = read_session_user(db, id).await?;
    db.kept.keep(id.0, ticket, &user);
    Ok(user)
}

async fn read_session_user(db: &Db, id: UserId) -> Result<Option<SessionRecord>, sqlx::Error> {
    /// The user, once per permission of each of their groups.
    #[derive(sqlx::FromRow)]
    struct Row {
        username: String,
        full_name: String,
        password_hash: String,
        must_change_password: i64,
        time_zone: Option<String>,
        language: Option<String>,
        group_id: Option<i64>,
        group_name: Option<String>,
        permission: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT u.id, u.username, u.full_name, u.password_hash, u.must_change_password, u.time_zone, u.language,
                g.id AS group_id, g.name AS group_name, p.permission
           FROM users u
           LEFT JOIN group_members m ON m.user_id = u.id
           LEFT JOIN user_groups g ON g.id = m.group_id
           LEFT JOIN group_permissions p ON p.group_id = g.id
          WHERE u.id = $1 AND u.active = 1
          ORDER BY g.name, p.permission",
    )
    .bind(id.0)
    .fetch_all(&db.pool)
    .await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let password_hash = first.password_hash.clone();
    let must_change_password = first.must_change_password != 0;
    let (time_zone, language) = (first.time_zone.clone(), first.language.clone());
    let mut actor = Actor {
        user: id,
        username: first.username.clone(),
        full_name: first.full_name.clone(),
        memberships: Vec::new(),
    };
    for row in rows {
        let Some(group_id) = row.group_id else { continue };
        if actor.memberships.last().map(|m| m.group.0) != Some(group_id) {
            actor.memberships.push(Membership {
                group: GroupId(group_id),
                group_name: required(row.group_name, "group_name")?,
                permissions: Vec::new(),
            });
        }
        if let Some(code) = row.permission {
            let permission = parse_code(&code, "permission", Permission::from_code)?;
            if let Some(membership) = actor.memberships.last_mut() {
                membership.permissions.push(permission);
            }
        }
    }
    Ok(Some(SessionRecord { actor, password_hash, must_change_password, time_zone, language }))
}

/// Stores the user's time zone (checked by the caller).
pub async fn set_time_zone(db: &Db, id: UserId, zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2").bind(zone).bind(id.0).execute(&db.pool).await?;
    db.configuration_changed();
    Ok(())
}

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("the user name `{0}` is taken")]
    Taken(String),
    #[error("there is no group named `{0}`")]
    UnknownGroup(String),
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Creates a user with an argon2id hash of `password`, member of `groups` (by name).
pub async fn create_user(
    db: &Db,
    username: &str,
    full_name: &str,
    password: &str,
    groups: &[&str],
) -> Result<UserId, CreateUserError> {
    let password = password.to_owned();
    let hash = crate::auth::hashing::run(move || crate::auth::hashing::hash(&password))
        .await
        .ok_or_else(|| CreateUserError::Hashing("the hashing pool is gone".into()))?
        .map_err(|e| CreateUserError::Hashing(e.to_string()))?;
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query_scalar(
        "INSERT INTO users (username, full_name, password_hash, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(username)
    .bind(full_name)
    .bind(hash)
    .bind(now())
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match inserted {
        Ok(id) => id,
        Err(e) if crate::store::is_unique_violation(&e) => return Err(CreateUserError::Taken(username.into())),
        Err(e) => return Err(e.into()),
    };
    crate::store::search::index_terms(&mut tx, "user", id, &format!("{username} {full_name}")).await?;
    for group in groups {
        let added = sqlx::query(
            "INSERT INTO group_members (group_id, user_id)
             SELECT id, $1 FROM user_groups WHERE name = $2",
        )
        .bind(id)
        .bind(*group)
        .execute(&mut *tx)
        .await?;
        if added.rows_affected() == 0 {
            return Err(CreateUserError::UnknownGroup((*group).into()));
        }
    }
    tx.commit().await?;
    db.configuration_changed();
    Ok(UserId(id))
}

/// Stores an argon2id hash of the user's new password, no longer a temporary one. Sessions
/// hold the old hash, so every session of the user ends on its next request.
pub async fn set_password(db: &Db, user: UserId, password: &str) -> Result<(), sqlx::Error> {
    let password = password.to_owned();
    let hash = crate::auth::hashing::run(move || crate::auth::hashing::hash(&password))
        .await
        .and_then(Result::ok)
        .ok_or_else(|| sqlx::Error::Protocol("password hashing did not run".into()))?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2")
        .bind(hash)
        .bind(user.0)
        .execute(&db.pool)
        .await?;
    db.configuration_changed();
    Ok(())
}

/// Creates a group holding `permissions`, or returns the existing one of that name.
pub async fn ensure_group(db: &Db, name: &str, permissions: &[Permission]) -> Result<GroupId, sqlx::Error> {
    sqlx::query("INSERT INTO user_groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .execute(&db.pool)
        .await?;
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM user_groups WHERE name = $1").bind(name).fetch_one(&db.pool).await?;
    for permission in permissions {
        sqlx::query(
            "INSERT INTO group_permissions (group_id, permission) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(permission.code())
        .execute(&db.pool)
        .await?;
    }
    db.configuration_changed();
    Ok(GroupId(id))
}

pub async fn group_id_by_name(db: &Db, name: &str) -> Result<Option<GroupId>, sqlx::Error> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM user_groups WHERE name = $1").bind(name).fetch_optional(&db.pool).await?;
    Ok(id.map(GroupId))
}

pub async fn count_users(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) AS n FROM users").fetch_one(&db.pool).await
}
