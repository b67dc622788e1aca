//! Access tokens ("Mi cuenta" > "Tokens de acceso", `releasedesk api-token create`) and the
//! REST API `/api/v1` they open: a user creates, lists and revokes their own tokens; a token
//! acts as its user with their current groups; a revoked or expired token, a cookie, or a
//! token on a server function is refused; errors are problem+json in the caller's language;
//! advances carry `If-Match`; of 50 advances or 200 captures at once over TCP exactly one wins.

use crate::support::process::ServerProcess;
use crate::support::{self, demo_server, Backend, TestServer};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use releasedesk_core::commands::tokens::{authenticate_token, create_token, create_token_for, revoke_token, NewToken};
use releasedesk_core::domain::Permission;
use releasedesk_core::Error;
use serde_json::{json, Value};

on_both_databases!(
    a_user_creates_lists_and_revokes_their_own_tokens,
    a_token_acts_as_its_user_with_their_current_groups,
    expired_tokens_and_deactivated_users_are_refused,
    every_api_operation_allows_exactly_whom_it_should,
    problems_are_typed_and_translated,
    an_advance_needs_the_current_version,
    parallel_captures_and_advances_over_tcp_have_one_winner,
    tokens_are_limited_per_minute,
    systems_of_record_push_catalogue_items_by_code,
    the_list_filters_by_priority_group_and_lateness_in_pages_of_the_chosen_size,
    the_list_sorts_by_each_offered_column_and_filters_by_requester_and_dates,
);

/// `/api/v1/openapi.json` is an OpenAPI 3.1 document of every operation; `make test` keeps
/// `docs/openapi.json` in step with it (written when it changed, for reviewers' diffs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_served_and_checked_in() {
    let server = demo_server(Backend::Sqlite).await;
    let answer = Call::new("GET", "/openapi.json").send(&server).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let document = answer.json();
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", document["openapi"]);
    for path in ["/api/v1/releases", "/api/v1/releases/{number}/advance", "/api/v1/{catalogue}/{code}"] {
        assert!(document["paths"][path].is_object(), "{path} in the document");
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    let pretty = format!("{}\n", serde_json::to_string_pretty(&document).expect("json"));
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    if std::fs::read_to_string(&file).ok().as_deref() != Some(pretty.as_str()) {
        std::fs::create_dir_all(file.parent().expect("docs")).expect("docs/");
        std::fs::write(&file, pretty).expect("write docs/openapi.json");
    }
}

fn ok(answer: support::Answer, what: &str) -> Value {
    assert!(answer.status.is_success(), "{what}: {answer:?}");
    answer.json()
}

fn now() -> i64 {
    releasedesk_core::store::now()
}

async fn a_user_creates_lists_and_revokes_their_own_tokens(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let created =
        ok(ana.call("create_my_token", json!({ "name": " Pipeline ", "expires_in_days": 90 })).await, "create");
    let secret = created["secret"].as_str().expect("the secret, shown once").to_owned();
    assert!(secret.starts_with("rdk_") && secret.len() == 68, "{secret}");
    assert_eq!(created["summary"]["name"], "Pipeline");
    let expires = created["summary"]["expires_at"].as_i64().expect("an expiry");
    assert!((expires - now() - 90 * 86_400).abs() < 60, "expires in 90 days: {expires}");

    let listed = ok(ana.call("my_tokens", json!({})).await, "list");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["active"], true);
    assert!(!listed.to_string().contains(&secret[4..]), "the list never shows the secret: {listed}");
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_all(&server.db.pool).await.unwrap();
    assert!(stored.iter().all(|hash| !hash.contains(&secret[4..])), "only a hash is stored");

    // Another user neither sees nor revokes it.
    let lucia = server.login("lucia").await;
    assert_eq!(ok(lucia.call("my_tokens", json!({})).await, "lucia's list"), json!([]));
    let id = created["summary"]["id"].clone();
    let refused = lucia.call("revoke_my_token", json!({ "id": id })).await;
    assert_eq!(refused.status.as_u16(), 404, "{refused:?}");
    assert!(authenticate_token(&server.desk, &secret, now()).await.is_ok(), "still valid after lucia's try");

    ok(ana.call("revoke_my_token", json!({ "id": id })).await, "revoke");
    assert_eq!(authenticate_token(&server.desk, &secret, now()).await.err(), Some(Error::Unauthenticated));
    let listed = ok(ana.call("my_tokens", json!({})).await, "list after revoking");
    assert_eq!(listed[0]["active"], false);
    assert!(listed[0]["revoked_at"].is_i64());

    // Names are checked like every field: required, not too long.
    let empty = ana.call("create_my_token", json!({ "name": "  ", "expires_in_days": null })).await;
    assert_eq!(empty.status.as_u16(), 422, "{empty:?}");
    assert_eq!(empty.json()["field"], "name", "{empty:?}");
    assert_eq!(empty.json()["problem"], "required", "{empty:?}");
    let long = ana.call("create_my_token", json!({ "name": "x".repeat(101), "expires_in_days": 30 })).await;
    assert_eq!(long.status.as_u16(), 422, "{long:?}");
    assert_eq!(long.json()["problem"], json!({ "too_long": { "max": 100 } }), "{long:?}");
    let forever = ana.call("create_my_token", json!({ "name": "Eterno", "expires_in_days": 4000 })).await;
    assert_eq!(forever.json()["field"], "expiry", "{forever:?}");
    let never = ok(ana.call("create_my_token", json!({ "name": "Eterno", "expires_in_days": null })).await, "never");
    assert!(never["summary"]["expires_at"].is_null());

    // Anonymous visitors have no tokens.
    assert_eq!(server.anonymous().call("my_tokens", json!({})).await.status.as_u16(), 401);
}

async fn a_token_acts_as_its_user_with_their_current_groups(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = server.login("gestor").await;
    let created = ok(gestor.call("create_my_token", json!({ "name": "CI", "expires_in_days": 30 })).await, "create");
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    let user = authenticate_token(&server.desk, &secret, now()).await.expect("the token is accepted");
    assert_eq!(user.actor.username, "gestor");
    assert!(user.actor.may(Permission::Create), "gestor's groups come with the token");

    // Taken out of their groups, the token keeps nothing of what the groups gave. Changed in
    // the database, not through the desk: the server hears of it within moments (each
    // instance keeps its users between requests, store::kept).
    sqlx::query("DELETE FROM group_members WHERE user_id = $1")
        .bind(user.actor.user.0)
        .execute(&server.db.pool)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let user = authenticate_token(&server.desk, &secret, now()).await.expect("still their token");
        if user.actor.memberships.is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still in {:?}", user.actor.memberships);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Its last use is recorded.
    let listed = ok(gestor.call("my_tokens", json!({})).await, "list");
    assert!(listed[0]["last_used_at"].is_i64(), "{listed}");

    // The secret with its last digit changed (to another digit: a random one may be 0).
    let other_last = if secret.ends_with('0') { '1' } else { '0' };
    let altered = format!("{}{other_last}", &secret[..67]);
    for wrong in ["", "rdk_", "Bearer x", &secret.replace("rdk_", "xyz_"), &altered] {
        assert_eq!(authenticate_token(&server.desk, wrong, now()).await.err(), Some(Error::Unauthenticated), "{wrong}");
    }
}

async fn expired_tokens_and_deactivated_users_are_refused(backend: Backend) {
    let server = demo_server(backend).await;
    let joao = server.login("joao").await;
    let created = ok(joao.call("create_my_token", json!({ "name": "CI", "expires_in_days": 1 })).await, "create");
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    assert!(authenticate_token(&server.desk, &secret, now()).await.is_ok());
    let expired = authenticate_token(&server.desk, &secret, now() + 86_400 + 1).await;
    assert_eq!(expired.err(), Some(Error::Unauthenticated), "a day later the token has expired");

    let admin = server.login("admin").await;
    let found = ok(admin.call("admin_users", json!({ "search": "joao" })).await, "find joao");
    let id = found["users"][0]["id"].clone();
    ok(admin.call("admin_set_active", json!({ "id": id, "active": false })).await, "deactivate");
    assert_eq!(authenticate_token(&server.desk, &secret, now()).await.err(), Some(Error::Unauthenticated));
    ok(admin.call("admin_set_active", json!({ "id": id, "active": true })).await, "reactivate");
    assert!(authenticate_token(&server.desk, &secret, now()).await.is_ok(), "active again, the token works again");
}

/// A token of the demo user `login`, valid for 30 days.
pub(crate) async fn token_of(server: &TestServer, login: &str) -> String {
    let token = NewToken { name: "CI".into(), expires_in_days: Some(30) };
    create_token_for(&server.desk, login, token).await.expect("a token").secret
}

/// A request to `/api/v1{path}` with `token` (if any), `cookie` (if any) and `Accept-Language`.
#[derive(Clone)]
pub(crate) struct Call<'a> {
    pub method: &'a str,
    pub path: String,
    pub token: Option<&'a str>,
    /// Whose token it is, for the test's messages.
    pub who: &'static str,
    pub cookie: Option<&'a str>,
    pub language: Option<&'a str>,
    pub if_match: Option<String>,
    pub body: Option<Value>,
    /// A file's bytes as the body, `application/octet-stream`.
    pub file: Option<Vec<u8>>,
}

impl<'a> Call<'a> {
    pub fn new(method: &'a str, path: impl Into<String>) -> Call<'a> {
        let path = path.into();
        Call {
            method,
            path,
            token: None,
            who: "nobody",
            cookie: None,
            language: None,
            if_match: None,
            body: None,
            file: None,
        }
    }

    /// With the token of `who`.
    pub fn by(self, who: &'static str, token: &'a str) -> Call<'a> {
        Call { who, token: Some(token), ..self }
    }

    pub fn body(self, body: Value) -> Call<'a> {
        Call { body: Some(body), ..self }
    }

    pub fn file(self, bytes: &[u8]) -> Call<'a> {
        Call { file: Some(bytes.to_vec()), ..self }
    }

    pub fn if_match(self, version: &str) -> Call<'a> {
        Call { if_match: Some(version.to_owned()), ..self }
    }

    /// Who sends it, and what is special about it, for the test's messages.
    pub fn label(&self) -> String {
        let version = self.if_match.as_deref().map(|v| format!(", If-Match {v}")).unwrap_or_default();
        let body = self.body.as_ref().map(|b| format!(", {b}")).unwrap_or_default();
        let file = self.file.as_ref().map(|f| format!(", a file of {} bytes", f.len())).unwrap_or_default();
        format!("by {}{version}{body}{file}", self.who)
    }

    pub async fn send(self, server: &TestServer) -> support::Answer {
        let mut builder = Request::builder()
            .method(self.method)
            .uri(format!("/api/v1{}", self.path))
            .header(header::HOST, "127.0.0.1")
            .header(header::ACCEPT, "application/json");
        if let Some(token) = self.token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(cookie) = self.cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        if let Some(language) = self.language {
            builder = builder.header(header::ACCEPT_LANGUAGE, language);
        }
        if let Some(version) = self.if_match {
            builder = builder.header(header::IF_MATCH, version);
        }
        let body = match (self.body, self.file) {
            (Some(body), _) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            (None, Some(file)) => {
                builder = builder.header(header::CONTENT_TYPE, "application/octet-stream");
                Body::from(file)
            }
            (None, None) => Body::empty(),
        };
        server.anonymous().send(builder.body(body).expect("request")).await
    }
}

fn is_problem(answer: &support::Answer, status: u16, kind: &str) -> bool {
    let content_type = answer.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    answer.status.as_u16() == status
        && content_type == "application/problem+json"
        && answer.json()["type"] == format!("/api/v1/problems/{kind}")
        && answer.json()["status"] == status
        && answer.json()["detail"].as_str().is_some_and(|d| !d.is_empty() && !d.contains("{{"))
}

/// Approved releases at Execution whose task is free for Despliegue N1 (ana's group).
pub(crate) async fn free_releases(server: &TestServer) -> Vec<i64> {
    let gestor = token_of(server, "gestor").await;
    let mut free = Vec::new();
    let mut path = "/releases?status=approved".to_owned();
    for _ in 0..4 {
        let mut call = Call::new("GET", path.clone());
        call.token = Some(&gestor);
        let page = call.send(server).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        let page = page.json();
        free.extend(page["releases"].as_array().into_iter().flatten().filter_map(|row| {
            let free_n1 = row["executor_group"] == "Despliegue N1" && row["responsible"].is_null();
            free_n1.then(|| row["id"].as_i64()).flatten()
        }));
        match page["links"]["next"].as_str() {
            Some(next) => path = next.trim_start_matches("/api/v1").to_owned(),
            None => break,
        }
    }
    assert!(free.len() >= 8, "free releases in the demo: {free:?}");
    free
}

pub(crate) fn closure(category: &Value) -> Value {
    json!({ "decision": null, "closure": {
        "outcome": "resolved", "solution_category": category, "useful_information": "Desplegado por el pipeline"
    }})
}

/// A revoked token and an expired one, both ana's.
pub(crate) async fn revoked_and_expired(server: &TestServer) -> (String, String) {
    let token = NewToken { name: "Revocado".into(), expires_in_days: Some(30) };
    let created = create_token_for(&server.desk, "ana", token).await.expect("a token");
    let ana = authenticate_token(&server.desk, &created.secret, now()).await.expect("ana's token").actor;
    revoke_token(&server.desk.acting(ana.clone()), created.summary.id).await.expect("revoked");
    let two_days_ago = server.desk.acting_at(ana, now() - 2 * 86_400);
    let expired = create_token(&two_days_ago, NewToken { name: "Viejo".into(), expires_in_days: Some(1) })
        .await
        .expect("a token that expired yesterday")
        .secret;
    (created.secret, expired)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    List,
    Get,
    Log,
    Capture,
    Advance,
}

async fn every_api_operation_allows_exactly_whom_it_should(backend: Backend) {
    let server = demo_server(backend).await;
    let mut free = free_releases(&server).await;
    let users = ["consultor", "lucia", "ana", "gestor", "admin"];
    let mut tokens = std::collections::HashMap::new();
    for user in users {
        tokens.insert(user, token_of(&server, user).await);
    }
    let (revoked, expired) = revoked_and_expired(&server).await;
    let cookie = server.login("ana").await.cookie.expect("ana's session");

    let category = {
        let mut call = Call::new("GET", format!("/releases/{}", free[0]));
        call.token = Some(&tokens["gestor"]);
        call.send(&server).await.json()["categories"][0]["id"].clone()
    };
    let mut wrong = Vec::new();
    for op in [Op::List, Op::Get, Op::Log, Op::Capture, Op::Advance] {
        // Who may: reads anyone; capture an executor of the task's group; advance its holder.
        let allowed: &[&str] = match op {
            Op::List | Op::Get | Op::Log => &users,
            Op::Capture | Op::Advance => &["ana"],
        };
        let shared = free.pop().expect("a free release");
        // ana holds the shared release's task, so that others' advances meet a held task.
        if op == Op::Advance {
            let mut call = Call::new("POST", format!("/releases/{shared}/capture"));
            call.token = Some(&tokens["ana"]);
            assert_eq!(call.send(&server).await.status, StatusCode::OK);
        }
        let version_of = |release: i64| {
            let server = &server;
            let token = tokens["gestor"].clone();
            async move {
                let mut call = Call::new("GET", format!("/releases/{release}"));
                call.token = Some(&token);
                let answer = call.send(server).await;
                answer.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).expect("an ETag").to_owned()
            }
        };
        let call_as = |token: Option<String>, cookie: Option<String>, release: i64, etag: String| {
            let server = &server;
            let category = category.clone();
            async move {
                let (method, path, body) = match op {
                    Op::List => ("GET", "/releases?scope=all".to_owned(), None),
                    Op::Get => ("GET", format!("/releases/{release}"), None),
                    Op::Log => ("GET", format!("/releases/{release}/log"), None),
                    Op::Capture => ("POST", format!("/releases/{release}/capture"), None),
                    Op::Advance => ("POST", format!("/releases/{release}/advance"), Some(closure(&category))),
                };
                let mut call = Call::new(method, path);
                call.token = token.as_deref();
                call.cookie = cookie.as_deref();
                call.body = body;
                call.if_match = (op == Op::Advance).then_some(etag);
                call.send(server).await
            }
        };
        let etag = version_of(shared).await;
        for (who, token, cookie) in [
            ("nobody", None, None),
            ("revoked", Some(revoked.clone()), None),
            ("expired", Some(expired.clone()), None),
            ("ana's cookie", None, Some(cookie.clone())),
        ] {
            let answer = call_as(token, cookie, shared, etag.clone()).await;
            if !is_problem(&answer, 401, "unauthenticated") {
                wrong.push(format!("{op:?} by {who}: {} {}", answer.status, answer.text));
            }
        }
        for user in users {
            let allow = allowed.contains(&user);
            let release = match (allow, op) {
                (true, Op::Capture) => free.pop().expect("a free release"),
                (true, Op::Advance) => {
                    let release = free.pop().expect("a free release");
                    let mut call = Call::new("POST", format!("/releases/{release}/capture"));
                    call.token = Some(&tokens["ana"]);
                    assert_eq!(call.send(&server).await.status, StatusCode::OK);
                    release
                }
                _ => shared,
            };
            let etag = version_of(release).await;
            let answer = call_as(Some(tokens[user].clone()), None, release, etag).await;
            let ok = if allow { answer.status.is_success() } else { is_problem(&answer, 403, "forbidden") };
            if !ok {
                wrong.push(format!("{op:?} by {user}: {} {}", answer.status, answer.text));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));

    // Tokens never open a server function: only the session does.
    let request = Request::builder()
        .method("POST")
        .uri("/api/list_releases")
        .header(header::HOST, "127.0.0.1")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", tokens["admin"]))
        .body(Body::from(json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } }).to_string()))
        .expect("request");
    let answer = server.anonymous().send(request).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "a token on a server function: {answer:?}");
}

async fn problems_are_typed_and_translated(backend: Backend) {
    let server = demo_server(backend).await;
    let free = free_releases(&server).await;
    let lucia = token_of(&server, "lucia").await;

    let mut call = Call::new("GET", "/releases");
    call.language = Some("pt-BR,pt;q=0.9");
    let answer = call.send(&server).await;
    assert!(is_problem(&answer, 401, "unauthenticated"), "{answer:?}");
    assert_eq!(answer.headers.get(header::WWW_AUTHENTICATE).map(|v| v.as_bytes()), Some(&b"Bearer"[..]));
    assert!(answer.json()["detail"].as_str().unwrap().contains("Minha conta"), "in Portuguese: {answer:?}");
    assert_eq!(answer.json()["title"], "Não autenticado");

    let call = Call::new("GET", "/releases");
    let answer = call.send(&server).await;
    assert!(answer.json()["detail"].as_str().unwrap().contains("Mi cuenta"), "Spanish by default: {answer:?}");

    // lucia is not in the task's group: the refusal names it, in Portuguese.
    let mut call = Call::new("POST", format!("/releases/{}/capture", free[0]));
    call.token = Some(&lucia);
    call.language = Some("pt");
    let answer = call.send(&server).await;
    assert!(is_problem(&answer, 403, "forbidden"), "{answer:?}");
    let detail = answer.json()["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("Despliegue N1") && detail.contains("grupo"), "{detail}");

    let mut call = Call::new("GET", "/releases/999999");
    call.token = Some(&lucia);
    assert!(is_problem(&call.send(&server).await, 404, "not-found"));
    let mut call = Call::new("GET", "/releases?scope=everything");
    call.token = Some(&lucia);
    assert!(is_problem(&call.send(&server).await, 400, "bad-request"));
    let mut call = Call::new("GET", "/nowhere");
    call.token = Some(&lucia);
    assert!(is_problem(&call.send(&server).await, 404, "not-found"));
    // A path of the API with a method it does not take: 405, saying which it takes.
    let mut call = Call::new("DELETE", "/releases");
    call.token = Some(&lucia);
    call.language = Some("pt-BR");
    let answer = call.send(&server).await;
    assert!(is_problem(&answer, 405, "method-not-allowed"), "{answer:?}");
    assert_eq!(answer.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()), Some("GET,HEAD,POST"), "{answer:?}");
    assert!(answer.json()["detail"].as_str().is_some_and(|d| d.contains("método")), "{answer:?}");
}

async fn an_advance_needs_the_current_version(backend: Backend) {
    let server = demo_server(backend).await;
    let free = free_releases(&server).await;
    let ana = token_of(&server, "ana").await;
    let release = free[0];
    let mut call = Call::new("POST", format!("/releases/{release}/capture"));
    call.token = Some(&ana);
    let answer = call.send(&server).await;
    assert_eq!(answer.json(), json!({ "captured": "taken" }), "{answer:?}");

    let mut call = Call::new("GET", format!("/releases/{release}"));
    call.token = Some(&ana);
    let read = call.send(&server).await;
    let etag = read.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    assert_eq!(etag, format!("\"{}\"", read.json()["row_version"]), "the ETag is the release's version");
    let category = read.json()["categories"][0]["id"].clone();

    let mut call = Call::new("POST", format!("/releases/{release}/advance"));
    call.token = Some(&ana);
    call.body = Some(closure(&category));
    call.language = Some("pt");
    let answer = call.send(&server).await;
    assert!(is_problem(&answer, 428, "precondition-required"), "{answer:?}");
    assert!(answer.json()["detail"].as_str().unwrap().contains("If-Match"));

    let current = read.json()["row_version"].as_i64().expect("a version");
    let mut call = Call::new("POST", format!("/releases/{release}/advance"));
    call.token = Some(&ana);
    call.body = Some(closure(&category));
    call.if_match = Some(format!("\"{}\"", current - 1));
    let answer = call.send(&server).await;
    assert!(is_problem(&answer, 412, "stale-version"), "{answer:?}");
    assert_eq!(answer.json()["current_version"], current);

    let mut call = Call::new("POST", format!("/releases/{release}/advance"));
    call.token = Some(&ana);
    call.body = Some(closure(&category));
    call.if_match = Some(etag);
    let answer = call.send(&server).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.json()["id"], release);

    let mut call = Call::new("GET", format!("/releases/{release}/log"));
    call.token = Some(&ana);
    let log = call.send(&server).await;
    assert_eq!(log.status, StatusCode::OK, "{log:?}");
    assert!(log.json().as_array().is_some_and(|entries| !entries.is_empty()), "{log:?}");
}

async fn parallel_captures_and_advances_over_tcp_have_one_winner(backend: Backend) {
    let url = support::database_url(backend).await;
    let process = ServerProcess::start(&url, true).await;
    // The tokens come from the command line, as a pipeline's bootstrap gets them.
    let cli_token = |login: &str| {
        let output = std::process::Command::new(support::process::BINARY)
            .args(["api-token", "create", login, "Pipeline", "--expires", "90d"])
            .env("DATABASE_URL", &url)
            .output()
            .expect("run api-token create");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        assert!(token.starts_with("rdk_"), "printed: {token}");
        token
    };
    let (token, joao) = (cli_token("ana"), cli_token("joao"));

    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", process.base);
    let page: Value = client
        .get(api("/releases?status=approved"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let mut free = page["releases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|row| row["executor_group"] == "Despliegue N1" && row["responsible"].is_null())
        .filter_map(|row| row["id"].as_i64());
    let (release, contested) = (free.next().expect("a free release"), free.next().expect("another one"));

    // 200 captures of one free task at once, half by ana and half by joao: one takes it;
    // the winner's other calls find it theirs already, the other's are refused.
    let captures = (0..200).map(|i| {
        let (client, token) = (client.clone(), if i % 2 == 0 { token.clone() } else { joao.clone() });
        let url = api(&format!("/releases/{contested}/capture"));
        tokio::spawn(async move {
            let answer = client.post(url).bearer_auth(&token).send().await.expect("an answer");
            let status = answer.status().as_u16();
            (token, status, answer.json::<Value>().await.unwrap_or_default())
        })
    });
    let answers: Vec<(String, u16, Value)> =
        futures::future::join_all(captures).await.into_iter().map(|joined| joined.expect("the task")).collect();
    let taken: Vec<_> = answers.iter().filter(|(_, _, body)| body["captured"] == "taken").collect();
    assert_eq!(taken.len(), 1, "one capture takes the task: {answers:?}");
    let winner = taken[0].0.clone();
    for (who, status, body) in &answers {
        let expected = if *who == winner { 200 } else { 409 };
        assert_eq!(*status, expected, "{body}");
        if *who != winner {
            assert_eq!(body["type"], "/api/v1/problems/refused", "{body}");
        }
    }
    let captured = client.post(api(&format!("/releases/{release}/capture"))).bearer_auth(&token).send().await;
    assert_eq!(captured.expect("capture").status(), 200);
    let read = client.get(api(&format!("/releases/{release}"))).bearer_auth(&token).send().await.expect("read");
    let etag = read.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    let view: Value = read.json().await.expect("json");
    let body = closure(&view["categories"][0]["id"]);

    let advances = (0..50).map(|_| {
        let (client, token, etag, body) = (client.clone(), token.clone(), etag.clone(), body.clone());
        let url = api(&format!("/releases/{release}/advance"));
        tokio::spawn(async move {
            let answer = client.post(url).bearer_auth(token).header("if-match", etag).json(&body).send().await;
            let answer = answer.expect("an answer");
            (answer.status().as_u16(), answer.text().await.unwrap_or_default())
        })
    });
    let answers: Vec<(u16, String)> =
        futures::future::join_all(advances).await.into_iter().map(|joined| joined.expect("the task")).collect();
    let ok = answers.iter().filter(|(status, _)| *status == 200).count();
    let stale = answers.iter().filter(|(status, _)| *status == 412).count();
    assert_eq!((ok, stale), (1, 49), "{answers:?}");

    let log: Value = client
        .get(api(&format!("/releases/{release}/log")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("log")
        .json()
        .await
        .expect("json");
    let advanced =
        log.as_array().into_iter().flatten().filter(|e| e.to_string().contains("Desplegado por el pipeline"));
    assert_eq!(advanced.count(), 1, "the release was advanced once: {log}");
    drop(process);
}

async fn tokens_are_limited_per_minute(backend: Backend) {
    let server = demo_server(backend).await;
    let options = leptos::prelude::LeptosOptions::builder().output_name("releasedesk").build();
    let mut settings = server::observe::Settings::default();
    settings.api.requests_per_minute = std::num::NonZeroU32::new(3).expect("3");
    let transport = server::Transport::default();
    let shutdown = server::shutdown::Shutdown::new();
    let app = server::router_with(server.desk.clone(), options, transport, settings, shutdown).await.expect("router");
    let limited = TestServer { app, ..server };
    let (ana, lucia) = (token_of(&limited, "ana").await, token_of(&limited, "lucia").await);
    for _ in 0..3 {
        let mut call = Call::new("GET", "/releases");
        call.token = Some(&ana);
        assert_eq!(call.send(&limited).await.status, StatusCode::OK);
    }
    let mut call = Call::new("GET", "/releases");
    call.token = Some(&ana);
    call.language = Some("pt");
    let answer = call.send(&limited).await;
    assert!(is_problem(&answer, 429, "rate-limited"), "{answer:?}");
    let retry: u64 =
        answer.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()?.parse().ok()).expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(answer.json()["detail"].as_str().unwrap().contains("Tente novamente"), "{answer:?}");
    // Another token has its own allowance.
    let mut call = Call::new("GET", "/releases");
    call.token = Some(&lucia);
    assert_eq!(call.send(&limited).await.status, StatusCode::OK);
}

async fn systems_of_record_push_catalogue_items_by_code(backend: Backend) {
    let server = demo_server(backend).await;
    let (admin, gestor) = (token_of(&server, "admin").await, token_of(&server, "gestor").await);
    let problem = |title: &str| json!({ "fields": { "shape": "problem", "title": title, "status": "registered" } });
    let put = |token: Option<String>, body: Value| {
        let server = &server;
        async move {
            let mut call = Call::new("PUT", "/problems/PRB-EXT-9");
            call.token = token.as_deref();
            call.body = Some(body);
            call.send(server).await
        }
    };
    let created = put(Some(admin.clone()), problem("Caída del enlace de respaldo")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.json()["code"], "PRB-EXT-9");
    assert_eq!(created.json()["active"], true);
    let updated = put(Some(admin.clone()), problem("Caída del enlace principal")).await;
    assert_eq!(updated.status, StatusCode::OK, "{updated:?}");
    assert_eq!(updated.json()["id"], created.json()["id"], "the same item, updated");

    let mut call = Call::new("GET", "/problems/PRB-EXT-9");
    call.token = Some(&admin);
    let one = call.send(&server).await;
    assert_eq!(one.json()["fields"]["title"], "Caída del enlace principal", "{one:?}");
    let mut call = Call::new("GET", "/problems");
    call.token = Some(&admin);
    let all = call.send(&server).await.json();
    let same_code = all.as_array().into_iter().flatten().filter(|item| item["code"] == "PRB-EXT-9").count();
    assert_eq!(same_code, 1, "{all}");

    // Administrar is needed, as on the administration's page; a token alone is not enough.
    assert!(is_problem(&put(Some(gestor.clone()), problem("Otro")).await, 403, "forbidden"));
    let mut call = Call::new("GET", "/problems");
    call.token = Some(&gestor);
    assert!(is_problem(&call.send(&server).await, 403, "forbidden"));
    assert!(is_problem(&put(None, problem("Otro")).await, 401, "unauthenticated"));
    let invalid = put(Some(admin.clone()), problem(" ")).await;
    assert!(is_problem(&invalid, 422, "invalid"), "{invalid:?}");
    assert_eq!(invalid.json()["field"], "title");
    let mut call = Call::new("GET", "/problems/NO-SUCH");
    call.token = Some(&admin);
    assert!(is_problem(&call.send(&server).await, 404, "not-found"));

    let category = json!({ "fields": { "shape": "named", "name": { "es": "Revertida", "pt": "Revertida" } } });
    let mut call = Call::new("PUT", "/solution-categories/rolled-back");
    call.token = Some(&admin);
    call.body = Some(category);
    assert_eq!(call.send(&server).await.status, StatusCode::CREATED);
}

/// The list's filters beyond search, status and scope, as a pipeline (and the page's
/// address) gives them: several priorities, several executor groups, late only; and the
/// page size. Each filtered page holds exactly the releases of the whole list that match.
async fn the_list_filters_by_priority_group_and_lateness_in_pages_of_the_chosen_size(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = token_of(&server, "gestor").await;
    let get = |path: String| Call::new("GET", path).by("gestor", &gestor).send(&server);
    let groups = get("/executor-groups".into()).await.json();
    let n1 = groups.as_array().into_iter().flatten().find(|g| g["name"] == "Despliegue N1").expect("N1")["id"].clone();
    let everything = get("/releases?page_size=100".into()).await.json();
    let rows = everything["releases"].as_array().cloned().unwrap_or_default();
    assert!(rows.len() > 25 && everything["links"]["next"].is_null(), "the demo fits a page of 100: {everything}");
    assert_eq!(everything["page_size"], 100);
    let ids = |page: &Value| -> Vec<i64> {
        page["releases"].as_array().into_iter().flatten().filter_map(|r| r["id"].as_i64()).collect()
    };
    let expected = |keep: &dyn Fn(&Value) -> bool| -> Vec<i64> {
        rows.iter().filter(|r| keep(r)).filter_map(|r| r["id"].as_i64()).collect()
    };
    let is_late = |r: &Value| {
        r["delay_seconds"].as_i64().unwrap_or(0) > 0 && r["status"] != "closed" && r["status"] != "cancelled"
    };

    let urgent = get("/releases?priority=1,2&page_size=100".into()).await.json();
    let want = expected(&|r| r["priority"] == 1 || r["priority"] == 2);
    assert!(!want.is_empty() && want.len() < rows.len(), "the demo has urgent releases and others");
    assert_eq!(ids(&urgent), want);
    let of_n1 = get(format!("/releases?group={n1}&page_size=100")).await.json();
    assert_eq!(ids(&of_n1), expected(&|r| r["executor_group"] == "Despliegue N1"));
    let late = get("/releases?late=true&page_size=100".into()).await.json();
    let want = expected(&is_late);
    assert!(!want.is_empty(), "the demo has late releases");
    assert_eq!(ids(&late), want);
    let all_three = get(format!("/releases?priority=1,2,3&group={n1}&late=true&page_size=100")).await.json();
    let three =
        |r: &Value| r["priority"].as_i64().unwrap_or(9) <= 3 && r["executor_group"] == "Despliegue N1" && is_late(r);
    assert_eq!(ids(&all_three), expected(&three));

    // Pages of 25 by default, and of 50 when asked, following the cursor.
    let first = get("/releases".into()).await.json();
    assert_eq!((first["page_size"].as_i64(), ids(&first).len()), (Some(25), 25));
    let fifty = get("/releases?page_size=50".into()).await.json();
    assert_eq!(ids(&fifty), expected(&|_| true).into_iter().take(50).collect::<Vec<_>>());
    if let Some(next) = fifty["links"]["next"].as_str() {
        assert!(next.contains("page_size=50"), "the next link keeps the page size: {next}");
    }

    // What cannot be a filter is refused, naming it.
    let sizes = get("/releases?page_size=30".into()).await;
    assert!(is_problem(&sizes, 422, "invalid") && sizes.json()["field"] == "page_size", "{sizes:?}");
    let priority = get("/releases?priority=9".into()).await;
    assert!(is_problem(&priority, 422, "invalid") && priority.json()["field"] == "priority", "{priority:?}");
    assert!(is_problem(&get("/releases?priority=high".into()).await, 400, "bad-request"));
    assert!(is_problem(&get("/releases?late=maybe".into()).await, 400, "bad-request"));
}

/// Every offered sort, both ways, followed page after page by its `next` links and back by
/// a `prev` link: the rows come in the column's order (ties by number in the same
/// direction), each exactly once. The requester and the two date ranges select exactly
/// the releases of the whole list that match them.
async fn the_list_sorts_by_each_offered_column_and_filters_by_requester_and_dates(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = token_of(&server, "gestor").await;
    let get = |path: String| Call::new("GET", path).by("gestor", &gestor).send(&server);
    let ids = |page: &Value| -> Vec<i64> {
        page["releases"].as_array().into_iter().flatten().filter_map(|r| r["id"].as_i64()).collect()
    };
    // One release of the demo was asked for by someone else than the manager.
    let everything = get("/releases?page_size=100".into()).await.json();
    let asked_by_carlos = ids(&everything)[7];
    sqlx::query("UPDATE releases SET requester_id = (SELECT id FROM users WHERE username = 'consultor') WHERE id = $1")
        .bind(asked_by_carlos)
        .execute(&server.desk.db.pool)
        .await
        .expect("another requester");
    let everything = get("/releases?page_size=100".into()).await.json();
    let rows = everything["releases"].as_array().cloned().unwrap_or_default();
    assert!(rows.len() > 50 && everything["links"]["next"].is_null(), "the demo fills two pages of 25");
    let value = |row: &Value, field: &str| row[field].as_i64().unwrap_or(i64::MIN);

    for (sort, field) in
        [("priority", "priority"), ("deadline", "planned_end"), ("created", "created_at"), ("number", "id")]
    {
        for descending in [false, true] {
            let mut want: Vec<(i64, i64)> = rows.iter().map(|r| (value(r, field), value(r, "id"))).collect();
            want.sort();
            if descending {
                want.reverse();
            }
            let want: Vec<i64> = want.into_iter().map(|(_, id)| id).collect();
            let code = format!("{}{sort}", if descending { "-" } else { "" });
            let mut pages = vec![get(format!("/releases?sort={code}")).await.json()];
            while let Some(next) = pages.last().and_then(|page| page["links"]["next"].as_str()).map(str::to_owned) {
                assert!(next.contains(&format!("sort={code}")), "the next link keeps the order: {next}");
                let path = next.trim_start_matches("/api/v1").to_owned();
                pages.push(get(path).await.json());
                assert!(pages.len() <= 10, "the pages end");
            }
            let seen: Vec<i64> = pages.iter().flat_map(&ids).collect();
            assert_eq!(seen, want, "sorted by {code}");
            let back = pages[1]["links"]["prev"].as_str().expect("a way back").trim_start_matches("/api/v1").to_owned();
            assert_eq!(ids(&get(back).await.json()), ids(&pages[0]), "back from the second page by {code}");
        }
    }

    // The requester, by part of their name in any case and without its accents.
    let by_carlos = get("/releases?requester=CONSUL&page_size=100".into()).await.json();
    assert_eq!(ids(&by_carlos), [asked_by_carlos]);
    let by_marta = get("/releases?requester=marta%20gestora&page_size=100".into()).await.json();
    let others: Vec<i64> = ids(&everything).into_iter().filter(|id| *id != asked_by_carlos).collect();
    assert_eq!(ids(&by_marta), others);
    assert_eq!(ids(&get("/releases?requester=nadie".into()).await.json()), Vec::<i64>::new());

    // Dates are whole days of the user's calendar (the demo's users are on UTC).
    let day = |seconds: i64| chrono::DateTime::from_timestamp(seconds, 0).expect("a time").date_naive();
    for (field, from_param, to_param) in
        [("created_at", "registered_from", "registered_to"), ("planned_end", "due_from", "due_to")]
    {
        let mut days: Vec<_> = rows.iter().map(|r| day(value(r, field))).collect();
        days.sort();
        let (from, to) = (days[days.len() / 4], days[days.len() / 2]);
        let want: Vec<i64> = rows
            .iter()
            .filter(|r| (from..=to).contains(&day(value(r, field))))
            .filter_map(|r| r["id"].as_i64())
            .collect();
        assert!(!want.is_empty() && want.len() < rows.len(), "the range selects some of the demo");
        let page = get(format!("/releases?{from_param}={from}&{to_param}={to}&page_size=100")).await.json();
        assert_eq!(ids(&page), want, "{from_param}={from}&{to_param}={to}");
        let only_from = get(format!("/releases?{from_param}={from}&page_size=100")).await.json();
        let want: Vec<i64> =
            rows.iter().filter(|r| day(value(r, field)) >= from).filter_map(|r| r["id"].as_i64()).collect();
        assert_eq!(ids(&only_from), want, "{from_param}={from}");
        let reversed = get(format!("/releases?{from_param}={to}&{to_param}={from}")).await;
        if from != to {
            assert!(is_problem(&reversed, 422, "invalid"), "{reversed:?}");
        }
    }

    // What is not a sort or a day is refused, naming it.
    assert!(is_problem(&get("/releases?sort=status".into()).await, 400, "bad-request"));
    assert!(is_problem(&get("/releases?due_from=30/11/2026".into()).await, 400, "bad-request"));
    let long = get(format!("/releases?requester={}", "x".repeat(101))).await;
    assert!(is_problem(&long, 422, "invalid") && long.json()["field"] == "requester", "{long:?}");
}
