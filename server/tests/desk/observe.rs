//! What an operator watches: `/health/live` and `/health/ready` as a load balancer asks
//! them, `/metrics` as Prometheus scrapes it, request ids in the answers, in the errors a
//! user can report and in the log lines, and a panicking handler answered and logged.

use crate::support::process::ServerProcess;
use crate::support::{self, database_url, demo_server, Backend, TestServer};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::postgres::Cluster;
use tower::ServiceExt;

on_both_databases!(health_answers_anyone_and_ready_tells_missing_migrations);

fn list_query() -> Value {
    json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } })
}

async fn health_answers_anyone_and_ready_tells_missing_migrations(backend: Backend) {
    let server = demo_server(backend).await;
    let anonymous = server.anonymous();
    let live = anonymous.get("/health/live", None).await;
    assert_eq!(live.status, StatusCode::OK, "{live:?}");
    assert_eq!(live.json(), json!({ "status": "live" }));
    let ready = anonymous.get("/health/ready", None).await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    assert_eq!(ready.json(), json!({ "status": "ready" }));
    // A probe opens no session and gets no page headers: it is outside the app's layers.
    assert!(ready.headers.get(header::SET_COOKIE).is_none(), "{ready:?}");
    assert!(ready.headers.get("x-request-id").is_some(), "{ready:?}");

    // The database loses its last migration (restored from an older backup, say).
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(&server.db.pool)
        .await
        .expect("forget the last migration");
    let ready = anonymous.get("/health/ready", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{ready:?}");
    assert_eq!(ready.json(), json!({ "status": "unavailable", "reason": "database migrations pending" }));
    assert_eq!(anonymous.get("/health/live", None).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_404_when_no_token_is_set() {
    let server = demo_server(Backend::Sqlite).await;
    let answer = server.anonymous().get("/metrics", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{answer:?}");
    assert!(!answer.text.contains("releasedesk_"), "{answer:?}");
}

async fn router_with(backend: Backend, settings: server::observe::Settings) -> TestServer {
    let server = demo_server(backend).await;
    let options = leptos::prelude::LeptosOptions::builder().output_name("releasedesk").build();
    let (transport, shutdown) = (server::Transport::default(), server::shutdown::Shutdown::new());
    let app =
        server::router_with(server.desk.clone(), options, transport, settings, shutdown).await.expect("the router");
    TestServer { app, ..server }
}

async fn get_with_id(app: &axum::Router, id: &str) -> String {
    let request = Request::get("/health/live").header("x-request-id", id).body(Body::empty()).expect("request");
    let response = app.clone().oneshot(request).await.expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()["x-request-id"].to_str().expect("an ASCII id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incoming_request_id_is_kept_only_when_trusted_and_plain() {
    let untrusting = demo_server(Backend::Sqlite).await;
    let given = get_with_id(&untrusting.app, "proxy-id-1").await;
    assert_ne!(given, "proxy-id-1", "an untrusted caller chose its request id");
    assert_eq!(given.len(), 36, "a UUID: {given}");
    assert_ne!(get_with_id(&untrusting.app, "proxy-id-1").await, given, "each request has its own id");

    let settings = server::observe::Settings { trust_request_id: true, ..Default::default() };
    let trusting = router_with(Backend::Sqlite, settings).await;
    assert_eq!(get_with_id(&trusting.app, "proxy-id-1").await, "proxy-id-1");
    // Nothing that could forge or break a log line is kept.
    let long = "a".repeat(65);
    for unfit in ["a b", "x\"}{", long.as_str()] {
        let given = get_with_id(&trusting.app, unfit).await;
        assert_ne!(given, unfit);
        assert_eq!(given.len(), 36, "a UUID: {given}");
    }
}

/// A writer of log lines into memory, for a test's own subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("the log buffer")).into_owned()
    }
}

/// No handler of the app panics on purpose, so the layers are tried around one that does.
#[tokio::test(flavor = "current_thread")]
async fn a_panicking_handler_answers_the_translated_error_with_its_reference_and_is_logged_once() {
    let url = database_url(Backend::Sqlite).await;
    let desk = server::open_database(&url).await.expect("open the database");
    let boom = || async {
        if std::env::var_os("RELEASEDESK_NEVER_SET").is_none() {
            panic!("boom in a handler");
        }
        "unreachable"
    };
    let app = server::observe::around(
        axum::Router::new().route("/api/boom", axum::routing::post(boom)).route("/boom", axum::routing::get(boom)),
        desk.db.clone(),
        server::observe::Settings::default(),
    );
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let logs = logs.clone();
            move || logs.clone()
        })
        .with_ansi(false)
        .finish();
    let _subscriber = tracing::subscriber::set_default(subscriber);
    server::observe::log_panics();

    let request = Request::post("/api/boom").body(Body::empty()).expect("request");
    let response = app.clone().oneshot(request).await.expect("an answer, not a dropped connection");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = response.headers()["x-request-id"].to_str().expect("an id").to_owned();
    let body = response.into_body().collect().await.expect("the body").to_bytes();
    let error: Value = serde_json::from_slice(&body).expect("a server-function error");
    assert_eq!(error, json!({ "error": "internal", "reference": id }));
    let logs_text = logs.text();
    let panics: Vec<&str> = logs_text.lines().filter(|line| line.contains("boom in a handler")).collect();
    assert_eq!(panics.len(), 1, "logged once: {logs_text}");
    assert!(panics[0].contains(&id), "the panic's log line names the request: {logs_text}");

    let request =
        Request::get("/boom").header(header::ACCEPT_LANGUAGE, "pt-BR,pt;q=0.9").body(Body::empty()).expect("request");
    let response = app.oneshot(request).await.expect("an answer");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = response.headers()["x-request-id"].to_str().expect("an id").to_owned();
    let page =
        String::from_utf8(response.into_body().collect().await.expect("body").to_bytes().to_vec()).expect("UTF-8");
    let pt: Value = serde_json::from_str(&std::fs::read_to_string(locale_file("pt")).expect("pt.json")).expect("JSON");
    let message = pt["error"]["internal"].as_str().expect("the generic error in pt");
    assert!(page.contains(message), "{page}");
    assert!(page.contains(&format!("Código de referência: {id}")), "{page}");
}

fn locale_file(language: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../app/locales/{language}.json"))
}

// ---------------------------------------------------------------------------------------
// The real binary, as an operator runs it.

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(15)).no_proxy().build().expect("an HTTP client")
}

async fn status_of(client: &reqwest::Client, url: &str) -> Result<(StatusCode, Value), String> {
    let response = client.get(url).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    Ok((StatusCode::from_u16(status.as_u16()).expect("a status"), response.json().await.unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ready_answers_503_while_postgres_is_stopped_and_200_once_it_is_back_without_a_restart() {
    let cluster = Cluster::start_new();
    let url = cluster.fresh_database("releasedesk_ready").await;
    let mut server = ServerProcess::start(&url, false).await;
    let http = client();
    let (live, ready) = (format!("{}/health/live", server.base), format!("{}/health/ready", server.base));
    assert_eq!(status_of(&http, &ready).await, Ok((StatusCode::OK, json!({ "status": "ready" }))));

    cluster.stop();
    let asked = Instant::now();
    let answer = status_of(&http, &ready).await;
    let took = asked.elapsed();
    let (status, body) = answer.unwrap_or_else(|e| panic!("ready did not answer while the database is down: {e}"));
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert!(body["reason"].as_str().is_some_and(|r| r.starts_with("database")), "{body}");
    assert!(took < Duration::from_secs(3), "ready took {took:?} to answer");
    assert_eq!(status_of(&http, &live).await.map(|(s, _)| s), Ok(StatusCode::OK), "the process is alive");

    cluster.start();
    let back = Instant::now();
    let mut seen = Vec::new();
    loop {
        match status_of(&http, &ready).await {
            Ok((StatusCode::OK, _)) => break,
            other => seen.push(format!("{other:?}")),
        }
        assert!(back.elapsed() < Duration::from_secs(20), "not ready 20 s after PostgreSQL returned: {seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(server.is_alive());
    server.kill();
}

/// The value of the sample `name{labels}` in a Prometheus text, or 0 when absent.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics.lines().find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok())).unwrap_or(0.0)
}

async fn scrape_metrics(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).bearer_auth("s3cret-token").send().await.expect("a scrape");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap_or("").to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    response.text().await.expect("the metrics")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_count_the_tests_requests_and_refuse_a_caller_without_the_token() {
    let url = database_url(Backend::Sqlite).await;
    let server = ServerProcess::start_with(&url, true, &[("METRICS_TOKEN", "s3cret-token")]).await;
    let http = client();
    let metrics_url = format!("{}/metrics", server.base);
    let scrape = || scrape_metrics(&http, &metrics_url);
    for refused in [http.get(&metrics_url), http.get(&metrics_url).bearer_auth("s3cret-tokeN")] {
        let response = refused.send().await.expect("an answer");
        assert_eq!(response.status().as_u16(), 401);
        let body = response.text().await.unwrap_or_default();
        assert!(!body.contains("releasedesk_"), "{body}");
    }

    let ana = server.login("ana").await;
    let listed = r#"releasedesk_http_requests_total{route="/api/list_releases",method="POST",status="200"}"#;
    let before = scrape().await;
    let answer = ana.call("list_releases", list_query()).await.expect("list_releases answers");
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text);
    let after = scrape().await;
    assert_eq!(sample(&after, listed) - sample(&before, listed), 1.0, "{after}");
    let latency = r#"releasedesk_http_request_duration_seconds_count{route="/api/list_releases",method="POST"}"#;
    assert_eq!(sample(&after, latency) - sample(&before, latency), 1.0, "{after}");
    // The readers' pool and the writer's connection.
    assert_eq!(sample(&after, r#"releasedesk_db_pool_max_connections"#), 9.0, "{after}");
    assert!(after.contains(r#"releasedesk_db_pool_connections{state="idle"}"#), "{after}");
    // SQLite holds its connections' schemas and page caches.
    assert!(sample(&after, "releasedesk_sqlite_memory_bytes") > 0.0, "{after}");

    // A wrong password for one user, many times, until the throttle refuses.
    let mut guesser = server.anonymous();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let reply = guesser.login("joao", "not-his-password").await.expect("the login answers");
        if reply.status.as_u16() == 429 {
            break;
        }
        assert!(Instant::now() < deadline, "no 429 within 60 s: {}", reply.text);
    }
    let after = scrape().await;
    assert!(sample(&after, "releasedesk_login_throttled_total") >= 1.0, "{after}");
    let kind = r#"releasedesk_server_function_errors_total{function="/api/login",kind="bad_credentials"}"#;
    assert!(sample(&after, kind) >= 1.0, "{after}");

    // An open event stream counts until it is closed.
    let streams = "releasedesk_event_streams_open";
    let events = ana.events().await.expect("the event stream opens");
    assert_eq!(sample(&scrape().await, streams), 1.0);
    drop(events);
    // The server notices a closed stream when it writes to it: at the latest the 15 s ping.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sample(&scrape().await, streams) != 0.0 {
        assert!(Instant::now() < deadline, "the closed stream still counts after 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_actions_reference_is_its_request_id_and_names_its_log_line() {
    let url = database_url(Backend::Sqlite).await;
    let env = [("LOG_FORMAT", "json"), ("RUST_LOG", "info,sqlx=warn")];
    let server = ServerProcess::start_with(&url, true, &env).await;
    let ana = server.login("ana").await;
    let listed = ana.call("list_releases", list_query()).await.expect("list_releases answers");
    let id = listed.json()["rows"][0]["id"].as_i64().expect("a release");

    // Ana's group may not reactivate releases.
    let refused = ana.call("reactivate_release", json!({ "id": id })).await.expect("an answer");
    assert!(refused.status.is_client_error(), "{refused:?}");
    let body = refused.json();
    assert_eq!(body["error"], "refused", "{body}");
    let request_id = refused.headers["x-request-id"].to_str().expect("an id").to_owned();
    assert_eq!(body["reference"], request_id.as_str(), "the reference the UI shows is the request's id");

    // Probes come often; they stay below the info level.
    let http = client();
    for _ in 0..3 {
        let _ = status_of(&http, &format!("{}/health/ready", server.base)).await;
    }
    let _ = status_of(&http, &format!("{}/health/live", server.base)).await;

    let deadline = Instant::now() + Duration::from_secs(10);
    let line = loop {
        let output = server.output();
        let found = output
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|line| line["span"]["request_id"] == request_id.as_str() && line["fields"]["message"] == "answered");
        if let Some(line) = found {
            break line;
        }
        assert!(Instant::now() < deadline, "no log line of request {request_id} within 10 s:\n{output}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(line["fields"]["status"], refused.status.as_u16(), "{line}");
    assert_eq!(line["fields"]["error"], "refused", "{line}");
    assert_eq!(line["span"]["path"], "/api/reactivate_release", "{line}");
    assert_eq!(line["level"], "INFO", "{line}");
    let output = server.output();
    assert!(!output.contains("/health/"), "a probe was logged at the info level:\n{output}");
}
