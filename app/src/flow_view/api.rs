//! The flow of a release with what happened in it, for "Ver flujo".

use crate::codec::StrictJson;
use crate::domain::ReleaseId;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::ctx;
use leptos::prelude::*;
pub use releasedesk_core::model::flow::*;

#[server(prefix = "/api", endpoint = "release_flow", input = StrictJson, output = crate::codec::JsonText)]
pub async fn release_flow(id: ReleaseId) -> Result<FlowView, AppError> {
    Ok(releasedesk_core::commands::flow::flow_view(&ctx().await?, id).await?)
}
