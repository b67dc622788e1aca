//! What the database and server-function tests share: a fresh server on SQLite or on the
//! throw-away PostgreSQL, with the demo loaded, and an HTTP client that holds a session.
#![allow(dead_code)]

pub mod postgres;
pub mod process;
pub mod schema;
pub mod smtp;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use releasedesk_core::commands::Desk;
use releasedesk_core::seed::{bulk, demo};
use releasedesk_core::store::Db;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )*};
}

pub struct TestServer {
    pub app: Router,
    pub db: Db,
    pub desk: Desk,
    pub url: String,
    /// How many entries the administration log got from loading the demo (its catalogues
    /// are created through the administration's commands).
    pub seeded_admin_changes: usize,
}

static SQLITE_FILES: AtomicUsize = AtomicUsize::new(0);

pub async fn database_url(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            let file = sqlite_dir().join(format!("db{}.sqlite", SQLITE_FILES.fetch_add(1, Ordering::SeqCst)));
            let _ = std::fs::remove_file(&file);
            file.display().to_string()
        }
        Backend::Postgres => postgres::fresh_database().await,
    }
}

/// The directory of this test process's SQLite databases (about 250 MB in a whole run),
/// removed once the process has ended, as the PostgreSQL cluster's is.
fn sqlite_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("releasedesk-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        postgres::remove_after_this_process(&dir);
        dir
    })
}

/// A server on a fresh database with the demo data.
pub async fn demo_server(backend: Backend) -> TestServer {
    let mut server = empty_server(backend).await;
    assert!(demo::load_if_empty(&server.desk).await.expect("load the demo"), "a fresh database gets the demo");
    let log = releasedesk_core::store::admin::changes(&server.db, None, i64::MAX).await;
    server.seeded_admin_changes = log.expect("read the administration log").len();
    server
}

/// A server on a fresh database without users, as a new team starts.
pub async fn empty_server(backend: Backend) -> TestServer {
    let url = database_url(backend).await;
    let desk = server::open_database(&url).await.expect("open the database");
    let options = LeptosOptions::builder().output_name("releasedesk").build();
    let app = server::router(desk.clone(), options, false).await.expect("build the router");
    TestServer { app, db: desk.db.clone(), desk, url, seeded_admin_changes: 0 }
}

/// A server on a fresh database holding the benchmark's data: the demo and `releases` more.
pub async fn seeded_server(backend: Backend, releases: i64) -> (TestServer, bulk::Seeded) {
    let url = database_url(backend).await;
    let desk = server::open_database(&url).await.expect("open the database");
    let seeded = bulk::seed(&desk, releases).await.expect("seed the benchmark data");
    let options = LeptosOptions::builder().output_name("releasedesk").build();
    let app = server::router(desk.clone(), options, false).await.expect("build the router");
    (TestServer { app, db: desk.db.clone(), desk, url, seeded_admin_changes: 0 }, seeded)
}

/// An HTTP answer, with its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// A browser-like client: keeps the session cookie it is given.
#[derive(Clone)]
pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
}

impl TestServer {
    pub fn anonymous(&self) -> Client {
        Client { app: self.app.clone(), cookie: None }
    }

    /// Logs in with the demo password; panics if that fails.
    pub async fn login(&self, username: &str) -> Client {
        let mut client = self.anonymous();
        let answer = client.login(username, demo::DEMO_PASSWORD).await;
        assert!(answer.status.is_success() || answer.status.is_redirection(), "login of {username}: {answer:?}");
        assert!(client.cookie.is_some(), "login of {username} set no session cookie");
        client
    }
}

impl Client {
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("read the body").to_bytes();
        Answer { status, headers, text: String::from_utf8_lossy(&bytes).into_owned() }
    }

    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(path).header(header::HOST, "127.0.0.1");
        if let Some(cookie) = &self.cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        builder
    }

    /// Calls a JSON server function, e.g. `call("list_releases", json!({"query": …}))`.
    pub async fn call(&self, endpoint: &str, args: Value) -> Answer {
        let request = self
            .request("POST", &format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(args.to_string()))
            .expect("request");
        self.send(request).await
    }

    pub async fn get(&self, path: &str, accept_language: Option<&str>) -> Answer {
        let mut builder = self.request("GET", path).header(header::ACCEPT, "text/html");
        if let Some(language) = accept_language {
            builder = builder.header(header::ACCEPT_LANGUAGE, language);
        }
        self.send(builder.body(Body::empty()).expect("request")).await
    }

    /// Posts a form to a server function as a browser without JavaScript would.
    pub async fn post_form(&self, endpoint: &str, body: &str) -> Answer {
        let request = self
            .request("POST", &format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body.to_owned()))
            .expect("request");
        self.send(request).await
    }

    /// Posts the login form; keeps the session cookie it is given.
    pub async fn login(&mut self, username: &str, password: &str) -> Answer {
        let body = format!("username={}&password={}", urlencode(username), urlencode(password));
        let answer = self.post_form("login", &body).await;
        // The session's cookie, not the language's (set too for a user with a language).
        let pairs = answer.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok());
        if let Some(pair) = pairs.filter_map(|cookie| cookie.split(';').next()).find(|pair| pair.contains("_session="))
        {
            self.cookie = Some(pair.to_owned());
        }
        answer
    }
}

/// The arguments of `register_release` for a normal, low-risk release of `group` that
/// `version` delivers between `planned_start` and `planned_end`.
pub fn registration(title: &str, group: i64, planned_start: i64, planned_end: i64, version: &str) -> Value {
    json!({ "registration": {
        "title": title, "description": "Una versión de prueba", "executor_group": group,
        "release_type": "normal", "risk": "low", "impact": 2, "urgency": 2,
        "planned_start": planned_start, "planned_end": planned_end, "version_label": version
    }})
}

/// A valid manual occurrence, the `occurrence` of `add_occurrence`; its text starts like a
/// spreadsheet formula, which the CSV export must defuse.
pub fn occurrence() -> Value {
    json!({
        "category": "execution",
        "origin": "phone",
        "minutes": 25,
        "description": "Llamada al proveedor",
        "occurrence": "=HYPERLINK(\"http://x\") confirmó la ventana",
        "user_information": "La liberación sigue en plazo.",
    })
}

/// A release waiting at Execution for the client's group, which the client captures: its number.
pub async fn captured_release(client: &Client) -> i64 {
    let page = client
        .call("list_releases", json!({ "query": { "search": "", "status": "approved", "scope": "groups", "page": 0 } }))
        .await
        .json();
    let id = page["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["access"]["access"] == "capture"))
        .and_then(|r| r["id"].as_i64())
        .expect("a release waiting for the group");
    assert_eq!(client.call("capture_task", json!({ "id": id })).await.status, StatusCode::OK);
    id
}

/// Runs `releasedesk ARGS` on the server's database with `stdin`: (succeeded, stderr).
pub fn command_line(server: &TestServer, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(process::BINARY)
        .args(args)
        .env("DATABASE_URL", &server.url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the command line");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("run the command line");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
