//! The execution log in the database: entries are only ever inserted. There is no update
//! or delete here, and the database's triggers refuse them from anywhere else.

pub use super::LogKind;
use crate::domain::{ReleaseId, UserId};
use crate::db::{values_rows, AnyQuery};
use sqlx::{AnyConnection, Row};
use std::sync::LazyLock;

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub release: ReleaseId,
    pub user: UserId,
    pub at: i64,
    pub kind: LogKind,
    pub step: Option<String>,
    pub time_spent_minutes: Option<i64>,
    pub details: serde_json::Value,
    pub snapshot: Option<serde_json::Value>,
}

impl NewEntry {
    pub fn new(release: ReleaseId, user: UserId, at: i64, kind: LogKind) -> Self {
        NewEntry {
            release,
            user,
            at,
            kind,
            step: None,
            time_spent_minutes: None,
            details: serde_json::Value::Object(Default::default()),
            snapshot: None,
        }
    }
}

/// The columns an entry is inserted with, in their parameters' order.
const COLUMNS: &str = "release_id, occurred_at, user_id, kind, step_code, time_spent_minutes, details, snapshot";
const COLUMN_COUNT: usize = 8;

/// Appends an entry inside the caller's transaction, so it stands or falls with the action;
/// returns the entry's id. On PostgreSQL a trigger tells every instance once it commits.
pub async fn append(conn: &mut AnyConnection, entry: &NewEntry) -> Result<i64, sqlx::Error> {
    static APPEND_ONE: LazyLock<String> =
        LazyLock::new(|| format!("INSERT INTO execution_log ({COLUMNS}) VALUES {} RETURNING id", values_rows(1, COLUMN_COUNT)));
    bind(sqlx::query(APPEND_ONE.as_str()), entry).fetch_one(conn).await?.try_get("id")
}

/// Appends several entries in one statement, in order, inside the caller's transaction.
pub async fn append_all(conn: &mut AnyConnection, entries: &[NewEntry]) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO execution_log ({COLUMNS}) VALUES {}", values_rows(entries.len(), COLUMN_COUNT));
    let statement = entries.iter().fold(sqlx::query(&sql), bind);
    statement.execute(conn).await?;
    Ok(())
}

fn bind<'q>(query: AnyQuery<'q>, entry: &'q NewEntry) -> AnyQuery<'q> {
    query
        .bind(entry.release.0)
        .bind(entry.at)
        .bind(entry.user.0)
        .bind(entry.kind.code())
        .bind(entry.step.as_deref())
        .bind(entry.time_spent_minutes)
        .bind(entry.details.to_string())
        .bind(entry.snapshot.as_ref().map(|s| s.to_string()))
}

/// A stored entry, with the names the log shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEntry {
    pub id: i64,
    #[sqlx(rename = "occurred_at")]
    pub at: i64,
    #[sqlx(rename = "full_name")]
    pub user: String,
    pub kind: String,
    #[sqlx(rename = "step_code")]
    pub step: Option<String>,
    pub time_spent_minutes: Option<i64>,
    pub details: String,
    /// The release after an advance, as JSON.
    pub snapshot: Option<String>,
}

/// The release's entries, oldest first.
pub async fn entries(db: &crate::db::Db, release: ReleaseId) -> Result<Vec<StoredEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.occurred_at, u.full_name, l.kind, l.step_code, l.time_spent_minutes, l.details, l.snapshot
           FROM execution_log l JOIN users u ON u.id = l.user_id
          WHERE l.release_id = $1
          ORDER BY l.id",
    )
    .bind(release.0)
    .fetch_all(&db.pool)
    .await
}

/// The release's log as users read it, newest first; each advance carries what changed
/// since the previous advance's snapshot.
pub async fn log_view(
    db: &crate::db::Db,
    flows: &crate::db::flows::FlowCache,
    release: ReleaseId,
) -> Result<Vec<super::api::LogEntryView>, crate::error::AppError> {
    use super::changes::{changed_fields, FieldChange, ShownValue, TrackedField};
    use crate::domain::{ClosureOutcome, Localized, Status};
    let loaded = crate::release_form::db::load(db, release).await?;
    let flow = flows.get(db, loaded.flow_id).await?;
    let categories: std::collections::HashMap<i64, Localized> =
        sqlx::query("SELECT id, name_es, name_pt FROM solution_categories")
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, Localized { es: r.try_get("name_es")?, pt: r.try_get("name_pt")? })))
            .collect::<Result<_, sqlx::Error>>()?;
    let shown = |field: TrackedField, value: serde_json::Value| -> Option<ShownValue> {
        let text = value.as_str().map(str::to_owned);
        Some(match field {
            TrackedField::Status => ShownValue::Status(Status::from_code(text.as_deref()?)?),
            TrackedField::Outcome => ShownValue::Outcome(ClosureOutcome::from_code(text.as_deref()?)?),
            TrackedField::Step => match flow.step(text.as_deref()?) {
                Some(step) => ShownValue::Name(step.name.clone()),
                None => ShownValue::Text(text?),
            },
            TrackedField::SolutionCategory => ShownValue::Name(categories.get(&value.as_i64()?)?.clone()),
            TrackedField::Priority => ShownValue::Number(value.as_i64()?),
            TrackedField::PlannedEnd => ShownValue::Time(value.as_i64()?),
            TrackedField::Title | TrackedField::VersionLabel | TrackedField::UsefulInformation => {
                ShownValue::Text(text?)
            }
        })
    };
    let stored = entries(db, release).await?;
    let mut previous: Option<serde_json::Value> = None;
    let mut views = Vec::with_capacity(stored.len());
    for entry in stored {
        let snapshot = entry.snapshot.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
        let Some(mut view) = super::api::entry_view(&flow, entry) else { continue };
        if let Some(snapshot) = snapshot {
            view.changes = changed_fields(previous.as_ref(), &snapshot)
                .into_iter()
                .map(|(field, before, after)| FieldChange {
                    field,
                    before: before.and_then(|v| shown(field, v)),
                    after: after.and_then(|v| shown(field, v)),
                })
                .collect();
            previous = Some(snapshot);
        }
        views.push(view);
    }
    views.reverse();
    Ok(views)
}

/// Appends a manual occurrence, after checking who may record and every field.
pub async fn add_occurrence(
    db: &crate::db::Db,
    flows: &crate::db::flows::FlowCache,
    actor: &crate::domain::permissions::Actor,
    release: ReleaseId,
    draft: &crate::domain::occurrence::OccurrenceDraft,
    now: i64,
) -> Result<i64, crate::error::AppError> {
    let loaded = crate::release_form::db::load(db, release).await?;
    let flow = flows.get(db, loaded.flow_id).await?;
    crate::domain::occurrence::check_may_record(&loaded.scope(&flow), actor)?;
    let occurrence = draft.check()?;
    let mut tx = db.begin_write().await?;
    let mut entry = NewEntry::new(release, actor.user, now, LogKind::Manual);
    entry.step = loaded.state.task.as_ref().map(|t| t.step.clone());
    entry.time_spent_minutes = Some(occurrence.minutes);
    entry.details = serde_json::json!({
        "category": occurrence.category.code(),
        "origin": occurrence.origin.code(),
        "description": occurrence.description,
        "text": occurrence.occurrence,
        "user_information": occurrence.user_information,
    });
    let id = append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(id)
}
