//! The choices of the "Acción" menu.

use crate::domain::{GroupId, Localized, UserId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: UserId,
    pub name: String,
}

/// A group a task can be delegated to, with the members who could take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegateGroup {
    pub id: GroupId,
    pub name: String,
    pub members: Vec<Member>,
}

/// A justification of a suspension, from the managed list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Justification {
    pub id: i64,
    pub name: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOptions {
    /// Empty unless the user may delegate this release's task.
    pub groups: Vec<DelegateGroup>,
    pub justifications: Vec<Justification>,
}
