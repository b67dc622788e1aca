//! Notifications: what the header's bell counts and "Notificaciones" lists, what a user
//! chose to receive by e-mail ("Mi cuenta"), and who is told of what (the rule lives
//! here, plain Rust; `store::notifications` asks the database who they are).

use crate::domain::log::{LogDetails, LogKind};
use crate::domain::{code_enum, ReleaseId};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What a notification tells, as stored in `notifications.kind`: new work for one of
    /// the user's groups, a task delegated to them or their group, a change of state of a
    /// release they registered or hold, a deadline within a day or passed.
    NotificationKind {
        NewWork = "new_work",
        Delegated = "delegated",
        Captured = "captured",
        Advanced = "advanced",
        Resolved = "resolved",
        Suspended = "suspended",
        Reactivated = "reactivated",
        Reopened = "reopened",
        Cancelled = "cancelled",
        DueSoon = "due_soon",
        Overdue = "overdue",
    }
);

/// The topics a user picks for e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// My group's new work (and what is delegated to me).
    NewWork,
    /// What happens to the releases I registered or hold.
    MyReleases,
    /// Deadlines of my groups' releases.
    Deadlines,
}

impl NotificationKind {
    pub fn topic(self) -> Topic {
        match self {
            NotificationKind::NewWork | NotificationKind::Delegated => Topic::NewWork,
            NotificationKind::DueSoon | NotificationKind::Overdue => Topic::Deadlines,
            _ => Topic::MyReleases,
        }
    }
}

/// Who is told of an execution-log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The members of the group of the release's open task, or its assignee when it has one.
    OpenTask,
    /// The user the task was delegated to, or, when none, the members of the group.
    Delegated,
    /// Who registered the release and who holds its open task.
    Stakeholders,
}

/// What an entry of `kind` notifies, and to whom; `None`: nobody is told. `batch` is every
/// entry appended with it (an advance that resolved the release tells it once, as resolved).
pub fn of_entry(details: &LogDetails, batch: &[LogKind]) -> Vec<(NotificationKind, Audience)> {
    match details {
        LogDetails::Registered { .. } => vec![(NotificationKind::NewWork, Audience::OpenTask)],
        LogDetails::Delegated { .. } => vec![(NotificationKind::Delegated, Audience::Delegated)],
        LogDetails::Captured => vec![(NotificationKind::Captured, Audience::Stakeholders)],
        LogDetails::Advanced { to_step, .. } => {
            let mut told = Vec::new();
            if to_step.is_some() {
                told.push((NotificationKind::NewWork, Audience::OpenTask));
            }
            if !batch.contains(&LogKind::Resolved) {
                told.push((NotificationKind::Advanced, Audience::Stakeholders));
            }
            told
        }
        LogDetails::Resolved => vec![(NotificationKind::Resolved, Audience::Stakeholders)],
        LogDetails::Suspended { .. } => vec![(NotificationKind::Suspended, Audience::Stakeholders)],
        LogDetails::Reactivated => vec![(NotificationKind::Reactivated, Audience::Stakeholders)],
        LogDetails::Reopened { .. } => {
            vec![(NotificationKind::NewWork, Audience::OpenTask), (NotificationKind::Reopened, Audience::Stakeholders)]
        }
        LogDetails::Cancelled { .. } => vec![(NotificationKind::Cancelled, Audience::Stakeholders)],
        LogDetails::Saved
        | LogDetails::SentBack
        | LogDetails::Linked { .. }
        | LogDetails::Unlinked { .. }
        | LogDetails::Manual { .. }
        | LogDetails::Edited { .. }
        | LogDetails::AttachmentAdded { .. }
        | LogDetails::AttachmentRemoved { .. } => Vec::new(),
    }
}

/// One notification as "Notificaciones" lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub release: ReleaseId,
    pub title: String,
    /// Who acted (the full name); `None` for deadline reminders.
    pub actor: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub read: bool,
}

/// The newest notifications of the user and how many of theirs are unread.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    pub unread: i64,
}

/// How many notifications the page shows.
pub const NOTIFICATIONS_SHOWN: i64 = 100;

/// The unread notifications are counted up to this many: the bell shows more as "99+". A
/// user who never reads theirs does not make every page count them all.
pub const UNREAD_COUNTED: i64 = 100;

/// What a user receives by e-mail ("Notificaciones por correo", in "Mi cuenta").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPreferences {
    pub new_work: bool,
    pub my_releases: bool,
    pub deadlines: bool,
    /// One mail a day with the day's notifications, instead of one per notification.
    pub digest: bool,
}

impl MailPreferences {
    pub fn wants(&self, topic: Topic) -> bool {
        match topic {
            Topic::NewWork => self.new_work,
            Topic::MyReleases => self.my_releases,
            Topic::Deadlines => self.deadlines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advance_that_resolves_tells_it_once_as_resolved() {
        let advanced =
            LogDetails::Advanced { outcome: "resolved".into(), to_step: Some("review".into()), status: None };
        let told = of_entry(&advanced, &[LogKind::Advanced, LogKind::Resolved]);
        assert_eq!(told, vec![(NotificationKind::NewWork, Audience::OpenTask)]);
        let told = of_entry(&advanced, &[LogKind::Advanced]);
        assert!(told.contains(&(NotificationKind::Advanced, Audience::Stakeholders)));
        assert!(of_entry(&LogDetails::Saved, &[LogKind::Saved]).is_empty());
    }

    #[test]
    fn every_kind_has_a_topic_and_preferences_choose_by_it() {
        let prefs = MailPreferences { new_work: true, ..MailPreferences::default() };
        assert!(prefs.wants(NotificationKind::Delegated.topic()));
        assert!(!prefs.wants(NotificationKind::Cancelled.topic()));
        assert!(!prefs.wants(NotificationKind::Overdue.topic()));
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::from_code(kind.code()), Some(*kind));
        }
    }
}
