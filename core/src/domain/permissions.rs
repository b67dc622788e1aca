//! Who may do what: a user acts through the groups they belong to.

use super::{GroupId, Permission, UserId};
use serde::{Deserialize, Serialize};

/// One group of the acting user, with what that group may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub group: GroupId,
    pub group_name: String,
    pub permissions: Vec<Permission>,
}

/// The user performing an action, as the server knows them from the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: UserId,
    pub username: String,
    pub full_name: String,
    pub memberships: Vec<Membership>,
}

impl Actor {
    pub fn is_member_of(&self, group: GroupId) -> bool {
        self.memberships.iter().any(|m| m.group == group)
    }

    /// True when the user is in `group` and that group holds `permission`.
    pub fn group_grants(&self, group: GroupId, permission: Permission) -> bool {
        self.memberships.iter().any(|m| m.group == group && m.permissions.contains(&permission))
    }

    /// True when any of the user's groups holds `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.memberships.iter().any(|m| m.permissions.contains(&permission))
    }

    pub fn group_ids(&self) -> Vec<GroupId> {
        self.memberships.iter().map(|m| m.group).collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn actor(user: i64, groups: &[(i64, &[Permission])]) -> Actor {
        Actor {
            user: UserId(user),
            username: format!("user{user}"),
            full_name: format!("User {user}"),
            memberships: groups
                .iter()
                .map(|(id, permissions)| Membership {
                    group: GroupId(*id),
                    group_name: format!("Group {id}"),
                    permissions: permissions.to_vec(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_permission_counts_only_in_the_group_that_holds_it() {
        let a = actor(1, &[(10, &[Permission::Execute]), (20, &[Permission::Create])]);
        assert!(a.group_grants(GroupId(10), Permission::Execute));
        assert!(!a.group_grants(GroupId(20), Permission::Execute));
        assert!(!a.group_grants(GroupId(30), Permission::Execute));
        assert!(a.may(Permission::Create));
        assert!(!a.may(Permission::Cancel));
        assert!(a.is_member_of(GroupId(20)));
    }
}
