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
pub mod time_zone;
pub mod validation;

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
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
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Localized {
    pub es: String,
    pub pt: String,
}

impl Status {
    /// What entering this status does to the deadline clock: `Some(true)` stops it (the
    /// release waits for review, or is closed or cancelled), `Some(false)` runs it (the
    /// release is being worked on), `None` leaves it (a suspension pauses it on its own).
    pub fn stops_clock(self) -> Option<bool> {
        match self {
            Status::Resolved | Status::NotResolved | Status::Closed | Status::Cancelled => Some(true),
            Status::Registered | Status::Approved | Status::InExecution => Some(false),
            Status::Suspended => None,
        }
    }
}

/// What a release's delay is measured from: its deadline, and the time its clock did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineClock {
    pub planned_end: i64,
    /// Time that no longer counts: suspensions that ended, and waits for review after
    /// which the work went on.
    pub paused_seconds: i64,
    /// Since when the release has been suspended, if it is.
    pub suspended_since: Option<i64>,
    /// When the clock stopped, if it has: the release went to review, or was closed.
    pub stopped_at: Option<i64>,
}

impl DeadlineClock {
    /// How far past its deadline the release is (or finished), in seconds; zero when on
    /// time. A cancelled release has no deadline to miss.
    pub fn delay(&self, status: Status, now: i64) -> i64 {
        let end = match self.stopped_at {
            _ if status == Status::Cancelled => return 0,
            Some(at) => at,
            // Closed before its clock was recorded: nothing to tell.
            None if status.is_final() => return 0,
            None => now,
        };
        let suspended_now = self.suspended_since.map_or(0, |since| (end - since).max(0));
        (end - self.planned_end - self.paused_seconds - suspended_now).max(0)
    }
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
        let clock = |paused_seconds, suspended_since, stopped_at| DeadlineClock {
            planned_end: 1_000,
            paused_seconds,
            suspended_since,
            stopped_at,
        };
        assert_eq!(clock(0, None, None).delay(Status::Approved, 900), 0);
        assert_eq!(clock(0, None, None).delay(Status::Approved, 1_600), 600);
        assert_eq!(clock(200, None, None).delay(Status::Approved, 1_600), 400);
        assert_eq!(clock(0, Some(1_500), None).delay(Status::Suspended, 1_600), 500);
        // Finished late: the delay it finished with, however long it then waits for review.
        assert_eq!(clock(0, None, Some(1_300)).delay(Status::Resolved, 9_000), 300);
        assert_eq!(clock(100, None, Some(1_300)).delay(Status::Closed, 9_000), 200);
        assert_eq!(clock(0, None, Some(900)).delay(Status::Closed, 9_000), 0);
        assert_eq!(clock(0, None, None).delay(Status::Closed, 9_000), 0);
        assert_eq!(clock(0, None, Some(5_000)).delay(Status::Cancelled, 9_000), 0);
    }
}
