//! What the execution log records: the kind of each entry and its details.

use super::changes::FieldChange;
use super::RelationKind;
use super::{GroupId, Localized, Status, UserId};
use serde::{Deserialize, Serialize};

super::code_enum!(
    /// What happened, as stored in `execution_log.kind`.
    LogKind {
        Registered = "registered",
        Captured = "captured",
        Saved = "saved",
        Advanced = "advanced",
        Resolved = "resolved",
        SentBack = "sent_back",
        Linked = "linked",
        Unlinked = "unlinked",
        Manual = "manual",
        Delegated = "delegated",
        Suspended = "suspended",
        Reactivated = "reactivated",
        Reopened = "reopened",
        Cancelled = "cancelled",
        Edited = "edited",
        AttachmentAdded = "attachment_added",
        AttachmentRemoved = "attachment_removed",
    }
);

impl LogKind {
    /// The entries of the "Acción" menu's actions, which the flow view's history also shows.
    pub fn is_release_action(self) -> bool {
        matches!(
            self,
            LogKind::Delegated | LogKind::Suspended | LogKind::Reactivated | LogKind::Reopened | LogKind::Cancelled
        )
    }
}

/// What an entry records beside its kind, as stored in `execution_log.details` (JSON
/// tagged with `kind`). Written and read through this type only; field names are the
/// stored ones. Every field has a default, so rows written before a field existed (or by
/// the benchmark seeder, with fewer fields) still read: [`LogDetails::read`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogDetails {
    /// The release was registered with this title.
    Registered {
        #[serde(default)]
        title: String,
    },
    Captured,
    Saved,
    /// The task was finished with `outcome` (a flow outcome's code); the release went to
    /// `to_step` (`None` when the flow ended) with `status`.
    Advanced {
        #[serde(default)]
        outcome: String,
        #[serde(default)]
        to_step: Option<String>,
        #[serde(default)]
        status: Option<Status>,
    },
    /// Follows an advance whose outcome resolved the release.
    Resolved,
    /// Follows an advance whose outcome sent the release back.
    SentBack,
    /// An item was linked; `item` names it as the log shows it.
    Linked {
        #[serde(default)]
        relation: Option<RelationKind>,
        #[serde(default)]
        item: String,
    },
    /// An item was unlinked; `item` names it as the log shows it.
    Unlinked {
        #[serde(default)]
        relation: Option<RelationKind>,
        #[serde(default)]
        item: String,
    },
    /// A manual occurrence; `text` is the occurrence itself. Its category and origin by
    /// code and by the names they had then (entries written before these were catalogues
    /// hold the code only).
    Manual {
        #[serde(default)]
        category: Option<String>,
        #[serde(default)]
        category_name: Option<Localized>,
        #[serde(default)]
        origin: Option<String>,
        #[serde(default)]
        origin_name: Option<Localized>,
        #[serde(default)]
        description: String,
        #[serde(default)]
        text: String,
        #[serde(default)]
        user_information: String,
    },
    /// The task was handed to `to_group` and, when given, `to_user`; `text` names them.
    Delegated {
        #[serde(default)]
        text: String,
        #[serde(default)]
        to_group: Option<GroupId>,
        #[serde(default)]
        to_user: Option<UserId>,
    },
    /// The release was suspended: the justification's code and names, and the complement.
    Suspended {
        #[serde(default)]
        justification: String,
        #[serde(default)]
        label: Option<Localized>,
        #[serde(default)]
        text: String,
    },
    Reactivated,
    /// The release was reopened at `to_step`, for the reason in `text`.
    Reopened {
        #[serde(default)]
        text: String,
        #[serde(default)]
        to_step: String,
    },
    /// The release was cancelled, for the reason in `text`.
    Cancelled {
        #[serde(default)]
        text: String,
    },
    /// The registered data was corrected: each field that changed, before and after.
    Edited {
        #[serde(default)]
        changes: Vec<FieldChange>,
    },
    /// A file was attached to the release, or to its manual occurrence `occurrence` (the
    /// entry's id): its name, detected type, size in bytes and SHA-256.
    AttachmentAdded {
        #[serde(default)]
        name: String,
        #[serde(default)]
        media_type: String,
        #[serde(default)]
        size: i64,
        #[serde(default)]
        sha256: String,
        #[serde(default)]
        occurrence: Option<i64>,
    },
    /// An attached file was removed.
    AttachmentRemoved {
        #[serde(default)]
        name: String,
        #[serde(default)]
        sha256: String,
        #[serde(default)]
        occurrence: Option<i64>,
    },
}

impl LogDetails {
    /// The entry's kind, stored in its own column.
    pub fn kind(&self) -> LogKind {
        match self {
            LogDetails::Registered { .. } => LogKind::Registered,
            LogDetails::Captured => LogKind::Captured,
            LogDetails::Saved => LogKind::Saved,
            LogDetails::Advanced { .. } => LogKind::Advanced,
            LogDetails::Resolved => LogKind::Resolved,
            LogDetails::SentBack => LogKind::SentBack,
            LogDetails::Linked { .. } => LogKind::Linked,
            LogDetails::Unlinked { .. } => LogKind::Unlinked,
            LogDetails::Manual { .. } => LogKind::Manual,
            LogDetails::Delegated { .. } => LogKind::Delegated,
            LogDetails::Suspended { .. } => LogKind::Suspended,
            LogDetails::Reactivated => LogKind::Reactivated,
            LogDetails::Reopened { .. } => LogKind::Reopened,
            LogDetails::Cancelled { .. } => LogKind::Cancelled,
            LogDetails::Edited { .. } => LogKind::Edited,
            LogDetails::AttachmentAdded { .. } => LogKind::AttachmentAdded,
            LogDetails::AttachmentRemoved { .. } => LogKind::AttachmentRemoved,
        }
    }

    /// The details of `kind` with every field at its default: what a row that cannot be
    /// read shows.
    pub fn empty(kind: LogKind) -> LogDetails {
        match kind {
            LogKind::Registered => LogDetails::Registered { title: String::new() },
            LogKind::Captured => LogDetails::Captured,
            LogKind::Saved => LogDetails::Saved,
            LogKind::Advanced => LogDetails::Advanced { outcome: String::new(), to_step: None, status: None },
            LogKind::Resolved => LogDetails::Resolved,
            LogKind::SentBack => LogDetails::SentBack,
            LogKind::Linked => LogDetails::Linked { relation: None, item: String::new() },
            LogKind::Unlinked => LogDetails::Unlinked { relation: None, item: String::new() },
            LogKind::Manual => LogDetails::Manual {
                category: None,
                category_name: None,
                origin: None,
                origin_name: None,
                description: String::new(),
                text: String::new(),
                user_information: String::new(),
            },
            LogKind::Delegated => LogDetails::Delegated { text: String::new(), to_group: None, to_user: None },
            LogKind::Suspended => {
                LogDetails::Suspended { justification: String::new(), label: None, text: String::new() }
            }
            LogKind::Reactivated => LogDetails::Reactivated,
            LogKind::Reopened => LogDetails::Reopened { text: String::new(), to_step: String::new() },
            LogKind::Cancelled => LogDetails::Cancelled { text: String::new() },
            LogKind::Edited => LogDetails::Edited { changes: Vec::new() },
            LogKind::AttachmentAdded => LogDetails::AttachmentAdded {
                name: String::new(),
                media_type: String::new(),
                size: 0,
                sha256: String::new(),
                occurrence: None,
            },
            LogKind::AttachmentRemoved => {
                LogDetails::AttachmentRemoved { name: String::new(), sha256: String::new(), occurrence: None }
            }
        }
    }

    /// The JSON stored in `execution_log.details`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| format!(r#"{{"kind":"{}"}}"#, self.kind().code()))
    }

    /// Reads a stored row's details. The kind column decides the variant: rows written
    /// before the details carried their kind have no tag, and a missing field reads as
    /// its default. JSON that still does not read gives [`LogDetails::empty`].
    pub fn read(kind: LogKind, json: &str) -> LogDetails {
        let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_str(json) else {
            return LogDetails::empty(kind);
        };
        fields.insert("kind".to_owned(), kind.code().into());
        serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_else(|_| LogDetails::empty(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant, with every field set.
    fn every_variant() -> Vec<LogDetails> {
        let name = Localized { es: "Ventana de cambio".into(), pt: "Janela de mudança".into() };
        vec![
            LogDetails::Registered { title: "Actualizar ERP".into() },
            LogDetails::Captured,
            LogDetails::Saved,
            LogDetails::Advanced {
                outcome: "resolved".into(),
                to_step: Some("review".into()),
                status: Some(Status::Resolved),
            },
            LogDetails::Resolved,
            LogDetails::SentBack,
            LogDetails::Linked { relation: Some(RelationKind::Role), item: "Ana Martínez: Validar".into() },
            LogDetails::Unlinked { relation: Some(RelationKind::Problem), item: "#7 Caída del ERP".into() },
            LogDetails::Manual {
                category: Some("follow_up".into()),
                category_name: Some(Localized { es: "Seguimiento".into(), pt: "Acompanhamento".into() }),
                origin: Some("in_person".into()),
                origin_name: Some(Localized { es: "Presencial".into(), pt: "Presencial".into() }),
                description: "Reunión".into(),
                text: "Se acordó la fecha.".into(),
                user_information: "Sin corte.".into(),
            },
            LogDetails::Delegated {
                text: "Despliegue N1 · Ana Martínez".into(),
                to_group: Some(GroupId(3)),
                to_user: Some(UserId(5)),
            },
            LogDetails::Suspended { justification: "window".into(), label: Some(name), text: "Aplazada".into() },
            LogDetails::Reactivated,
            LogDetails::Reopened { text: "Fallos".into(), to_step: "execution".into() },
            LogDetails::Cancelled { text: "Innecesaria".into() },
            LogDetails::Edited {
                changes: vec![crate::domain::changes::FieldChange {
                    field: crate::domain::changes::TrackedField::Urgency,
                    before: Some(crate::domain::changes::ShownValue::Level(2)),
                    after: Some(crate::domain::changes::ShownValue::Level(1)),
                }],
            },
            LogDetails::AttachmentAdded {
                name: "despliegue.log".into(),
                media_type: "text/plain".into(),
                size: 120,
                sha256: "ab".repeat(32),
                occurrence: Some(4),
            },
            LogDetails::AttachmentRemoved { name: "captura.png".into(), sha256: "cd".repeat(32), occurrence: None },
        ]
    }

    #[test]
    fn every_kind_has_a_variant_and_its_kind() {
        let kinds: Vec<LogKind> = every_variant().iter().map(LogDetails::kind).collect();
        assert_eq!(kinds, LogKind::ALL);
        for &kind in LogKind::ALL {
            assert_eq!(LogDetails::empty(kind).kind(), kind);
        }
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        for details in every_variant() {
            let json = details.to_json();
            let stored: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            assert_eq!(stored["kind"], details.kind().code(), "{json}");
            assert_eq!(LogDetails::read(details.kind(), &json), details, "{json}");
        }
    }

    #[test]
    fn the_stored_field_names_are_kept() {
        let delegated = LogDetails::Delegated { text: "N1".into(), to_group: Some(GroupId(3)), to_user: None };
        let stored: serde_json::Value = serde_json::from_str(&delegated.to_json()).expect("JSON");
        assert_eq!(stored, serde_json::json!({ "kind": "delegated", "text": "N1", "to_group": 3, "to_user": null }));
        let linked = LogDetails::Linked { relation: Some(RelationKind::Media), item: "CD 1".into() };
        let stored: serde_json::Value = serde_json::from_str(&linked.to_json()).expect("JSON");
        assert_eq!(stored, serde_json::json!({ "kind": "linked", "relation": "media", "item": "CD 1" }));
    }

    #[test]
    fn rows_from_before_the_tag_read_by_their_kind_column() {
        let legacy = [
            (
                LogKind::Registered,
                r#"{"title":"Actualizar ERP"}"#,
                LogDetails::Registered { title: "Actualizar ERP".into() },
            ),
            (
                LogKind::Advanced,
                r#"{"outcome":"sent_back","status":"in_execution","to_step":null}"#,
                LogDetails::Advanced { outcome: "sent_back".into(), to_step: None, status: Some(Status::InExecution) },
            ),
            (
                LogKind::Linked,
                r##"{"item":"#7 Caída","relation":"problem"}"##,
                LogDetails::Linked { relation: Some(RelationKind::Problem), item: "#7 Caída".into() },
            ),
            (
                LogKind::Manual,
                r#"{"category":"diagnosis","description":"d","origin":"phone","text":"t","user_information":"u"}"#,
                LogDetails::Manual {
                    category: Some("diagnosis".into()),
                    category_name: None,
                    origin: Some("phone".into()),
                    origin_name: None,
                    description: "d".into(),
                    text: "t".into(),
                    user_information: "u".into(),
                },
            ),
            (
                LogKind::Delegated,
                r#"{"text":"N1","to_group":3,"to_user":null}"#,
                LogDetails::Delegated { text: "N1".into(), to_group: Some(GroupId(3)), to_user: None },
            ),
            (
                LogKind::Suspended,
                r#"{"justification":"window","label":{"es":"Ventana","pt":"Janela"},"text":"Aplazada"}"#,
                LogDetails::Suspended {
                    justification: "window".into(),
                    label: Some(Localized { es: "Ventana".into(), pt: "Janela".into() }),
                    text: "Aplazada".into(),
                },
            ),
            (LogKind::Reactivated, "{}", LogDetails::Reactivated),
            (
                LogKind::Reopened,
                r#"{"text":"Fallos","to_step":"execution"}"#,
                LogDetails::Reopened { text: "Fallos".into(), to_step: "execution".into() },
            ),
            (LogKind::Cancelled, r#"{"text":"Innecesaria"}"#, LogDetails::Cancelled { text: "Innecesaria".into() }),
            // The benchmark seeder's advance: its step beside the outcome, and no status.
            (
                LogKind::Advanced,
                r#"{"outcome":"resolved","step":"execution"}"#,
                LogDetails::Advanced { outcome: "resolved".into(), to_step: None, status: None },
            ),
        ];
        for (kind, json, expected) in legacy {
            assert_eq!(LogDetails::read(kind, json), expected, "{json}");
        }
    }

    #[test]
    fn an_empty_object_reads_as_the_defaults() {
        for &kind in LogKind::ALL {
            assert_eq!(LogDetails::read(kind, "{}"), LogDetails::empty(kind), "{kind:?}");
        }
    }

    #[test]
    fn an_unreadable_row_reads_as_the_defaults_of_its_kind() {
        let unreadable = ["", "not json", "null", "[1]", r#""text""#, r#"{"text":5}"#, r#"{"label":"x"}"#];
        for &kind in LogKind::ALL {
            for json in unreadable {
                let read = LogDetails::read(kind, json);
                assert_eq!(read, LogDetails::empty(kind), "{kind:?} {json}");
            }
        }
    }

    #[test]
    fn the_kind_column_decides_over_a_tag() {
        let json = LogDetails::Cancelled { text: "Innecesaria".into() }.to_json();
        let read = LogDetails::read(LogKind::Reopened, &json);
        assert_eq!(read, LogDetails::Reopened { text: "Innecesaria".into(), to_step: String::new() });
    }
}
