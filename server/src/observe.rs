//! What an operator sees of the running server: an id for every request (`X-Request-Id`)
//! in each of its log lines and in the error a user can report, one log line per answer,
//! logs as text or JSON (`LOG_FORMAT`), Prometheus metrics at `/metrics` behind a bearer
//! token (`METRICS_TOKEN`), and a panic in a handler answered with the translated generic
//! error instead of a dropped connection. Everything here wraps the app from outside
//! (`around`), so the app's own layers and server functions know nothing of it.

use crate::health::{self, Readiness};
use app::error::Error;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use releasedesk_core::store::{Backend, Db};
use std::sync::Arc;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tracing::Instrument;

/// The request-id header, read from trusted callers and always sent back.
pub const REQUEST_ID: &str = "x-request-id";

/// The settings of this module, read from the environment by [`Settings::from_env`].
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `METRICS_TOKEN`: `/metrics` answers callers that send `Authorization: Bearer TOKEN`;
    /// without it `/metrics` answers 404.
    pub metrics_token: Option<String>,
    /// `TRUST_REQUEST_ID=true`: keep the `X-Request-Id` a request arrives with (when it is
    /// 1 to 64 letters, digits, `-`, `_` or `.`), for a reverse proxy that sets one. Off, a
    /// client could make its requests' log lines look like someone else's.
    pub trust_request_id: bool,
    /// What `/health/ready` answers while shutting down; the caller keeps a clone to flip.
    pub readiness: Readiness,
    /// `API_RATE_LIMIT`: requests a minute each access token may make on `/api/v1`.
    pub api: app::api::ApiSettings,
}

impl Settings {
    pub fn from_env() -> Settings {
        let text = |name| std::env::var(name).ok().map(|value| value.trim().to_owned()).filter(|v| !v.is_empty());
        Settings {
            metrics_token: text("METRICS_TOKEN"),
            trust_request_id: text("TRUST_REQUEST_ID")
                .is_some_and(|value| matches!(value.to_ascii_lowercase().as_str(), "1" | "true" | "yes")),
            readiness: Readiness::new(),
            api: app::api::ApiSettings::from_env().unwrap_or_else(|message| {
                tracing::warn!("{message}; using {} a minute", app::api::DEFAULT_REQUESTS_PER_MINUTE);
                app::api::ApiSettings::default()
            }),
        }
    }
}

/// Logs to standard error (standard output carries what a command prints), as text, or as
/// one JSON object per line with `LOG_FORMAT=json`; `RUST_LOG` filters them. A panic is
/// logged once, as an error of the request it happened in.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    match std::env::var("LOG_FORMAT").unwrap_or_default().trim() {
        "json" => builder.json().with_current_span(true).with_span_list(false).init(),
        "" | "text" => builder.init(),
        other => {
            builder.init();
            tracing::warn!(format = other, "LOG_FORMAT is `text` or `json`; logging as text");
        }
    }
    log_panics();
}

/// Logs a panic inside a request once, as an error in the request's span (so with its id),
/// instead of Rust's message on standard error; a panic elsewhere goes to the hook before.
pub fn log_panics() {
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if tracing::Span::current().is_none() {
            return before(info);
        }
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        tracing::error!(panic = message, %location, "panicked");
    }));
}

/// The app with the health routes, `/metrics`, request ids, the request log and metrics
/// around it. The health routes and `/metrics` are outside the app's layers: no session,
/// no login, no page security.
pub fn around(app: Router, db: Db, settings: Settings) -> Router {
    let metrics = Arc::new(Metrics::new(db.clone()));
    let trust = settings.trust_request_id;
    let token = settings.metrics_token.map(Arc::<str>::from);
    let scrape = Router::new().route("/metrics", get(scrape)).with_state(Scrape { metrics: metrics.clone(), token });
    app.merge(health::routes(db, settings.readiness))
        .merge(scrape)
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            // The panic hook logged it; `track` writes the answer, knowing the request.
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(Panicked);
            response
        }))
        .layer(middleware::from_fn_with_state(metrics, track))
        .layer(PropagateRequestIdLayer::new(header::HeaderName::from_static(REQUEST_ID)))
        .layer(SetRequestIdLayer::new(header::HeaderName::from_static(REQUEST_ID), MakeRequestUuid))
        .layer(middleware::from_fn(move |request, next| screen_request_id(trust, request, next)))
}

/// Drops an incoming request id unless ids from callers are trusted and this one is safe
/// to write in a log line; `SetRequestIdLayer` then gives the request a new one.
async fn screen_request_id(trust: bool, mut request: Request, next: Next) -> Response {
    let keep = trust
        && request.headers().get(REQUEST_ID).is_some_and(|id| {
            let id = id.as_bytes();
            (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
        });
    if !keep {
        request.headers_mut().remove(REQUEST_ID);
    }
    next.run(request).await
}

/// Marks the answer of a request whose handler panicked.
#[derive(Clone, Copy)]
struct Panicked;

/// The errors whose answer carries the request's id as `reference`, for the user to quote:
/// failures of the server, and refusals a user may not understand. A mistyped field or a
/// wrong password needs no reference.
fn needs_reference(status: StatusCode, kind: &str) -> bool {
    status.is_server_error() || matches!(kind, "refused" | "cross_site" | "too_many_attempts")
}

/// One request: its span (the id, method and path on every log line inside), its log line
/// when answered, its metrics, and, on an error answer, the reference the user sees.
async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    // Probes and scrapes come every few seconds: below the info level.
    let quiet = path.starts_with("/health/") || path == "/metrics";
    let span = if quiet {
        tracing::debug_span!("request", request_id = %id, %method, %path)
    } else {
        tracing::info_span!("request", request_id = %id, %method, %path)
    };
    let language = [header::COOKIE, header::ACCEPT_LANGUAGE]
        .map(|name| request.headers().get(&name).cloned().map(|value| (name, value)));
    async move {
        let mut response = next.run(request).await;
        let panicked = response.extensions().get::<Panicked>().is_some();
        if panicked {
            metrics.panics.inc();
            response = if path.starts_with("/api/") {
                app::security::error_response(Error::Internal)
            } else {
                let headers: HeaderMap = language.into_iter().flatten().collect();
                app::security::internal_error_page(&headers, &id)
            };
        }
        let mut kind = None;
        if response.headers().contains_key("serverfnerror") {
            let (answer, error_kind) = refer(response, &id).await;
            response = answer;
            if let Some(error_kind) = &error_kind {
                let function = route.clone().unwrap_or_else(|| "unmatched".into());
                metrics.errors.get_or_create(&ErrorLabels { function, kind: error_kind.clone() }).inc();
                if error_kind == "too_many_attempts" {
                    metrics.throttled.inc();
                }
            }
            kind = error_kind;
        }
        let status = response.status();
        let seconds = started.elapsed().as_secs_f64();
        let route = route.unwrap_or_else(|| "unmatched".into());
        let method = method_label(&method);
        metrics.requests.get_or_create(&RequestLabels { route: route.clone(), method, status: status.as_u16() }).inc();
        metrics.latency.get_or_create(&LatencyLabels { route, method }).observe(seconds);
        let ms = (seconds * 1000.0).round() as u64;
        let status = status.as_u16();
        match (quiet, kind) {
            (true, _) => tracing::debug!(status, ms, "answered"),
            (false, Some(error)) if status >= 500 => tracing::warn!(status, ms, error, "answered"),
            (false, Some(error)) => tracing::info!(status, ms, error, "answered"),
            (false, None) if status >= 500 => tracing::warn!(status, ms, "answered"),
            (false, None) => tracing::info!(status, ms, "answered"),
        }
        if path == "/api/events" && response.status().is_success() {
            response = count_open_stream(response, &metrics.streams);
        }
        response
    }
    .instrument(span)
    .await
}

/// A server function's error answer with `reference` added when the error needs one, and
/// the error's kind (its `error` tag).
async fn refer(response: Response, id: &str) -> (Response, Option<String>) {
    let (mut parts, body) = response.into_parts();
    // Error bodies are small JSON; anything larger is not one of ours.
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let Ok(serde_json::Value::Object(mut error)) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return (Response::from_parts(parts, Body::from(bytes)), None);
    };
    let kind = error.get("error").and_then(|kind| kind.as_str()).map(str::to_owned);
    if !id.is_empty() && needs_reference(parts.status, kind.as_deref().unwrap_or_default()) {
        error.insert("reference".into(), id.into());
        if let Ok(text) = serde_json::to_string(&error) {
            parts.headers.remove(header::CONTENT_LENGTH);
            return (Response::from_parts(parts, Body::from(text)), kind);
        }
    }
    (Response::from_parts(parts, Body::from(bytes)), kind)
}

/// The event stream's body, counted in `event_streams_open` until the stream is dropped
/// (the browser left, or the server ended it).
fn count_open_stream(response: Response, gauge: &Gauge) -> Response {
    struct Open(Gauge);
    impl Drop for Open {
        fn drop(&mut self) {
            self.0.dec();
        }
    }
    gauge.inc();
    let open = Open(gauge.clone());
    let (parts, body) = response.into_parts();
    let body = body.into_data_stream().map(move |chunk| {
        let _still_open = &open;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(body))
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    route: String,
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    function: String,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
}

/// Every metric of the server, registered once; the pool's are read at each scrape.
struct Metrics {
    registry: Registry,
    db: Db,
    requests: Family<RequestLabels, Counter>,
    latency: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    errors: Family<ErrorLabels, Counter>,
    throttled: Counter,
    panics: Counter,
    streams: Gauge,
    pool: Family<PoolLabels, Gauge>,
    pool_max: Gauge,
    /// On SQLite only: what it holds.
    sqlite_memory: Option<Gauge>,
}

impl Metrics {
    fn new(db: Db) -> Metrics {
        let sqlite_memory = (db.backend == Backend::Sqlite).then(Gauge::default);
        let mut metrics = Metrics {
            registry: Registry::with_prefix("releasedesk"),
            db,
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            errors: Family::default(),
            throttled: Counter::default(),
            panics: Counter::default(),
            streams: Gauge::default(),
            pool: Family::default(),
            pool_max: Gauge::default(),
            sqlite_memory,
        };
        let registry = &mut metrics.registry;
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template (a server function by its path), method and status",
            metrics.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time until the answer's head was ready, by route template and method",
            metrics.latency.clone(),
        );
        registry.register(
            "server_function_errors",
            "Error answers of server functions and the API, by function path and error kind",
            metrics.errors.clone(),
        );
        registry.register(
            "login_throttled",
            "Login attempts refused by the throttle (too_many_attempts)",
            metrics.throttled.clone(),
        );
        registry.register("http_panics", "Requests whose handler panicked", metrics.panics.clone());
        registry.register("event_streams_open", "Live event streams open now", metrics.streams.clone());
        registry.register(
            "db_pool_connections",
            "Connections of the desk's database pools (not the session store's), in use or idle",
            metrics.pool.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Most connections the desk's database pools open",
            metrics.pool_max.clone(),
        );
        if let Some(gauge) = &metrics.sqlite_memory {
            registry.register(
                "sqlite_memory_bytes",
                "Memory SQLite holds now: its connections' page caches, prepared statements and sorts",
                gauge.clone(),
            );
        }
        metrics
    }

    fn encode(&self) -> Result<String, std::fmt::Error> {
        let pools = self.db.pools();
        let size: i64 = pools.iter().map(|pool| i64::from(pool.size())).sum();
        let idle: i64 = pools.iter().map(|pool| pool.num_idle() as i64).sum();
        self.pool.get_or_create(&PoolLabels { state: "in_use" }).set((size - idle).max(0));
        self.pool.get_or_create(&PoolLabels { state: "idle" }).set(idle);
        self.pool_max.set(pools.iter().map(|pool| i64::from(pool.options().get_max_connections())).sum());
        if let Some(gauge) = &self.sqlite_memory {
            gauge.set(sqlite_memory_used());
        }
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The bytes SQLite has allocated and not freed, over all its connections.
fn sqlite_memory_used() -> i64 {
    // SAFETY: reads SQLite's own counter, which it keeps under its memory mutex.
    unsafe { libsqlite3_sys::sqlite3_memory_used() }
}

#[derive(Clone)]
struct Scrape {
    metrics: Arc<Metrics>,
    token: Option<Arc<str>>,
}

/// `GET /metrics`: 404 without `METRICS_TOKEN`, 401 without the right bearer token.
async fn scrape(State(scrape): State<Scrape>, headers: HeaderMap) -> Response {
    let Some(token) = scrape.token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(offered.trim().as_bytes(), token.as_bytes()) {
        let mut refused = StatusCode::UNAUTHORIZED.into_response();
        refused.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return refused;
    }
    match scrape.metrics.encode() {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, prometheus_client::encoding::prometheus_text::CONTENT_TYPE),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Compares a secret in a time that does not tell how much of it was right.
fn same_secret(offered: &[u8], secret: &[u8]) -> bool {
    offered.len() == secret.len() && offered.iter().zip(secret).fold(0u8, |differ, (a, b)| differ | (a ^ b)) == 0
}
