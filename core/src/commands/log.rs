//! The execution log as users read it, and the manual occurrences they add to it.

use super::Ctx;
use crate::domain::changes::{changed_fields, FieldChange, ShownValue, TrackedField};
use crate::domain::flow::FlowDefinition;
use crate::domain::occurrence::{check_may_record, OccurrenceDraft};
use crate::domain::{ClosureOutcome, ReleaseId, Status};
use crate::model::log::{LogEntryView, OccurrenceView};
use crate::store::log::{append, category_names, entries, LogKind, NewEntry, StoredEntry};
use crate::store::releases::load;
use crate::Error;

/// An entry as the log shows it; `None` for a kind this version does not know.
pub fn entry_view(flow: &FlowDefinition, entry: StoredEntry) -> Option<LogEntryView> {
    let kind = LogKind::from_code(&entry.kind)?;
    let step_name = |code: Option<&str>| code.and_then(|c| flow.step(c)).map(|s| s.name.clone());
    let details: serde_json::Value = serde_json::from_str(&entry.details).unwrap_or_default();
    let text = |key: &str| details.get(key).and_then(|v| v.as_str());
    let occurrence = (kind == LogKind::Manual).then(|| OccurrenceView {
        category: text("category").unwrap_or_default().to_owned(),
        origin: text("origin").unwrap_or_default().to_owned(),
        description: text("description").unwrap_or_default().to_owned(),
        user_information: text("user_information").unwrap_or_default().to_owned(),
    });
    Some(LogEntryView {
        id: entry.id,
        at: entry.at,
        user: entry.user,
        kind,
        step: step_name(entry.step.as_deref()),
        time_spent_minutes: entry.time_spent_minutes,
        outcome: text("outcome").and_then(|o| flow.outcome(o)).map(|o| o.name.clone()),
        to_step: step_name(text("to_step")),
        label: details.get("label").and_then(|l| serde_json::from_value(l.clone()).ok()),
        text: text("title").or(text("item")).or(text("text")).map(str::to_owned),
        changes: Vec::new(),
        occurrence,
    })
}

/// The release's log as users read it, newest first; each advance carries what changed
/// since the previous advance's snapshot.
/// Anyone logged in may read it.
pub async fn log_view(ctx: &Ctx, release: ReleaseId) -> Result<Vec<LogEntryView>, Error> {
    let (db, flows) = (&ctx.db, &ctx.flows);
    let loaded = load(db, release).await?;
    let flow = flows.get(db, loaded.flow_id).await?;
    let categories = category_names(db).await?;
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
        let Some(mut view) = entry_view(&flow, entry) else { continue };
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
pub async fn add_occurrence(ctx: &Ctx, release: ReleaseId, draft: &OccurrenceDraft) -> Result<i64, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let loaded = load(db, release).await?;
    let flow = flows.get(db, loaded.flow_id).await?;
    check_may_record(&loaded.scope(&flow), actor)?;
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
