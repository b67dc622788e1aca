//! What the "Acción" menu's actions read and write: the groups a task may be handed to,
//! suspension reasons, and the suspension clock. Writes run inside the caller's
//! transaction, after its version claim.

use crate::domain::{GroupId, Localized, ReleaseId, Status, TaskId, UserId};
use crate::model::actions::{DelegateGroup, Justification, Member};
use crate::store::{Db, NamedRow};
use sqlx::AnyConnection;

/// The groups holding Execute with their active members, by name.
pub async fn delegate_groups(db: &Db) -> Result<Vec<DelegateGroup>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        name: String,
        user_id: Option<i64>,
        full_name: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT g.id, g.name, u.id AS user_id, u.full_name
           FROM user_groups g
           JOIN group_permissions p ON p.group_id = g.id AND p.permission = 'execute'
           LEFT JOIN group_members m ON m.group_id = g.id
           LEFT JOIN users u ON u.id = m.user_id AND u.active = 1
          ORDER BY g.name, u.full_name",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut groups: Vec<DelegateGroup> = Vec::new();
    for row in rows {
        let group = GroupId(row.id);
        if groups.last().is_none_or(|g| g.id != group) {
            groups.push(DelegateGroup { id: group, name: row.name, members: Vec::new() });
        }
        if let (Some(user), Some(name), Some(group)) = (row.user_id, row.full_name, groups.last_mut()) {
            group.members.push(Member { id: UserId(user), name });
        }
    }
    Ok(groups)
}

/// A suspension reason of the managed list.
#[derive(Debug, Clone)]
pub struct SuspensionReason {
    pub code: String,
    pub name: Localized,
}

/// The suspension reasons offered, in their order.
pub async fn suspension_reasons(db: &Db) -> Result<Vec<Justification>, sqlx::Error> {
    let rows: Vec<NamedRow> =
        sqlx::query_as("SELECT id, name_es, name_pt FROM suspension_reasons WHERE active = 1 ORDER BY position, id")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|row| Justification { id: row.id, name: row.name() }).collect())
}

/// The suspension reason `id`, if it is still offered.
pub async fn active_suspension_reason(db: &Db, id: i64) -> Result<Option<SuspensionReason>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        code: String,
        name_es: String,
        name_pt: String,
    }
    let row: Option<Row> =
        sqlx::query_as("SELECT code, name_es, name_pt FROM suspension_reasons WHERE id = $1 AND active = 1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|r| SuspensionReason { code: r.code, name: Localized { es: r.name_es, pt: r.name_pt } }))
}

/// The name of group `group` if it holds Execute.
pub async fn execution_group_name(db: &Db, group: GroupId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT g.name FROM user_groups g
           JOIN group_permissions p ON p.group_id = g.id AND p.permission = 'execute'
          WHERE g.id = $1",
    )
    .bind(group.0)
    .fetch_optional(&db.pool)
    .await
}

/// The full name of `user` if they are an active member of `group`.
pub async fn member_name(db: &Db, group: GroupId, user: UserId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT u.full_name FROM users u JOIN group_members m ON m.user_id = u.id
          WHERE u.id = $1 AND m.group_id = $2 AND u.active = 1",
    )
    .bind(user.0)
    .bind(group.0)
    .fetch_optional(&db.pool)
    .await
}

/// Gives the open task `task` to `group`, and to `user` when given (captured now).
pub async fn hand_over_task(
    conn: &mut AnyConnection,
    task: TaskId,
    group: GroupId,
    user: Option<UserId>,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tasks SET group_id = $1, assignee_id = $2, captured_at = $3 WHERE id = $4 AND finished_at IS NULL",
    )
    .bind(group.0)
    .bind(user.map(|u| u.0))
    .bind(user.map(|_| at))
    .bind(task.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes `group` the release's executor group.
pub async fn set_executor_group(
    conn: &mut AnyConnection,
    release: ReleaseId,
    group: GroupId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE releases SET executor_group_id = $1 WHERE id = $2")
        .bind(group.0)
        .bind(release.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Starts the suspension clock, remembering the status to return to.
pub async fn begin_suspension(
    conn: &mut AnyConnection,
    release: ReleaseId,
    from: Status,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE releases SET suspended_since = $1, suspended_from_status = $2 WHERE id = $3")
        .bind(at)
        .bind(from.code())
        .bind(release.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Gives a suspended release back the status it had (Approved if unknown); returns it.
pub async fn resume_status(conn: &mut AnyConnection, release: ReleaseId) -> Result<Status, sqlx::Error> {
    let status: String = sqlx::query_scalar(
        "UPDATE releases SET status = COALESCE(suspended_from_status, $1) WHERE id = $2 RETURNING status",
    )
    .bind(Status::Approved.code())
    .bind(release.0)
    .fetch_one(&mut *conn)
    .await?;
    Status::from_code(&status).ok_or_else(|| sqlx::Error::Decode(format!("unknown status `{status}`").into()))
}

/// Adds the time a suspension has lasted to the release's paused total, so its delay
/// clock does not count it: the part before the clock stopped, if it had (the rest is
/// counted when the clock runs again).
pub async fn end_suspension(conn: &mut AnyConnection, release: ReleaseId, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE releases
            SET suspended_seconds = suspended_seconds
                    + CASE WHEN suspended_since IS NULL THEN 0
                           WHEN clock_stopped_at IS NULL OR clock_stopped_at >= $1 THEN $1 - suspended_since
                           WHEN clock_stopped_at > suspended_since THEN clock_stopped_at - suspended_since
                           ELSE 0 END,
                suspended_since = NULL, suspended_from_status = NULL
          WHERE id = $2",
    )
    .bind(at)
    .bind(release.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Closes every open task of a cancelled release.
pub async fn close_open_tasks(
    conn: &mut AnyConnection,
    release: ReleaseId,
    user: UserId,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tasks SET finished_at = $1, finished_by = $2, outcome = 'cancelled'
          WHERE release_id = $3 AND finished_at IS NULL",
    )
    .bind(at)
    .bind(user.0)
    .bind(release.0)
    .execute(conn)
    .await?;
    Ok(())
}
