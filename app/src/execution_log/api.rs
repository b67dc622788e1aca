//! Reading, adding to and exporting the execution log.

use super::changes::FieldChange;
use super::LogKind;
use crate::domain::occurrence::OccurrenceDraft;
use crate::domain::{Localized, ReleaseId};
use crate::error::AppError;
use leptos::prelude::*;
use crate::codec::StrictJson;
use serde::{Deserialize, Serialize};

/// A manual occurrence's own fields (its text is the entry's `text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccurrenceView {
    pub category: String,
    pub origin: String,
    pub description: String,
    pub user_information: String,
}

/// One entry as the log shows it: names in both languages, user text as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntryView {
    pub id: i64,
    pub at: i64,
    pub user: String,
    pub kind: LogKind,
    pub step: Option<Localized>,
    pub time_spent_minutes: Option<i64>,
    pub outcome: Option<Localized>,
    pub to_step: Option<Localized>,
    /// A name from a managed list (a suspension's justification), in both languages.
    pub label: Option<Localized>,
    /// Text the user typed or named, shown as is.
    pub text: Option<String>,
    /// For an advance: what it changed in the release since the previous advance.
    pub changes: Vec<FieldChange>,
    pub occurrence: Option<OccurrenceView>,
}

/// An entry as the log shows it; `None` for a kind this version does not know.
#[cfg(feature = "ssr")]
pub(crate) fn entry_view(
    flow: &crate::domain::flow::FlowDefinition,
    entry: super::db::StoredEntry,
) -> Option<LogEntryView> {
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

/// The release's execution log, newest first, each advance with what it changed.
/// Anyone logged in may read it.
#[server(prefix = "/api", endpoint = "release_log", input = StrictJson, output = crate::codec::JsonText)]
pub async fn release_log(id: ReleaseId) -> Result<Vec<LogEntryView>, AppError> {
    use crate::auth::session::{require_actor, use_db};
    require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    super::db::log_view(&db, &flows, id).await
}

/// Adds a manual occurrence, stamped with the user and the time; returns its id.
#[server(prefix = "/api", endpoint = "add_occurrence", input = StrictJson, output = crate::codec::JsonText)]
pub async fn add_occurrence(id: ReleaseId, occurrence: OccurrenceDraft) -> Result<i64, AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    super::db::add_occurrence(&db, &flows, &actor, id, &occurrence, crate::db::now()).await
}

/// The log as CSV in `language` ("es" or "pt"): columns and names translated, what users
/// typed as typed.
#[server(prefix = "/api", endpoint = "export_log", input = StrictJson, output = crate::codec::JsonText)]
pub async fn export_log(id: ReleaseId, language: String) -> Result<String, AppError> {
    use crate::auth::session::{require_actor, use_db};
    require_actor().await?;
    let locale = match language.as_str() {
        "es" => crate::i18n::Locale::es,
        "pt" => crate::i18n::Locale::pt,
        _ => return Err(AppError::Request { message: "the language must be es or pt".into() }),
    };
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    let entries = super::db::log_view(&db, &flows, id).await?;
    super::csv::log_csv(locale, &entries).map_err(|error| {
        tracing::error!(%error, "cannot write the log as CSV");
        AppError::Internal
    })
}
