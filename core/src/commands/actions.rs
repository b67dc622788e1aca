//! The writes of the "Acción" menu. Each reads the release, lets the domain rules decide,
//! then writes in one transaction that first claims the version it decided on (so a
//! concurrent capture, save or action makes it fail cleanly) and ends with its log entry.

use super::Ctx;
use crate::commands::release::resolve_group;
use crate::domain::actions::{check_action, reopen_target, ReleaseAction};
use crate::domain::flow::{self, Executor, FlowDefinition};
use crate::domain::permissions::Actor;
use crate::domain::validation::{check_length, check_required, Field, FieldError, Problem};
use crate::domain::{GroupId, ReleaseId, Status, UserId};
use crate::model::actions::ActionOptions;
use crate::store::actions::*;
use crate::store::flows::FlowCache;
use crate::store::log::{append, LogDetails, NewEntry};
use crate::store::releases::{claim_version, insert_open_task, load, set_position, LoadedRelease, Position};
use crate::store::Db;
use crate::Error;
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
) -> Result<(LoadedRelease, Arc<FlowDefinition>), Error> {
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

fn out_of_range(field: Field) -> Error {
    Error::Invalid(FieldError { field, problem: Problem::OutOfRange })
}

/// The log entry of an action, on the step the release was at.
fn entry(release: &LoadedRelease, actor: &Actor, now: i64, details: LogDetails) -> NewEntry {
    let mut entry = NewEntry::new(release.id, actor.user, now, details);
    entry.step = release.state.task.as_ref().map(|t| t.step.clone());
    entry
}

/// "Delegar": to `group`, and to `user` (a member of it) when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delegate {
    pub release: ReleaseId,
    pub group: GroupId,
    pub user: Option<UserId>,
}

/// "Suspender": a justification from the managed list and the user's complement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspend {
    pub release: ReleaseId,
    pub justification: i64,
    pub complement: String,
}

/// "Reabrir" and "Cancelar": the release and the reason the user gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Justified {
    pub release: ReleaseId,
    pub reason: String,
}

/// What the action dialogs offer: the groups (and their members) a task can be handed to,
/// when the user may delegate, and the justifications of a suspension.
pub async fn choices(ctx: &Ctx, id: ReleaseId) -> Result<ActionOptions, Error> {
    let (db, flows, actor) = (&ctx.db, &ctx.flows, &ctx.actor);
    let release = load(db, id).await?;
    let flow = flows.get(db, release.flow_id).await?;
    let may_delegate = check_action(ReleaseAction::Delegate, &release.state, &release.scope(&flow), actor).is_ok();
    let groups = if may_delegate { delegate_groups(db).await? } else { Vec::new() };
    let justifications = suspension_reasons(db).await?;
    Ok(ActionOptions { groups, justifications })
}

/// "Delegar": hands the open task to `group` (which must hold Execute) and, when given, to
/// `user`, a member of it; without a user the task waits free for that group.
pub async fn delegate(ctx: &Ctx, command: &Delegate) -> Result<Status, Error> {
    super::retrying(|| delegate_once(ctx, command)).await
}

async fn delegate_once(ctx: &Ctx, command: &Delegate) -> Result<Status, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let Delegate { release: id, group, user } = *command;
    let (release, flow) = authorize(db, flows, actor, id, ReleaseAction::Delegate).await?;
    let task = release.state.task.as_ref().ok_or(flow::Refusal::FlowEnded)?;
    let group_name = execution_group_name(db, group).await?.ok_or_else(|| out_of_range(Field::DelegateGroup))?;
    let user_name = match user {
        Some(user) => Some(member_name(db, group, user).await?.ok_or_else(|| out_of_range(Field::DelegateUser))?),
        None => None,
    };
    let step_follows_release_group =
        flow.step(&task.step).is_some_and(|s| matches!(s.executor, Executor::ReleaseGroup));

    let mut tx = db.begin_write().await?;
    let (lock, _) = claim_version(&mut tx, id, release.state.row_version, None, Position::Unchanged, now).await?;
    hand_over_task(&mut tx, task.id, group, user, now).await?;
    if step_follows_release_group {
        // Later visits of the release group's steps (a send-back) go to the new group too.
        set_executor_group(&mut tx, id, group).await?;
    }
    let target = match &user_name {
        Some(name) => format!("{group_name} · {name}"),
        None => group_name,
    };
    let details = LogDetails::Delegated { text: target, to_group: Some(group), to_user: user };
    append(db, &mut tx, lock, &entry(&release, actor, now, details)).await?;
    tx.commit().await?;
    Ok(release.state.status)
}

/// "Suspender": pauses the release with a justification from the managed list and a
/// complement; it cannot be captured, saved or advanced, and its delay clock stops.
pub async fn suspend(ctx: &Ctx, command: &Suspend) -> Result<Status, Error> {
    super::retrying(|| suspend_once(ctx, command)).await
}

async fn suspend_once(ctx: &Ctx, command: &Suspend) -> Result<Status, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let Suspend { release: id, justification, complement } = command;
    let (id, justification) = (*id, *justification);
    let (release, _) = authorize(db, flows, actor, id, ReleaseAction::Suspend).await?;
    let complement = check_reason(Field::Complement, complement)?;
    let reason =
        active_suspension_reason(db, justification).await?.ok_or_else(|| out_of_range(Field::Justification))?;
    let mut tx = db.begin_write().await?;
    let (lock, _) =
        claim_version(&mut tx, id, release.state.row_version, Some(Status::Suspended), Position::Unchanged, now)
            .await?;
    begin_suspension(&mut tx, id, release.state.status, now).await?;
    let details = LogDetails::Suspended { justification: reason.code, label: Some(reason.name), text: complement };
    append(db, &mut tx, lock, &entry(&release, actor, now, details)).await?;
    tx.commit().await?;
    Ok(Status::Suspended)
}

/// "Reactivar": ends the suspension; the release returns to the status it had.
pub async fn reactivate(ctx: &Ctx, id: ReleaseId) -> Result<Status, Error> {
    super::retrying(|| reactivate_once(ctx, id)).await
}

async fn reactivate_once(ctx: &Ctx, id: ReleaseId) -> Result<Status, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let (release, _) = authorize(db, flows, actor, id, ReleaseAction::Reactivate).await?;
    let mut tx = db.begin_write().await?;
    let (lock, _) = claim_version(&mut tx, id, release.state.row_version, None, Position::Unchanged, now).await?;
    let status = resume_status(&mut tx, id).await?;
    end_suspension(&mut tx, id, now).await?;
    append(db, &mut tx, lock, &entry(&release, actor, now, LogDetails::Reactivated)).await?;
    tx.commit().await?;
    Ok(status)
}

/// "Reabrir": a Closed release goes back to the execution step with a new, free task.
pub async fn reopen(ctx: &Ctx, command: &Justified) -> Result<Status, Error> {
    super::retrying(|| reopen_once(ctx, command)).await
}

async fn reopen_once(ctx: &Ctx, command: &Justified) -> Result<Status, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let Justified { release: id, reason } = command;
    let id = *id;
    let (release, flow) = authorize(db, flows, actor, id, ReleaseAction::Reopen).await?;
    let reason = check_reason(Field::Reason, reason)?;
    let (step, status) = reopen_target(&flow).ok_or(Error::Internal)?;
    let group = resolve_group(db, flows, &step.executor, release.executor_group).await?;
    let mut tx = db.begin_write().await?;
    // The release first: a second reopen sent meanwhile fails its claim here, before it
    // would wait for, then violate, the first one's open task.
    let (lock, _) =
        claim_version(&mut tx, id, release.state.row_version, Some(status), Position::Unchanged, now).await?;
    let task = insert_open_task(&mut tx, id, &step.code, group, now).await?;
    set_position(&mut tx, id, Some(&step.code), Some(task)).await?;
    let details = LogDetails::Reopened { text: reason, to_step: step.code.clone() };
    append(db, &mut tx, lock, &entry(&release, actor, now, details)).await?;
    tx.commit().await?;
    Ok(status)
}

/// "Cancelar": the release ends as Cancelled, for good; its open task is closed.
pub async fn cancel(ctx: &Ctx, command: &Justified) -> Result<Status, Error> {
    super::retrying(|| cancel_once(ctx, command)).await
}

async fn cancel_once(ctx: &Ctx, command: &Justified) -> Result<Status, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let Justified { release: id, reason } = command;
    let id = *id;
    let (release, _) = authorize(db, flows, actor, id, ReleaseAction::Cancel).await?;
    let reason = check_reason(Field::Reason, reason)?;
    let mut tx = db.begin_write().await?;
    let ended = Position::Moved { step: None, task: None };
    let (lock, _) = claim_version(&mut tx, id, release.state.row_version, Some(Status::Cancelled), ended, now).await?;
    if release.state.status == Status::Suspended {
        end_suspension(&mut tx, id, now).await?;
    }
    close_open_tasks(&mut tx, id, actor.user, now).await?;
    append(db, &mut tx, lock, &entry(&release, actor, now, LogDetails::Cancelled { text: reason })).await?;
    tx.commit().await?;
    Ok(Status::Cancelled)
}
