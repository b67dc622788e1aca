//! Listing and removing a release's attachments (server functions); uploads and downloads
//! are plain routes (`routes`), since their bodies are files.

use crate::codec::StrictJson;
use crate::domain::ReleaseId;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::ctx;
use leptos::prelude::*;
pub use releasedesk_core::model::attachments::*;

/// The release's files and its occurrences', oldest first, and whether the user may attach
/// and remove. Anyone logged in may read them.
#[server(prefix = "/api", endpoint = "list_attachments", input = StrictJson, output = crate::codec::JsonText)]
pub async fn list_attachments(id: ReleaseId) -> Result<ReleaseAttachments, AppError> {
    Ok(releasedesk_core::commands::attachments::list(&ctx().await?, id).await?)
}

/// Removes a file (the task or Delegar needed); logged.
#[server(prefix = "/api", endpoint = "remove_attachment", input = StrictJson, output = crate::codec::JsonText)]
pub async fn remove_attachment(id: ReleaseId, attachment: i64) -> Result<(), AppError> {
    Ok(releasedesk_core::commands::attachments::remove(&ctx().await?, id, attachment).await?)
}
