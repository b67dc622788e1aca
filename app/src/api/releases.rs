//! `/api/v1/releases`: the list, one release, and everything the release page does with it
//! (register, correct, capture, save, advance, the "Acción" menu, relations, occurrences,
//! the log), each a thin adapter over the command the page's server function calls.

use super::{etag, if_matches, Api, Body, Caller, OrProblem, Params, Problem, ProblemDoc, BASE};
use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use releasedesk_core::commands::{actions, log, relations, release};
use releasedesk_core::domain::occurrence::OccurrenceDraft;
use releasedesk_core::domain::validation::ClosureDraft;
use releasedesk_core::domain::{GroupId, RelationKind, ReleaseId, Status, UserId};
use releasedesk_core::model::list::{parse_numbers, DateRange, ListQuery, ReleaseRow, Scope, Sort, PAGE_SIZE};
use releasedesk_core::model::log::LogEntryView;
use releasedesk_core::model::relations::Relations;
use releasedesk_core::model::release::{AdvanceResult, GroupChoice, RegisteredDraft, Registration, ReleaseView};
use serde::{Deserialize, Serialize};

pub(super) fn routes() -> Router<Api> {
    Router::new()
        .route("/releases", get(list_releases).post(register))
        .route("/releases/{number}", get(get_release).patch(correct))
        .route("/releases/{number}/capture", post(capture))
        .route("/releases/{number}/save", post(save))
        .route("/releases/{number}/advance", post(advance))
        .route("/releases/{number}/delegate", post(delegate))
        .route("/releases/{number}/suspend", post(suspend))
        .route("/releases/{number}/reactivate", post(reactivate))
        .route("/releases/{number}/reopen", post(reopen))
        .route("/releases/{number}/cancel", post(cancel))
        .route("/releases/{number}/relations", get(release_relations).post(link))
        .route("/releases/{number}/relations/{kind}/{item}", delete(unlink))
        .route("/releases/{number}/occurrences", post(add_occurrence))
        .route("/releases/{number}/log", get(release_log))
        .route("/executor-groups", get(executor_groups))
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
    /// Priorities to show, comma-separated: `1,2` (1 highest to 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Executor group ids to show, comma-separated (`GET /executor-groups` names them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `true`: only releases past their deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late: Option<bool>,
    /// Rows per page: 25 (the default), 50 or 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<i64>,
    /// Text the requester's name or user name holds (any case, any accents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<String>,
    /// Registered on or after this day (`2026-11-30`, in the token user's time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = Date)]
    pub registered_from: Option<chrono::NaiveDate>,
    /// Registered on or before this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = Date)]
    pub registered_to: Option<chrono::NaiveDate>,
    /// Planned to end ("Plazo") on or after this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = Date)]
    pub due_from: Option<chrono::NaiveDate>,
    /// Planned to end on or before this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>, format = Date)]
    pub due_to: Option<chrono::NaiveDate>,
    /// The order: `number`, `created`, `priority` or `deadline`, ascending, or descending
    /// with a leading `-`. `-number` (the newest first) unless set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
}

/// A page of the list, newest first, with the links to the pages around it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReleaseListPage {
    /// The list's rows, as the page shows them.
    pub releases: Vec<ReleaseRow>,
    /// How many releases the filters select, counted up to 100; past that,
    /// `total_is_lower_bound` is true and `total` is 100.
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
pub(super) async fn list_releases(
    caller: Caller,
    Params(params): Params<ListParams>,
) -> Result<Json<ReleaseListPage>, Problem> {
    let locale = caller.locale;
    let numbers = |name: &str, text: &Option<String>| {
        let text = text.as_deref().unwrap_or("");
        parse_numbers(text)
            .ok_or_else(|| Problem::bad_request(locale, format!("{name}: `{text}` is not a list of numbers")))
    };
    let query = ListQuery {
        search: params.search.clone(),
        status: params.status,
        scope: params.scope.unwrap_or_default(),
        page: params.page.unwrap_or(0),
        after: params.after,
        before: params.before,
        priorities: numbers("priority", &params.priority)?,
        groups: numbers("group", &params.group)?.into_iter().map(GroupId).collect(),
        late_only: params.late.unwrap_or(false),
        page_size: params.page_size.unwrap_or(PAGE_SIZE),
        requester: params.requester.clone().unwrap_or_default(),
        registered: DateRange { from: params.registered_from, to: params.registered_to },
        due: DateRange { from: params.due_from, to: params.due_to },
        sort: match params.sort.as_deref() {
            None => Sort::default(),
            Some(text) => Sort::parse(text).ok_or_else(|| {
                Problem::bad_request(locale, format!("sort: `{text}` is not one of the sortable columns"))
            })?,
        },
    };
    let page = releasedesk_core::commands::list::list(&caller.ctx, &query, &caller.zone).await.or_problem(locale)?;
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

/// The release as the caller may see it, with its version as the `ETag`.
async fn current_view(caller: &Caller, id: ReleaseId, status: StatusCode) -> Result<Response, Problem> {
    let view = release::view(&caller.ctx, id).await.or_problem(caller.locale)?;
    let tag = etag(view.row_version);
    let location = format!("{BASE}/releases/{}", id.0);
    Ok((status, [(header::ETAG, tag)], [(header::CONTENT_LOCATION, location)], Json(view)).into_response())
}

#[utoipa::path(get, path = "/api/v1/releases/{number}", tag = "releases", params(("number" = i64, Path)),
    responses((status = 200, body = ReleaseView, description = "The release, its current task and closure; ETag: its version"),
        (status = 401, body = ProblemDoc), (status = 404, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn get_release(caller: Caller, Path(number): Path<i64>) -> Result<Response, Problem> {
    current_view(&caller, ReleaseId(number), StatusCode::OK).await
}

/// "Registrar liberación": needs Crear; the release goes to its executor group's first step.
#[utoipa::path(post, path = "/api/v1/releases", tag = "releases", request_body = Registration,
    responses((status = 201, body = ReleaseView, description = "Registered; Location: the release; ETag: its version"),
        (status = 400, body = ProblemDoc), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 422, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn register(caller: Caller, Body(registration): Body<Registration>) -> Result<Response, Problem> {
    let id = release::register(&caller.ctx, &registration).await.or_problem(caller.locale)?;
    let mut answer = current_view(&caller, id, StatusCode::CREATED).await?;
    if let Some(location) = answer.headers().get(header::CONTENT_LOCATION).cloned() {
        answer.headers_mut().insert(header::LOCATION, location);
    }
    Ok(answer)
}

/// "Corregir datos": the registered data, on the version `If-Match` names.
#[utoipa::path(patch, path = "/api/v1/releases/{number}", tag = "releases", request_body = RegisteredDraft,
    params(("number" = i64, Path), ("If-Match" = String, Header, description = "The ETag of the release as read")),
    responses((status = 200, body = ReleaseView, description = "Corrected (each change in the log); ETag: the new version"),
        (status = 400, body = ProblemDoc), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc), (status = 412, body = ProblemDoc),
        (status = 422, body = ProblemDoc), (status = 428, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn correct(
    caller: Caller,
    Path(number): Path<i64>,
    headers: HeaderMap,
    Body(data): Body<RegisteredDraft>,
) -> Result<Response, Problem> {
    let id = ReleaseId(number);
    let ctx = &caller.ctx;
    let edit = |version| async move {
        release::edit_registration(ctx, &release::EditRegistration { release: id, version, data }).await
    };
    if_matches(&caller, id, &headers, edit).await?;
    current_view(&caller, id, StatusCode::OK).await
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
pub(super) async fn capture(caller: Caller, Path(number): Path<i64>) -> Result<Json<CaptureResult>, Problem> {
    let captured = release::capture(&caller.ctx, ReleaseId(number)).await.or_problem(caller.locale)?;
    let captured = match captured {
        release::Captured::Taken => "taken",
        release::Captured::AlreadyYours => "already_yours",
    };
    Ok(Json(CaptureResult { captured: captured.into() }))
}

/// The release's version after a write.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Saved {
    pub version: i64,
}

/// "Guardar y mantener la tarea actual": the Closure area, on the version `If-Match` names.
#[utoipa::path(post, path = "/api/v1/releases/{number}/save", tag = "releases", request_body = ClosureDraft,
    params(("number" = i64, Path), ("If-Match" = String, Header, description = "The ETag of the release as read")),
    responses((status = 200, body = Saved, description = "Saved; ETag: the new version"), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 404, body = ProblemDoc),
        (status = 409, body = ProblemDoc), (status = 412, body = ProblemDoc), (status = 422, body = ProblemDoc),
        (status = 428, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn save(
    caller: Caller,
    Path(number): Path<i64>,
    headers: HeaderMap,
    Body(closure): Body<ClosureDraft>,
) -> Result<Response, Problem> {
    let id = ReleaseId(number);
    let ctx = &caller.ctx;
    let save = |version| async move { release::save(ctx, &release::Save { release: id, version, closure }).await };
    let version = if_matches(&caller, id, &headers, save).await?;
    Ok(([(header::ETAG, etag(version))], Json(Saved { version })).into_response())
}

/// "Guardar y avanzar flujo": the decision (on steps without a closure) and the closure.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceRequest {
    /// The outcome's code, on steps decided without the Closure area (`approve`, …).
    #[serde(default)]
    pub decision: Option<String>,
    #[serde(default)]
    pub closure: ClosureDraft,
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/advance", tag = "releases", request_body = AdvanceRequest,
    params(("number" = i64, Path), ("If-Match" = String, Header, description = "The ETag of the release as read")),
    responses((status = 200, body = AdvanceResult, description = "Where the release went"), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 404, body = ProblemDoc),
        (status = 409, body = ProblemDoc), (status = 412, body = ProblemDoc), (status = 422, body = ProblemDoc),
        (status = 428, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn advance(
    caller: Caller,
    Path(number): Path<i64>,
    headers: HeaderMap,
    Body(request): Body<AdvanceRequest>,
) -> Result<Json<AdvanceResult>, Problem> {
    let id = ReleaseId(number);
    let AdvanceRequest { decision, closure } = request;
    let ctx = &caller.ctx;
    let advance = |version| async move {
        release::advance(ctx, &release::Advance { release: id, version, decision, closure }).await
    };
    let advanced = if_matches(&caller, id, &headers, advance).await?;
    Ok(Json(AdvanceResult {
        id,
        status: advanced.status,
        next_step: advanced.next_step,
        time_spent_minutes: advanced.time_spent_minutes,
    }))
}

/// The release's status after an "Acción" menu's action.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionResult {
    pub status: Status,
}

/// "Delegar": to a group, and to one of its members when given.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegateRequest {
    pub group: GroupId,
    #[serde(default)]
    pub user: Option<UserId>,
}

/// "Suspender": a justification of the managed list (its id) and a complement.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    pub justification: i64,
    #[serde(default)]
    pub complement: String,
}

/// "Reabrir" and "Cancelar": the reason.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    pub reason: String,
}

fn action_result(
    caller: &Caller,
    done: Result<Status, releasedesk_core::Error>,
) -> Result<Json<ActionResult>, Problem> {
    done.map(|status| Json(ActionResult { status })).or_problem(caller.locale)
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/delegate", tag = "actions", request_body = DelegateRequest,
    params(("number" = i64, Path)), responses((status = 200, body = ActionResult), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 404, body = ProblemDoc),
        (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn delegate(
    caller: Caller,
    Path(number): Path<i64>,
    Body(request): Body<DelegateRequest>,
) -> Result<Json<ActionResult>, Problem> {
    let command = actions::Delegate { release: ReleaseId(number), group: request.group, user: request.user };
    action_result(&caller, actions::delegate(&caller.ctx, &command).await)
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/suspend", tag = "actions", request_body = SuspendRequest,
    params(("number" = i64, Path)), responses((status = 200, body = ActionResult), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 404, body = ProblemDoc),
        (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn suspend(
    caller: Caller,
    Path(number): Path<i64>,
    Body(request): Body<SuspendRequest>,
) -> Result<Json<ActionResult>, Problem> {
    let SuspendRequest { justification, complement } = request;
    let command = actions::Suspend { release: ReleaseId(number), justification, complement };
    action_result(&caller, actions::suspend(&caller.ctx, &command).await)
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/reactivate", tag = "actions", params(("number" = i64, Path)),
    responses((status = 200, body = ActionResult), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn reactivate(caller: Caller, Path(number): Path<i64>) -> Result<Json<ActionResult>, Problem> {
    action_result(&caller, actions::reactivate(&caller.ctx, ReleaseId(number)).await)
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/reopen", tag = "actions", request_body = ReasonRequest,
    params(("number" = i64, Path)), responses((status = 200, body = ActionResult), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 404, body = ProblemDoc),
        (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn reopen(
    caller: Caller,
    Path(number): Path<i64>,
    Body(request): Body<ReasonRequest>,
) -> Result<Json<ActionResult>, Problem> {
    let command = actions::Justified { release: ReleaseId(number), reason: request.reason };
    action_result(&caller, actions::reopen(&caller.ctx, &command).await)
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/cancel", tag = "actions", request_body = ReasonRequest,
    params(("number" = i64, Path)), responses((status = 200, body = ActionResult), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 404, body = ProblemDoc),
        (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn cancel(
    caller: Caller,
    Path(number): Path<i64>,
    Body(request): Body<ReasonRequest>,
) -> Result<Json<ActionResult>, Problem> {
    let command = actions::Justified { release: ReleaseId(number), reason: request.reason };
    action_result(&caller, actions::cancel(&caller.ctx, &command).await)
}

#[utoipa::path(get, path = "/api/v1/releases/{number}/relations", tag = "relations", params(("number" = i64, Path)),
    responses((status = 200, body = Relations), (status = 401, body = ProblemDoc), (status = 404, body = ProblemDoc)),
    security(("bearer" = [])))]
pub(super) async fn release_relations(caller: Caller, Path(number): Path<i64>) -> Result<Json<Relations>, Problem> {
    Ok(Json(relations::view(&caller.ctx, ReleaseId(number)).await.or_problem(caller.locale)?))
}

/// "Vincular": a catalogue item (its id), or for a role a user (their id) and their
/// responsibility.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub kind: RelationKind,
    pub item: i64,
    #[serde(default)]
    pub responsibility: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/releases/{number}/relations", tag = "relations", request_body = LinkRequest,
    params(("number" = i64, Path)), responses((status = 201, body = Relations, description = "Linked"),
        (status = 400, body = ProblemDoc), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)),
    security(("bearer" = [])))]
pub(super) async fn link(
    caller: Caller,
    Path(number): Path<i64>,
    Body(request): Body<LinkRequest>,
) -> Result<Response, Problem> {
    let id = ReleaseId(number);
    let LinkRequest { kind, item, responsibility } = request;
    let command = relations::Link { release: id, kind, item, responsibility };
    relations::link(&caller.ctx, &command).await.or_problem(caller.locale)?;
    let relations = relations::view(&caller.ctx, id).await.or_problem(caller.locale)?;
    Ok((StatusCode::CREATED, Json(relations)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/releases/{number}/relations/{kind}/{item}", tag = "relations",
    params(("number" = i64, Path), ("kind" = RelationKind, Path), ("item" = i64, Path)),
    responses((status = 204, description = "Unlinked"), (status = 400, body = ProblemDoc), (status = 401, body = ProblemDoc),
        (status = 403, body = ProblemDoc), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)),
    security(("bearer" = [])))]
pub(super) async fn unlink(
    caller: Caller,
    path: Result<Path<(i64, RelationKind, i64)>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, Problem> {
    let locale = caller.locale;
    let Path((number, kind, item)) = path.map_err(|rejection| Problem::bad_request(locale, rejection.body_text()))?;
    let command = relations::Unlink { release: ReleaseId(number), kind, item };
    relations::unlink(&caller.ctx, &command).await.or_problem(locale)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The id of what was recorded.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recorded {
    pub id: i64,
}

/// "Registrar ocurrencia": a manual entry of the execution log (category and origin by
/// their catalogues' codes).
#[utoipa::path(post, path = "/api/v1/releases/{number}/occurrences", tag = "log", request_body = OccurrenceDraft,
    params(("number" = i64, Path)), responses((status = 201, body = Recorded), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 404, body = ProblemDoc),
        (status = 422, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn add_occurrence(
    caller: Caller,
    Path(number): Path<i64>,
    Body(draft): Body<OccurrenceDraft>,
) -> Result<(StatusCode, Json<Recorded>), Problem> {
    let id = log::add_occurrence(&caller.ctx, ReleaseId(number), &draft).await.or_problem(caller.locale)?;
    Ok((StatusCode::CREATED, Json(Recorded { id })))
}

/// How the log is answered.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Json,
    /// The "Exportar CSV" file: in the language of `Accept-Language`, times in the user's zone.
    Csv,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    #[serde(default)]
    pub format: LogFormat,
}

#[utoipa::path(get, path = "/api/v1/releases/{number}/log", tag = "log", params(("number" = i64, Path), LogParams),
    responses((status = 200, description = "Newest first; the CSV file with format=csv",
            content((Vec<LogEntryView> = "application/json"), (String = "text/csv"))),
        (status = 400, body = ProblemDoc), (status = 401, body = ProblemDoc), (status = 404, body = ProblemDoc)),
    security(("bearer" = [])))]
pub(super) async fn release_log(
    caller: Caller,
    Path(number): Path<i64>,
    Params(params): Params<LogParams>,
) -> Result<Response, Problem> {
    let locale = caller.locale;
    let entries = log::log_view(&caller.ctx, ReleaseId(number)).await.or_problem(locale)?;
    match params.format {
        LogFormat::Json => Ok(Json(entries).into_response()),
        LogFormat::Csv => {
            let zone = caller.zone.clone();
            let csv = crate::execution_log::csv::log_csv(locale, &zone, &entries).or_problem(locale)?;
            Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
        }
    }
}

/// The groups a release may be registered for (needs Crear): the `executor_group` ids.
#[utoipa::path(get, path = "/api/v1/executor-groups", tag = "releases",
    responses((status = 200, body = Vec<GroupChoice>), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)),
    security(("bearer" = [])))]
pub(super) async fn executor_groups(caller: Caller) -> Result<Json<Vec<GroupChoice>>, Problem> {
    Ok(Json(release::executor_groups(&caller.ctx).await.or_problem(caller.locale)?))
}
