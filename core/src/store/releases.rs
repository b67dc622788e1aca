//! Releases, their tasks and their Closure area. Writes run inside the caller's
//! transaction; the first statement of each write is guarded by what was read (the row
//! version, or the task still being free), so concurrent actions cannot both win.

use crate::domain::actions::ReleaseScope;
use crate::domain::flow::{self, FlowDefinition, Holder, OpenTask, ReleaseState};
use crate::domain::validation::ClosureDraft;
use crate::domain::{CategoryId, ClosureOutcome, GroupId, ReleaseId, Status, TaskId, UserId};
use crate::model::release::{CategoryChoice, GroupChoice};
use crate::store::kept::{Categories, Lookup};
use crate::store::{fold_for_search, parse_code, required, Backend, Db, NamedRow};
use crate::Error;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

/// A release as the write paths need it.
#[derive(Debug, Clone)]
pub struct LoadedRelease {
    pub id: ReleaseId,
    pub flow_id: i64,
    pub executor_group: GroupId,
    /// Who registered it.
    pub requester: UserId,
    pub state: ReleaseState,
    pub captured_at: Option<i64>,
}

/// Reads the release and its open task.
pub async fn load(db: &Db, id: ReleaseId) -> Result<LoadedRelease, Error> {
    Ok(loaded_release(&load_row(db, id).await?)?)
}

/// The release with its open task and, for the log's snapshot of an advance, the fields
/// the log keeps (see `Snapshot`): one statement for both.
async fn load_row(db: &Db, id: ReleaseId) -> Result<AnyRow, Error> {
    sqlx::query(
        "SELECT r.id, r.flow_id, r.executor_group_id, r.requester_id, r.status, r.row_version, r.current_step,
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
    .ok_or(Error::NotFound)
}

/// A release's open task as a left join of `tasks`, `user_groups` and `users` gives it:
/// every column NULL when the flow has ended.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenTaskRow {
    pub current_step: Option<String>,
    pub task_id: Option<i64>,
    pub task_group_id: Option<i64>,
    pub task_group_name: Option<String>,
    pub assignee_id: Option<i64>,
    pub holder_name: Option<String>,
}

impl OpenTaskRow {
    /// The open task, when there is one.
    pub fn open_task(&self) -> Result<Option<OpenTask>, sqlx::Error> {
        let Some(task_id) = self.task_id else { return Ok(None) };
        let assignee = match self.assignee_id {
            Some(user) => Some(Holder { user: UserId(user), name: required(self.holder_name.clone(), "holder_name")? }),
            None => None,
        };
        Ok(Some(OpenTask {
            id: TaskId(task_id),
            step: self.current_step.clone().unwrap_or_default(),
            group: GroupId(required(self.task_group_id, "task_group_id")?),
            group_name: required(self.task_group_name.clone(), "task_group_name")?,
            assignee,
        }))
    }
}

/// The columns of `load_row` that the write paths read.
#[derive(sqlx::FromRow)]
struct ReleaseRow {
    id: i64,
    flow_id: i64,
    executor_group_id: i64,
    requester_id: i64,
    status: String,
    row_version: i64,
    captured_at: Option<i64>,
    #[sqlx(flatten)]
    task: OpenTaskRow,
}

impl LoadedRelease {
    /// The groups that answer for this release under `flow`.
    pub fn scope<'a>(&self, flow: &'a FlowDefinition) -> ReleaseScope<'a> {
        ReleaseScope::new(flow, self.executor_group, &self.state)
    }
}

fn loaded_release(row: &AnyRow) -> Result<LoadedRelease, sqlx::Error> {
    let row = ReleaseRow::from_row(row)?;
    Ok(LoadedRelease {
        id: ReleaseId(row.id),
        flow_id: row.flow_id,
        executor_group: GroupId(row.executor_group_id),
        requester: UserId(row.requester_id),
        state: ReleaseState {
            status: parse_code(&row.status, "status", Status::from_code)?,
            row_version: row.row_version,
            task: row.task.open_task()?,
        },
        captured_at: row.captured_at,
    })
}

/// Creates the open task of the step a release moves to, unless its flow has ended there.
pub async fn insert_next_task(
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
pub async fn insert_open_task(
    conn: &mut AnyConnection,
    release: ReleaseId,
    step: &str,
    group: GroupId,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO tasks (release_id, step_code, group_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(release.0)
    .bind(step)
    .bind(group.0)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
}

/// The proof that the caller's transaction holds a release's write lock: the log's append
/// asks for it before it reads the chain's head, so two transactions never chain onto the
/// same entry. Only this module makes one: [`lock`], [`claim_version`] and
/// [`insert_release`] (no other transaction sees a release before its insert commits). It
/// holds for the transaction it was taken in, and is passed on only within it.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub struct Locked(ReleaseId);

impl Locked {
    /// The release whose lock is held.
    pub fn release(&self) -> ReleaseId {
        self.0
    }
}

/// Takes the release's write lock in the caller's transaction. Every write locks in one
/// order, so that two of them never wait for each other: the release first, then its
/// tasks, then the rest (closures, links, the log). Writes that claim a version take the
/// lock with the claim ([`claim_version`]); links, occurrences and attachments take it
/// here. On SQLite the one writer connection already holds the whole database.
/// A release that does not exist gives no lock (`RowNotFound`) on PostgreSQL.
pub async fn lock(conn: &mut AnyConnection, id: ReleaseId) -> Result<Locked, sqlx::Error> {
    if conn.backend_name() != "SQLite" {
        sqlx::query("SELECT id FROM releases WHERE id = $1 FOR NO KEY UPDATE")
            .bind(id.0)
            .fetch_optional(conn)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
    }
    Ok(Locked(id))
}

/// Where a write leaves the release in its flow.
#[derive(Debug, Clone, Copy)]
pub enum Position<'a> {
    /// At the step and task it was at.
    Unchanged,
    /// Waiting at `step` with its open task `task`; both `None` once the flow has ended.
    Moved { step: Option<&'a str>, task: Option<i64> },
}

/// Takes the write lock and checks, in the same statement, that nobody changed the
/// release since `expected_version`; the answer names the current version otherwise.
/// The same statement sets the status, when given, and the release's new position.
/// Answers the lock and the release's new version.
pub async fn claim_version(
    tx: &mut AnyConnection,
    id: ReleaseId,
    expected_version: i64,
    status: Option<Status>,
    position: Position<'_>,
    now: i64,
) -> Result<(Locked, i64), Error> {
    // The version, the time, the status when given, and the deadline clock ($5,
    // `Status::stops_clock`): a status that stops it records when; one that runs it again
    // adds the time it stood still to the paused seconds. `$moves` sets the position.
    macro_rules! claim {
        ($moves:literal) => {
            concat!(
                "UPDATE releases SET row_version = row_version + 1, updated_at = $1,
                        status = COALESCE($2, status),
                        clock_stopped_at = CASE WHEN $5 IS NULL THEN clock_stopped_at
                                                WHEN $5 = 1 THEN COALESCE(clock_stopped_at, $1)
                                                ELSE NULL END,
                        suspended_seconds = suspended_seconds
                            + CASE WHEN $5 = 0 AND clock_stopped_at IS NOT NULL THEN $1 - clock_stopped_at ELSE 0 END",
                $moves,
                " WHERE id = $3 AND row_version = $4"
            )
        };
    }
    const CLAIM: &str = claim!("");
    const CLAIM_AND_MOVE: &str = claim!(", current_step = $6, current_task_id = $7");
    let stops_clock = status.and_then(Status::stops_clock).map(i64::from);
    let claim = |sql| {
        sqlx::query(sql).bind(now).bind(status.map(Status::code)).bind(id.0).bind(expected_version).bind(stops_clock)
    };
    let query = match position {
        Position::Unchanged => claim(CLAIM),
        Position::Moved { step, task } => claim(CLAIM_AND_MOVE).bind(step).bind(task),
    };
    if query.execute(&mut *tx).await?.rows_affected() == 0 {
        return Err(stale_version(tx, id, expected_version).await);
    }
    Ok((Locked(id), expected_version + 1))
}

/// The refusal of a write that found the release changed, naming its current version.
pub async fn stale_version(tx: &mut AnyConnection, id: ReleaseId, expected_version: i64) -> Error {
    // Read through this transaction, never the pool: it holds the write lock, and with
    // the pool taken by writers waiting for that lock, a second connection never comes.
    let current = sqlx::query_scalar::<_, i64>("SELECT row_version FROM releases WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await;
    match current {
        Ok(current) => flow::Refusal::StaleVersion { current: current.unwrap_or(expected_version) }.into(),
        Err(error) => error.into(),
    }
}

/// An upsert of the Closure area from `$source`, a `VALUES` or `SELECT` of its columns (the
/// release, outcome, category, useful information, who recorded it, when, the release
/// date): `release_date` is set once the release is resolved and kept by later writes that
/// do not set it.
macro_rules! closure_upsert {
    ($source:literal) => {
        concat!(
            "INSERT INTO closures (release_id, outcome, solution_category_id, useful_information,
                                   recorded_by, recorded_at, release_date) ",
            $source,
            " ON CONFLICT (release_id) DO UPDATE SET
                 outcome = excluded.outcome,
                 solution_category_id = excluded.solution_category_id,
                 useful_information = excluded.useful_information,
                 recorded_by = excluded.recorded_by,
                 recorded_at = excluded.recorded_at,
                 release_date = COALESCE(excluded.release_date, closures.release_date)"
        )
    };
}

/// Stores the Closure area ([`closure_upsert`]).
pub async fn write_closure(
    tx: &mut AnyConnection,
    id: ReleaseId,
    closure: &ClosureDraft,
    user: UserId,
    now: i64,
    release_date: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(closure_upsert!("VALUES ($1, $2, $3, $4, $5, $6, $7)"))
        .bind(id.0)
        .bind(closure.outcome.map(ClosureOutcome::code))
        .bind(closure.solution_category.map(|c| c.0))
        .bind(&closure.useful_information)
        .bind(user.0)
        .bind(now)
        .bind(release_date)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The release as the log keeps it after an advance, for its field-by-field history. Its
/// fields are columns of `load_row`.
#[derive(Debug, serde::Serialize, sqlx::FromRow)]
pub struct Snapshot {
    pub title: String,
    pub status: String,
    pub current_step: Option<String>,
    pub priority: i64,
    pub planned_end: i64,
    pub version_label: String,
    pub row_version: i64,
    pub outcome: Option<String>,
    pub solution_category_id: Option<i64>,
    pub useful_information: Option<String>,
}

/// The groups holding Ejecutar, by name; kept between requests ([`super::kept`]).
pub async fn execution_groups(db: &Db) -> Result<Vec<GroupChoice>, sqlx::Error> {
    let ticket = match db.kept().lookup_execution_groups() {
        Lookup::Kept(groups) => return Ok(groups),
        Lookup::Read(ticket) => ticket,
    };
    let groups: Vec<(i64, String)> = sqlx::query_as(
        "SELECT g.id, g.name FROM user_groups g
           JOIN group_permissions p ON p.group_id = g.id AND p.permission = 'execute'
          ORDER BY g.name",
    )
    .fetch_all(&db.pool)
    .await?;
    let groups: Vec<GroupChoice> = groups.into_iter().map(|(id, name)| GroupChoice { id: GroupId(id), name }).collect();
    db.kept().keep_execution_groups(ticket, &groups);
    Ok(groups)
}

/// What registration records of a release, checked: what its requester or a manager may
/// correct later (everything but the executor group).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RegisteredData {
    pub title: String,
    pub description: String,
    pub release_type: String,
    pub risk: String,
    pub impact: i64,
    pub urgency: i64,
    pub priority: i64,
    pub planned_start: i64,
    pub planned_end: i64,
    pub version_label: String,
}

/// The data of a new release, as the registration form sends it (validated).
#[derive(Debug, Clone)]
pub struct NewRelease {
    pub data: RegisteredData,
    pub executor_group: GroupId,
}

/// A statement that answers a release's number, as built by `sqlx::query_scalar`.
type NumberQuery<'q> = sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments<'q>>;

/// Binds the registered data as `$1` to `$11`: title, description, the title folded for
/// search, type, risk, impact, urgency, priority, planned start and end, version.
fn bind_data<'q>(query: NumberQuery<'q>, data: &'q RegisteredData) -> NumberQuery<'q> {
    query
        .bind(&data.title)
        .bind(&data.description)
        .bind(fold_for_search(&data.title))
        .bind(&data.release_type)
        .bind(&data.risk)
        .bind(data.impact)
        .bind(data.urgency)
        .bind(data.priority)
        .bind(data.planned_start)
        .bind(data.planned_end)
        .bind(&data.version_label)
}

/// The release's registered data, read through the caller's transaction.
pub async fn registered_data(conn: &mut AnyConnection, id: ReleaseId) -> Result<Option<RegisteredData>, sqlx::Error> {
    sqlx::query_as(
        "SELECT title, description, release_type, risk, impact, urgency, priority,
                planned_start, planned_end, version_label
           FROM releases WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await
}

/// Stores corrected registered data (the version was claimed by the caller).
pub async fn update_registered_data(
    conn: &mut AnyConnection,
    id: ReleaseId,
    data: &RegisteredData,
) -> Result<(), sqlx::Error> {
    let update = sqlx::query_scalar(
        "UPDATE releases SET title = $1, description = $2, search_text = $3, release_type = $4, risk = $5,
                impact = $6, urgency = $7, priority = $8, planned_start = $9, planned_end = $10,
                version_label = $11
          WHERE id = $12
          RETURNING id",
    );
    bind_data(update, data).bind(id.0).fetch_one(&mut *conn).await?;
    Ok(())
}

/// Where a new release starts: its status, flow, step, requester and time.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    pub status: Status,
    pub flow: i64,
    pub step: &'a str,
    pub requester: UserId,
    pub at: i64,
}

/// Inserts a new release; answers the lock on it, which names its number: until the
/// caller's transaction commits, no other one sees the release.
pub async fn insert_release(
    conn: &mut AnyConnection,
    new: &NewRelease,
    placed: &Placed<'_>,
) -> Result<Locked, sqlx::Error> {
    let insert = sqlx::query_scalar(
        "INSERT INTO releases (title, description, search_text, release_type, risk, impact, urgency, priority,
                               planned_start, planned_end, version_label, requester_id, executor_group_id,
                               status, flow_id, current_step, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         RETURNING id",
    );
    let id: i64 = bind_data(insert, &new.data)
        .bind(placed.requester.0)
        .bind(new.executor_group.0)
        .bind(placed.status.code())
        .bind(placed.flow)
        .bind(placed.step)
        .bind(placed.at)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Locked(ReleaseId(id)))
}

/// Records a step that `user` completed at once (registration completes the start step).
pub async fn insert_done_task(
    conn: &mut AnyConnection,
    release: ReleaseId,
    step: &str,
    group: GroupId,
    user: UserId,
    outcome: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tasks (release_id, step_code, group_id, assignee_id, created_at, captured_at,
                            finished_at, finished_by, outcome)
         VALUES ($1, $2, $3, $4, $5, $5, $5, $4, $6)",
    )
    .bind(release.0)
    .bind(step)
    .bind(group.0)
    .bind(user.0)
    .bind(at)
    .bind(outcome)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves a release to `step` with its open task (both `None` once its flow has ended),
/// without a version claim: for the registration, which created the release, and for
/// writes that claimed the version first (advance, reopen), once the new task exists.
pub async fn set_position(
    conn: &mut AnyConnection,
    release: ReleaseId,
    step: Option<&str>,
    task: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE releases SET current_step = $1, current_task_id = $2 WHERE id = $3")
        .bind(step)
        .bind(task)
        .bind(release.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Gives the still-free open task `task` to `user`; false when someone was faster (or the
/// task is finished).
pub async fn take_task(conn: &mut AnyConnection, task: TaskId, user: UserId, at: i64) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query(
        "UPDATE tasks SET assignee_id = $1, captured_at = $2
          WHERE id = $3 AND assignee_id IS NULL AND finished_at IS NULL",
    )
    .bind(user.0)
    .bind(at)
    .bind(task.0)
    .execute(&mut *conn)
    .await?;
    Ok(taken.rows_affected() > 0)
}

/// Who holds the open task `task`; `None` when it is free or finished.
pub async fn task_holder(conn: &mut AnyConnection, task: TaskId) -> Result<Option<Holder>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        assignee_id: i64,
        full_name: String,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT t.assignee_id, u.full_name FROM tasks t JOIN users u ON u.id = t.assignee_id
          WHERE t.id = $1 AND t.finished_at IS NULL",
    )
    .bind(task.0)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|row| Holder { user: UserId(row.assignee_id), name: row.full_name }))
}

/// Finishes the open task `task` with `outcome`; false when it was no longer open (a
/// concurrent advance finished it first).
pub async fn finish_task(
    conn: &mut AnyConnection,
    task: TaskId,
    user: UserId,
    outcome: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let finished = sqlx::query(
        "UPDATE tasks SET finished_at = $1, finished_by = $2, outcome = $3
          WHERE id = $4 AND finished_at IS NULL",
    )
    .bind(at)
    .bind(user.0)
    .bind(outcome)
    .bind(task.0)
    .execute(&mut *conn)
    .await?;
    Ok(finished.rows_affected() > 0)
}

/// An advance's task work: its open task `task` finished by `user` with `outcome`, the next
/// step's task opened for its group (`next`; none once the flow ended), and, out of a step
/// with a Closure area, the area recorded (`closure`, with the release date a resolved
/// outcome sets).
pub struct Finishing<'a> {
    pub release: ReleaseId,
    pub task: TaskId,
    pub user: UserId,
    pub outcome: &'a str,
    pub next: Option<&'a (String, GroupId)>,
    pub closure: Option<(&'a ClosureDraft, Option<i64>)>,
    pub at: i64,
}

/// The hash of a locked release's latest log entry (empty when it has none chained), read
/// under the lock by a statement of the same transaction: the log's next append chains onto
/// it without reading it again (`store::log::append_all`).
#[derive(Debug)]
pub struct ChainHead {
    pub(crate) release: ReleaseId,
    pub(crate) hash: String,
}

/// What finishing a task did.
#[derive(Debug)]
pub enum Finished {
    /// The task was finished already (by a concurrent write); nothing was written.
    No,
    /// The task work was written; on PostgreSQL its statement also read the log's chain head.
    Yes(Option<ChainHead>),
}

/// Finishes the task, opens the next one, moves the release to it and records its Closure
/// area ([`Finishing`]). For a write that claimed the release's version first. On
/// PostgreSQL, one statement (one round trip), which also reads the log's chain head for
/// the advance's entries; on SQLite, whose statements cost no round trip and cannot modify
/// data in a `WITH`, one per table.
pub async fn finish_and_open_next(
    conn: &mut AnyConnection,
    backend: Backend,
    work: &Finishing<'_>,
) -> Result<Finished, sqlx::Error> {
    let Finishing { release, task, user, outcome, next, closure, at } = *work;
    if backend == Backend::Sqlite {
        if !finish_task(conn, task, user, outcome, at).await? {
            return Ok(Finished::No);
        }
        let next_task = insert_next_task(conn, release, next, at).await?;
        set_position(conn, release, next.map(|(step, _)| step.as_str()), next_task).await?;
        if let Some((draft, release_date)) = closure {
            write_closure(conn, release, draft, user, at, release_date).await?;
        }
        return Ok(Finished::Yes(None));
    }
    #[derive(FromRow)]
    struct Row {
        finished: i64,
        head: Option<String>,
    }
    // Every part of the statement sees the tables as they were before it: the release's
    // position is set from the new task's RETURNING, and nothing is written unless the task
    // was still open. Its snapshot is taken under the release's lock, claimed before it, so
    // the log's latest entry it reads is the one the advance's entries chain onto.
    let row: Row = sqlx::query_as(concat!(
        "WITH finished AS (
              UPDATE tasks SET finished_at = $1, finished_by = $2, outcome = $3
               WHERE id = $4 AND finished_at IS NULL RETURNING id),
         next AS (
              INSERT INTO tasks (release_id, step_code, group_id, created_at)
              SELECT $5::bigint, $6::text, $7::bigint, $1 FROM finished WHERE $6::text IS NOT NULL
              RETURNING id),
         moved AS (
              UPDATE releases SET current_step = $6::text, current_task_id = (SELECT id FROM next)
               WHERE id = $5::bigint AND EXISTS (SELECT 1 FROM finished) RETURNING id),
         closure AS (",
        closure_upsert!(
            "SELECT $5::bigint, $9::text, $10::bigint, $11::text, $2, $1, $12::bigint FROM finished WHERE $8::boolean"
        ),
        " RETURNING release_id)
         SELECT (SELECT COUNT(*) FROM finished) AS finished,
                (SELECT chain_hash FROM execution_log WHERE release_id = $5::bigint ORDER BY id DESC LIMIT 1) AS head"
    ))
    .bind(at)
    .bind(user.0)
    .bind(outcome)
    .bind(task.0)
    .bind(release.0)
    .bind(next.map(|(step, _)| step.as_str()))
    .bind(next.map(|(_, group)| group.0))
    .bind(closure.is_some())
    .bind(closure.and_then(|(draft, _)| draft.outcome.map(ClosureOutcome::code)))
    .bind(closure.and_then(|(draft, _)| draft.solution_category.map(|c| c.0)))
    .bind(closure.map(|(draft, _)| draft.useful_information.as_str()))
    .bind(closure.and_then(|(_, release_date)| release_date))
    .fetch_one(&mut *conn)
    .await?;
    Ok(if row.finished > 0 {
        Finished::Yes(Some(ChainHead { release, hash: row.head.unwrap_or_default() }))
    } else {
        Finished::No
    })
}

/// The release with its open task, and the log's snapshot of it: one statement for both.
pub async fn load_for_advance(db: &Db, id: ReleaseId) -> Result<(LoadedRelease, Snapshot), Error> {
    let row = load_row(db, id).await?;
    Ok((loaded_release(&row)?, sqlx::FromRow::from_row(&row)?))
}

/// Whether `category` is a solution category still offered.
pub async fn category_is_active(db: &Db, category: CategoryId) -> Result<bool, sqlx::Error> {
    Ok(active_categories(db).await?.iter().any(|offered| offered.id == category))
}

/// The solution categories offered, in their order; kept between requests
/// ([`crate::store::kept`]).
pub async fn active_categories(db: &Db) -> Result<Categories, sqlx::Error> {
    let ticket = match db.kept().lookup_categories() {
        Lookup::Kept(categories) => return Ok(categories),
        Lookup::Read(ticket) => ticket,
    };
    let rows: Vec<NamedRow> =
        sqlx::query_as("SELECT id, name_es, name_pt FROM solution_categories WHERE active = 1 ORDER BY position, id")
            .fetch_all(&db.pool)
            .await?;
    let categories: Categories =
        rows.into_iter().map(|row| CategoryChoice { id: CategoryId(row.id), name: row.name() }).collect();
    db.kept().keep_categories(ticket, &categories);
    Ok(categories)
}

/// A release as its form shows it, with the names of its people and groups.
#[derive(Debug, sqlx::FromRow)]
pub struct FormRow {
    pub title: String,
    pub description: String,
    pub release_type: String,
    pub risk: String,
    pub impact: i64,
    pub urgency: i64,
    pub priority: i64,
    pub planned_start: i64,
    pub planned_end: i64,
    pub version_label: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub row_version: i64,
    pub current_step: Option<String>,
    pub requester: String,
    pub executor_group: String,
    pub task_group: Option<String>,
    pub responsible: Option<String>,
    pub outcome: Option<String>,
    pub solution_category_id: Option<i64>,
    pub useful_information: Option<String>,
}

pub async fn form_row(db: &Db, id: ReleaseId) -> Result<FormRow, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.title, r.description, r.release_type, r.risk, r.impact, r.urgency, r.priority,
                r.planned_start, r.planned_end, r.version_label, r.created_at,
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
    .await
}
