//! `/api/v1`: the desk for other systems (CI/CD pipelines, service desks), in JSON with
//! stable names, beside the browser's server functions and calling the same commands (each
//! handler is a thin adapter: read the request, call the command, write the answer).
//!
//! - Only `Authorization: Bearer <token>` authenticates (a user's access token, "Mi cuenta" >
//!   "Tokens de acceso"); a session cookie is never looked at here, so a page of another site
//!   cannot make a browser act on the API. Tokens, in turn, are never accepted by the server
//!   functions, which know only the session.
//! - Requests are limited per token (`API_RATE_LIMIT` a minute): over it, 429 with `Retry-After`.
//! - Writes that can conflict take the release's version in `If-Match` (the `ETag` a GET
//!   answers): a stale one is refused with 412 and the current version, a missing one with 428.
//! - Errors are `application/problem+json` (RFC 9457) with a stable `type` and a `detail`
//!   translated by `Accept-Language` (es, pt; es when neither).

mod problem;

use crate::i18n::Locale;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
pub use problem::Problem;
use releasedesk_core::commands::{Ctx, Desk};
use releasedesk_core::domain::validation::{ClosureDraft, Field, FieldError, Problem as FieldProblem};
use releasedesk_core::domain::{ReleaseId, Status};
use releasedesk_core::model::catalogues::{Catalogue, CatalogueDraft, CatalogueItem, ItemFields};
use releasedesk_core::model::list::{ListQuery, ReleaseRow, Scope};
use releasedesk_core::Error;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use std::sync::Arc;

/// Where the API is mounted.
pub const BASE: &str = "/api/v1";

/// Requests a token may make a minute when `API_RATE_LIMIT` does not say.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 600;

/// The API's settings, from the operator.
#[derive(Debug, Clone, Copy)]
pub struct ApiSettings {
    /// Requests a token may make a minute (`API_RATE_LIMIT`), with bursts of as many.
    pub requests_per_minute: NonZeroU32,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings { requests_per_minute: NonZeroU32::MIN.saturating_add(DEFAULT_REQUESTS_PER_MINUTE - 1) }
    }
}

impl ApiSettings {
    /// `API_RATE_LIMIT` (requests a minute per token, at least 1), else the default.
    pub fn from_env() -> Result<ApiSettings, String> {
        match std::env::var("API_RATE_LIMIT").ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
            None => Ok(ApiSettings::default()),
            Some(text) => text
                .parse::<NonZeroU32>()
                .map(|requests_per_minute| ApiSettings { requests_per_minute })
                .map_err(|_| format!("API_RATE_LIMIT: `{text}` is not a number of requests a minute (1 or more)")),
        }
    }
}

#[derive(Clone)]
struct Api {
    desk: Desk,
    limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    clock: DefaultClock,
}

/// The routes of `/api/v1` (to be nested at [`BASE`], in a router of any state).
pub fn routes<S: Clone + Send + Sync + 'static>(desk: Desk, settings: ApiSettings) -> Router<S> {
    let limiter = Arc::new(RateLimiter::keyed(Quota::per_minute(settings.requests_per_minute)));
    let api = Api { desk, limiter, clock: DefaultClock::default() };
    let routes = Router::new()
        .route("/openapi.json", get(|| async { Json(openapi()) }))
        .route("/releases", get(list_releases))
        .route("/releases/{number}", get(get_release))
        .route("/releases/{number}/capture", post(capture))
        .route("/releases/{number}/advance", post(advance))
        .route("/releases/{number}/log", get(release_log));
    let routes = CATALOGUES.iter().fold(routes, |routes, &(segment, catalogue)| {
        routes.route(&format!("/{segment}"), get(move |caller: Caller| catalogue_items(caller, catalogue))).route(
            &format!("/{segment}/{{code}}"),
            get(move |caller: Caller, code: Path<String>| catalogue_item(caller, catalogue, code)).put(
                move |caller: Caller, code: Path<String>, body: Result<Json<ItemRequest>, JsonRejection>| {
                    put_catalogue_item(caller, catalogue, code, body)
                },
            ),
        )
    });
    routes.fallback(|headers: HeaderMap| async move { Problem::no_route(locale_of(&headers)) }).with_state(api)
}

/// The language of the answer's texts: `Accept-Language`'s first choice when it is
/// Portuguese, else Spanish.
pub fn locale_of(headers: &HeaderMap) -> Locale {
    let wanted = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if wanted.trim_start().to_ascii_lowercase().starts_with("pt") {
        Locale::pt
    } else {
        Locale::es
    }
}

/// The caller of a request: the command context of the token's user, and the language of
/// the answer. Refused (401) without a valid bearer token, whatever cookie comes along;
/// 429 over the token's rate.
struct Caller {
    ctx: Ctx,
    locale: Locale,
}

impl FromRequestParts<Api> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Caller, Problem> {
        let locale = locale_of(&parts.headers);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
            .ok_or_else(|| Problem::from_error(locale, Error::Unauthenticated))?;
        let now = releasedesk_core::store::now();
        let user = releasedesk_core::commands::tokens::authenticate_token(&api.desk, bearer, now)
            .await
            .map_err(|error| Problem::from_error(locale, error))?;
        if let Err(not_until) = api.limiter.check_key(&user.token) {
            let wait = not_until.wait_time_from(api.clock.now());
            return Err(Problem::rate_limited(locale, wait.as_secs() + u64::from(wait.subsec_nanos() > 0)));
        }
        Ok(Caller { ctx: api.desk.acting_at(user.actor, now), locale })
    }
}

/// The list's filters as query parameters, and its cursor.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A release number, or words that must all appear in the title.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub search: String,
    /// A status code: `registered`, `approved`, `in_execution`, `resolved`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>)]
    pub status: Option<Status>,
    /// `mine`, `groups` or `all` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>)]
    pub scope: Option<Scope>,
    /// Zero-based page number (what the links carry along with their cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// Releases numbered below this one (the `next` link's cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// Releases numbered above this one (the `prev` link's cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
}

/// A page of the list, newest first, with the links to the pages around it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReleaseListPage {
    /// The list's rows, as the page shows them.
    #[schema(value_type = Vec<Object>)]
    pub releases: Vec<ReleaseRow>,
    /// How many releases the filters select, counted up to 1 000.
    pub total: i64,
    pub total_is_lower_bound: bool,
    pub page: i64,
    pub page_size: i64,
    pub links: Links,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Links {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/releases", tag = "releases", params(ListParams),
    responses((status = 200, body = ReleaseListPage), (status = 400, body = ProblemDoc), (status = 401, body = ProblemDoc),
        (status = 429, body = ProblemDoc)), security(("bearer" = [])))]
async fn list_releases(
    caller: Caller,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReleaseListPage>, Problem> {
    let Caller { ctx, locale } = caller;
    let Query(params) = params.map_err(|rejection| Problem::bad_request(locale, rejection.body_text()))?;
    let query = ListQuery {
        search: params.search.clone(),
        status: params.status,
        scope: params.scope.unwrap_or_default(),
        page: params.page.unwrap_or(0),
        after: params.after,
        before: params.before,
    };
    let page =
        releasedesk_core::commands::list::list(&ctx, &query).await.map_err(|e| Problem::from_error(locale, e))?;
    let link = |page: i64, after: Option<i64>, before: Option<i64>| {
        let params = ListParams { page: Some(page), after, before, ..params.clone() };
        serde_urlencoded::to_string(&params).ok().map(|query| format!("{BASE}/releases?{query}"))
    };
    let (first, last) = (page.rows.first().map(|r| r.id.0), page.rows.last().map(|r| r.id.0));
    let next = last.filter(|_| page.has_next).and_then(|last| link(page.page + 1, Some(last), None));
    let prev = first.filter(|_| page.page > 0).and_then(|first| link(page.page - 1, None, Some(first)));
    Ok(Json(ReleaseListPage {
        releases: page.rows,
        total: page.total,
        total_is_lower_bound: page.total_is_lower_bound,
        page: page.page,
        page_size: page.page_size,
        links: Links { next, prev },
    }))
}

/// The release's version as an entity tag: `"7"`.
fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

#[utoipa::path(get, path = "/api/v1/releases/{number}", tag = "releases", params(("number" = i64, Path)),
    responses((status = 200, body = Object, description = "The release, its current task and closure; ETag: its version"),
        (status = 401, body = ProblemDoc), (status = 404, body = ProblemDoc)), security(("bearer" = [])))]
async fn get_release(caller: Caller, Path(number): Path<i64>) -> Result<Response, Problem> {
    let Caller { ctx, locale } = caller;
    let view = releasedesk_core::commands::release::view(&ctx, ReleaseId(number))
        .await
        .map_err(|e| Problem::from_error(locale, e))?;
    let tag = etag(view.row_version);
    Ok(([(header::ETAG, tag)], Json(view)).into_response())
}

/// What capturing answered.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaptureResult {
    /// `taken`: the task is now the caller's; `already_yours`: it was.
    pub captured: String,
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/capture", tag = "releases", params(("number" = i64, Path)),
    responses((status = 200, body = CaptureResult), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)), security(("bearer" = [])))]
async fn capture(caller: Caller, Path(number): Path<i64>) -> Result<Json<CaptureResult>, Problem> {
    use releasedesk_core::commands::release::{capture, Captured};
    let Caller { ctx, locale } = caller;
    let captured = capture(&ctx, ReleaseId(number)).await.map_err(|e| Problem::from_error(locale, e))?;
    let captured = match captured {
        Captured::Taken => "taken",
        Captured::AlreadyYours => "already_yours",
    };
    Ok(Json(CaptureResult { captured: captured.into() }))
}

/// "Guardar y avanzar flujo": the decision (on steps without a closure) and the closure.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceRequest {
    #[serde(default)]
    pub decision: Option<String>,
    /// `outcome` (`resolved`, `not_resolved`), `solution_category` (an id), `useful_information`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub closure: ClosureDraft,
}

/// The version `If-Match` names: missing is 428; anything but one quoted version never
/// matches (412).
fn if_match(headers: &HeaderMap, locale: Locale) -> Result<Option<i64>, Problem> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| Problem::precondition_required(locale))?;
    let text = value.to_str().unwrap_or("").trim();
    Ok(text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).and_then(|t| t.parse::<i64>().ok()))
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/advance", tag = "releases", request_body = AdvanceRequest,
    params(("number" = i64, Path), ("If-Match" = String, Header, description = "The ETag of the release as read")),
    responses((status = 200, body = Object, description = "Where the release went"), (status = 401, body = ProblemDoc),
        (status = 403, body = ProblemDoc), (status = 409, body = ProblemDoc), (status = 412, body = ProblemDoc),
        (status = 422, body = ProblemDoc), (status = 428, body = ProblemDoc)), security(("bearer" = [])))]
async fn advance(
    caller: Caller,
    Path(number): Path<i64>,
    headers: HeaderMap,
    body: Result<Json<AdvanceRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<releasedesk_core::model::release::AdvanceResult>, Problem> {
    use releasedesk_core::commands::release::{advance, view, Advance};
    let Caller { ctx, locale } = caller;
    let id = ReleaseId(number);
    let expected = if_match(&headers, locale)?;
    let Json(request) = body.map_err(|rejection| Problem::bad_request(locale, rejection.body_text()))?;
    let current = || async { view(&ctx, id).await.map(|v| v.row_version).map_err(|e| Problem::from_error(locale, e)) };
    let Some(version) = expected else {
        return Err(Problem::stale(locale, current().await?));
    };
    let command = Advance { release: id, version, decision: request.decision, closure: request.closure };
    match advance(&ctx, &command).await {
        Ok(advanced) => Ok(Json(releasedesk_core::model::release::AdvanceResult {
            id,
            status: advanced.status,
            next_step: advanced.next_step,
            time_spent_minutes: advanced.time_spent_minutes,
        })),
        Err(error) => {
            // The precondition comes first (RFC 9110 §13.2.2): a release that changed since
            // the caller read it is answered 412 whatever else the command found.
            let version_now = current().await?;
            if version_now != version {
                return Err(Problem::stale(locale, version_now));
            }
            Err(Problem::from_error(locale, error))
        }
    }
}

#[utoipa::path(get, path = "/api/v1/releases/{number}/log", tag = "releases", params(("number" = i64, Path)),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ProblemDoc), (status = 404, body = ProblemDoc)),
    security(("bearer" = [])))]
async fn release_log(
    caller: Caller,
    Path(number): Path<i64>,
) -> Result<Json<Vec<releasedesk_core::model::log::LogEntryView>>, Problem> {
    let Caller { ctx, locale } = caller;
    let entries = releasedesk_core::commands::log::log_view(&ctx, ReleaseId(number))
        .await
        .map_err(|e| Problem::from_error(locale, e))?;
    Ok(Json(entries))
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
    #[schema(value_type = Object)]
    pub fields: ItemFields,
}

fn offered() -> bool {
    true
}

#[utoipa::path(get, path = "/api/v1/{catalogue}", tag = "catalogues",
    params(("catalogue" = String, Path, description = "problems, changes, knowledge, media, solution-categories, suspension-reasons")),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)),
    security(("bearer" = [])))]
async fn catalogue_items(caller: Caller, catalogue: Catalogue) -> Result<Json<Vec<CatalogueItem>>, Problem> {
    let Caller { ctx, locale } = caller;
    let items = releasedesk_core::commands::catalogues::items(&ctx, catalogue).await;
    Ok(Json(items.map_err(|e| Problem::from_error(locale, e))?))
}

/// The item of `catalogue` whose external code is `code`, or 404.
async fn find_item(ctx: &Ctx, catalogue: Catalogue, code: &str) -> Result<Option<CatalogueItem>, Error> {
    let items = releasedesk_core::commands::catalogues::items(ctx, catalogue).await?;
    Ok(items.into_iter().find(|item| item.code == code.trim()))
}

#[utoipa::path(get, path = "/api/v1/{catalogue}/{code}", tag = "catalogues",
    params(("catalogue" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = Object), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, body = ProblemDoc)), security(("bearer" = [])))]
async fn catalogue_item(
    caller: Caller,
    catalogue: Catalogue,
    Path(code): Path<String>,
) -> Result<Json<CatalogueItem>, Problem> {
    let Caller { ctx, locale } = caller;
    let found = find_item(&ctx, catalogue, &code).await.map_err(|e| Problem::from_error(locale, e))?;
    found.map(Json).ok_or_else(|| Problem::from_error(locale, Error::NotFound))
}

/// Creates the item of that code (201), or updates the one there is (200): what a system
/// of record calls for each of its items, as often as it likes.
#[utoipa::path(put, path = "/api/v1/{catalogue}/{code}", tag = "catalogues", request_body = ItemRequest,
    params(("catalogue" = String, Path), ("code" = String, Path)),
    responses((status = 200, body = Object, description = "Updated"), (status = 201, body = Object, description = "Created"),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 422, body = ProblemDoc)),
    security(("bearer" = [])))]
async fn put_catalogue_item(
    caller: Caller,
    catalogue: Catalogue,
    Path(code): Path<String>,
    body: Result<Json<ItemRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    use releasedesk_core::commands::catalogues::{create_item, update_item};
    let Caller { ctx, locale } = caller;
    let Json(request) = body.map_err(|rejection| Problem::bad_request(locale, rejection.body_text()))?;
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
    let (status, item) = done.map_err(|e| Problem::from_error(locale, e))?;
    Ok((status, Json(item)).into_response())
}

/// An error answer (`application/problem+json`, RFC 9457), for the document.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemDoc {
    /// Stable: `/api/v1/problems/unauthenticated`, `forbidden`, `not-found`, `invalid`,
    /// `refused`, `stale-version`, `precondition-required`, `rate-limited`, `bad-request`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// In the language of `Accept-Language` (es, pt).
    pub detail: String,
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "ReleaseDesk API", version = "1"),
    paths(
        list_releases,
        get_release,
        capture,
        advance,
        release_log,
        catalogue_items,
        catalogue_item,
        put_catalogue_item
    ),
    components(schemas(ReleaseListPage, Links, CaptureResult, AdvanceRequest, ItemRequest, ProblemDoc))
)]
struct Document;

/// The API's OpenAPI 3.1 document, with its bearer authentication.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    use utoipa::OpenApi as _;
    let mut document = Document::openapi();
    let bearer = SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("rdk_…").build());
    document.components.get_or_insert_with(Default::default).add_security_scheme("bearer", bearer);
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_in_portuguese_only_when_asked() {
        let headers = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(value));
            headers
        };
        assert_eq!(locale_of(&headers("pt-BR,pt;q=0.9")), Locale::pt);
        assert_eq!(locale_of(&headers("es-ES")), Locale::es);
        assert_eq!(locale_of(&headers("en")), Locale::es);
        assert_eq!(locale_of(&HeaderMap::new()), Locale::es);
    }

    #[test]
    fn if_match_takes_one_quoted_version() {
        let locale = Locale::es;
        let mut headers = HeaderMap::new();
        assert!(if_match(&headers, locale).is_err(), "missing: 428");
        headers.insert(header::IF_MATCH, HeaderValue::from_static("\"7\""));
        assert_eq!(if_match(&headers, locale).ok(), Some(Some(7)));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("*"));
        assert_eq!(if_match(&headers, locale).ok(), Some(None));
    }
}
