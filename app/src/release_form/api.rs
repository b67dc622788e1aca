//! The release form's server functions. Each checks the session, then lets the flow
//! engine decide with the user's groups and permissions; the UI's hiding of a button is
//! never the security.

use crate::codec::StrictJson;
use crate::domain::validation::ClosureDraft;
use crate::domain::ReleaseId;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::ctx;
use leptos::prelude::*;
pub use releasedesk_core::model::release::*;

/// The release and the user's access to it. Anyone logged in may read a release.
#[server(prefix = "/api", endpoint = "get_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn get_release(id: ReleaseId) -> Result<ReleaseView, AppError> {
    use releasedesk_core::commands::release::view;
    Ok(view(&ctx().await?, id).await?)
}

/// Confirms the task assignment: the task becomes the user's, or the answer says who has it.
#[server(prefix = "/api", endpoint = "capture_task", input = StrictJson, output = crate::codec::JsonText)]
pub async fn capture_task(id: ReleaseId) -> Result<(), AppError> {
    use releasedesk_core::commands::release::capture;
    capture(&ctx().await?, id).await?;
    Ok(())
}

/// "Guardar y mantener la tarea actual": returns the release's new version.
#[server(prefix = "/api", endpoint = "save_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn save_release(id: ReleaseId, version: i64, closure: ClosureDraft) -> Result<i64, AppError> {
    use releasedesk_core::commands::release::{save, Save};
    Ok(save(&ctx().await?, &Save { release: id, version, closure }).await?)
}

/// "Guardar y avanzar flujo". `decision` is the outcome on steps without a Closure area.
#[server(prefix = "/api", endpoint = "advance_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn advance_release(
    id: ReleaseId,
    version: i64,
    decision: Option<String>,
    closure: ClosureDraft,
) -> Result<AdvanceResult, AppError> {
    use releasedesk_core::commands::release::{advance, Advance};
    let advanced = advance(&ctx().await?, &Advance { release: id, version, decision, closure }).await?;
    Ok(AdvanceResult {
        id,
        status: advanced.status,
        next_step: advanced.next_step,
        time_spent_minutes: advanced.time_spent_minutes,
    })
}

/// The executor groups, for the registration form; refused without Create.
#[server(prefix = "/api", endpoint = "executor_groups", input = StrictJson, output = crate::codec::JsonText)]
pub async fn executor_groups() -> Result<Vec<GroupChoice>, AppError> {
    Ok(releasedesk_core::commands::release::executor_groups(&ctx().await?).await?)
}

/// "Registrar liberación": checks every field, then the release enters the flow.
#[server(prefix = "/api", endpoint = "register_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn register_release(registration: Registration) -> Result<ReleaseId, AppError> {
    Ok(releasedesk_core::commands::release::register(&ctx().await?, &registration).await?)
}

/// Corrects the registered data (its requester, or a user with Create, while the release
/// is open); returns the release's new version. A stale `version` is refused.
#[server(prefix = "/api", endpoint = "edit_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn edit_release(id: ReleaseId, version: i64, data: RegisteredDraft) -> Result<i64, AppError> {
    use releasedesk_core::commands::release::{edit_registration, EditRegistration};
    Ok(edit_registration(&ctx().await?, &EditRegistration { release: id, version, data }).await?)
}
