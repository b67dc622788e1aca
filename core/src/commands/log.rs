//! The execution log as users read it, and the manual occurrences they add to it.

use super::Ctx;
use crate::domain::changes::{changed_fields, FieldChange, ShownValue, TrackedField};
use crate::domain::flow::FlowDefinition;
use crate::domain::occurrence::{check_may_record, OccurrenceDraft};
use crate::domain::validation::{Field, FieldError, Problem};
use crate::domain::{ClosureOutcome, Localized, ReleaseId, ReleaseType, Risk, Status};
use crate::model::catalogues::Catalogue;
use crate::model::log::{LogEntryView, NamedChoice, OccurrenceChoices, OccurrenceView};
use crate::store::catalogues::{items, items_by_code};
use crate::store::log::{append, category_names, entries, LogDetails, LogKind, NewEntry, StoredEntry};
use crate::store::releases::load;
use crate::store::Db;
use crate::Error;
use std::collections::HashMap;

/// The names of every occurrence category and origin, retired ones too, by code: the names
/// of entries written before these were catalogues, which hold the code only.
#[derive(Debug, Default)]
pub struct OccurrenceNames {
    categories: HashMap<String, Localized>,
    origins: HashMap<String, Localized>,
}

impl OccurrenceNames {
    pub async fn load(db: &Db) -> Result<OccurrenceNames, Error> {
        let names = |items: Vec<crate::model::catalogues::CatalogueItem>| {
            items.into_iter().filter_map(|item| Some((item.code, item.fields.name()?.clone()))).collect()
        };
        Ok(OccurrenceNames {
            categories: names(items(db, Catalogue::OccurrenceCategories).await?),
            origins: names(items(db, Catalogue::OccurrenceOrigins).await?),
        })
    }

    /// The choice as the entry recorded it; an unknown code is named by itself.
    fn choice(names: &HashMap<String, Localized>, code: Option<String>, name: Option<Localized>) -> NamedChoice {
        let code = code.unwrap_or_default();
        let name = name
            .or_else(|| names.get(&code).cloned())
            .unwrap_or_else(|| Localized { es: code.clone(), pt: code.clone() });
        NamedChoice { code, name }
    }
}

/// An entry as the log shows it; `None` for a kind this version does not know.
pub fn entry_view(flow: &FlowDefinition, names: &OccurrenceNames, entry: StoredEntry) -> Option<LogEntryView> {
    let kind = LogKind::from_code(&entry.kind)?;
    let step_name = |code: Option<&str>| code.and_then(|c| flow.step(c)).map(|s| s.name.clone());
    // A text the row lacks reads as empty, and shows as absent.
    let shown = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    let (mut outcome, mut to_step, mut label, mut text, mut occurrence) = (None, None, None, None, None);
    let mut changes = Vec::new();
    match LogDetails::read(kind, &entry.details) {
        LogDetails::Registered { title } => text = shown(&title),
        LogDetails::Advanced { outcome: code, to_step: next, .. } => {
            outcome = flow.outcome(&code).map(|o| o.name.clone());
            to_step = step_name(next.as_deref());
        }
        LogDetails::Linked { item, .. } | LogDetails::Unlinked { item, .. } => text = shown(&item),
        LogDetails::Manual {
            category,
            category_name,
            origin,
            origin_name,
            description,
            text: typed,
            user_information,
        } => {
            text = shown(&typed);
            occurrence = Some(OccurrenceView {
                category: OccurrenceNames::choice(&names.categories, category, category_name),
                origin: OccurrenceNames::choice(&names.origins, origin, origin_name),
                description,
                user_information,
            });
        }
        LogDetails::Delegated { text: typed, .. } | LogDetails::Cancelled { text: typed } => text = shown(&typed),
        LogDetails::Suspended { label: name, text: typed, .. } => {
            label = name;
            text = shown(&typed);
        }
        LogDetails::Reopened { text: typed, to_step: next } => {
            to_step = step_name(Some(&next));
            text = shown(&typed);
        }
        LogDetails::Edited { changes: corrected } => changes = corrected,
        LogDetails::AttachmentAdded { name, .. } | LogDetails::AttachmentRemoved { name, .. } => text = shown(&name),
        LogDetails::Captured
        | LogDetails::Saved
        | LogDetails::Resolved
        | LogDetails::SentBack
        | LogDetails::Reactivated => {}
    }
    Some(LogEntryView {
        id: entry.id,
        at: entry.at,
        user: entry.user,
        kind,
        step: step_name(entry.step.as_deref()),
        time_spent_minutes: entry.time_spent_minutes,
        outcome,
        to_step,
        label,
        text,
        changes,
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
    let names = OccurrenceNames::load(db).await?;
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
            TrackedField::Title
            | TrackedField::VersionLabel
            | TrackedField::UsefulInformation
            | TrackedField::Description => ShownValue::Text(text?),
            TrackedField::PlannedStart => ShownValue::Time(value.as_i64()?),
            TrackedField::Impact | TrackedField::Urgency => ShownValue::Level(value.as_i64()?),
            TrackedField::ReleaseType => ShownValue::ReleaseType(ReleaseType::from_code(text.as_deref()?)?),
            TrackedField::Risk => ShownValue::Risk(Risk::from_code(text.as_deref()?)?),
        })
    };
    let stored = entries(db, release).await?;
    let mut previous: Option<serde_json::Value> = None;
    let mut views = Vec::with_capacity(stored.len());
    for entry in stored {
        let snapshot = entry.snapshot.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
        let Some(mut view) = entry_view(&flow, &names, entry) else { continue };
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

/// The occurrence categories and origins the form offers. Anyone logged in may read them.
pub async fn occurrence_choices(ctx: &Ctx) -> Result<OccurrenceChoices, Error> {
    let offered = |items: Vec<crate::model::catalogues::CatalogueItem>| {
        items
            .into_iter()
            .filter(|item| item.active)
            .filter_map(|item| Some(NamedChoice { name: item.fields.name()?.clone(), code: item.code }))
            .collect()
    };
    Ok(OccurrenceChoices {
        categories: offered(items(&ctx.db, Catalogue::OccurrenceCategories).await?),
        origins: offered(items(&ctx.db, Catalogue::OccurrenceOrigins).await?),
    })
}

/// The names of the offered item `code` of a named catalogue; a code it does not offer is
/// a wrong value of `field`.
async fn offered_name(
    conn: &mut sqlx::AnyConnection,
    catalogue: Catalogue,
    code: &str,
    field: Field,
) -> Result<Localized, Error> {
    let found = items_by_code(conn, catalogue, &[code]).await?;
    found
        .into_iter()
        .find(|item| item.active)
        .and_then(|item| item.fields.name().cloned())
        .ok_or_else(|| FieldError { field, problem: Problem::OutOfRange }.into())
}

/// Appends a manual occurrence, after checking who may record and every field.
pub async fn add_occurrence(ctx: &Ctx, release: ReleaseId, draft: &OccurrenceDraft) -> Result<i64, Error> {
    super::retrying(|| add_occurrence_once(ctx, release, draft)).await
}

async fn add_occurrence_once(ctx: &Ctx, release: ReleaseId, draft: &OccurrenceDraft) -> Result<i64, Error> {
    let (db, flows, actor, now) = (&ctx.db, &ctx.flows, &ctx.actor, ctx.now);
    let loaded = load(db, release).await?;
    let flow = flows.get(db, loaded.flow_id).await?;
    check_may_record(&loaded.scope(&flow), actor)?;
    let occurrence = draft.check()?;
    let mut tx = db.begin_write().await?;
    // The release first: the lock order of every write (`releases::lock`).
    let lock = crate::store::releases::lock(&mut tx, release).await?;
    let category_name =
        offered_name(&mut tx, Catalogue::OccurrenceCategories, &occurrence.category, Field::OccurrenceCategory).await?;
    let origin_name =
        offered_name(&mut tx, Catalogue::OccurrenceOrigins, &occurrence.origin, Field::OccurrenceOrigin).await?;
    let details = LogDetails::Manual {
        category: Some(occurrence.category),
        category_name: Some(category_name),
        origin: Some(occurrence.origin),
        origin_name: Some(origin_name),
        description: occurrence.description,
        text: occurrence.occurrence,
        user_information: occurrence.user_information,
    };
    let mut entry = NewEntry::new(release, actor.user, now, details);
    entry.step = loaded.state.task.as_ref().map(|t| t.step.clone());
    entry.time_spent_minutes = Some(occurrence.minutes);
    let id = append(db, &mut tx, lock, &entry).await?;
    tx.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{GroupId, UserId};
    use crate::model::relations::RelationKind;

    fn release_flow() -> FlowDefinition {
        toml::from_str(include_str!("../../../flows/release.toml")).expect("flow parses")
    }

    fn stored(kind: &str, details: &str) -> StoredEntry {
        StoredEntry {
            id: 1,
            at: 1_700_000_000,
            user: "Ana Martínez".into(),
            kind: kind.into(),
            step: Some("execution".into()),
            time_spent_minutes: Some(30),
            details: details.into(),
            snapshot: None,
        }
    }

    /// The view as it was read by string key before the details had a type.
    fn keyed_view(flow: &FlowDefinition, entry: StoredEntry) -> Option<LogEntryView> {
        let kind = LogKind::from_code(&entry.kind)?;
        let step_name = |code: Option<&str>| code.and_then(|c| flow.step(c)).map(|s| s.name.clone());
        let details: serde_json::Value = serde_json::from_str(&entry.details).unwrap_or_default();
        let text = |key: &str| details.get(key).and_then(|v| v.as_str());
        let choice = |code: &str, name: &str| {
            let code = text(code).unwrap_or_default().to_owned();
            let name = details.get(name).and_then(|l| serde_json::from_value(l.clone()).ok());
            NamedChoice { name: name.unwrap_or_else(|| Localized { es: code.clone(), pt: code.clone() }), code }
        };
        let occurrence = (kind == LogKind::Manual).then(|| OccurrenceView {
            category: choice("category", "category_name"),
            origin: choice("origin", "origin_name"),
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

    #[test]
    fn the_view_of_typed_details_is_the_view_read_by_key() {
        let flow = release_flow();
        let written = [
            LogDetails::Registered { title: "Actualizar ERP".into() },
            LogDetails::Captured,
            LogDetails::Saved,
            LogDetails::Advanced {
                outcome: "resolved".into(),
                to_step: Some("review".into()),
                status: Some(Status::Resolved),
            },
            LogDetails::Advanced { outcome: "accepted".into(), to_step: None, status: Some(Status::Closed) },
            LogDetails::Resolved,
            LogDetails::SentBack,
            LogDetails::Linked { relation: Some(RelationKind::Problem), item: "#7 Caída del ERP".into() },
            LogDetails::Unlinked { relation: Some(RelationKind::Role), item: "Ana Martínez".into() },
            LogDetails::Manual {
                category: Some("diagnosis".into()),
                category_name: Some(Localized { es: "Diagnóstico".into(), pt: "Diagnóstico".into() }),
                origin: Some("phone".into()),
                origin_name: None,
                description: "Llamada".into(),
                text: "Se revisó el paquete.".into(),
                user_information: "Sin corte.".into(),
            },
            LogDetails::Delegated {
                text: "Despliegue N1".into(),
                to_group: Some(GroupId(3)),
                to_user: Some(UserId(5)),
            },
            LogDetails::Suspended {
                justification: "window".into(),
                label: Some(Localized { es: "Ventana".into(), pt: "Janela".into() }),
                text: "Aplazada".into(),
            },
            LogDetails::Reactivated,
            LogDetails::Reopened { text: "Fallos".into(), to_step: "execution".into() },
            LogDetails::Cancelled { text: "Innecesaria".into() },
        ];
        let mut rows: Vec<(&str, String)> = written.iter().map(|d| (d.kind().code(), d.to_json())).collect();
        // Rows as the benchmark seeder writes them, and rows that do not read. (A field of
        // the wrong type beside good ones is left out: it now empties the whole entry, where
        // reading by key kept the others; no writer stores one.)
        rows.push(("advanced", r#"{"outcome":"not_resolved","step":"execution"}"#.into()));
        for &kind in LogKind::ALL {
            for json in ["{}", "not json", "null", r#"{"label":"x"}"#] {
                rows.push((kind.code(), json.into()));
            }
        }
        rows.push(("forged", "{}".into()));
        for (kind, json) in rows {
            let typed = entry_view(&flow, &OccurrenceNames::default(), stored(kind, &json));
            assert_eq!(typed, keyed_view(&flow, stored(kind, &json)), "{kind} {json}");
        }
    }

    #[test]
    fn an_occurrence_keeps_the_names_it_was_recorded_with_and_older_ones_take_the_catalogues() {
        let flow = release_flow();
        let mut names = OccurrenceNames::default();
        names.categories.insert("diagnosis".into(), Localized { es: "Diagnóstico".into(), pt: "Diagnóstico".into() });
        names.origins.insert("phone".into(), Localized { es: "Teléfono".into(), pt: "Telefone".into() });
        let older = r#"{"kind":"manual","category":"diagnosis","origin":"phone","text":"t"}"#;
        let recorded = LogDetails::Manual {
            category: Some("diagnosis".into()),
            category_name: Some(Localized { es: "Análisis".into(), pt: "Análise".into() }),
            origin: Some("phone".into()),
            origin_name: Some(Localized { es: "Llamada".into(), pt: "Ligação".into() }),
            description: String::new(),
            text: "t".into(),
            user_information: String::new(),
        }
        .to_json();
        let named = |json: &str| {
            let occurrence = entry_view(&flow, &names, stored("manual", json)).and_then(|view| view.occurrence);
            occurrence.map(|o| (o.category.code, o.category.name.pt, o.origin.name.es))
        };
        assert_eq!(named(older), Some(("diagnosis".into(), "Diagnóstico".into(), "Teléfono".into())));
        assert_eq!(named(&recorded), Some(("diagnosis".into(), "Análise".into(), "Llamada".into())));
    }
}
