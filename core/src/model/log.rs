//! The execution log as the UI and the API read it.

use crate::domain::changes::FieldChange;
use crate::domain::log::LogKind;
use crate::domain::Localized;
use serde::{Deserialize, Serialize};

/// An occurrence category or origin: its code in the catalogue and its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NamedChoice {
    pub code: String,
    pub name: Localized,
}

/// What the occurrence form offers: the active categories and origins, in their order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccurrenceChoices {
    pub categories: Vec<NamedChoice>,
    pub origins: Vec<NamedChoice>,
}

/// A manual occurrence's own fields (its text is the entry's `text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OccurrenceView {
    pub category: NamedChoice,
    pub origin: NamedChoice,
    pub description: String,
    pub user_information: String,
}

/// One entry as the log shows it: names in both languages, user text as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
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
