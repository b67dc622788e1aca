//! Linking what a release touched: Problems, Knowledge, Definitive media,
//! Roles/Responsibilities and Changes. Every link and unlink is checked on the server and
//! logged in the same transaction; linking twice is refused by the database itself.

use crate::domain::{ReleaseId, UserId};
use crate::error::AppError;
use leptos::prelude::*;
use crate::codec::StrictJson;
use serde::{Deserialize, Serialize};

crate::domain::code_enum!(
    /// What a release can be linked to.
    RelationKind {
        Problem = "problem",
        Knowledge = "knowledge",
        Media = "media",
        Role = "role",
        Change = "change",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemItem {
    pub id: i64,
    pub title: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeItem {
    pub id: i64,
    pub title: String,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    pub id: i64,
    pub name: String,
    pub version: String,
    pub location: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleItem {
    pub user: UserId,
    pub name: String,
    pub responsibility: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeItem {
    pub id: i64,
    pub title: String,
    pub status: String,
}

/// Everything linked to a release, and whether the user may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relations {
    pub problems: Vec<ProblemItem>,
    pub knowledge: Vec<KnowledgeItem>,
    pub media: Vec<MediaItem>,
    pub roles: Vec<RoleItem>,
    pub changes: Vec<ChangeItem>,
    pub may_edit: bool,
}

/// One hit of a catalogue search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueHit {
    pub id: i64,
    pub label: String,
    /// Status, language, version… as stored (codes are translated by the UI).
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CataloguePage {
    pub hits: Vec<CatalogueHit>,
    pub has_more: bool,
}

/// Hits per page of a catalogue search.
pub const HITS_PER_PAGE: i64 = 8;
/// The longest responsibility text.
pub const MAX_RESPONSIBILITY_CHARS: usize = 500;

#[server(prefix = "/api", endpoint = "release_relations", input = StrictJson, output = crate::codec::JsonText)]
pub async fn release_relations(id: ReleaseId) -> Result<Relations, AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    let may_edit = match super::db::check_may_relate(&db, &flows, &actor, id).await {
        Ok(()) => true,
        Err(AppError::Refused { .. }) => false,
        Err(error) => return Err(error),
    };
    Ok(super::db::relations(&db, id, may_edit).await?)
}

/// Type-ahead over a catalogue (problems, knowledge, media, changes) or the users (roles):
/// a number, or word prefixes that must all match. Paged on the server.
#[server(prefix = "/api", endpoint = "search_catalogue", input = StrictJson, output = crate::codec::JsonText)]
pub async fn search_catalogue(kind: RelationKind, text: String, page: i64) -> Result<CataloguePage, AppError> {
    use crate::auth::session::{require_actor, use_db};
    use crate::domain::validation::{check_length, Field, MAX_SEARCH_CHARS};
    require_actor().await?;
    check_length(Field::Search, &text, MAX_SEARCH_CHARS)?;
    crate::domain::validation::check_page(page)?;
    let db = use_db()?;
    Ok(super::db::search(&db, kind, &text, page).await?)
}

/// Links `item` (for a role: the user) to the release. `responsibility` is for roles.
#[server(prefix = "/api", endpoint = "link_item", input = StrictJson, output = crate::codec::JsonText)]
pub async fn link_item(
    id: ReleaseId,
    kind: RelationKind,
    item: i64,
    responsibility: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    super::db::link(&db, &flows, &actor, id, kind, item, responsibility.as_deref(), crate::db::now()).await
}

#[server(prefix = "/api", endpoint = "unlink_item", input = StrictJson, output = crate::codec::JsonText)]
pub async fn unlink_item(id: ReleaseId, kind: RelationKind, item: i64) -> Result<(), AppError> {
    use crate::auth::session::{require_actor, use_db};
    let actor = require_actor().await?;
    let db = use_db()?;
    let flows = crate::auth::session::use_flows()?;
    super::db::unlink(&db, &flows, &actor, id, kind, item, crate::db::now()).await
}

/// A knowledge article's text, as typed (the UI shows it as text, never as HTML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub language: String,
    pub body: String,
}

#[server(prefix = "/api", endpoint = "knowledge_article", input = StrictJson, output = crate::codec::JsonText)]
pub async fn knowledge_article(article: i64) -> Result<Article, AppError> {
    use crate::auth::session::{require_actor, use_db};
    require_actor().await?;
    let db = use_db()?;
    super::db::article(&db, article).await?.ok_or(AppError::NotFound)
}
