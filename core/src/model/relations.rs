//! What a release can be linked to, as linked and as found in a catalogue.

use crate::domain::UserId;
use serde::{Deserialize, Serialize};

pub use crate::domain::RelationKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProblemItem {
    pub id: i64,
    pub title: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct KnowledgeItem {
    pub id: i64,
    pub title: String,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MediaItem {
    pub id: i64,
    pub name: String,
    pub version: String,
    pub location: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RoleItem {
    pub user: UserId,
    pub name: String,
    pub responsibility: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ChangeItem {
    pub id: i64,
    pub title: String,
    pub status: String,
}

/// Everything linked to a release, and whether the user may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
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

/// A knowledge article's text, as typed (the UI shows it as text, never as HTML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub language: String,
    pub body: String,
}
