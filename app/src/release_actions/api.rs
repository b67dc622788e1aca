//! The "Acción" menu's server functions. Each checks the session, then the domain rules
//! decide with the user's groups: the menu offering an action is never the permission.

use crate::domain::{GroupId, Localized, ReleaseId, Status, UserId};
use crate::error::AppError;
use leptos::prelude::*;
use crate::codec::StrictJson;
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

#[server(prefix = "/api", endpoint = "action_choices", input = StrictJson, output = crate::codec::JsonText)]
pub async fn action_choices(id: ReleaseId) -> Result<ActionOptions, AppError> {
    use crate::auth::session::{require_actor, use_db, use_flows};
    let actor = require_actor().await?;
    let (db, flows) = (use_db()?, use_flows()?);
    super::db::choices(&db, &flows, &actor, id).await
}

/// "Delegar": returns the release's status.
#[server(prefix = "/api", endpoint = "delegate_task", input = StrictJson, output = crate::codec::JsonText)]
pub async fn delegate_task(id: ReleaseId, group: GroupId, user: Option<UserId>) -> Result<Status, AppError> {
    use crate::auth::session::{require_actor, use_db, use_flows};
    let actor = require_actor().await?;
    let (db, flows) = (use_db()?, use_flows()?);
    super::db::delegate(&db, &flows, &actor, id, group, user, crate::db::now()).await
}

#[server(prefix = "/api", endpoint = "suspend_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn suspend_release(id: ReleaseId, justification: i64, complement: String) -> Result<Status, AppError> {
    use crate::auth::session::{require_actor, use_db, use_flows};
    let actor = require_actor().await?;
    let (db, flows) = (use_db()?, use_flows()?);
    super::db::suspend(&db, &flows, &actor, id, justification, &complement, crate::db::now()).await
}

#[server(prefix = "/api", endpoint = "reactivate_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn reactivate_release(id: ReleaseId) -> Result<Status, AppError> {
    use crate::auth::session::{require_actor, use_db, use_flows};
    let actor = require_actor().await?;
    let (db, flows) = (use_db()?, use_flows()?);
    super::db::reactivate(&db, &flows, &actor, id, crate::db::now()).await
}

#[server(prefix = "/api", endpoint = "reopen_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn reopen_release(id: ReleaseId, reason: String) -> Result<Status, AppError> {
    use crate::auth::session::{require_actor, use_db, use_flows};
    let actor = require_actor().await?;
    let (db, flows) = (use_db()?, use_flows()?);
    super::db::reopen(&db, &flows, &actor, id, &reason, crate::db::now()).await
}

#[server(prefix = "/api", endpoint = "cancel_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn cancel_release(id: ReleaseId, reason: String) -> Result<Status, AppError> {
    use crate::auth::session::{require_actor, use_db, use_flows};
    let actor = require_actor().await?;
    let (db, flows) = (use_db()?, use_flows()?);
    super::db::cancel(&db, &flows, &actor, id, &reason, crate::db::now()).await
}
