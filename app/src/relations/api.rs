//! Linking what a release touched: Problems, Knowledge, Definitive media,
//! Roles/Responsibilities and Changes. Every link and unlink is checked on the server and
//! logged in the same transaction; linking twice is refused by the database itself.

use crate::codec::StrictJson;
use crate::domain::ReleaseId;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::ctx;
use leptos::prelude::*;
pub use releasedesk_core::model::relations::*;

#[server(prefix = "/api", endpoint = "release_relations", input = StrictJson, output = crate::codec::JsonText)]
pub async fn release_relations(id: ReleaseId) -> Result<Relations, AppError> {
    Ok(releasedesk_core::commands::relations::view(&ctx().await?, id).await?)
}

/// Type-ahead over a catalogue (problems, knowledge, media, changes) or the users (roles):
/// a number, or word prefixes that must all match. Paged on the server.
#[server(prefix = "/api", endpoint = "search_catalogue", input = StrictJson, output = crate::codec::JsonText)]
pub async fn search_catalogue(kind: RelationKind, text: String, page: i64) -> Result<CataloguePage, AppError> {
    Ok(releasedesk_core::commands::relations::find(&ctx().await?, kind, &text, page).await?)
}

/// Links `item` (for a role: the user) to the release. `responsibility` is for roles.
#[server(prefix = "/api", endpoint = "link_item", input = StrictJson, output = crate::codec::JsonText)]
pub async fn link_item(
    id: ReleaseId,
    kind: RelationKind,
    item: i64,
    responsibility: Option<String>,
) -> Result<(), AppError> {
    use releasedesk_core::commands::relations::{link, Link};
    Ok(link(&ctx().await?, &Link { release: id, kind, item, responsibility }).await?)
}

#[server(prefix = "/api", endpoint = "unlink_item", input = StrictJson, output = crate::codec::JsonText)]
pub async fn unlink_item(id: ReleaseId, kind: RelationKind, item: i64) -> Result<(), AppError> {
    use releasedesk_core::commands::relations::{unlink, Unlink};
    Ok(unlink(&ctx().await?, &Unlink { release: id, kind, item }).await?)
}

#[server(prefix = "/api", endpoint = "knowledge_article", input = StrictJson, output = crate::codec::JsonText)]
pub async fn knowledge_article(article: i64) -> Result<Article, AppError> {
    Ok(releasedesk_core::commands::relations::article(&ctx().await?, article).await?)
}
