//! The writes of the "Acción" menu. Each reads the release, lets the domain rules decide,
//! then writes in one transaction that first claims the version it decided on (so a
//! concurrent capture, save or action makes it fail cleanly) and ends with its log entry.

use super::api::{ActionOptions, DelegateGroup, Justification, Member};
use crate::db::flows::FlowCache;
use crate::db::Db;
use crate::domain::actions::{check_action, reopen_target, ReleaseAction};
use crate::domain::flow::{self, Executor, FlowDefinition};
use crate::domain::permissions::Actor;
use crate::domain::validation::{check_length, check_required, Field, FieldError, Problem};
use crate::domain::{GroupId, Localized, ReleaseId, Status, UserId};
use crate::error::AppError;
use crate::execution_log::db::{append, LogKind, NewEntry};
use crate::release_form::db::{claim_version, insert_open_task, load, resolve_group, LoadedRelease, Position};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

/// The longest reason or complement the desk accepts.
pub const MAX_REASON_CHARS: usize = 2_000;

/// Loads the release and refuses, with the reason, when `actor` may not take `action` now.
async fn authorize(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
    action: ReleaseAction,
) -> Result<(LoadedRelease, Arc<FlowDefinition>), AppError> {
    let release = load(db, id).await?;
    let flow = flows.get(db, release.flow_id).await?;
    check_action(action, &release.state, &release.scope(&flow), actor)?;
    Ok((release, flow))
}

fn check_reason(field: Field, text: &str) -> Result<String, FieldError> {
    check_required(field, text)?;
    check_length(field, text, MAX_REASON_CHARS)?;
    Ok(text.trim().to_owned())
}

fn out_of_range(field: Field) -> AppError {
    AppError::Invalid(FieldError { field, problem: Problem::OutOfRange })
}

/// The log entry of an action, on the step the release was at.
fn entry(release: &LoadedRelease, actor: &Actor, now: i64, kind: LogKind, details: serde_json::Value) -> NewEntry {
    let mut entry = NewEntry::new(release.id, actor.user, now, kind);
    entry.step = release.state.task.as_ref().map(|t| t.step.clone());
    entry.details = details;
    entry
}

/// Adds the time a suspension has lasted to the release's suspended total, so its delay
/// clock does not count it.
async fn end_suspension(conn: &mut AnyConnection, id: ReleaseId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE releases
            SET suspended_seconds = suspended_seconds + ($1 - COALESCE(suspended_since, $1)),
                suspended_since = NULL, suspended_from_status = NULL
          WHERE id = $2",
    )
    .bind(now)
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// What the action dialogs offer: the groups (and their members) a task can be handed to,
/// when the user may delegate, and the justifications of a suspension.
pub async fn choices(db: &Db, flows: &FlowCache, actor: &Actor, id: ReleaseId) -> Result<ActionOptions, AppError> {
    let release = load(db, id).await?;
    let flow = flows.get(db, release.flow_id).await?;
    let may_delegate = check_action(ReleaseAction::Delegate, &release.state, &release.scope(&flow), actor).is_ok();
    let mut groups: Vec<DelegateGroup> = Vec::new();
    if may_delegate {
        let rows = sqlx::query(
            "SELECT g.id, g.name, u.id AS user_id, u.full_name
               FROM user_groups g
               JOIN group_permissions p ON p.group_id = g.id AND p.permission = 'execute'
               LEFT JOIN group_members m ON m.group_id = g.id
               LEFT JOIN users u ON u.id = m.user_id
              ORDER BY g.name, u.full_name",
        )
        .fetch_all(&db.pool)
        .await?;
        for row in &rows {
            let group = GroupId(row.try_get("id")?);
            if groups.last().is_none_or(|g| g.id != group) {
                groups.push(DelegateGroup { id: group, name: row.try_get("name")?, members: Vec::new() });
            }
            if let (Some(user), Some(group)) = (row.try_get::<Option<i64>, _>("user_id")?, groups.last_mut()) {
                group.members.push(Member { id: UserId(user), name: row.try_get("full_name")? });
            }
        }
    }
    let justifications =
        sqlx::query("SELECT id, name_es, name_pt FROM suspension_reasons WHERE active = 1 ORDER BY position, id")
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Justification {
                    id: r.try_get("id")?,
                    name: Localized { es: r.try_get("name_es")?, pt: r.try_get("name_pt")? },
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
    Ok(ActionOptions { groups, justifications })
}

/// "Delegar": hands the open task to `group` (which must hold Execute) and, when given, to
/// `user`, a member of it; without a user the task waits free for that group.
pub async fn delegate(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
    group: GroupId,
    user: Option<UserId>,
    now: i64,
) -> Result<Status, AppError> {
    let (release, flow) = authorize(db, flows, actor, id, ReleaseAction::Delegate).await?;
    let task = release.state.task.as_ref().ok_or(flow::Refusal::FlowEnded)?;
    let group_name: String = sqlx::query(
        "SELECT g.name FROM user_groups g
           JOIN group_permissions p ON p.group_id = g.id AND p.permission = 'execute'
          WHERE g.id = $1",
    )
    .bind(group.0)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| out_of_range(Field::DelegateGroup))?
    .try_get("name")?;
    let user_name: Option<String> = match user {
        Some(user) => Some(
            sqlx::query(
                "SELECT u.full_name FROM users u JOIN group_members m ON m.user_id = u.id
                  WHERE u.id = $1 AND m.group_id = $2",
            )
            .bind(user.0)
            .bind(group.0)
            .fetch_optional(&db.pool)
            .await?
            .ok_or_else(|| out_of_range(Field::DelegateUser))?
            .try_get("full_name")?,
        ),
        None => None,
    };
    let step_follows_release_group =
        flow.step(&task.step).is_some_and(|s| matches!(s.executor, Executor::ReleaseGroup));

    let mut tx = db.begin_write().await?;
    claim_version(&mut tx, id, release.state.row_version, None, Position::Unchanged, now).await?;
    sqlx::query(
        "UPDATE tasks SET group_id = $1, assignee_id = $2, captured_at = $3 WHERE id = $4 AND finished_at IS NULL",
    )
    .bind(group.0)
    .bind(user.map(|u| u.0))
    .bind(user.map(|_| now))
    .bind(task.id.0)
    .execute(&mut *tx)
    .await?;
    if step_follows_release_group {
        // Later visits of the release group's steps (a send-back) go to the new group too.
        sqlx::query("UPDATE releases SET executor_group_id = $1 WHERE id = $2")
            .bind(group.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
    }
    let target = match &user_name {
        Some(name) => format!("{group_name} · {name}"),
        None => group_name,
    };
    let details = json!({ "text": target, "to_group": group.0, "to_user": user.map(|u| u.0) });
    append(&mut tx, &entry(&release, actor, now, LogKind::Delegated, details)).await?;
    tx.commit().await?;
    Ok(release.state.status)
}

/// "Suspender": pauses the release with a justification from the managed list and a
/// complement; it cannot be captured, saved or advanced, and its delay clock stops.
#[allow(clippy::too_many_arguments)]
pub async fn suspend(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
    justification: i64,
    complement: &str,
    now: i64,
) -> Result<Status, AppError> {
    let (release, _) = authorize(db, flows, actor, id, ReleaseAction::Suspend).await?;
    let complement = check_reason(Field::Complement, complement)?;
    let reason = sqlx::query("SELECT code, name_es, name_pt FROM suspension_reasons WHERE id = $1 AND active = 1")
        .bind(justification)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| out_of_range(Field::Justification))?;
    let label = Localized { es: reason.try_get("name_es")?, pt: reason.try_get("name_pt")? };

    let mut tx = db.begin_write().await?;
    claim_version(&mut tx, id, release.state.row_version, Some(Status::Suspended), Position::Unchanged, now).await?;
    sqlx::query("UPDATE releases SET suspended_since = $1, suspended_from_status = $2 WHERE id = $3")
        .bind(now)
        .bind(release.state.status.code())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let code: String = reason.try_get("code")?;
    let details = json!({ "justification": code, "label": label, "text": complement });
    append(&mut tx, &entry(&release, actor, now, LogKind::Suspended, details)).await?;
    tx.commit().await?;
    Ok(Status::Suspended)
}

/// "Reactivar": ends the suspension; the release returns to the status it had.
pub async fn reactivate(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
    now: i64,
) -> Result<Status, AppError> {
    let (release, _) = authorize(db, flows, actor, id, ReleaseAction::Reactivate).await?;
    let mut tx = db.begin_write().await?;
    claim_version(&mut tx, id, release.state.row_version, None, Position::Unchanged, now).await?;
    let status: String =
        sqlx::query("UPDATE releases SET status = COALESCE(suspended_from_status, $1) WHERE id = $2 RETURNING status")
            .bind(Status::Approved.code())
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get("status")?;
    end_suspension(&mut tx, id, now).await?;
    append(&mut tx, &entry(&release, actor, now, LogKind::Reactivated, json!({}))).await?;
    tx.commit().await?;
    Status::from_code(&status).ok_or(AppError::Internal)
}

/// "Reabrir": a Closed release goes back to the execution step with a new, free task.
pub async fn reopen(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
    reason: &str,
    now: i64,
) -> Result<Status, AppError> {
    let (release, flow) = authorize(db, flows, actor, id, ReleaseAction::Reopen).await?;
    let reason = check_reason(Field::Reason, reason)?;
    let (step, status) = reopen_target(&flow).ok_or(AppError::Internal)?;
    let group = resolve_group(db, flows, &step.executor, release.executor_group).await?;
    let mut tx = db.begin_write().await?;
    let task = insert_open_task(&mut tx, id, &step.code, group, now).await?;
    let position = Position::Moved { step: Some(&step.code), task: Some(task) };
    claim_version(&mut tx, id, release.state.row_version, Some(status), position, now).await?;
    let details = json!({ "text": reason, "to_step": step.code });
    append(&mut tx, &entry(&release, actor, now, LogKind::Reopened, details)).await?;
    tx.commit().await?;
    Ok(status)
}

/// "Cancelar": the release ends as Cancelled, for good; its open task is closed.
pub async fn cancel(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
    reason: &str,
    now: i64,
) -> Result<Status, AppError> {
    let (release, _) = authorize(db, flows, actor, id, ReleaseAction::Cancel).await?;
    let reason = check_reason(Field::Reason, reason)?;
    let mut tx = db.begin_write().await?;
    let ended = Position::Moved { step: None, task: None };
    claim_version(&mut tx, id, release.state.row_version, Some(Status::Cancelled), ended, now).await?;
    if release.state.status == Status::Suspended {
        end_suspension(&mut tx, id, now).await?;
    }
    sqlx::query(
        "UPDATE tasks SET finished_at = $1, finished_by = $2, outcome = 'cancelled'
          WHERE release_id = $3 AND finished_at IS NULL",
    )
    .bind(now)
    .bind(actor.user.0)
    .bind(id.0)
    .execute(&mut *tx)
    .await?;
    append(&mut tx, &entry(&release, actor, now, LogKind::Cancelled, json!({ "text": reason }))).await?;
    tx.commit().await?;
    Ok(Status::Cancelled)
}
