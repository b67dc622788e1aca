//! The "Acción" menu's server functions. Each checks the session, then the domain rules
//! decide with the user's groups: the menu offering an action is never the permission.

use crate::codec::StrictJson;
use crate::domain::{GroupId, ReleaseId, Status, UserId};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::ctx;
use leptos::prelude::*;
pub use releasedesk_core::model::actions::*;

#[server(prefix = "/api", endpoint = "action_choices", input = StrictJson, output = crate::codec::JsonText)]
pub async fn action_choices(id: ReleaseId) -> Result<ActionOptions, AppError> {
    Ok(releasedesk_core::commands::actions::choices(&ctx().await?, id).await?)
}

/// "Delegar": returns the release's status.
#[server(prefix = "/api", endpoint = "delegate_task", input = StrictJson, output = crate::codec::JsonText)]
pub async fn delegate_task(id: ReleaseId, group: GroupId, user: Option<UserId>) -> Result<Status, AppError> {
    use releasedesk_core::commands::actions::{delegate, Delegate};
    Ok(delegate(&ctx().await?, &Delegate { release: id, group, user }).await?)
}

#[server(prefix = "/api", endpoint = "suspend_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn suspend_release(id: ReleaseId, justification: i64, complement: String) -> Result<Status, AppError> {
    use releasedesk_core::commands::actions::{suspend, Suspend};
    Ok(suspend(&ctx().await?, &Suspend { release: id, justification, complement }).await?)
}

#[server(prefix = "/api", endpoint = "reactivate_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn reactivate_release(id: ReleaseId) -> Result<Status, AppError> {
    Ok(releasedesk_core::commands::actions::reactivate(&ctx().await?, id).await?)
}

#[server(prefix = "/api", endpoint = "reopen_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn reopen_release(id: ReleaseId, reason: String) -> Result<Status, AppError> {
    use releasedesk_core::commands::actions::{reopen, Justified};
    Ok(reopen(&ctx().await?, &Justified { release: id, reason }).await?)
}

#[server(prefix = "/api", endpoint = "cancel_release", input = StrictJson, output = crate::codec::JsonText)]
pub async fn cancel_release(id: ReleaseId, reason: String) -> Result<Status, AppError> {
    use releasedesk_core::commands::actions::{cancel, Justified};
    Ok(cancel(&ctx().await?, &Justified { release: id, reason }).await?)
}
