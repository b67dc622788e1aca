//! The writes of the execution procedure. Each action reads the release, lets the flow
//! engine decide, then writes in one transaction whose first statement is guarded by what
//! was read (the row version, or the task still being free): concurrent actions cannot
//! both win, and on SQLite the transaction takes the write lock at once.

use crate::db::flows::{FlowCache, StoredFlow};
use crate::db::{code_column, fold_for_search, Db};
use crate::domain::actions::ReleaseScope;
use crate::domain::flow::{self, Capture, Executor, FlowDefinition, Holder, OpenTask, ReleaseState};
use crate::domain::permissions::Actor;
use crate::domain::validation::ClosureDraft;
use crate::domain::{CategoryId, ClosureOutcome, GroupId, Permission, ReleaseId, Status, TaskId, UserId};
use crate::error::AppError;
use crate::execution_log::db::{append, append_all, LogKind, NewEntry};
use crate::release_list::db::remember_title_words;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

/// A release as the write paths need it.
#[derive(Debug, Clone)]
pub struct LoadedRelease {
    pub id: ReleaseId,
    pub flow_id: i64,
    pub executor_group: GroupId,
    pub state: ReleaseState,
    pub captured_at: Option<i64>,
}

/// Reads the release and its open task.
pub async fn load(db: &Db, id: ReleaseId) -> Result<LoadedRelease, AppError> {
    Ok(loaded_release(&load_row(db, id).await?)?)
}

/// The release with its open task and, for the log's snapshot of an advance, the fields
/// the log keeps (see `Snapshot`): one statement for both.
async fn load_row(db: &Db, id: ReleaseId) -> Result<AnyRow, AppError> {
    sqlx::query(
        "SELECT r.id, r.flow_id, r.executor_group_id, r.status, r.row_version, r.current_step,
                t.id AS task_id, t.group_id AS task_group_id, g.name AS task_group_name,
                t.assignee_id, holder.full_name AS holder_name, t.captured_at,
                r.title, r.priority, r.planned_end, r.version_label,
                c.outcome, c.solution_category_id, c.useful_information
           FROM releases r
           LEFT JOIN tasks t ON t.id = r.current_task_id AND t.finished_at IS NULL
           LEFT JOIN user_groups g ON g.id = t.group_id
           LEFT JOIN users holder ON holder.id = t.assignee_id
           LEFT JOIN closures c ON c.release_id = r.id
          WHERE r.id = $1",
    )
    .bind(id.0)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)
}

/// The open task of a release from a row with the columns `task_id`, `current_step`,
/// `task_group_id`, `task_group_name`, `assignee_id` and `holder_name`.
pub(crate) fn open_task_of(row: &AnyRow) -> Result<Option<OpenTask>, sqlx::Error> {
    let Some(task_id) = row.try_get::<Option<i64>, _>("task_id")? else { return Ok(None) };
    let assignee = match row.try_get::<Option<i64>, _>("assignee_id")? {
        Some(user) => Some(Holder { user: UserId(user), name: row.try_get("holder_name")? }),
        None => None,
    };
    Ok(Some(OpenTask {
        id: TaskId(task_id),
        step: row.try_get::<Option<String>, _>("current_step")?.unwrap_or_default(),
        group: GroupId(row.try_get("task_group_id")?),
        group_name: row.try_get("task_group_name")?,
        assignee,
    }))
}

impl LoadedRelease {
    /// The groups that answer for this release under `flow`.
    pub fn scope<'a>(&self, flow: &'a FlowDefinition) -> ReleaseScope<'a> {
        ReleaseScope::new(flow, self.executor_group, &self.state)
    }
}

fn loaded_release(row: &AnyRow) -> Result<LoadedRelease, sqlx::Error> {
    let task = open_task_of(row)?;
    Ok(LoadedRelease {
        id: ReleaseId(row.try_get("id")?),
        flow_id: row.try_get("flow_id")?,
        executor_group: GroupId(row.try_get("executor_group_id")?),
        state: ReleaseState {
            status: code_column(row, "status", Status::from_code)?,
            row_version: row.try_get("row_version")?,
            task,
        },
        captured_at: row.try_get("captured_at")?,
    })
}

/// The data of a new release, as the registration form sends it (already validated).
#[derive(Debug, Clone)]
pub struct NewRelease {
    pub title: String,
    pub description: String,
    pub executor_group: GroupId,
    pub release_type: &'static str,
    pub risk: &'static str,
    pub impact: i64,
    pub urgency: i64,
    pub priority: i64,
    pub planned_start: i64,
    pub planned_end: i64,
    pub version_label: String,
}

/// Registers a release: it enters the flow at its start step, which the registration
/// itself completes, and waits at the next step for that step's group.
pub async fn register(
    db: &Db,
    flows: &FlowCache,
    flow: &StoredFlow,
    actor: &Actor,
    new: &NewRelease,
    now: i64,
) -> Result<ReleaseId, AppError> {
    if !actor.may(Permission::Create) {
        return Err(flow::Refusal::GroupLacksPermission { permission: Permission::Create }.into());
    }
    let definition = &flow.definition;
    let start = definition.step(&definition.start).ok_or(AppError::Internal)?;
    let outcome = start.outcomes.first().ok_or(AppError::Internal)?;
    let transition = definition.transition(&start.code, outcome).ok_or(AppError::Internal)?;
    let start_group = resolve_group(db, flows, &start.executor, new.executor_group).await?;
    let next = match definition.step(&transition.to) {
        Some(step) => Some((step.code.clone(), resolve_group(db, flows, &step.executor, new.executor_group).await?)),
        None => None,
    };

    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO releases (title, description, search_text, requester_id, executor_group_id,
                               release_type, risk, impact, urgency, priority, planned_start,
                               planned_end, version_label, status, flow_id, current_step,
                               created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         RETURNING id",
    )
    .bind(&new.title)
    .bind(&new.description)
    .bind(fold_for_search(&new.title))
    .bind(actor.user.0)
    .bind(new.executor_group.0)
    .bind(new.release_type)
    .bind(new.risk)
    .bind(new.impact)
    .bind(new.urgency)
    .bind(new.priority)
    .bind(new.planned_start)
    .bind(new.planned_end)
    .bind(&new.version_label)
    .bind(transition.status.code())
    .bind(flow.id)
    .bind(&start.code)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let release = ReleaseId(id);
    remember_title_words(&mut tx, db.backend, &new.title).await?;
    sqlx::query(
        "INSERT INTO tasks (release_id, step_code, group_id, assignee_id, created_at, captured_at,
                            finished_at, finished_by, outcome)
         VALUES ($1, $2, $3, $4, $5, $5, $5, $4, $6)",
    )
    .bind(id)
    .bind(&start.code)
    .bind(start_group.0)
    .bind(actor.user.0)
    .bind(now)
    .bind(outcome)
    .execute(&mut *tx)
    .await?;
    let mut registered = NewEntry::new(release, actor.user, now, LogKind::Registered);
    registered.step = Some(start.code.clone());
    registered.details = json!({ "title": new.title });
    append(&mut tx, &registered).await?;
    let next_task = insert_next_task(&mut tx, release, next.as_ref(), now).await?;
    sqlx::query("UPDATE releases SET current_step = $1, current_task_id = $2 WHERE id = $3")
        .bind(next.as_ref().map(|(step, _)| step.as_str()))
        .bind(next_task)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(release)
}

/// Which group executes a step of this release.
pub(crate) async fn resolve_group(
    db: &Db,
    flows: &FlowCache,
    executor: &Executor,
    release_group: GroupId,
) -> Result<GroupId, AppError> {
    match executor {
        Executor::ReleaseGroup => Ok(release_group),
        Executor::Group(name) => flows.group_id(db, name).await?.ok_or_else(|| {
            tracing::error!(group = %name, "the flow names a group that does not exist");
            AppError::Internal
        }),
    }
}

/// Creates the open task of the step a release moves to, unless its flow has ended there.
async fn insert_next_task(
    conn: &mut AnyConnection,
    release: ReleaseId,
    next: Option<&(String, GroupId)>,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    match next {
        Some((step, group)) => insert_open_task(conn, release, step, *group, now).await.map(Some),
        None => Ok(None),
    }
}

/// Creates the unassigned task of `step` for `group`; returns its id.
pub(crate) async fn insert_open_task(
    conn: &mut AnyConnection,
    release: ReleaseId,
    step: &str,
    group: GroupId,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query("INSERT INTO tasks (release_id, step_code, group_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(release.0)
        .bind(step)
        .bind(group.0)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")
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
pub async fn capture(db: &Db, flows: &FlowCache, actor: &Actor, id: ReleaseId, now: i64) -> Result<Captured, AppError> {
    let release = load(db, id).await?;
    let flow = flows.get(db, release.flow_id).await?;
    let status = match flow::capture(&flow, &release.state, actor)? {
        Capture::AlreadyYours => return Ok(Captured::AlreadyYours),
        Capture::Take { status } => status,
    };
    let task = release.state.task.as_ref().ok_or(AppError::Internal)?;

    let mut tx = db.begin_write().await?;
    let taken = sqlx::query(
        "UPDATE tasks SET assignee_id = $1, captured_at = $2
          WHERE id = $3 AND assignee_id IS NULL AND finished_at IS NULL",
    )
    .bind(actor.user.0)
    .bind(now)
    .bind(task.id.0)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() == 0 {
        // Someone was faster: tell the user who. Read through this transaction, which
        // already holds a connection, rather than waiting for another from the pool.
        let holder = sqlx::query(
            "SELECT t.assignee_id, u.full_name FROM tasks t JOIN users u ON u.id = t.assignee_id
              WHERE t.id = $1 AND t.finished_at IS NULL",
        )
        .bind(task.id.0)
        .fetch_optional(&mut *tx)
        .await?;
        tx.rollback().await?;
        return match holder {
            Some(row) if row.try_get::<i64, _>("assignee_id")? == actor.user.0 => Ok(Captured::AlreadyYours),
            Some(row) => Err(flow::Refusal::HeldByOther { holder: row.try_get("full_name")? }.into()),
            None => Err(flow::Refusal::FlowEnded.into()),
        };
    }
    sqlx::query("UPDATE releases SET status = $1, updated_at = $2, row_version = row_version + 1 WHERE id = $3")
        .bind(status.code())
        .bind(now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let mut entry = NewEntry::new(id, actor.user, now, LogKind::Captured);
    entry.step = Some(task.step.clone());
    append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(Captured::Taken)
}

/// Where a write leaves the release in its flow.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Position<'a> {
    /// At the step and task it was at.
    Unchanged,
    /// Waiting at `step` with its open task `task`; both `None` once the flow has ended.
    Moved { step: Option<&'a str>, task: Option<i64> },
}

/// Takes the write lock and checks, in the same statement, that nobody changed the
/// release since `expected_version`; the answer names the current version otherwise.
/// The same statement sets the status, when given, and the release's new position.
pub(crate) async fn claim_version(
    tx: &mut AnyConnection,
    id: ReleaseId,
    expected_version: i64,
    status: Option<Status>,
    position: Position<'_>,
    now: i64,
) -> Result<i64, AppError> {
    const CLAIM: &str = "UPDATE releases SET row_version = row_version + 1, updated_at = $1,
                                             status = COALESCE($2, status)
                          WHERE id = $3 AND row_version = $4";
    const CLAIM_AND_MOVE: &str = "UPDATE releases SET row_version = row_version + 1, updated_at = $1,
                                                      status = COALESCE($2, status),
                                                      current_step = $5, current_task_id = $6
                                   WHERE id = $3 AND row_version = $4";
    let claim = |sql| sqlx::query(sql).bind(now).bind(status.map(Status::code)).bind(id.0).bind(expected_version);
    let query = match position {
        Position::Unchanged => claim(CLAIM),
        Position::Moved { step, task } => claim(CLAIM_AND_MOVE).bind(step).bind(task),
    };
    if query.execute(&mut *tx).await?.rows_affected() == 0 {
        return Err(stale_version(tx, id, expected_version).await);
    }
    Ok(expected_version + 1)
}

/// The refusal of a write that found the release changed, naming its current version.
async fn stale_version(tx: &mut AnyConnection, id: ReleaseId, expected_version: i64) -> AppError {
    // Read through this transaction, never the pool: it holds the write lock, and with
    // the pool taken by writers waiting for that lock, a second connection never comes.
    let current = sqlx::query("SELECT row_version FROM releases WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .and_then(|row| row.map(|row| row.try_get::<i64, _>("row_version")).transpose());
    match current {
        Ok(current) => flow::Refusal::StaleVersion { current: current.unwrap_or(expected_version) }.into(),
        Err(error) => error.into(),
    }
}

/// Stores the Closure area; `release_date` is set once the release is resolved and kept
/// by later writes that do not set it.
async fn write_closure(
    tx: &mut AnyConnection,
    id: ReleaseId,
    closure: &ClosureDraft,
    actor: &Actor,
    now: i64,
    release_date: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO closures (release_id, outcome, solution_category_id, useful_information,
                               recorded_by, recorded_at, release_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (release_id) DO UPDATE SET
             outcome = excluded.outcome,
             solution_category_id = excluded.solution_category_id,
             useful_information = excluded.useful_information,
             recorded_by = excluded.recorded_by,
             recorded_at = excluded.recorded_at,
             release_date = COALESCE(excluded.release_date, closures.release_date)",
    )
    .bind(id.0)
    .bind(closure.outcome.map(ClosureOutcome::code))
    .bind(closure.solution_category.map(|c| c.0))
    .bind(&closure.useful_information)
    .bind(actor.user.0)
    .bind(now)
    .bind(release_date)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn check_category(db: &Db, closure: &ClosureDraft) -> Result<(), AppError> {
    if let Some(CategoryId(category)) = closure.solution_category {
        let exists = sqlx::query("SELECT id FROM solution_categories WHERE id = $1 AND active = 1")
            .bind(category)
            .fetch_optional(&db.pool)
            .await?;
        if exists.is_none() {
            return Err(AppError::Invalid(crate::domain::validation::FieldError {
                field: crate::domain::validation::Field::SolutionCategory,
                problem: crate::domain::validation::Problem::OutOfRange,
            }));
        }
    }
    Ok(())
}

/// "Save and keep current task": stores the Closure area; the task stays with the user.
/// Returns the release's new version.
pub async fn save(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
    expected_version: i64,
    closure: &ClosureDraft,
    now: i64,
) -> Result<i64, AppError> {
    let release = load(db, id).await?;
    let task = flow::check_save(&release.state, actor, expected_version)?;
    let has_closure = flows.get(db, release.flow_id).await?.step(&task.step).is_some_and(|s| s.needs_closure);
    closure.check_for_save()?;
    check_category(db, closure).await?;
    let mut tx = db.begin_write().await?;
    let version = claim_version(&mut tx, id, expected_version, None, Position::Unchanged, now).await?;
    if has_closure {
        write_closure(&mut tx, id, closure, actor, now, None).await?;
    }
    let mut entry = NewEntry::new(id, actor.user, now, LogKind::Saved);
    entry.step = Some(task.step.clone());
    append(&mut tx, &entry).await?;
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
#[allow(clippy::too_many_arguments)]
pub async fn advance(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
    expected_version: i64,
    decision: Option<&str>,
    closure: &ClosureDraft,
    now: i64,
) -> Result<Advanced, AppError> {
    let row = load_row(db, id).await?;
    let release = loaded_release(&row)?;
    let flow: Arc<FlowDefinition> = flows.get(db, release.flow_id).await?;
    let step_is_execution =
        release.state.task.as_ref().and_then(|t| flow.step(&t.step)).is_some_and(|s| s.needs_closure);
    let advance = flow::advance(&flow, &release.state, actor, expected_version, decision, closure)?;
    if step_is_execution {
        check_category(db, closure).await?;
    }
    let next = match &advance.next {
        Some(next) => Some((next.step.clone(), resolve_group(db, flows, &next.executor, release.executor_group).await?)),
        None => None,
    };
    let time_spent_minutes = release.captured_at.map_or(0, |captured| ((now - captured).max(0) + 59) / 60);
    let next_step_code = next.as_ref().map(|(step, _)| step.clone());
    // The log's picture of the release after the advance, from the row read above: the
    // transaction fails if anything changed since, so the writer's turn stays short.
    let mut after: Snapshot = sqlx::FromRow::from_row(&row)?;
    after.status = advance.status.code().to_owned();
    after.current_step = next_step_code.clone();
    after.row_version = expected_version + 1;

    let mut tx = db.begin_write().await?;
    // Finishing the open task comes first: of concurrent advances only one finds it open.
    let finished = sqlx::query(
        "UPDATE tasks SET finished_at = $1, finished_by = $2, outcome = $3
          WHERE id = $4 AND finished_at IS NULL",
    )
    .bind(now)
    .bind(actor.user.0)
    .bind(&advance.outcome)
    .bind(advance.finished_task.0)
    .execute(&mut *tx)
    .await?;
    if finished.rows_affected() == 0 {
        return Err(stale_version(&mut tx, id, expected_version).await);
    }
    let next_task = insert_next_task(&mut tx, id, next.as_ref(), now).await?;
    let position = Position::Moved { step: next_step_code.as_deref(), task: next_task };
    claim_version(&mut tx, id, expected_version, Some(advance.status), position, now).await?;
    if step_is_execution {
        let resolved = advance.outcome == ClosureOutcome::Resolved.code();
        write_closure(&mut tx, id, closure, actor, now, resolved.then_some(now)).await?;
        after.outcome = closure.outcome.map(|o| o.code().to_owned());
        after.solution_category_id = closure.solution_category.map(|c| c.0);
        after.useful_information = Some(closure.useful_information.clone());
    }

    let mut advanced = NewEntry::new(id, actor.user, now, LogKind::Advanced);
    advanced.step = Some(advance.from_step.clone());
    advanced.time_spent_minutes = Some(time_spent_minutes);
    advanced.details = json!({
        "outcome": advance.outcome,
        "to_step": next_step_code,
        "status": advance.status.code(),
    });
    advanced.snapshot = Some(serde_json::to_value(&after).map_err(|_| AppError::Internal)?);
    let follow_up = match advance.outcome.as_str() {
        "resolved" => Some(LogKind::Resolved),
        "sent_back" | "not_resolved" => Some(LogKind::SentBack),
        _ => None,
    };
    let mut entries = vec![advanced];
    if let Some(kind) = follow_up {
        let mut entry = NewEntry::new(id, actor.user, now, kind);
        entry.step = Some(advance.from_step.clone());
        entries.push(entry);
    }
    append_all(&mut tx, &entries).await?;
    tx.commit().await?;
    let next_step = next.and_then(|(code, _)| flow.step(&code).map(|s| s.name.clone()));
    Ok(Advanced { status: advance.status, next_step, time_spent_minutes })
}

/// The release as the log keeps it after an advance, for its field-by-field history. Its
/// fields are columns of `load_row`.
#[derive(Debug, serde::Serialize, sqlx::FromRow)]
struct Snapshot {
    title: String,
    status: String,
    current_step: Option<String>,
    priority: i64,
    planned_end: i64,
    version_label: String,
    row_version: i64,
    outcome: Option<String>,
    solution_category_id: Option<i64>,
    useful_information: Option<String>,
}

/// The release as its form shows it, with the user's access.
pub async fn view(
    db: &Db,
    flows: &FlowCache,
    actor: &Actor,
    id: ReleaseId,
) -> Result<super::api::ReleaseView, AppError> {
    use super::api::{CategoryChoice, OutcomeChoice, ReleaseView, StepView};
    let release = load(db, id).await?;
    let flow = flows.get(db, release.flow_id).await?;
    let row = sqlx::query(
        "SELECT r.title, r.description, r.release_type, r.risk, r.impact, r.urgency, r.priority,
                r.planned_start, r.planned_end, r.version_label, r.status, r.created_at,
                r.updated_at, r.row_version, r.current_step,
                requester.full_name AS requester, executor.name AS executor_group,
                task_group.name AS task_group, holder.full_name AS responsible,
                c.outcome, c.solution_category_id, c.useful_information
           FROM releases r
           JOIN users requester ON requester.id = r.requester_id
           JOIN user_groups executor ON executor.id = r.executor_group_id
           LEFT JOIN tasks t ON t.id = r.current_task_id
           LEFT JOIN user_groups task_group ON task_group.id = t.group_id
           LEFT JOIN users holder ON holder.id = t.assignee_id
           LEFT JOIN closures c ON c.release_id = r.id
          WHERE r.id = $1",
    )
    .bind(id.0)
    .fetch_one(&db.pool)
    .await?;
    let step =
        row.try_get::<Option<String>, _>("current_step")?.and_then(|code| flow.step(&code)).map(|step| StepView {
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
    let categories =
        sqlx::query("SELECT id, name_es, name_pt FROM solution_categories WHERE active = 1 ORDER BY position, id")
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|c| {
                Ok(CategoryChoice {
                    id: CategoryId(c.try_get("id")?),
                    name: crate::domain::Localized { es: c.try_get("name_es")?, pt: c.try_get("name_pt")? },
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let outcome: Option<String> = row.try_get("outcome")?;
    Ok(ReleaseView {
        id,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        requester: row.try_get("requester")?,
        executor_group: row.try_get("executor_group")?,
        release_type: row.try_get("release_type")?,
        risk: row.try_get("risk")?,
        impact: row.try_get("impact")?,
        urgency: row.try_get("urgency")?,
        priority: row.try_get("priority")?,
        planned_start: row.try_get("planned_start")?,
        planned_end: row.try_get("planned_end")?,
        version_label: row.try_get("version_label")?,
        status: release.state.status,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        row_version: row.try_get("row_version")?,
        step,
        task_group: row.try_get("task_group")?,
        responsible: row.try_get("responsible")?,
        closure: ClosureDraft {
            outcome: outcome.as_deref().and_then(ClosureOutcome::from_code),
            solution_category: row.try_get::<Option<i64>, _>("solution_category_id")?.map(CategoryId),
            useful_information: row.try_get::<Option<String>, _>("useful_information")?.unwrap_or_default(),
        },
        categories,
        access: flow::access(&release.state, actor),
        actions: crate::domain::actions::available_actions(&release.state, &release.scope(&flow), actor),
        may_record: crate::domain::occurrence::check_may_record(&release.scope(&flow), actor).is_ok(),
    })
}

pub async fn executor_groups(db: &Db) -> Result<Vec<super::api::GroupChoice>, sqlx::Error> {
    sqlx::query(
        "SELECT g.id, g.name FROM user_groups g
           JOIN group_permissions p ON p.group_id = g.id AND p.permission = 'execute'
          ORDER BY g.name",
    )
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| Ok(super::api::GroupChoice { id: GroupId(r.try_get("id")?), name: r.try_get("name")? }))
    .collect()
}

/// Checks every field of a registration and computes the priority.
pub async fn validate_registration(db: &Db, form: &super::api::Registration) -> Result<NewRelease, AppError> {
    use crate::domain::priority::{priority, Level};
    use crate::domain::validation::{
        check_length, check_planned_time, check_required, Field, FieldError, Problem, MAX_TEXT_CHARS,
        MAX_TITLE_CHARS,
    };
    use crate::domain::{ReleaseType, Risk};
    let out_of_range = |field| AppError::Invalid(FieldError { field, problem: Problem::OutOfRange });
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
        return Err(AppError::Invalid(FieldError { field: Field::PlannedEnd, problem: Problem::EndBeforeStart }));
    }
    let groups = executor_groups(db).await?;
    if !groups.iter().any(|g| g.id == form.executor_group) {
        return Err(out_of_range(Field::ExecutorGroup));
    }
    Ok(NewRelease {
        title: form.title.trim().to_owned(),
        description: form.description.clone(),
        executor_group: form.executor_group,
        release_type: release_type.code(),
        risk: risk.code(),
        impact: impact.value(),
        urgency: urgency.value(),
        priority: priority(impact, urgency),
        planned_start: form.planned_start,
        planned_end: form.planned_end,
        version_label: form.version_label.trim().to_owned(),
    })
}
