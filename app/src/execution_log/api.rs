//! Reading, adding to and exporting the execution log.

use crate::codec::StrictJson;
use crate::domain::occurrence::OccurrenceDraft;
use crate::domain::ReleaseId;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Error;
#[cfg(feature = "ssr")]
use crate::session::ctx;
use leptos::prelude::*;
pub use releasedesk_core::model::log::*;

/// The release's execution log, newest first, each advance with what it changed.
/// Anyone logged in may read it.
#[server(prefix = "/api", endpoint = "release_log", input = StrictJson, output = crate::codec::JsonText)]
pub async fn release_log(id: ReleaseId) -> Result<Vec<LogEntryView>, AppError> {
    Ok(releasedesk_core::commands::log::log_view(&ctx().await?, id).await?)
}

/// The occurrence categories and origins the form offers, in their order.
#[server(prefix = "/api", endpoint = "occurrence_options", input = StrictJson, output = crate::codec::JsonText)]
pub async fn occurrence_options() -> Result<OccurrenceChoices, AppError> {
    Ok(releasedesk_core::commands::log::occurrence_choices(&ctx().await?).await?)
}

/// Adds a manual occurrence, stamped with the user and the time; returns its id.
#[server(prefix = "/api", endpoint = "add_occurrence", input = StrictJson, output = crate::codec::JsonText)]
pub async fn add_occurrence(id: ReleaseId, occurrence: OccurrenceDraft) -> Result<i64, AppError> {
    Ok(releasedesk_core::commands::log::add_occurrence(&ctx().await?, id, &occurrence).await?)
}

/// The log as CSV in `language` ("es" or "pt"): columns and names translated, times in
/// the user's zone, what users typed as typed.
#[server(prefix = "/api", endpoint = "export_log", input = StrictJson, output = crate::codec::JsonText)]
pub async fn export_log(id: ReleaseId, language: String) -> Result<String, AppError> {
    let ctx = ctx().await?;
    let locale = match language.as_str() {
        "es" => crate::i18n::Locale::es,
        "pt" => crate::i18n::Locale::pt,
        _ => return Err(Error::Request { message: "the language must be es or pt".into() }.into()),
    };
    let entries = releasedesk_core::commands::log::log_view(&ctx, id).await?;
    let zone = crate::time_zone::request_zone().await?;
    Ok(super::csv::log_csv(locale, &zone, &entries)?)
}
