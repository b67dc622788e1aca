//! The release list as a server function: filters, search and paging run in the database.

use crate::codec::StrictJson;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::{ctx, ctx_in_zone};
use leptos::prelude::*;
pub use releasedesk_core::model::list::*;

/// A page of the releases the query selects, in its order.
#[server(prefix = "/api", endpoint = "list_releases", input = StrictJson, output = crate::codec::JsonText)]
pub async fn list_releases(query: ListQuery) -> Result<ReleasePage, AppError> {
    let (ctx, zone) = ctx_in_zone().await?;
    Ok(releasedesk_core::commands::list::list(&ctx, &query, &zone).await?)
}

/// Aggregates computed in the database for the same filters as the list (the page is ignored).
#[server(prefix = "/api", endpoint = "release_charts", input = StrictJson, output = crate::codec::JsonText)]
pub async fn release_charts(query: ListQuery) -> Result<ChartCounts, AppError> {
    let (ctx, zone) = ctx_in_zone().await?;
    Ok(releasedesk_core::commands::list::charts(&ctx, &query, &zone).await?)
}

/// The executor groups the list can be filtered by.
#[server(prefix = "/api", endpoint = "list_groups", input = StrictJson, output = crate::codec::JsonText)]
pub async fn list_groups() -> Result<Vec<releasedesk_core::model::release::GroupChoice>, AppError> {
    Ok(releasedesk_core::commands::list::filter_groups(&ctx().await?).await?)
}
