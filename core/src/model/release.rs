//! A release as its form shows it, registers it and advances it.

use crate::domain::flow::Access;
use crate::domain::validation::ClosureDraft;
use crate::domain::{CategoryId, GroupId, Localized, ReleaseId, Status};
use serde::{Deserialize, Serialize};

/// An outcome a step offers (Aprobar, Resuelto…), in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OutcomeChoice {
    pub code: String,
    pub name: Localized,
}

/// The step the release waits at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StepView {
    pub code: String,
    pub name: Localized,
    pub outcomes: Vec<OutcomeChoice>,
    /// Finished through the Closure area (Resolved / Not resolved) rather than a decision.
    pub needs_closure: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CategoryChoice {
    pub id: CategoryId,
    pub name: Localized,
}

/// A release as its form shows it, with what the logged-in user may do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
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
    /// The user may correct the registered data.
    pub may_edit: bool,
}

/// Where the release went after "Guardar y avanzar flujo".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdvanceResult {
    pub id: ReleaseId,
    pub status: Status,
    pub next_step: Option<Localized>,
    pub time_spent_minutes: i64,
}

/// The registration form's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
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

impl Registration {
    /// The data a later correction may change: all but the executor group.
    pub fn data(&self) -> RegisteredDraft {
        RegisteredDraft {
            title: self.title.clone(),
            description: self.description.clone(),
            release_type: self.release_type.clone(),
            risk: self.risk.clone(),
            impact: self.impact,
            urgency: self.urgency,
            planned_start: self.planned_start,
            planned_end: self.planned_end,
            version_label: self.version_label.clone(),
        }
    }
}

/// A correction of a registered release's data, as its form sends it: what registration
/// recorded, but the executor group. The priority follows from impact and urgency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RegisteredDraft {
    pub title: String,
    pub description: String,
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
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct GroupChoice {
    pub id: GroupId,
    pub name: String,
}
