//! The API's errors as `application/problem+json` (RFC 9457): a stable `type` (a URI under
//! `/api/v1/problems/`), a `title` and a `detail` in the caller's language, the `status`, and
//! what a program needs besides (the field, the current version, when to retry). The texts
//! are the app's own (`locales/*.json`), read from the same files the pages use.

use crate::i18n::Locale;
use crate::language::{catalogue_code_label, field_label, permission_label, status_label};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use releasedesk_core::domain::flow::Refusal;
use releasedesk_core::domain::validation::{FieldError, Problem as FieldProblem};
use releasedesk_core::Error;
use serde_json::{json, Map, Value};
use std::sync::LazyLock;

/// One error answer.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// The last segment of the `type` URI: `forbidden`, `stale-version`, …
    pub kind: &'static str,
    pub title: String,
    pub detail: String,
    /// Members beside the standard ones (`field`, `current_version`, …).
    pub extra: Map<String, Value>,
    pub retry_after: Option<u64>,
}

/// What a problem is sent as.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// The prefix of every problem's `type`.
pub const TYPE_BASE: &str = "/api/v1/problems/";

/// The texts of both languages, as the pages have them.
static TEXTS: LazyLock<[Value; 2]> = LazyLock::new(|| {
    let read = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
    [read(include_str!("../../locales/es.json")), read(include_str!("../../locales/pt.json"))]
});

/// The text at `key` (`error.not_found`) in `locale`, its `{{ name }}`s replaced by `args`:
/// for texts the server writes itself with values in them (answers, files).
pub fn text(locale: Locale, key: &str, args: &[(&str, String)]) -> String {
    let texts = &TEXTS[usize::from(locale == Locale::pt)];
    let found = key.split('.').try_fold(texts, |value, part| value.get(part)).and_then(Value::as_str);
    let Some(template) = found else {
        tracing::error!(key, "no such text for the API's answers");
        return key.to_owned();
    };
    args.iter().fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{{ {name} }}}}"), value))
}

impl Problem {
    fn new(locale: Locale, status: StatusCode, kind: &'static str, detail: String) -> Problem {
        let title = text(locale, &format!("api.title_{}", kind.replace('-', "_")), &[]);
        Problem { status, kind, title, detail, extra: Map::new(), retry_after: None }
    }

    fn with(mut self, name: &str, value: Value) -> Problem {
        self.extra.insert(name.to_owned(), value);
        self
    }

    /// No route of the API has this path.
    pub fn no_route(locale: Locale) -> Problem {
        Problem::new(locale, StatusCode::NOT_FOUND, "not-found", text(locale, "api.no_route", &[]))
    }

    /// The path exists, not with this method (axum adds the `Allow` header).
    pub fn no_method(locale: Locale) -> Problem {
        let detail = text(locale, "api.no_method", &[]);
        Problem::new(locale, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", detail)
    }

    /// The request could not be read (`why`, in English, from the parser).
    pub fn bad_request(locale: Locale, why: String) -> Problem {
        Problem::new(locale, StatusCode::BAD_REQUEST, "bad-request", text(locale, "api.bad_request", &[]))
            .with("reason", Value::String(why))
    }

    /// Too many requests with this token: retry after `seconds`.
    pub fn rate_limited(locale: Locale, seconds: u64) -> Problem {
        let seconds = seconds.max(1);
        let detail = text(locale, "api.rate_limited", &[("seconds", seconds.to_string())]);
        let mut problem = Problem::new(locale, StatusCode::TOO_MANY_REQUESTS, "rate-limited", detail);
        problem.retry_after = Some(seconds);
        problem
    }

    /// A write that can conflict came without `If-Match`.
    pub fn precondition_required(locale: Locale) -> Problem {
        let detail = text(locale, "api.precondition_required", &[]);
        Problem::new(locale, StatusCode::PRECONDITION_REQUIRED, "precondition-required", detail)
    }

    /// `If-Match` names another version than the release's `current`.
    pub fn stale(locale: Locale, current: i64) -> Problem {
        let detail = text(locale, "error.stale_version", &[]);
        Problem::new(locale, StatusCode::PRECONDITION_FAILED, "stale-version", detail)
            .with("current_version", json!(current))
    }

    /// A command's error.
    pub fn from_error(locale: Locale, error: Error) -> Problem {
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let plain = |kind: &'static str, key: &str| Problem::new(locale, status, kind, text(locale, key, &[]));
        match error {
            Error::Unauthenticated | Error::BadCredentials => plain("unauthenticated", "api.unauthenticated"),
            Error::PasswordChangeRequired => plain("password-change-required", "error.password_change_required"),
            Error::NotFound => plain("not-found", "error.not_found"),
            Error::Unavailable => plain("unavailable", "error.unavailable"),
            Error::TooManyAttempts { retry_after_seconds } => Problem::rate_limited(locale, retry_after_seconds),
            Error::CrossSite => plain("cross-site", "error.cross_site"),
            Error::TooLarge => plain("too-large", "error.too_large"),
            Error::EmptyFile => plain("invalid", "error.empty_file"),
            Error::FileTooLarge { max_bytes } => {
                let megabytes = crate::language::megabytes(max_bytes);
                Problem::new(
                    locale,
                    status,
                    "too-large",
                    text(locale, "error.file_too_large", &[("megabytes", megabytes)]),
                )
                .with("max_bytes", json!(max_bytes))
            }
            Error::Request { message } => Problem::bad_request(locale, message),
            Error::Conflict => plain("conflict", "error.conflict"),
            Error::Internal => plain("internal", "error.internal"),
            Error::Invalid(field) => invalid(locale, status, field),
            Error::Refused { refusal } => refused(locale, status, refusal),
        }
    }
}

fn invalid(locale: Locale, status: StatusCode, error: FieldError) -> Problem {
    let field = ("field", field_label(locale, error.field).to_owned());
    let detail = match error.problem {
        FieldProblem::Required => text(locale, "error.required", &[field]),
        FieldProblem::TooLong { max } => text(locale, "error.too_long", &[field, ("max", max.to_string())]),
        FieldProblem::OutOfRange => text(locale, "error.out_of_range", &[field]),
        FieldProblem::EndBeforeStart => text(locale, "error.end_before_start", &[]),
        FieldProblem::TooShort { min } => text(locale, "error.too_short", &[field, ("min", min.to_string())]),
        FieldProblem::Mismatch => text(locale, "error.mismatch", &[field]),
        FieldProblem::InvalidCharacters => text(locale, "error.invalid_characters", &[field]),
        FieldProblem::Taken => text(locale, "error.taken", &[field]),
        FieldProblem::Unknown => text(locale, "error.unknown", &[field]),
        FieldProblem::ReversedRange => text(locale, "error.reversed_range", &[field]),
    };
    Problem::new(locale, status, "invalid", detail)
        .with("field", json!(error.field))
        .with("problem", json!(error.problem))
}

fn refused(locale: Locale, status: StatusCode, refusal: Refusal) -> Problem {
    let says = |kind: &'static str, key: &str, args: &[(&str, String)]| {
        Problem::new(locale, status, kind, text(locale, key, args))
    };
    match refusal {
        Refusal::NotInGroup { group } => says("forbidden", "error.not_in_group", &[("group", group)]),
        Refusal::GroupLacksPermission { permission } => says(
            "forbidden",
            "error.group_lacks_permission",
            &[("permission", permission_label(locale, permission).to_owned())],
        ),
        Refusal::FlowEnded => says("refused", "error.flow_ended", &[]),
        Refusal::Suspended => says("refused", "error.suspended", &[]),
        Refusal::HeldByOther { holder } => says("refused", "error.held_by_other", &[("holder", holder)]),
        Refusal::NotCaptured => says("refused", "error.not_captured", &[]),
        Refusal::StaleVersion { current } => Problem::stale(locale, current),
        Refusal::OutcomeNotAllowed { .. } => says("invalid", "error.outcome_not_allowed", &[]),
        Refusal::Invalid(field) => invalid(locale, status, field),
        Refusal::AlreadyLinked => says("refused", "error.already_linked", &[]),
        Refusal::ChangeNotLinkable { status: code } => {
            says("invalid", "error.change_not_linkable", &[("status", catalogue_code_label(locale, &code))])
        }
        Refusal::NotAllowedInStatus { status: current } => {
            says("refused", "error.not_allowed_in_status", &[("status", status_label(locale, current).to_owned())])
        }
        Refusal::LastAdministrator => says("refused", "error.last_administrator", &[]),
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = Map::new();
        body.insert("type".into(), Value::String(format!("{TYPE_BASE}{}", self.kind)));
        body.insert("title".into(), Value::String(self.title));
        body.insert("status".into(), json!(self.status.as_u16()));
        body.insert("detail".into(), Value::String(self.detail));
        body.extend(self.extra);
        let mut response = (self.status, Value::Object(body).to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use releasedesk_core::domain::validation::Field;
    use releasedesk_core::domain::Permission;

    #[test]
    fn every_kind_has_a_title_and_details_are_filled_in() {
        for locale in [Locale::es, Locale::pt] {
            for kind in [
                "unauthenticated",
                "password_change_required",
                "forbidden",
                "not_found",
                "invalid",
                "refused",
                "stale_version",
                "precondition_required",
                "rate_limited",
                "bad_request",
                "conflict",
                "unavailable",
                "internal",
                "cross_site",
                "too_large",
            ] {
                let title = text(locale, &format!("api.title_{kind}"), &[]);
                assert!(!title.starts_with("api."), "{kind} has no title in {locale:?}");
            }
        }
        let refusal = Error::Refused { refusal: Refusal::GroupLacksPermission { permission: Permission::Administer } };
        let problem = Problem::from_error(Locale::pt, refusal);
        assert_eq!((problem.status, problem.kind), (StatusCode::FORBIDDEN, "forbidden"));
        assert!(problem.detail.contains("Administrar") && !problem.detail.contains("{{"), "{}", problem.detail);
        let long = Error::Invalid(FieldError { field: Field::Name, problem: FieldProblem::TooLong { max: 100 } });
        let problem = Problem::from_error(Locale::es, long);
        assert!(problem.detail.contains("100") && problem.detail.contains("Nombre"), "{}", problem.detail);
        assert_eq!(problem.extra.get("field"), Some(&json!("name")));
    }
}
