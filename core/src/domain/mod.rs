//! The rules of ReleaseDesk as plain Rust: no I/O, no Leptos, no SQL.
//! Both the server and the browser use these types; only the server enforces them.

pub mod actions;
pub mod changes;
pub mod flow;
pub mod flow_layout;
pub mod log;
pub mod occurrence;
pub mod permissions;
pub mod priority;
#[cfg(test)]
mod properties;
pub mod validation;

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A person who logs in.
    UserId,
    /// An executor group (e.g. "Despliegue N1").
    GroupId,
    /// A release; its value is the number users see.
    ReleaseId,
    /// One visit of a flow step.
    TaskId,
    /// A solution category.
    CategoryId,
);

/// Declares a closed set of codes stored as text in the database.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The code stored in the database and used in URLs.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }
        }
    };
}
pub(crate) use code_enum;

code_enum!(
    /// Where a release stands (SPEC §2).
    Status {
        Registered = "registered",
        Approved = "approved",
        InExecution = "in_execution",
        Resolved = "resolved",
        NotResolved = "not_resolved",
        Suspended = "suspended",
        Cancelled = "cancelled",
        Closed = "closed",
    }
);

impl Status {
    /// A release in a final status has no open task and no deadline to miss.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Cancelled | Status::Closed)
    }
}

code_enum!(
    /// What a group may do on the release flow.
    Permission {
        Create = "create",
        Execute = "execute",
        Delegate = "delegate",
        Suspend = "suspend",
        Reactivate = "reactivate",
        Reopen = "reopen",
        Cancel = "cancel",
        // Users, groups, permissions and catalogues: the administration pages.
        Administer = "administer",
    }
);

code_enum!(
    /// The result of executing a release, recorded in the Closure area.
    ClosureOutcome {
        Resolved = "resolved",
        NotResolved = "not_resolved",
    }
);

code_enum!(
    /// The kind of a release.
    ReleaseType {
        Normal = "normal",
        Standard = "standard",
        Emergency = "emergency",
    }
);

code_enum!(
    /// The risk of a release.
    Risk {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

code_enum!(
    /// What a release can be linked to.
    RelationKind {
        Problem = "problem",
        Knowledge = "knowledge",
        Media = "media",
        Role = "role",
        Change = "change",
    }
);

/// A text given in both languages of the product, as flow definitions and catalogues hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    pub es: String,
    pub pt: String,
}

/// The delay of a release whose deadline has passed, in seconds; zero when on time,
/// final, or while suspended time covers it. Suspended time does not count.
pub fn delay_seconds(
    planned_end: i64,
    now: i64,
    status: Status,
    suspended_seconds: i64,
    suspended_since: Option<i64>,
) -> i64 {
    if status.is_final() {
        return 0;
    }
    let suspended_now = suspended_since.map_or(0, |since| (now - since).max(0));
    (now - planned_end - suspended_seconds - suspended_now).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_for_every_status_and_permission() {
        for status in Status::ALL {
            assert_eq!(Status::from_code(status.code()), Some(*status));
        }
        for permission in Permission::ALL {
            assert_eq!(Permission::from_code(permission.code()), Some(*permission));
        }
        assert_eq!(Status::from_code("archived"), None);
    }

    #[test]
    fn delay_counts_only_time_past_the_deadline_and_not_suspended() {
        assert_eq!(delay_seconds(1_000, 900, Status::Approved, 0, None), 0);
        assert_eq!(delay_seconds(1_000, 1_600, Status::Approved, 0, None), 600);
        assert_eq!(delay_seconds(1_000, 1_600, Status::Approved, 200, None), 400);
        assert_eq!(delay_seconds(1_000, 1_600, Status::Suspended, 0, Some(1_500)), 500);
        assert_eq!(delay_seconds(1_000, 9_000, Status::Closed, 0, None), 0);
    }
}
