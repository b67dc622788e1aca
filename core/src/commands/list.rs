//! The list and its charts: the query is checked, the store reads what it selects, and
//! each row carries what the user may do on it.

use super::Ctx;
use crate::domain::actions::{available_actions, ReleaseScope};
use crate::domain::flow::{self, FlowDefinition, ReleaseState};
use crate::domain::permissions::Actor;
use crate::domain::time_zone::ZoneOffsets;
use crate::domain::{GroupId, ReleaseId, Status};
use crate::model::list::{ChartCounts, ListQuery, ReleasePage, ReleaseRow, COUNT_LIMIT};
use crate::model::release::GroupChoice;
use crate::store::list::{self as store, Asking, ListedRelease};
use crate::Error;

/// Registering a release records its title's words for the list's search.
pub use crate::store::list::remember_title_words;

/// The releases `query` selects for the user, once it is checked; `zone` is the calendar
/// the user reads its dates in.
async fn filter(ctx: &Ctx, query: &ListQuery, zone: &ZoneOffsets) -> Result<store::Filter, Error> {
    query.check()?;
    let asking = Asking { actor: &ctx.actor, now: ctx.now, zone };
    Ok(store::filter(&ctx.db, query, &asking).await?)
}

/// A page of the releases the query selects, in its order, each with what the user may do
/// on it. Filters, search, sorting and paging run in the database; `zone` is the calendar
/// the user reads the query's dates in.
pub async fn list(ctx: &Ctx, query: &ListQuery, zone: &ZoneOffsets) -> Result<ReleasePage, Error> {
    let db = &ctx.db;
    let filter = filter(ctx, query, zone).await?;
    let page = store::page(db, &filter, query).await?;
    let counted = match page.matches {
        Some(matches) => matches,
        None => store::count(db, &filter).await?,
    };
    Ok(ReleasePage {
        rows: rows(ctx, page.rows).await?,
        total: counted.min(COUNT_LIMIT),
        total_is_lower_bound: counted > COUNT_LIMIT,
        page: page.page,
        page_size: query.page_size,
        has_next: page.has_next,
    })
}

/// The executor groups the list can be filtered by, by name. Anyone logged in: the list
/// shows every release's group to everyone already.
pub async fn filter_groups(ctx: &Ctx) -> Result<Vec<GroupChoice>, Error> {
    Ok(crate::store::releases::execution_groups(&ctx.db).await?)
}

/// The list's export ("Exportar CSV") reads the releases this many at a time.
pub const EXPORT_BATCH: i64 = 500;

/// The next [`EXPORT_BATCH`] releases the query selects after the release numbered `after`
/// (from the top when `None`), newest first, and whether more follow: the list's export
/// reads every match this way, a batch at a time, whatever the query's page.
pub async fn export_batch(
    ctx: &Ctx,
    query: &ListQuery,
    zone: &ZoneOffsets,
    after: Option<i64>,
) -> Result<(Vec<ReleaseRow>, bool), Error> {
    let db = &ctx.db;
    let filter = filter(ctx, query, zone).await?.uncounted();
    let batch = ListQuery { page: 0, after, before: None, page_size: EXPORT_BATCH, ..query.clone() };
    let page = store::page(db, &filter, &batch).await?;
    Ok((rows(ctx, page.rows).await?, page.has_next))
}

/// The rows as the list shows them, each with what the user may do on it.
async fn rows(ctx: &Ctx, listed: Vec<ListedRelease>) -> Result<Vec<ReleaseRow>, Error> {
    let mut rows = Vec::with_capacity(listed.len());
    for row in listed {
        let flow = ctx.flows.get(&ctx.db, row.flow_id).await?;
        rows.push(release_row(row, &flow, &ctx.actor, ctx.now)?);
    }
    Ok(rows)
}

/// The charts' counts, each computed by the database for the list's filters.
pub async fn charts(ctx: &Ctx, query: &ListQuery, zone: &ZoneOffsets) -> Result<ChartCounts, Error> {
    let (db, now) = (&ctx.db, ctx.now);
    let filter = filter(ctx, query, zone).await?;
    let mut by_status = store::by_status(db, &filter).await?;
    by_status.sort_by_key(|(status, _)| Status::ALL.iter().position(|s| s == status));
    let by_priority = store::by_priority(db, &filter).await?;
    let by_group = store::by_group(db, &filter).await?;
    let mut by_deadline = store::by_deadline(db, &filter, now).await?;
    by_deadline.sort_by_key(|(deadline, _)| *deadline as u8);
    let total = by_status.iter().map(|(_, n)| n).sum();
    Ok(ChartCounts { total, by_status, by_priority, by_group, by_deadline })
}

fn release_row(row: ListedRelease, flow: &FlowDefinition, actor: &Actor, now: i64) -> Result<ReleaseRow, sqlx::Error> {
    let status = row.status()?;
    let task = row.task.open_task()?;
    let current_task = row.current_task();
    let delay_seconds = row.clock().delay(status, now);
    let responsible = task.as_ref().and_then(|t| t.assignee.as_ref()).map(|h| h.name.clone());
    let state = ReleaseState { status, row_version: 0, task };
    let scope = ReleaseScope::new(flow, GroupId(row.executor_group_id), &state);
    let actions = available_actions(&state, &scope, actor);
    let access = flow::access(&state, actor);
    Ok(ReleaseRow {
        id: ReleaseId(row.id),
        title: row.title,
        requester: row.requester,
        created_at: row.created_at,
        priority: row.priority,
        planned_end: row.planned_end,
        delay_seconds,
        status,
        current_task,
        executor_group: row.executor_group,
        responsible,
        access,
        actions,
    })
}
