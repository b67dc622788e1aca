//! The release form's server functions. Each checks the session, then lets the flow
//! engine decide with the user's groups and permissions; the UI's hiding of a button is
//! never the security.

use crate::domain::flow::Access;
use crate::domain::validation::ClosureDraft;
use crate::domain::{CategoryId, GroupId, Localized, ReleaseId, Status};
use crate::error::AppError;
use leptos::prelude::*;
use crate::codec::StrictJson;
use serde::{Deserialize, Serialize};

/// An outcome a step offers (Aprobar, Resuelto…), in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeChoice {
    pub code: String,
    pub name: Localized,
}

/// The step the release waits at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    pub code: String,
    pub name: Localized,
    pub outcomes: Vec<OutcomeChoice>,
    /// Finished through the Closure area (Resolved / Not resolved) rather than a decision.
    pub needs_closure: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryChoice {
    pub id: CategoryId,
    pub name: Localized,
}

/// A release as its form shows it, with what the logged-in user may do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseView {
    pub id: ReleaseId,
    pub title: String,
    pub description: String,
    pub requester: String,
    pub executor_group: String,
    pub release_type: String,
    pub risk: String,
    pub impact: i64,
    pub urgency: i64,
    pub priority: i64,
    pub planned_start: i64,
    pub planned_end: i64,
    pub version_label: String,
    pub status: Status,
    pub created_at: i64,
    pub updated_at: i64,
    pub row_version: i64,
    pub step: Option<StepView>,
    pub task_group: Option<String>,
    pub responsible: Option<String>,
    pub closure: ClosureDraft,
    pub categories: Vec<CategoryChoice>,
    pub access: Access,
    /// The "Acción" menu's entries the user may take on it now.
    pub actions: Vec<crate::domain::actions::ReleaseAction>,
    /// The user may add a manual occurrence to the execution log.
    pub may_record: bool,
}

/// The release and the user's access to it. Anyone logged in may read a release.
#[server(prefix = "/api", endpoint = "get_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn get_release(id: ReleaseId) -> Result<ReleaseView, AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    super::db::view(&db, &flows, &actor, id).await
}

/// Confirms the task assignment: the task becomes the user's, or the answer says who has it.
#[server(prefix = "/api", endpoint = "capture_task", input = StrictJson, output = crate::codec::JsonText)]
pub async fn capture_task(id: ReleaseId) -> Result<(), AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    super::db::capture(&db, &flows, &actor, id, crate::db::now()).await.map(|_| ())
}

/// "Guardar y mantener la tarea actual": returns the release's new version.
#[server(prefix = "/api", endpoint = "save_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn save_release(id: ReleaseId, version: i64, closure: ClosureDraft) -> Result<i64, AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    super::db::save(&db, &flows, &actor, id, version, &closure, crate::db::now()).await
}

/// Where the release went after "Guardar y avanzar flujo".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceResult {
    pub id: ReleaseId,
    pub status: Status,
    pub next_step: Option<Localized>,
    pub time_spent_minutes: i64,
}

/// "Guardar y avanzar flujo". `decision` is the outcome on steps without a Closure area.
#[server(prefix = "/api", endpoint = "advance_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn advance_release(
    id: ReleaseId,
    version: i64,
    decision: Option<String>,
    closure: ClosureDraft,
) -> Result<AdvanceResult, AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    let advanced =
        super::db::advance(&db, &flows, &actor, id, version, decision.as_deref(), &closure, crate::db::now()).await?;
    Ok(AdvanceResult {
        id,
        status: advanced.status,
        next_step: advanced.next_step,
        time_spent_minutes: advanced.time_spent_minutes,
    })
}

/// The registration form's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub title: String,
    pub description: String,
    pub executor_group: GroupId,
    pub release_type: String,
    pub risk: String,
    pub impact: i64,
    pub urgency: i64,
    /// Unix seconds.
    pub planned_start: i64,
    pub planned_end: i64,
    pub version_label: String,
}

/// A group a release can be given to for execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupChoice {
    pub id: GroupId,
    pub name: String,
}

/// The executor groups, for the registration form; refused without Create.
#[server(prefix = "/api", endpoint = "executor_groups", input = StrictJson, output = crate::codec::JsonText)]
pub async fn executor_groups() -> Result<Vec<GroupChoice>, AppError> {
    use crate::auth::session::{require_actor, use_db};
    use crate::domain::Permission;
    let actor = require_actor().await?;
    if !actor.may(Permission::Create) {
        return Err(crate::domain::flow::Refusal::GroupLacksPermission { permission: Permission::Create }.into());
    }
    let db = use_db()?;
    Ok(super::db::executor_groups(&db).await?)
}

/// "Registrar liberación": checks every field, then the release enters the flow.
#[server(prefix = "/api", endpoint = "register_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn register_release(registration: Registration) -> Result<ReleaseId, AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    if !actor.may(crate::domain::Permission::Create) {
        return Err(crate::domain::flow::Refusal::GroupLacksPermission {
            permission: crate::domain::Permission::Create,
        }
        .into());
    }
    let db = use_db()?;
    let flow = use_context::<crate::db::flows::StoredFlow>().ok_or(AppError::Internal)?;
    let new = super::db::validate_registration(&db, &registration).await?;
    let flows = crate::auth::session::use_flows()?;
    super::db::register(&db, &flows, &flow, &actor, &new, crate::db::now()).await
}
