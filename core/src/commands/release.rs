//! The execution procedure: register, capture, save, advance, and the release as its form
//! shows it. Each write reads the release, lets the flow engine decide, then writes in one
//! transaction whose first statement is guarded by what was read (the row version, or the
//! task still being free): concurrent actions cannot both win, and on SQLite the
//! transaction takes the write lock at once.

use super::Ctx;
use crate::commands::list::remember_title_words;
use crate::domain::actions::check_may_edit;
use crate::domain::changes::{FieldChange, ShownValue, TrackedField};
use crate::domain::flow::{self, Capture, Executor, FlowDefinition};
use crate::domain::permissions::Actor;
use crate::domain::validation::{ClosureDraft, Field, FieldError, Problem};
use crate::domain::{CategoryId, ClosureOutcome, GroupId, Permission, ReleaseId, Status};
use crate::model::release::{GroupChoice, RegisteredDraft, Registration, ReleaseView};
use crate::store::flows::FlowCache;
use crate::store::list::remember_edited_title_words;
use crate::store::log::{append, append_all, LogDetails, NewEntry};
use crate::store::notifications::People;
use crate::store::releases::*;
use crate::store::Db;
use crate::Error;
use std::sync::Arc;

/// Registers a release: it enters the flow at its start step, which the registration
/// itself completes, and waits at the next step for that step's group.
pub async fn register(ctx: &Ctx, registration: &Registration) -> Result<ReleaseId, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    require_create(actor)?;
    let new = &validate_registration(db, registration).await?;
    let flow = &ctx.release_flow;
    let entry = flow.definition.entry().ok_or(Error::Internal)?;
    let (start, outcome, transition) = (entry.start, entry.outcome, entry.transition);
    let start_group = resolve_group(db, flows, &start.executor, new.executor_group).await?;
    let next = match entry.next {
        Some(step) => Some((step.code.clone(), resolve_group(db, flows, &step.executor, new.executor_group).await?)),
        None => None,
    };

    let mut tx = db.begin_write().await?;
    let placed = Placed { status: transition.status, flow: flow.id, step: &start.code, requester: actor.user, at: now };
    let lock = insert_release(&mut tx, new, &placed).await?;
    let release = lock.release();
    remember_title_words(&mut tx, db.backend, &new.data.title).await?;
    insert_done_task(&mut tx, release, &start.code, start_group, actor.user, outcome, now).await?;
    let mut registered =
        NewEntry::new(release, actor.user, now, LogDetails::Registered { title: new.data.title.clone() });
    registered.step = Some(start.code.clone());
    let next_task = insert_next_task(&mut tx, release, next.as_ref(), now).await?;
    set_position(&mut tx, release, next.as_ref().map(|(step, _)| step.as_str()), next_task).await?;
    // After the next task: its group is told of the new work.
    append(db, &mut tx, lock, &registered).await?;
    tx.commit().await?;
    // Its title's words may be new: this instance's searches see them from the next request
    // (the others hear of a new word from the database).
    db.title_words_changed();
    Ok(release)
}

/// Which group executes a step of this release.
pub(crate) async fn resolve_group(
    db: &Db,
    flows: &FlowCache,
    executor: &Executor,
    release_group: GroupId,
) -> Result<GroupId, Error> {
    match executor {
        Executor::ReleaseGroup => Ok(release_group),
        Executor::Group(name) => flows.group_id(db, name).await?.ok_or_else(|| {
            tracing::error!(group = %name, "the flow names a group that does not exist");
            Error::Internal
        }),
    }
}

/// "Guardar y mantener la tarea actual": the Closure area as the form holds it, against
/// the release version the form was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Save {
    pub release: ReleaseId,
    pub version: i64,
    pub closure: ClosureDraft,
}

/// "Guardar y avanzar flujo". `decision` is the outcome on steps without a Closure area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advance {
    pub release: ReleaseId,
    pub version: i64,
    pub decision: Option<String>,
    pub closure: ClosureDraft,
}

/// Registering a release and listing the groups it may go to need Create.
fn require_create(actor: &Actor) -> Result<(), Error> {
    if actor.may(Permission::Create) {
        Ok(())
    } else {
        Err(flow::Refusal::GroupLacksPermission { permission: Permission::Create }.into())
    }
}

/// What capturing answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Captured {
    /// The task is now the user's.
    Taken,
    /// It already was.
    AlreadyYours,
}

/// Captures the release's open task for the user. Of any number of users confirming at
/// once, the database lets exactly one update the still-free task; the others are told
/// who has it.
pub async fn capture(ctx: &Ctx, id: ReleaseId) -> Result<Captured, Error> {
    super::retrying(|| capture_once(ctx, id)).await
}

async fn capture_once(ctx: &Ctx, id: ReleaseId) -> Result<Captured, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    // Shared with this instance's captures of the release that come while it is read.
    let release = ctx.capture_turns.read(id, || load(db, id)).await?;
    let flow = flows.get(db, release.flow_id).await?;
    let status = match flow::capture(&flow, &release.state, actor)? {
        Capture::AlreadyYours => return Ok(Captured::AlreadyYours),
        Capture::Take { status } => status,
    };
    let task = release.state.task.as_ref().ok_or(Error::Internal)?;
    let version = release.state.row_version;

    // Read free: this instance's captures of the release take turns, and one that lost to
    // the capture before it is told so without writing (capture_turns.rs).
    let mut turn = ctx.capture_turns.take(id).await;
    if let Some(holder) = turn.lost_to(version) {
        return held_by(holder, actor);
    }
    let mut tx = db.begin_write().await?;
    // The release first (the lock order of every write): it must still be as read, so a
    // suspension, delegation or cancellation that committed in between refuses the capture.
    let claimed = claim_version(&mut tx, id, version, Some(status), Position::Unchanged, now).await;
    if let Err(stale @ Error::Refused { refusal: flow::Refusal::StaleVersion { .. } }) = claimed {
        // A capture that won the race changed the version too: then say who holds the task.
        let holder = task_holder(&mut tx, task.id).await?;
        tx.rollback().await?;
        return holder.map_or(Err(stale), |holder| held_by(holder, actor));
    }
    let (lock, _) = claimed?;
    if !take_task(&mut tx, task.id, actor.user, now).await? {
        // Every write to the task claims the release first, so this is only a safeguard.
        let holder = task_holder(&mut tx, task.id).await?;
        tx.rollback().await?;
        return holder.map_or(Err(flow::Refusal::FlowEnded.into()), |holder| held_by(holder, actor));
    }
    let mut entry = NewEntry::new(id, actor.user, now, LogDetails::Captured);
    entry.step = Some(task.step.clone());
    let people = People::after(release.requester, Some((task.group, Some(actor.user))));
    append_all(db, &mut tx, lock, None, &[entry], Some(people)).await?;
    tx.commit().await?;
    turn.won(version, flow::Holder { user: actor.user, name: actor.full_name.clone() });
    Ok(Captured::Taken)
}

/// The answer to a capture that found the task held by `holder`.
fn held_by(holder: flow::Holder, actor: &Actor) -> Result<Captured, Error> {
    if holder.user == actor.user {
        Ok(Captured::AlreadyYours)
    } else {
        Err(flow::Refusal::HeldByOther { holder: holder.name }.into())
    }
}

/// A solution category must be one still offered.
async fn check_category(db: &Db, closure: &ClosureDraft) -> Result<(), Error> {
    if let Some(category) = closure.solution_category {
        if !category_is_active(db, category).await? {
            return Err(Error::Invalid(crate::domain::validation::FieldError {
                field: crate::domain::validation::Field::SolutionCategory,
                problem: crate::domain::validation::Problem::OutOfRange,
            }));
        }
    }
    Ok(())
}

/// "Save and keep current task": stores the Closure area; the task stays with the user.
/// Returns the release's new version.
pub async fn save(ctx: &Ctx, command: &Save) -> Result<i64, Error> {
    super::retrying(|| save_once(ctx, command)).await
}

async fn save_once(ctx: &Ctx, command: &Save) -> Result<i64, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let Save { release: id, version: expected_version, closure } = command;
    let (id, expected_version) = (*id, *expected_version);
    let release = load(db, id).await?;
    let task = flow::check_save(&release.state, actor, expected_version)?;
    let has_closure = flows.get(db, release.flow_id).await?.step(&task.step).is_some_and(|s| s.needs_closure);
    closure.check_for_save()?;
    check_category(db, closure).await?;
    let mut tx = db.begin_write().await?;
    let (lock, version) = claim_version(&mut tx, id, expected_version, None, Position::Unchanged, now).await?;
    if has_closure {
        write_closure(&mut tx, id, closure, actor.user, now, None).await?;
    }
    let mut entry = NewEntry::new(id, actor.user, now, LogDetails::Saved);
    entry.step = Some(task.step.clone());
    append(db, &mut tx, lock, &entry).await?;
    tx.commit().await?;
    Ok(version)
}

/// What "save and advance" did, for the confirmation the user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advanced {
    pub status: Status,
    /// The name of the step the release now waits at; `None` when the flow ended.
    pub next_step: Option<crate::domain::Localized>,
    pub time_spent_minutes: i64,
}

/// "Save and advance flow": saves, finishes the task, follows the transition its outcome
/// selects, and opens the next step's task unassigned for that step's group.
pub async fn advance(ctx: &Ctx, command: &Advance) -> Result<Advanced, Error> {
    super::retrying(|| advance_once(ctx, command)).await
}

async fn advance_once(ctx: &Ctx, command: &Advance) -> Result<Advanced, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let Advance { release: id, version: expected_version, decision, closure } = command;
    let (id, expected_version, decision) = (*id, *expected_version, decision.as_deref());
    let (release, mut after) = load_for_advance(db, id).await?;
    let flow: Arc<FlowDefinition> = flows.get(db, release.flow_id).await?;
    let step_is_execution =
        release.state.task.as_ref().and_then(|t| flow.step(&t.step)).is_some_and(|s| s.needs_closure);
    let advance = flow::advance(&flow, &release.state, actor, expected_version, decision, closure)?;
    if step_is_execution {
        check_category(db, closure).await?;
    }
    let next = match &advance.next {
        Some(next) => {
            Some((next.step.clone(), resolve_group(db, flows, &next.executor, release.executor_group).await?))
        }
        None => None,
    };
    let time_spent_minutes = release.captured_at.map_or(0, |captured| ((now - captured).max(0) + 59) / 60);
    let next_step_code = next.as_ref().map(|(step, _)| step.clone());
    // The log's picture of the release after the advance, from the row read above: the
    // transaction fails if anything changed since, so the writer's turn stays short.
    after.status = advance.status.code().to_owned();
    after.current_step = next_step_code.clone();
    after.row_version = expected_version + 1;

    let mut tx = db.begin_write().await?;
    // The release first (the lock order of every write): of concurrent advances only one
    // claims the version read; then its task, then the next one.
    let (lock, _) =
        claim_version(&mut tx, id, expected_version, Some(advance.status), Position::Unchanged, now).await?;
    let resolved = advance.outcome == ClosureOutcome::Resolved.code();
    let work = Finishing {
        release: id,
        task: advance.finished_task,
        user: actor.user,
        outcome: &advance.outcome,
        next: next.as_ref(),
        closure: step_is_execution.then_some((closure, resolved.then_some(now))),
        at: now,
    };
    let Finished::Yes(head) = finish_and_open_next(&mut tx, db.backend, &work).await? else {
        return Err(stale_version(&mut tx, id, expected_version).await);
    };
    if step_is_execution {
        after.outcome = closure.outcome.map(|o| o.code().to_owned());
        after.solution_category_id = closure.solution_category.map(|c| c.0);
        after.useful_information = Some(closure.useful_information.clone());
    }

    let details = LogDetails::Advanced {
        outcome: advance.outcome.clone(),
        to_step: next_step_code,
        status: Some(advance.status),
    };
    let mut advanced = NewEntry::new(id, actor.user, now, details);
    advanced.step = Some(advance.from_step.clone());
    advanced.time_spent_minutes = Some(time_spent_minutes);
    advanced.snapshot = Some(serde_json::to_value(&after).map_err(|_| Error::Internal)?);
    let follow_up = advance.follow_up().map(LogDetails::empty);
    let mut entries = vec![advanced];
    if let Some(details) = follow_up {
        let mut entry = NewEntry::new(id, actor.user, now, details);
        entry.step = Some(advance.from_step.clone());
        entries.push(entry);
    }
    // Who the entries tell: the next step's group is told of its new work.
    let people = People::after(release.requester, next.as_ref().map(|(_, group)| (*group, None)));
    append_all(db, &mut tx, lock, head, &entries, Some(people)).await?;
    tx.commit().await?;
    let next_step = next.and_then(|(code, _)| flow.step(&code).map(|s| s.name.clone()));
    Ok(Advanced { status: advance.status, next_step, time_spent_minutes })
}

/// The release as its form shows it, with the user's access.
pub async fn view(ctx: &Ctx, id: ReleaseId) -> Result<ReleaseView, Error> {
    let (db, flows, actor) = (&ctx.db, &ctx.flows, &ctx.actor);
    use crate::model::release::{OutcomeChoice, StepView};
    let release = load(db, id).await?;
    let flow = flows.get(db, release.flow_id).await?;
    let row = form_row(db, id).await?;
    let step = row.current_step.as_deref().and_then(|code| flow.step(code)).map(|step| StepView {
        code: step.code.clone(),
        name: step.name.clone(),
        outcomes: step
            .outcomes
            .iter()
            .filter_map(|code| flow.outcome(code))
            .map(|o| OutcomeChoice { code: o.code.clone(), name: o.name.clone() })
            .collect(),
        needs_closure: step.needs_closure,
    });
    let categories = active_categories(db).await?.to_vec();
    Ok(ReleaseView {
        id,
        title: row.title,
        description: row.description,
        requester: row.requester,
        executor_group: row.executor_group,
        release_type: row.release_type,
        risk: row.risk,
        impact: row.impact,
        urgency: row.urgency,
        priority: row.priority,
        planned_start: row.planned_start,
        planned_end: row.planned_end,
        version_label: row.version_label,
        status: release.state.status,
        created_at: row.created_at,
        updated_at: row.updated_at,
        row_version: row.row_version,
        step,
        task_group: row.task_group,
        responsible: row.responsible,
        closure: ClosureDraft {
            outcome: row.outcome.as_deref().and_then(ClosureOutcome::from_code),
            solution_category: row.solution_category_id.map(CategoryId),
            useful_information: row.useful_information.unwrap_or_default(),
        },
        categories,
        access: flow::access(&release.state, actor),
        actions: crate::domain::actions::available_actions(&release.state, &release.scope(&flow), actor),
        may_record: crate::domain::occurrence::check_may_record(&release.scope(&flow), actor).is_ok(),
        may_edit: check_may_edit(release.state.status, release.requester, actor).is_ok(),
    })
}

/// The groups a release can be given to for execution (those holding Execute), for the
/// registration form; refused without Create.
pub async fn executor_groups(ctx: &Ctx) -> Result<Vec<GroupChoice>, Error> {
    require_create(&ctx.actor)?;
    Ok(execution_groups(&ctx.db).await?)
}

/// Checks every field of a registration and computes the priority.
async fn validate_registration(db: &Db, form: &Registration) -> Result<NewRelease, Error> {
    let data = checked_data(&form.data())?;
    let groups = execution_groups(db).await?;
    if !groups.iter().any(|g| g.id == form.executor_group) {
        return Err(FieldError { field: Field::ExecutorGroup, problem: Problem::OutOfRange }.into());
    }
    Ok(NewRelease { data, executor_group: form.executor_group })
}

/// The registered data, every field checked, the priority computed.
fn checked_data(form: &RegisteredDraft) -> Result<RegisteredData, Error> {
    use crate::domain::priority::{priority, Level};
    use crate::domain::validation::{
        check_length, check_planned_time, check_required, MAX_TEXT_CHARS, MAX_TITLE_CHARS,
    };
    use crate::domain::{ReleaseType, Risk};
    let out_of_range = |field| Error::Invalid(FieldError { field, problem: Problem::OutOfRange });
    check_required(Field::Title, &form.title)?;
    check_length(Field::Title, &form.title, MAX_TITLE_CHARS)?;
    check_length(Field::Description, &form.description, MAX_TEXT_CHARS)?;
    check_required(Field::VersionLabel, &form.version_label)?;
    check_length(Field::VersionLabel, &form.version_label, 50)?;
    let impact = Level::new(form.impact).ok_or_else(|| out_of_range(Field::Impact))?;
    let urgency = Level::new(form.urgency).ok_or_else(|| out_of_range(Field::Urgency))?;
    let release_type = ReleaseType::from_code(&form.release_type).ok_or_else(|| out_of_range(Field::ReleaseType))?;
    let risk = Risk::from_code(&form.risk).ok_or_else(|| out_of_range(Field::Risk))?;
    check_planned_time(Field::PlannedStart, form.planned_start)?;
    check_planned_time(Field::PlannedEnd, form.planned_end)?;
    if form.planned_start >= form.planned_end {
        return Err(Error::Invalid(FieldError { field: Field::PlannedEnd, problem: Problem::EndBeforeStart }));
    }
    Ok(RegisteredData {
        title: form.title.trim().to_owned(),
        description: form.description.clone(),
        release_type: release_type.code().to_owned(),
        risk: risk.code().to_owned(),
        impact: impact.value(),
        urgency: urgency.value(),
        priority: priority(impact, urgency),
        planned_start: form.planned_start,
        planned_end: form.planned_end,
        version_label: form.version_label.trim().to_owned(),
    })
}

/// A correction of release `release`'s registered data, made on its version `version`.
#[derive(Debug, Clone)]
pub struct EditRegistration {
    pub release: ReleaseId,
    pub version: i64,
    pub data: RegisteredDraft,
}

/// Corrects a release's registered data (its requester, or a user whose group may
/// register, while it is neither closed nor cancelled); the priority follows impact and
/// urgency. A form loaded before another write is refused as stale, never saved over it.
/// Logs each field that changed, before and after; returns the release's version, the
/// same when nothing changed.
pub async fn edit_registration(ctx: &Ctx, command: &EditRegistration) -> Result<i64, Error> {
    super::retrying(|| edit_registration_once(ctx, command)).await
}

async fn edit_registration_once(ctx: &Ctx, command: &EditRegistration) -> Result<i64, Error> {
    let (db, actor, now) = (&ctx.db, &ctx.actor, ctx.now);
    let EditRegistration { release: id, version: expected_version, data } = command;
    let (id, expected_version) = (*id, *expected_version);
    let release = load(db, id).await?;
    check_may_edit(release.state.status, release.requester, actor)?;
    let after = checked_data(data)?;
    let mut tx = db.begin_write().await?;
    let (lock, version) = claim_version(&mut tx, id, expected_version, None, Position::Unchanged, now).await?;
    let before = registered_data(&mut tx, id).await?.ok_or(Error::NotFound)?;
    let changes = registered_changes(&before, &after);
    if changes.is_empty() {
        // Nothing to correct: the transaction ends unwritten, the version stays.
        return Ok(expected_version);
    }
    update_registered_data(&mut tx, id, &after).await?;
    if before.title != after.title {
        remember_edited_title_words(&mut tx, db.backend, id, &after.title).await?;
    }
    let mut entry = NewEntry::new(id, actor.user, now, LogDetails::Edited { changes });
    entry.step = release.state.task.as_ref().map(|t| t.step.clone());
    append(db, &mut tx, lock, &entry).await?;
    tx.commit().await?;
    if before.title != after.title {
        // As a registration's (see `register`).
        db.title_words_changed();
    }
    Ok(version)
}

/// The fields a correction changes, in the order the form shows them, as the log lists
/// them.
fn registered_changes(before: &RegisteredData, after: &RegisteredData) -> Vec<FieldChange> {
    use crate::domain::{ReleaseType, Risk};
    let text = |value: &str| (!value.is_empty()).then(|| ShownValue::Text(value.to_owned()));
    let release_type = |code: &str| ReleaseType::from_code(code).map(ShownValue::ReleaseType);
    let risk = |code: &str| Risk::from_code(code).map(ShownValue::Risk);
    let pairs = [
        (TrackedField::Title, text(&before.title), text(&after.title)),
        (TrackedField::Description, text(&before.description), text(&after.description)),
        (TrackedField::ReleaseType, release_type(&before.release_type), release_type(&after.release_type)),
        (TrackedField::Risk, risk(&before.risk), risk(&after.risk)),
        (TrackedField::Impact, Some(ShownValue::Level(before.impact)), Some(ShownValue::Level(after.impact))),
        (TrackedField::Urgency, Some(ShownValue::Level(before.urgency)), Some(ShownValue::Level(after.urgency))),
        (TrackedField::Priority, Some(ShownValue::Number(before.priority)), Some(ShownValue::Number(after.priority))),
        (
            TrackedField::PlannedStart,
            Some(ShownValue::Time(before.planned_start)),
            Some(ShownValue::Time(after.planned_start)),
        ),
        (
            TrackedField::PlannedEnd,
            Some(ShownValue::Time(before.planned_end)),
            Some(ShownValue::Time(after.planned_end)),
        ),
        (TrackedField::VersionLabel, text(&before.version_label), text(&after.version_label)),
    ];
    pairs
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(field, before, after)| FieldChange { field, before, after })
        .collect()
}
