//! The administration's tables: users as administrators see them, their groups, and the
//! administration log. Writes run inside the caller's transaction.

use crate::domain::{GroupId, Permission, UserId};
use crate::model::admin::{AdminChange, AdminChangeKind, AdminLogEntry, GroupSummary, UserRecord};
use crate::store::{numbered, parse_code, search, Db};
use sqlx::{AnyConnection, QueryBuilder};
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    full_name: String,
    email: String,
    active: i64,
    must_change_password: i64,
    time_zone: Option<String>,
    language: Option<String>,
}

impl UserRow {
    fn record(self, groups: Vec<GroupId>) -> UserRecord {
        UserRecord {
            id: UserId(self.id),
            username: self.username,
            full_name: self.full_name,
            email: self.email,
            active: self.active != 0,
            must_change_password: self.must_change_password != 0,
            groups,
            time_zone: self.time_zone,
            language: self.language,
        }
    }
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.full_name, u.email, u.active, u.must_change_password, u.time_zone, u.language";

/// A `LIKE` pattern matching `text` anywhere, its `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> String {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// Up to `limit` users whose user name or full name contains `search` (any case), by user
/// name, with their groups.
pub async fn users(db: &Db, search: &str, limit: usize) -> Result<Vec<UserRecord>, sqlx::Error> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u
          WHERE LOWER(u.username) LIKE $1 ESCAPE '\\' OR LOWER(u.full_name) LIKE $1 ESCAPE '\\'
          ORDER BY u.username LIMIT $2"
    ))
    .bind(contains_pattern(search.trim()))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // The memberships of the users found, not of everyone.
    let mut sql = QueryBuilder::new("SELECT user_id, group_id FROM group_members WHERE user_id IN (");
    let mut ids = sql.separated(", ");
    for row in &rows {
        ids.push_bind(row.id);
    }
    sql.push(") ORDER BY user_id, group_id");
    let (sql, arguments) = numbered(&mut sql);
    let memberships: Vec<(i64, i64)> = sqlx::query_as_with(&sql, arguments).fetch_all(&db.pool).await?;
    let mut groups: BTreeMap<i64, Vec<GroupId>> = BTreeMap::new();
    for (user, group) in memberships {
        groups.entry(user).or_default().push(GroupId(group));
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let g = groups.remove(&row.id).unwrap_or_default();
            row.record(g)
        })
        .collect())
}

/// The user `id` as stored now, read through the caller's transaction.
pub async fn user(conn: &mut AnyConnection, id: UserId) -> Result<Option<UserRecord>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let groups: Vec<i64> =
        sqlx::query_scalar("SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?;
    Ok(Some(row.record(groups.into_iter().map(GroupId).collect())))
}

/// Every group with its permissions, by name.
pub async fn groups(db: &Db) -> Result<Vec<GroupSummary>, sqlx::Error> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT g.id, g.name, p.permission FROM user_groups g
           LEFT JOIN group_permissions p ON p.group_id = g.id
          ORDER BY g.name, g.id, p.permission",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut groups: Vec<GroupSummary> = Vec::new();
    for (id, name, permission) in rows {
        if groups.last().map(|g| g.id.0) != Some(id) {
            groups.push(GroupSummary { id: GroupId(id), name, permissions: Vec::new() });
        }
        if let (Some(code), Some(group)) = (permission, groups.last_mut()) {
            group.permissions.push(parse_code(&code, "permission", Permission::from_code)?);
        }
    }
    // In the order the permissions are shown, not their codes' order.
    groups.iter_mut().for_each(|group| group.permissions.sort());
    Ok(groups)
}

/// Inserts a user; `Ok(None)` when the user name is taken.
pub async fn insert_user(
    conn: &mut AnyConnection,
    user: &UserRecord,
    password_hash: &str,
    at: i64,
) -> Result<Option<UserId>, sqlx::Error> {
    let inserted = sqlx::query_scalar(
        "INSERT INTO users (username, full_name, email, password_hash, must_change_password, created_at,
                            time_zone, language)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&user.username)
    .bind(&user.full_name)
    .bind(&user.email)
    .bind(password_hash)
    .bind(i64::from(user.must_change_password))
    .bind(at)
    .bind(&user.time_zone)
    .bind(&user.language)
    .fetch_one(&mut *conn)
    .await;
    let id: i64 = match inserted {
        Ok(id) => id,
        Err(error) if crate::store::is_unique_violation(&error) => return Ok(None),
        Err(error) => return Err(error),
    };
    search::index_terms(conn, "user", id, &format!("{} {}", user.username, user.full_name)).await?;
    set_groups(conn, UserId(id), &user.groups).await?;
    Ok(Some(UserId(id)))
}

/// Stores the user's full name, e-mail, time zone, language and groups.
pub async fn update_user(conn: &mut AnyConnection, user: &UserRecord) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET full_name = $1, email = $2, time_zone = $4, language = $5 WHERE id = $3")
        .bind(&user.full_name)
        .bind(&user.email)
        .bind(user.id.0)
        .bind(&user.time_zone)
        .bind(&user.language)
        .execute(&mut *conn)
        .await?;
    search::reindex_terms(conn, "user", user.id.0, &format!("{} {}", user.username, user.full_name)).await?;
    set_groups(conn, user.id, &user.groups).await
}

async fn set_groups(conn: &mut AnyConnection, user: UserId, groups: &[GroupId]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM group_members WHERE user_id = $1").bind(user.0).execute(&mut *conn).await?;
    for group in groups {
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group.0)
            .bind(user.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Activates or deactivates a user. A deactivated user's sessions load no user from then on.
pub async fn set_active(conn: &mut AnyConnection, user: UserId, active: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(user.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the user's password by a temporary one they must change at their next login.
/// Sessions hold the old hash: every session of the user ends.
pub async fn set_temporary_password(conn: &mut AnyConnection, user: UserId, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 1 WHERE id = $2")
        .bind(hash)
        .bind(user.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many active users belong to a group holding Administrar, as the caller's
/// transaction sees it.
pub async fn active_administrators(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(DISTINCT u.id) AS n FROM users u
           JOIN group_members m ON m.user_id = u.id
           JOIN group_permissions p ON p.group_id = m.group_id AND p.permission = 'administer'
          WHERE u.active = 1",
    )
    .fetch_one(&mut *conn)
    .await
}

/// The group `id` with its permissions, read through the caller's transaction.
pub async fn group(conn: &mut AnyConnection, id: GroupId) -> Result<Option<GroupSummary>, sqlx::Error> {
    let Some(name) = sqlx::query_scalar::<_, String>("SELECT name FROM user_groups WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT permission FROM group_permissions WHERE group_id = $1 ORDER BY permission")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?;
    let mut permissions = codes
        .iter()
        .map(|code| parse_code(code, "permission", Permission::from_code))
        .collect::<Result<Vec<_>, _>>()?;
    permissions.sort();
    Ok(Some(GroupSummary { id, name, permissions }))
}

/// Inserts a group; `Ok(None)` when the name is taken.
pub async fn insert_group(conn: &mut AnyConnection, name: &str) -> Result<Option<GroupId>, sqlx::Error> {
    let inserted = sqlx::query_scalar("INSERT INTO user_groups (name) VALUES ($1) RETURNING id")
        .bind(name)
        .fetch_one(&mut *conn)
        .await;
    match inserted {
        Ok(id) => Ok(Some(GroupId(id))),
        Err(error) if crate::store::is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Renames a group; `Ok(false)` when another group has the name.
pub async fn rename_group(conn: &mut AnyConnection, id: GroupId, name: &str) -> Result<bool, sqlx::Error> {
    let renamed =
        sqlx::query("UPDATE user_groups SET name = $1 WHERE id = $2").bind(name).bind(id.0).execute(&mut *conn).await;
    match renamed {
        Ok(_) => Ok(true),
        Err(error) if crate::store::is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Sets exactly the permissions the group holds.
pub async fn set_permissions(
    conn: &mut AnyConnection,
    id: GroupId,
    permissions: &[Permission],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM group_permissions WHERE group_id = $1").bind(id.0).execute(&mut *conn).await?;
    for permission in permissions {
        sqlx::query("INSERT INTO group_permissions (group_id, permission) VALUES ($1, $2)")
            .bind(id.0)
            .bind(permission.code())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Appends a change to the administration log, inside the caller's transaction.
pub async fn append_change(
    conn: &mut AnyConnection,
    by: UserId,
    at: i64,
    change: &AdminChange,
) -> Result<(), sqlx::Error> {
    let details = serde_json::to_string(change).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    sqlx::query("INSERT INTO admin_log (occurred_at, user_id, kind, change) VALUES ($1, $2, $3, $4)")
        .bind(at)
        .bind(by.0)
        .bind(change.kind().code())
        .bind(details)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The newest `limit` entries of the administration log (of `kind`, when given), newest first.
pub async fn changes(db: &Db, kind: Option<AdminChangeKind>, limit: i64) -> Result<Vec<AdminLogEntry>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        occurred_at: i64,
        author: String,
        change: String,
    }
    let mut sql = QueryBuilder::new(
        "SELECT l.id, l.occurred_at, u.full_name AS author, l.change FROM admin_log l
           JOIN users u ON u.id = l.user_id",
    );
    if let Some(kind) = kind {
        sql.push(" WHERE l.kind = ").push_bind(kind.code());
    }
    sql.push(" ORDER BY l.id DESC LIMIT ").push_bind(limit);
    let (sql, arguments) = numbered(&mut sql);
    let rows: Vec<Row> = sqlx::query_as_with(&sql, arguments).fetch_all(&db.pool).await?;
    rows.into_iter()
        .map(|row| {
            let change = serde_json::from_str(&row.change).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
            Ok(AdminLogEntry { id: row.id, occurred_at: row.occurred_at, by: row.author, change })
        })
        .collect()
}
