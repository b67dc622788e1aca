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

mod attachments;
mod catalogues;
mod problem;
mod releases;

use crate::i18n::Locale;
pub use attachments::is_upload;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::routing::get;
use axum::{Json, Router};
pub use catalogues::CATALOGUES;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
pub use problem::{text, Problem};
use releasedesk_core::commands::{Ctx, Desk};
use releasedesk_core::domain::ReleaseId;
use releasedesk_core::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::future::Future;
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
pub(super) struct Api {
    desk: Desk,
    limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    clock: DefaultClock,
}

/// The routes of `/api/v1` (to be nested at [`BASE`], in a router of any state).
pub fn routes<S: Clone + Send + Sync + 'static>(desk: Desk, settings: ApiSettings) -> Router<S> {
    let limiter = Arc::new(RateLimiter::keyed(Quota::per_minute(settings.requests_per_minute)));
    let api = Api { desk, limiter, clock: DefaultClock::default() };
    Router::new()
        .route("/openapi.json", get(|| async { Json(openapi()) }))
        .merge(releases::routes())
        .merge(attachments::routes())
        .merge(catalogues::routes())
        .fallback(|headers: HeaderMap| async move { Problem::no_route(locale_of(&headers)) })
        .method_not_allowed_fallback(|headers: HeaderMap| async move { Problem::no_method(locale_of(&headers)) })
        .with_state(api)
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
pub(super) struct Caller {
    pub ctx: Ctx,
    pub locale: Locale,
    /// The user's time zone: the dates the list's filters name, and what the API formats
    /// itself (the log as CSV).
    pub zone: std::sync::Arc<releasedesk_core::domain::time_zone::ZoneOffsets>,
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
        let zone = api.desk.time_zone(user.time_zone.as_deref());
        Ok(Caller { ctx: api.desk.acting_at(user.actor, now), locale, zone })
    }
}

/// A JSON request body; one that cannot be read is answered 400 as a problem.
pub(super) struct Body<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<Api> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, api: &Api) -> Result<Body<T>, Problem> {
        let locale = locale_of(request.headers());
        match Json::<T>::from_request(request, api).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(Problem::bad_request(locale, rejection.body_text())),
        }
    }
}

/// A request's query parameters; ones that cannot be read are answered 400 as a problem.
pub(super) struct Params<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<Api> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Params<T>, Problem> {
        match Query::<T>::from_request_parts(parts, api).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(Problem::bad_request(locale_of(&parts.headers), rejection.body_text())),
        }
    }
}

/// A command's error as the API answers it, in the caller's language.
pub(super) trait OrProblem<T> {
    fn or_problem(self, locale: Locale) -> Result<T, Problem>;
}

impl<T> OrProblem<T> for Result<T, Error> {
    fn or_problem(self, locale: Locale) -> Result<T, Problem> {
        self.map_err(|error| Problem::from_error(locale, error))
    }
}

/// The release's version as an entity tag: `"7"`.
pub(super) fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version `If-Match` names: missing is 428; anything but one quoted version never
/// matches (412).
fn if_match(headers: &HeaderMap, locale: Locale) -> Result<Option<i64>, Problem> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| Problem::precondition_required(locale))?;
    let text = value.to_str().unwrap_or("").trim();
    Ok(text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).and_then(|t| t.parse::<i64>().ok()))
}

/// Runs a write that can conflict with the version `If-Match` names. The precondition
/// comes first (RFC 9110 §13.2.2): when the write fails and the release is no longer at
/// that version, the answer is 412 with the current one, whatever else the command found.
pub(super) async fn if_matches<T, F, Fut>(
    caller: &Caller,
    release: ReleaseId,
    headers: &HeaderMap,
    write: F,
) -> Result<T, Problem>
where
    F: FnOnce(i64) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let locale = caller.locale;
    let current = || async {
        releasedesk_core::commands::release::view(&caller.ctx, release).await.map(|v| v.row_version).or_problem(locale)
    };
    let Some(version) = if_match(headers, locale)? else {
        return Err(Problem::stale(locale, current().await?));
    };
    match write(version).await {
        Ok(done) => Ok(done),
        Err(error) => match current().await? {
            now if now != version => Err(Problem::stale(locale, now)),
            _ => Err(Problem::from_error(locale, error)),
        },
    }
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
        releases::list_releases,
        releases::register,
        releases::get_release,
        releases::correct,
        releases::capture,
        releases::save,
        releases::advance,
        releases::delegate,
        releases::suspend,
        releases::reactivate,
        releases::reopen,
        releases::cancel,
        releases::release_relations,
        releases::link,
        releases::unlink,
        releases::add_occurrence,
        releases::release_log,
        releases::executor_groups,
        attachments::attachments,
        attachments::attach,
        attachments::attachment,
        attachments::remove_attachment,
        catalogues::catalogue_items,
        catalogues::catalogue_item,
        catalogues::put_catalogue_item
    ),
    components(schemas(ProblemDoc))
)]
struct Document;

/// The API's OpenAPI 3.1 document, with its bearer authentication.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    use utoipa::OpenApi as _;
    let mut document = Document::openapi();
    let bearer = SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("rdk_…").build());
    document.components.get_or_insert_with(Default::default).add_security_scheme("bearer", bearer);
    label_problems(&mut document);
    document
}

/// Says of every error answer what it is sent as: `application/problem+json` (the path
/// macros name only the body's type).
fn label_problems(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    const JSON: &str = "application/json";
    for item in document.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            for response in operation.responses.responses.values_mut() {
                let RefOr::T(response) = response else { continue };
                let is_problem =
                    response.content.get(JSON).and_then(|c| c.schema.as_ref()).is_some_and(
                        |schema| matches!(schema, RefOr::Ref(r) if r.ref_location.ends_with("/ProblemDoc")),
                    );
                if is_problem {
                    if let Some(content) = response.content.shift_remove(JSON) {
                        response.content.insert(problem::CONTENT_TYPE.to_owned(), content);
                    }
                }
            }
        }
    }
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
