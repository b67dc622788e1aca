//! Reading the execution log.

use super::LogKind;
use crate::domain::{Localized, ReleaseId};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

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
    })
}

/// The release's execution log, newest first. Anyone logged in may read it.
#[server(prefix = "/api", endpoint = "release_log", input = Json)]
pub async fn release_log(id: ReleaseId) -> Result<Vec<LogEntryView>, AppError> {
    use crate::auth::session::{require_actor, use_db};
    require_actor().await?;
    let db = use_db()?;
    let flows = use_context::<crate::db::flows::FlowCache>().ok_or(AppError::Internal)?;
    let release = crate::release_form::db::load(&db, id).await?;
    let flow = flows.get(&db, release.flow_id).await?;
    let entries = super::db::entries(&db, id).await?;
    Ok(entries.into_iter().filter_map(|entry| entry_view(&flow, entry)).collect())
}
