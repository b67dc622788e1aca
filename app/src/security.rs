//! What guards every request whatever its route (server only): the Content-Security-Policy
//! of rendered pages, the refusal of state-changing requests sent by other sites, and clear
//! answers (in the user's language) when a body is too large or the database is down.

use crate::error::Error;
use crate::i18n::{td_string, Locale};
use crate::language::LANGUAGE_COOKIE;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use leptos_i18n::Locale as _;
use std::time::Duration;

/// The largest request body any form of the app sends, with a wide margin.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// The largest body of a request that sends a file (a catalogue's CSV, in base64): a file
/// of the most lines an import takes, with long texts.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

/// The largest body a request to `path` may have; `None` for the routes that take an
/// attachment (the page's and the API's), which count its bytes against the operator's limit
/// themselves (`ATTACHMENT_MAX_BYTES`, see `attachments::routes`).
pub fn body_limit(path: &str) -> Option<usize> {
    if is_attachment_upload(path) || crate::api::is_upload(path) {
        None
    } else if path == "/api/admin_import_catalogue" {
        Some(MAX_UPLOAD_BYTES)
    } else {
        Some(MAX_REQUEST_BYTES)
    }
}

/// Whether `path` is where the page sends a file to attach (its body the file's bytes, as
/// `application/octet-stream`: a type no form of another site can send without asking).
pub fn is_attachment_upload(path: &str) -> bool {
    path.strip_prefix(crate::attachments::UPLOAD_PREFIX).is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

/// Cuts every request body at its route's limit ([`body_limit`]), as tower-http's
/// `RequestBodyLimitLayer` does: a body read past it fails, and the reader answers 413.
/// The attachment routes count their bytes themselves, against the operator's limit.
pub async fn limit_bodies(request: Request, next: Next) -> Response {
    match body_limit(request.uri().path()) {
        Some(limit) => {
            let request = request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
            next.run(request).await
        }
        None => next.run(request).await,
    }
}

/// For every response that sets no policy of its own (static files, server functions):
/// nothing may be framed, run or loaded from it.
pub const DEFAULT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The policy of a rendered page: scripts only from this origin or inline with this
/// response's nonce (the hydration scripts), the app's own wasm, styles only from the
/// stylesheet (no inline style), no plugins, no framing, forms only to this origin.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called by the shell while rendering a page: a fresh nonce for its inline scripts, and
/// the policy naming it in the response's header.
pub fn protect_page() {
    use leptos::nonce::{provide_nonce, use_nonce};
    provide_nonce();
    let (Some(nonce), Some(response)) = (use_nonce(), leptos::prelude::use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// A request that changes something (anything but GET, HEAD, OPTIONS) is carried out only
/// when it comes from a page of this site: its `Origin` names this host, or, without an
/// `Origin`, the browser does not mark it cross-site. Clients that are not browsers (curl,
/// the tests) send neither and are judged by their session alone. A server function's body
/// must also be one of the two formats they take: a body a form on another site can send
/// without asking (`text/plain`, multipart) is never read.
pub async fn screen_requests(request: Request, next: Next) -> Response {
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && is_cross_site(request.headers()) {
        tracing::warn!(path = %request.uri().path(), origin = ?request.headers().get(header::ORIGIN), "cross-site request refused");
        return error_response(Error::CrossSite);
    }
    // `/api/v1` reads its own bodies (JSON) and answers its own errors; it takes no cookie.
    let server_function = request.uri().path().starts_with("/api/") && !request.uri().path().starts_with("/api/v1/");
    let attachment = is_attachment_upload(request.uri().path()) && is_octet_stream(request.headers());
    if changes_state && server_function && !attachment && !has_server_function_body(request.headers()) {
        return error_response(Error::Request { message: "the body must be JSON or a form".into() });
    }
    // Every body is cut at its route's limit by `limit_bodies`; one that says it is larger
    // than its route takes is refused before it is read.
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let limit = body_limit(request.uri().path());
    if declared.zip(limit).is_some_and(|(length, limit)| length > limit) {
        return error_response(Error::TooLarge);
    }
    next.run(request).await
}

fn has_server_function_body(headers: &HeaderMap) -> bool {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    ["application/json", "application/x-www-form-urlencoded"].iter().any(|known| essence.eq_ignore_ascii_case(known))
}

fn is_octet_stream(headers: &HeaderMap) -> bool {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    content_type.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/octet-stream")
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    match text(header::ORIGIN.as_str()) {
        Some(origin) => {
            let authority = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            // Behind a reverse proxy the browser's host arrives as X-Forwarded-Host.
            let hosts = [text(header::HOST.as_str()), text("x-forwarded-host")];
            !authority.is_some_and(|authority| hosts.iter().flatten().any(|host| host.eq_ignore_ascii_case(authority)))
        }
        None => text("sec-fetch-site") == Some("cross-site"),
    }
}

/// Turns the bare failures of the layers below into answers a user can read: a body over
/// the limit gets the translated "too large" error, and a failure while the database is
/// unreachable (including the session store's) becomes 503 instead of 500.
pub async fn explain_failures(db: releasedesk_core::store::Db, request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let locale = request_locale(request.headers());
    let response = next.run(request).await;
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE if is_api && !response.headers().contains_key("serverfnerror") => {
            error_response(Error::TooLarge)
        }
        StatusCode::INTERNAL_SERVER_ERROR if !database_answers(&db).await => {
            if is_api {
                error_response(Error::Unavailable)
            } else {
                unavailable_page(locale)
            }
        }
        _ => response,
    }
}

async fn database_answers(db: &releasedesk_core::store::Db) -> bool {
    matches!(tokio::time::timeout(Duration::from_secs(2), db.ping()).await, Ok(Ok(())))
}

/// An error as a server function sends it: JSON, marked as a server-function error, with
/// the error's status. The UI translates it.
pub fn error_response(error: Error) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::to_string(&error).unwrap_or_default();
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    response.headers_mut().insert("serverfnerror", HeaderValue::from_static("AppError"));
    response
}

/// The language of a request that never reached the app: the language cookie, else the
/// browser's first choice, else Spanish.
fn request_locale(headers: &HeaderMap) -> Locale {
    let header_text = |name| headers.get(name).and_then(|value: &HeaderValue| value.to_str().ok()).unwrap_or("");
    let from_cookie = header_text(header::COOKIE)
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANGUAGE_COOKIE)
        .map(|(_, value)| value.to_owned());
    let wanted = from_cookie.unwrap_or_else(|| header_text(header::ACCEPT_LANGUAGE).to_owned());
    if wanted.trim_start().to_ascii_lowercase().starts_with("pt") {
        Locale::pt
    } else {
        Locale::es
    }
}

/// A page with no script that says the database is down, with the status 503.
fn unavailable_page(locale: Locale) -> Response {
    let mut response = plain_page(locale, StatusCode::SERVICE_UNAVAILABLE, td_string!(locale, error.unavailable));
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    response
}

/// The page answered when rendering a page failed on the server (a panic): the generic
/// error in the visitor's language with the request's reference code, and no script.
pub fn internal_error_page(headers: &HeaderMap, reference: &str) -> Response {
    let locale = request_locale(headers);
    let reference: String = reference.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect();
    let message =
        format!("{} {}: {reference}", td_string!(locale, error.internal), td_string!(locale, error.reference));
    plain_page(locale, StatusCode::INTERNAL_SERVER_ERROR, &message)
}

/// A page with no script, in `locale`, whose one paragraph is the alert `message` (text the
/// server wrote, never a visitor's).
fn plain_page(locale: Locale, status: StatusCode, message: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{app}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body><main><h1>{app}</h1><p role=\"alert\">{message}</p></main></body></html>",
        lang = locale.as_str(),
        app = td_string!(locale, app_name),
    );
    (status, Html(page)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (header::HeaderName::from_static(name), HeaderValue::from_static(value)))
            .collect()
    }

    #[test]
    fn only_this_hosts_pages_may_change_anything() {
        assert!(!is_cross_site(&headers(&[("host", "desk.example"), ("origin", "https://desk.example")])));
        assert!(!is_cross_site(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")])));
        assert!(is_cross_site(&headers(&[("host", "desk.example"), ("origin", "https://evil.example")])));
        assert!(is_cross_site(&headers(&[("host", "desk.example"), ("origin", "https://desk.example.evil.example")])));
        assert!(is_cross_site(&headers(&[("host", "desk.example"), ("origin", "null")])));
        assert!(is_cross_site(&headers(&[("host", "desk.example"), ("sec-fetch-site", "cross-site")])));
        assert!(!is_cross_site(&headers(&[("host", "desk.example"), ("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site(&headers(&[("host", "desk.example")])), "no browser: judged by the session");
        assert!(!is_cross_site(&headers(&[
            ("host", "10.0.0.5:3000"),
            ("x-forwarded-host", "desk.example"),
            ("origin", "https://desk.example")
        ])));
    }

    #[test]
    fn server_functions_read_only_json_and_forms() {
        assert!(has_server_function_body(&headers(&[("content-type", "application/json")])));
        assert!(has_server_function_body(&headers(&[(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8"
        )])));
        assert!(!has_server_function_body(&headers(&[("content-type", "text/plain")])));
        assert!(!has_server_function_body(&headers(&[("content-type", "multipart/form-data; boundary=x")])));
        assert!(!has_server_function_body(&headers(&[])));
    }

    #[test]
    fn only_the_attachment_route_takes_a_file_of_its_own_limit() {
        assert_eq!(body_limit("/api/attachments/12"), None);
        assert_eq!(body_limit("/api/attachments/12/3"), Some(MAX_REQUEST_BYTES));
        assert_eq!(body_limit("/api/attachments/"), Some(MAX_REQUEST_BYTES));
        assert_eq!(body_limit("/api/v1/releases/12/attachments"), None);
        assert_eq!(body_limit("/api/v1/releases/12/attachments/3"), Some(MAX_REQUEST_BYTES));
        assert_eq!(body_limit("/api/admin_import_catalogue"), Some(MAX_UPLOAD_BYTES));
        assert!(is_octet_stream(&headers(&[("content-type", "application/octet-stream")])));
        assert!(!is_octet_stream(&headers(&[("content-type", "text/plain")])));
    }

    #[test]
    fn the_page_policy_names_the_nonce_and_allows_nothing_inline_without_it() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn a_request_outside_the_app_is_answered_in_the_users_language() {
        assert_eq!(request_locale(&headers(&[("accept-language", "pt-BR,pt;q=0.9")])), Locale::pt);
        assert_eq!(
            request_locale(&headers(&[("cookie", "a=b; releasedesk_lang=pt"), ("accept-language", "es")])),
            Locale::pt
        );
        assert_eq!(
            request_locale(&headers(&[("cookie", "releasedesk_lang=es"), ("accept-language", "pt")])),
            Locale::es
        );
        assert_eq!(request_locale(&headers(&[])), Locale::es);
    }
}
