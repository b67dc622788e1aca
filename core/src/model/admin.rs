//! What the administration pages read and send: users, the groups they join, and the
//! administration log's changes.

use crate::domain::{code_enum, GroupId, Permission, UserId};
use crate::model::catalogues::{Catalogue, CatalogueItem};
use crate::model::webhooks::WebhookEvent;
use serde::{Deserialize, Serialize};

/// A user as the "Usuarios" page lists and edits them, and as the administration log keeps
/// them before and after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub active: bool,
    pub must_change_password: bool,
    /// The groups the user belongs to, by id, in ascending order.
    pub groups: Vec<GroupId>,
    /// Their time zone (an IANA name); `None` until chosen, when the server's default holds.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Their language (`es`, `pt`), the page's from their login on; `None`: not chosen.
    #[serde(default)]
    pub language: Option<String>,
}

/// A group, as the user form offers it and the "Grupos" page edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: GroupId,
    pub name: String,
    pub permissions: Vec<Permission>,
}

/// The "Usuarios" page: the users the search finds (at most [`USERS_SHOWN`]) and every group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPage {
    pub users: Vec<UserRecord>,
    /// More users match than are shown: the search should be narrowed.
    pub more: bool,
    pub groups: Vec<GroupSummary>,
}

/// How many users one search shows.
pub const USERS_SHOWN: usize = 100;

/// What the user form sends. The user name is set at creation and kept afterwards: the
/// log names people by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDraft {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub groups: Vec<GroupId>,
    /// An IANA zone name, or `None` (empty) for the server's default.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// `es` or `pt`, or `None` (empty) for none.
    #[serde(default)]
    pub language: Option<String>,
}

/// What the group form sends: the name and the permissions the group holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDraft {
    pub name: String,
    pub permissions: Vec<Permission>,
}

/// A temporary password, shown once to the administrator who set it; its user must change
/// it at their next login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemporaryPassword {
    pub user: UserId,
    pub username: String,
    pub password: String,
}

/// One change made through the administration, as its log keeps it: written and read
/// through this type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdminChange {
    UserCreated {
        after: UserRecord,
    },
    UserUpdated {
        before: UserRecord,
        after: UserRecord,
    },
    UserDeactivated {
        user: UserId,
        username: String,
    },
    UserReactivated {
        user: UserId,
        username: String,
    },
    /// The password itself is never logged.
    PasswordReset {
        user: UserId,
        username: String,
    },
    GroupCreated {
        after: GroupSummary,
    },
    GroupUpdated {
        before: GroupSummary,
        after: GroupSummary,
    },
    ItemCreated {
        catalogue: Catalogue,
        after: CatalogueItem,
    },
    ItemUpdated {
        catalogue: Catalogue,
        before: CatalogueItem,
        after: CatalogueItem,
    },
    /// A webhook is named by its URL; its secret is never logged.
    WebhookCreated {
        webhook: i64,
        url: String,
        events: Vec<WebhookEvent>,
    },
    WebhookEventsChanged {
        webhook: i64,
        url: String,
        before: Vec<WebhookEvent>,
        after: Vec<WebhookEvent>,
    },
    WebhookDeactivated {
        webhook: i64,
        url: String,
    },
    WebhookReactivated {
        webhook: i64,
        url: String,
    },
    WebhookDeleted {
        webhook: i64,
        url: String,
    },
}

code_enum!(
    /// The kinds of [`AdminChange`], stored beside each for filtering.
    AdminChangeKind {
        UserCreated = "user_created",
        UserUpdated = "user_updated",
        UserDeactivated = "user_deactivated",
        UserReactivated = "user_reactivated",
        PasswordReset = "password_reset",
        GroupCreated = "group_created",
        GroupUpdated = "group_updated",
        ItemCreated = "item_created",
        ItemUpdated = "item_updated",
        WebhookCreated = "webhook_created",
        WebhookEventsChanged = "webhook_events_changed",
        WebhookDeactivated = "webhook_deactivated",
        WebhookReactivated = "webhook_reactivated",
        WebhookDeleted = "webhook_deleted",
    }
);

impl AdminChange {
    pub fn kind(&self) -> AdminChangeKind {
        match self {
            AdminChange::UserCreated { .. } => AdminChangeKind::UserCreated,
            AdminChange::UserUpdated { .. } => AdminChangeKind::UserUpdated,
            AdminChange::UserDeactivated { .. } => AdminChangeKind::UserDeactivated,
            AdminChange::UserReactivated { .. } => AdminChangeKind::UserReactivated,
            AdminChange::PasswordReset { .. } => AdminChangeKind::PasswordReset,
            AdminChange::GroupCreated { .. } => AdminChangeKind::GroupCreated,
            AdminChange::GroupUpdated { .. } => AdminChangeKind::GroupUpdated,
            AdminChange::ItemCreated { .. } => AdminChangeKind::ItemCreated,
            AdminChange::ItemUpdated { .. } => AdminChangeKind::ItemUpdated,
            AdminChange::WebhookCreated { .. } => AdminChangeKind::WebhookCreated,
            AdminChange::WebhookEventsChanged { .. } => AdminChangeKind::WebhookEventsChanged,
            AdminChange::WebhookDeactivated { .. } => AdminChangeKind::WebhookDeactivated,
            AdminChange::WebhookReactivated { .. } => AdminChangeKind::WebhookReactivated,
            AdminChange::WebhookDeleted { .. } => AdminChangeKind::WebhookDeleted,
        }
    }

    /// The user name, the group name, the catalogue item's code or the webhook's URL the
    /// change is about.
    pub fn subject(&self) -> &str {
        match self {
            AdminChange::UserCreated { after } | AdminChange::UserUpdated { after, .. } => &after.username,
            AdminChange::UserDeactivated { username, .. }
            | AdminChange::UserReactivated { username, .. }
            | AdminChange::PasswordReset { username, .. } => username,
            AdminChange::GroupCreated { after } | AdminChange::GroupUpdated { after, .. } => &after.name,
            AdminChange::ItemCreated { after, .. } | AdminChange::ItemUpdated { after, .. } => &after.code,
            AdminChange::WebhookCreated { url, .. }
            | AdminChange::WebhookEventsChanged { url, .. }
            | AdminChange::WebhookDeactivated { url, .. }
            | AdminChange::WebhookReactivated { url, .. }
            | AdminChange::WebhookDeleted { url, .. } => url,
        }
    }
}

/// "Registro de administración": the newest entries (at most [`LOG_SHOWN`]) of the kind
/// asked for, and every group, to name the groups the entries hold by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLogPage {
    pub entries: Vec<AdminLogEntry>,
    /// Older entries exist beyond those shown.
    pub more: bool,
    pub groups: Vec<GroupSummary>,
}

/// How many entries the administration log's page shows.
pub const LOG_SHOWN: usize = 500;

/// An entry of the administration log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLogEntry {
    pub id: i64,
    pub occurred_at: i64,
    /// Who made the change (their full name).
    pub by: String,
    pub change: AdminChange,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_stored_under_its_kind() {
        let change = AdminChange::PasswordReset { user: UserId(3), username: "ana".into() };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(json["kind"], change.kind().code());
        assert_eq!(serde_json::to_value(change.kind()).unwrap(), json["kind"]);
        assert_eq!(serde_json::from_value::<AdminChange>(json).unwrap(), change);
    }
}
