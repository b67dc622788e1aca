//! `/api/v1/{catalogue}`: the catalogues a system of record keeps in step with its own
//! items, by their external codes, through the administration's commands.

use super::{Api, Body, Caller, OrProblem, Problem, ProblemDoc};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use releasedesk_core::commands::catalogues::{create_item, items, update_item};
use releasedesk_core::commands::Ctx;
use releasedesk_core::domain::validation::{Field, FieldError, Problem as FieldProblem};
use releasedesk_core::model::catalogues::{Catalogue, CatalogueDraft, CatalogueItem, ItemFields};
use releasedesk_core::Error;
use serde::{Deserialize, Serialize};

pub(super) fn routes() -> Router<Api> {
    CATALOGUES.iter().fold(Router::new(), |routes, &(segment, catalogue)| {
        routes.route(&format!("/{segment}"), get(move |caller: Caller| catalogue_items(caller, catalogue))).route(
            &format!("/{segment}/{{code}}"),
            get(move |caller: Caller, code: Path<String>| catalogue_item(caller, catalogue, code)).put(
                move |caller: Caller, code: Path<String>, body: Body<ItemRequest>| {
                    put_catalogue_item(caller, catalogue, code, body)
                },
            ),
        )
    })
}

/// The catalogues a system of record pushes its items to, by the path segment that names them.
pub const CATALOGUES: [(&str, Catalogue); 6] = [
    ("problems", Catalogue::Problems),
    ("changes", Catalogue::Changes),
    ("knowledge", Catalogue::KnowledgeArticles),
    ("media", Catalogue::DefinitiveMedia),
    ("solution-categories", Catalogue::SolutionCategories),
    ("suspension-reasons", Catalogue::SuspensionReasons),
];

/// An item as `PUT /api/v1/{catalogue}/{code}` takes it: its columns, and whether it is
/// offered (true unless said).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    #[serde(default = "offered")]
    pub active: bool,
    /// The columns by the catalogue's shape: `{"shape": "problem", "title", "status"}`,
    /// `{"shape": "named", "name": {"es", "pt"}}`, …
    pub fields: ItemFields,
}

fn offered() -> bool {
    true
}

#[utoipa::path(get, path = "/api/v1/{catalogue}", tag = "catalogues",
    params(("catalogue" = String, Path, description = "problems, changes, knowledge, media, solution-categories, suspension-reasons")),
    responses((status = 200, body = Vec<CatalogueItem>), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)),
    security(("bearer" = [])))]
pub(super) async fn catalogue_items(caller: Caller, catalogue: Catalogue) -> Result<Json<Vec<CatalogueItem>>, Problem> {
    Ok(Json(items(&caller.ctx, catalogue).await.or_problem(caller.locale)?))
}

/// The item of `catalogue` whose external code is `code`, or 404.
async fn find_item(ctx: &Ctx, catalogue: Catalogue, code: &str) -> Result<Option<CatalogueItem>, Error> {
    Ok(items(ctx, catalogue).await?.into_iter().find(|item| item.code == code.trim()))
}

#[utoipa::path(get, path = "/api/v1/{catalogue}/{code}", tag = "catalogues",
    params(("catalogue" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = CatalogueItem), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn catalogue_item(
    caller: Caller,
    catalogue: Catalogue,
    Path(code): Path<String>,
) -> Result<Json<CatalogueItem>, Problem> {
    let found = find_item(&caller.ctx, catalogue, &code).await.or_problem(caller.locale)?;
    found.map(Json).ok_or(Error::NotFound).or_problem(caller.locale)
}

/// Creates the item of that code (201), or updates the one there is (200): what a system
/// of record calls for each of its items, as often as it likes.
#[utoipa::path(put, path = "/api/v1/{catalogue}/{code}", tag = "catalogues", request_body = ItemRequest,
    params(("catalogue" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = CatalogueItem, description = "Updated"), (status = 201, body = CatalogueItem, description = "Created"),
        (status = 400, body = ProblemDoc), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 422, body = ProblemDoc)),
    security(("bearer" = [])))]
pub(super) async fn put_catalogue_item(
    caller: Caller,
    catalogue: Catalogue,
    Path(code): Path<String>,
    Body(request): Body<ItemRequest>,
) -> Result<Response, Problem> {
    let Caller { ctx, locale, .. } = caller;
    let draft = CatalogueDraft { code: code.clone(), active: request.active, fields: request.fields };
    let update = |id: i64| {
        let (ctx, draft) = (&ctx, &draft);
        async move { update_item(ctx, catalogue, id, draft).await.map(|item| (StatusCode::OK, item)) }
    };
    let done = match find_item(&ctx, catalogue, &code).await {
        Ok(Some(existing)) => update(existing.id).await,
        Ok(None) => match create_item(&ctx, catalogue, &draft).await {
            Ok(item) => Ok((StatusCode::CREATED, item)),
            // Created meanwhile by another call: this one updates it.
            Err(Error::Invalid(FieldError { field: Field::Code, problem: FieldProblem::Taken })) => {
                match find_item(&ctx, catalogue, &code).await {
                    Ok(Some(existing)) => update(existing.id).await,
                    Ok(None) => Err(Error::Conflict),
                    Err(error) => Err(error),
                }
            }
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    let (status, item) = done.or_problem(locale)?;
    Ok((status, Json(item)).into_response())
}
