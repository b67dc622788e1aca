//! What an advance changed: the release's snapshot after it against the snapshot after the
//! previous advance, field by field; and the fields a correction of the registered data
//! changed. Plain Rust over the stored JSON, no I/O.

use crate::domain::{ClosureOutcome, Localized, ReleaseType, Risk, Status};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A field of the release that the log's history follows, in the order it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrackedField {
    Status,
    Step,
    Title,
    Priority,
    PlannedEnd,
    VersionLabel,
    Outcome,
    SolutionCategory,
    UsefulInformation,
    // Corrected registered data, listed by the entry of the correction (no snapshot has them).
    Description,
    ReleaseType,
    Risk,
    Impact,
    Urgency,
    PlannedStart,
}

impl TrackedField {
    /// The fields a snapshot holds, compared between advances.
    pub const ALL: [TrackedField; 9] = [
        TrackedField::Status,
        TrackedField::Step,
        TrackedField::Title,
        TrackedField::Priority,
        TrackedField::PlannedEnd,
        TrackedField::VersionLabel,
        TrackedField::Outcome,
        TrackedField::SolutionCategory,
        TrackedField::UsefulInformation,
    ];

    /// The key of the field in a stored snapshot.
    pub fn key(self) -> &'static str {
        match self {
            TrackedField::Status => "status",
            TrackedField::Step => "current_step",
            TrackedField::Title => "title",
            TrackedField::Priority => "priority",
            TrackedField::PlannedEnd => "planned_end",
            TrackedField::VersionLabel => "version_label",
            TrackedField::Outcome => "outcome",
            TrackedField::SolutionCategory => "solution_category_id",
            TrackedField::UsefulInformation => "useful_information",
            TrackedField::Description => "description",
            TrackedField::ReleaseType => "release_type",
            TrackedField::Risk => "risk",
            TrackedField::Impact => "impact",
            TrackedField::Urgency => "urgency",
            TrackedField::PlannedStart => "planned_start",
        }
    }
}

/// A value as the log shows it: names in both languages, user text as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum ShownValue {
    Status(Status),
    Outcome(ClosureOutcome),
    Name(Localized),
    Time(i64),
    /// A priority, 1 (highest) to 5.
    Number(i64),
    Text(String),
    ReleaseType(ReleaseType),
    Risk(Risk),
    /// An impact or urgency: 1 high, 2 medium, 3 low.
    Level(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub field: TrackedField,
    pub before: Option<ShownValue>,
    pub after: Option<ShownValue>,
}

/// The fields whose stored value differs between two snapshots; with no earlier snapshot,
/// every field that has a value counts as changed from nothing.
pub fn changed_fields(before: Option<&Value>, after: &Value) -> Vec<(TrackedField, Option<Value>, Option<Value>)> {
    let value_of = |snapshot: Option<&Value>, field: TrackedField| {
        snapshot.and_then(|s| s.get(field.key())).filter(|v| !v.is_null() && *v != "").cloned()
    };
    TrackedField::ALL
        .into_iter()
        .filter_map(|field| {
            let (old, new) = (value_of(before, field), value_of(Some(after), field));
            (old != new).then_some((field, old, new))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_fields_that_changed_are_listed_in_order() {
        let before = json!({ "status": "in_execution", "current_step": "execution", "priority": 2,
                             "outcome": null, "useful_information": "" , "title": "ERP" });
        let after = json!({ "status": "resolved", "current_step": "review", "priority": 2,
                            "outcome": "resolved", "useful_information": "Hecho.", "title": "ERP" });
        let fields: Vec<_> = changed_fields(Some(&before), &after).into_iter().map(|(f, _, _)| f).collect();
        assert_eq!(
            fields,
            [TrackedField::Status, TrackedField::Step, TrackedField::Outcome, TrackedField::UsefulInformation]
        );
        let (_, old, new) = changed_fields(Some(&before), &after).remove(0);
        assert_eq!((old, new), (Some(json!("in_execution")), Some(json!("resolved"))));
    }

    #[test]
    fn the_first_advance_lists_every_field_with_a_value() {
        let after = json!({ "status": "registered", "current_step": "authorization", "priority": 3,
                            "outcome": null, "useful_information": "", "title": "CRM" });
        let changes = changed_fields(None, &after);
        assert_eq!(changes.len(), 4);
        assert!(changes.iter().all(|(_, old, new)| old.is_none() && new.is_some()));
    }

    #[test]
    fn identical_snapshots_change_nothing() {
        let snapshot = json!({ "status": "approved", "priority": 1 });
        assert!(changed_fields(Some(&snapshot), &snapshot).is_empty());
    }
}
