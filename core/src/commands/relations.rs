//! Linking what a release touched: Problems, Knowledge, Definitive media,
//! Roles/Responsibilities and Changes. Every link and unlink is checked and logged in the
//! same transaction; linking twice is refused by the database itself.

use super::Ctx;
use crate::domain::flow::{self, Refusal};
use crate::domain::validation::{check_length, check_required, Field};
use crate::domain::ReleaseId;
use crate::model::catalogues::ChangeStatus;
use crate::model::relations::{
    Article, CatalogueHit, CataloguePage, RelationKind, Relations, MAX_RESPONSIBILITY_CHARS,
};
use crate::store::log::{append, LogDetails, NewEntry};
use crate::store::relations::{article_by_id, delete_link, insert_link, item, linked, search};
use crate::Error;

/// Everything linked to the release, and whether the user may change it. Anyone logged
/// in may read it.
pub async fn view(ctx: &Ctx, id: ReleaseId) -> Result<Relations, Error> {
    let may_edit = match check_may_relate(ctx, id).await {
        Ok(()) => true,
        Err(Error::Refused { .. }) => false,
        Err(error) => return Err(error),
    };
    Ok(linked(&ctx.db, id, may_edit).await?)
}

/// Type-ahead over a catalogue (problems, knowledge, media, changes) or the users (roles):
/// a number, or word prefixes that must all match. Paged in the database.
pub async fn find(ctx: &Ctx, kind: RelationKind, text: &str, page: i64) -> Result<CataloguePage, Error> {
    use crate::domain::validation::{check_page, MAX_SEARCH_CHARS};
    check_length(Field::Search, text, MAX_SEARCH_CHARS)?;
    check_page(page)?;
    Ok(search(&ctx.db, kind, text, page).await?)
}

/// A knowledge article's text, for the "Relacionados" tab's help and the linked articles.
pub async fn article(ctx: &Ctx, id: i64) -> Result<Article, Error> {
    article_by_id(&ctx.db, id).await?.ok_or(Error::NotFound)
}

/// "Vincular": `item` is the catalogue item's id, or for a role the user's; a role also
/// carries its responsibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub release: ReleaseId,
    pub kind: RelationKind,
    pub item: i64,
    pub responsibility: Option<String>,
}

/// "Desvincular".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unlink {
    pub release: ReleaseId,
    pub kind: RelationKind,
    pub item: i64,
}

/// Refuses, with the reason, when `actor` may not link or unlink on the release.
pub async fn check_may_relate(ctx: &Ctx, id: ReleaseId) -> Result<(), Error> {
    let (db, flows, actor) = (&ctx.db, &ctx.flows, &ctx.actor);
    let release = crate::store::releases::load(db, id).await?;
    let flow = flows.get(db, release.flow_id).await?;
    flow::check_may_relate(&release.state, &release.scope(&flow), actor)?;
    Ok(())
}

/// Links an item; refused when the user may not, when the item is already linked, or
/// when it is a change that is still Registered or was Cancelled.
pub async fn link(ctx: &Ctx, command: &Link) -> Result<(), Error> {
    super::retrying(|| link_once(ctx, command)).await
}

async fn link_once(ctx: &Ctx, command: &Link) -> Result<(), Error> {
    let (db, actor, now) = (&ctx.db, &ctx.actor, ctx.now);
    let Link { release: id, kind, item: item_id, responsibility } = command;
    let (id, kind, item_id, responsibility) = (*id, *kind, *item_id, responsibility.as_deref());
    check_may_relate(ctx, id).await?;
    // Only what is still offered: a deactivated user cannot be given a new role, nor a
    // retired item linked.
    let target = item(db, kind, item_id, true).await?.ok_or(Error::NotFound)?;
    let unlinkable = |code: &str| ChangeStatus::from_code(code).is_some_and(|status| !status.may_be_linked());
    if kind == RelationKind::Change && unlinkable(&target.detail) {
        return Err(Refusal::ChangeNotLinkable { status: target.detail }.into());
    }
    let responsibility = responsibility.unwrap_or_default().trim().to_owned();
    if kind == RelationKind::Role {
        check_required(Field::Responsibility, &responsibility)?;
        check_length(Field::Responsibility, &responsibility, MAX_RESPONSIBILITY_CHARS)?;
    }
    let mut tx = db.begin_write().await?;
    // The release first: the lock order of every write (`releases::lock`).
    let lock = crate::store::releases::lock(&mut tx, id).await?;
    if !insert_link(&mut tx, id, kind, item_id, &responsibility, actor.user, now).await? {
        return Err(Refusal::AlreadyLinked.into());
    }
    let details = LogDetails::Linked { relation: Some(kind), item: item_label(kind, &target, &responsibility) };
    append(db, &mut tx, lock, &NewEntry::new(id, actor.user, now, details)).await?;
    tx.commit().await?;
    Ok(())
}

/// Unlinks an item; refused when the user may not, or when it is not linked.
pub async fn unlink(ctx: &Ctx, command: &Unlink) -> Result<(), Error> {
    super::retrying(|| unlink_once(ctx, command)).await
}

async fn unlink_once(ctx: &Ctx, command: &Unlink) -> Result<(), Error> {
    let (db, actor, now) = (&ctx.db, &ctx.actor, ctx.now);
    let Unlink { release: id, kind, item: item_id } = *command;
    check_may_relate(ctx, id).await?;
    let target = item(db, kind, item_id, false).await?.ok_or(Error::NotFound)?;
    let mut tx = db.begin_write().await?;
    // The release first: the lock order of every write (`releases::lock`).
    let lock = crate::store::releases::lock(&mut tx, id).await?;
    if !delete_link(&mut tx, id, kind, item_id).await? {
        return Err(Error::NotFound);
    }
    let details = LogDetails::Unlinked { relation: Some(kind), item: item_label(kind, &target, "") };
    append(db, &mut tx, lock, &NewEntry::new(id, actor.user, now, details)).await?;
    tx.commit().await?;
    Ok(())
}

/// How the log names a linked item: what users typed, as they typed it.
fn item_label(kind: RelationKind, item: &CatalogueHit, responsibility: &str) -> String {
    match kind {
        RelationKind::Problem | RelationKind::Change => format!("#{} {}", item.id, item.label),
        RelationKind::Media => format!("{} {}", item.label, item.detail),
        RelationKind::Role if !responsibility.is_empty() => format!("{}: {}", item.label, responsibility),
        _ => item.label.clone(),
    }
}
