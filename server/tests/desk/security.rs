//! What an attacker meets over HTTP: pages whose scripts run only with the response's
//! nonce, requests from other sites refused, password guessing slowed down without telling
//! which users exist, and sessions that really end on logout and on a password change —
//! on SQLite and PostgreSQL.

use crate::support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use releasedesk_core::seed::demo::DEMO_PASSWORD;
use serde_json::json;
use support::{demo_server, urlencode, Backend, Client};

fn list_query() -> serde_json::Value {
    json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } })
}

/// A server-function call carrying `headers`, as a browser on some page would send it.
async fn call_with(client: &Client, endpoint: &str, headers: &[(&str, &str)]) -> support::Answer {
    let mut request = Request::builder()
        .method("POST")
        .uri(format!("/api/{endpoint}"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(cookie) = &client.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    client.send(request.body(Body::from(list_query().to_string())).expect("request")).await
}

async fn a_page_allows_only_its_own_scripts(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let page = ana.get("/releases", Some("es")).await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("the policy names a nonce: {policy}"));
    assert!(nonce.len() >= 16, "a nonce of 128 bits: {nonce}");
    assert!(policy.contains("script-src 'self' 'nonce-"), "{policy}");
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("object-src 'none'"), "{policy}");
    // Every script of the page that has something to run carries the nonce (leptos leaves
    // an empty `<script></script>` behind: there is nothing in it to allow or refuse).
    let scripts = page.text.matches("<script").count() - page.text.matches("<script></script>").count();
    let with_nonce = page.text.matches(&format!(" nonce=\"{nonce}\">")).count();
    assert!(scripts > 0 && with_nonce == scripts, "{scripts} scripts, {with_nonce} with the nonce");
    // Each page gets a new nonce.
    let again = ana.get("/releases", Some("es")).await;
    let policy_again =
        again.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_ne!(policy, policy_again);
}

async fn requests_from_other_sites_change_nothing(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
        &[("origin", "http://127.0.0.1:3000.evil.example")][..],
        &[("sec-fetch-site", "cross-site")][..],
    ] {
        let answer = call_with(&ana, "list_releases", headers).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?}: {}", answer.text);
        assert_eq!(answer.json()["error"], "cross_site");
    }
    // The login form too: another site cannot log a visitor in as someone else.
    let forged = Request::builder()
        .method("POST")
        .uri("/api/login")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=ana&password={}", urlencode(DEMO_PASSWORD))))
        .expect("request");
    let answer = server.anonymous().send(forged).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.headers.get(header::SET_COOKIE).is_none(), "no session for a forged login");
    // The app's own pages, and clients that are not browsers, go through.
    for headers in [&[("origin", "http://127.0.0.1:3000")][..], &[("sec-fetch-site", "same-origin")][..], &[][..]] {
        assert_eq!(call_with(&ana, "list_releases", headers).await.status, StatusCode::OK, "{headers:?}");
    }
}

async fn password_guessing_is_slowed_without_telling_who_exists(backend: Backend) {
    let server = demo_server(backend).await;
    let mut answers = Vec::new();
    for username in ["ana", "nobody"] {
        let mut attempts = Vec::new();
        for _ in 0..7 {
            attempts.push(server.anonymous().login(username, "wrong-password").await);
        }
        answers.push(attempts);
    }
    for attempts in &answers {
        let statuses: Vec<u16> = attempts.iter().map(|a| a.status.as_u16()).collect();
        assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429], "five tries, then a wait");
        let throttled = &attempts[6];
        assert_eq!(throttled.json()["error"], "too_many_attempts");
        let retry = throttled.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok());
        assert!(retry.and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| (1..=900).contains(&s)), "{retry:?}");
    }
    // An existing and an unknown user get the same answers, word for word but for the
    // reference code, which is each request's own id.
    let texts = |attempts: &Vec<support::Answer>| {
        let without_reference = |answer: &support::Answer| {
            let mut json = answer.json();
            if let Some(fields) = json.as_object_mut() {
                fields.remove("reference");
            }
            json
        };
        attempts.iter().map(without_reference).collect::<Vec<_>>()
    };
    assert_eq!(texts(&answers[0]), texts(&answers[1]));
    // While ana's name waits, even her right password is not tried; other users log in.
    assert_eq!(server.anonymous().login("ana", DEMO_PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(server.anonymous().login("joao", DEMO_PASSWORD).await.status.is_success());
}

async fn logout_ends_the_session_on_the_server(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    assert_eq!(ana.call("current_user", json!({})).await.status, StatusCode::OK);
    let logout = ana.post_form("logout", "").await;
    assert!(logout.status.is_success() || logout.status.is_redirection(), "{logout:?}");
    // The cookie an attacker may have copied is worth nothing now.
    assert_eq!(ana.call("current_user", json!({})).await.status, StatusCode::UNAUTHORIZED);
}

/// A session in use is extended: not at every request, and once some minutes have passed,
/// its end moves to 12 hours from then and its cookie goes out again. A write-back that
/// comes after a logout (a request that extended the session while another logged it out)
/// finds nothing to write: the session stays ended.
async fn a_session_in_use_is_extended_and_one_logged_out_stays_ended(backend: Backend) {
    use releasedesk_core::auth::sessions::{session_store, EXTENDED_AT, IDLE_LIMIT};
    use tower_sessions::cookie::time::{Duration, OffsetDateTime};
    use tower_sessions::SessionStore;

    let server = demo_server(backend).await;
    let store = session_store(&server.db).await.expect("the session store");
    let ana = server.login("ana").await;
    let cookie = ana.cookie.clone().expect("a session cookie");
    let id = cookie.split_once('=').and_then(|(_, id)| id.parse().ok()).expect("the session id in the cookie");
    let session_cookie = |answer: &support::Answer| {
        let mut cookies = answer.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok());
        cookies.find(|cookie| cookie.contains("_session=")).map(str::to_owned)
    };

    // Right after the login there is nothing to extend: no write, no cookie.
    let answer = ana.call("current_user", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(session_cookie(&answer), None, "a request right after the login writes nothing");

    // Eleven hours on, as the stored session says: an hour left, extended at the login.
    let start = OffsetDateTime::now_utc();
    let mut record = store.load(&id).await.expect("read the session").expect("the session exists");
    record.expiry_date = start + Duration::hours(1);
    record.data.insert(EXTENDED_AT.to_owned(), json!(start.unix_timestamp() - 11 * 3_600));
    store.save(&record).await.expect("rewind the session");

    let answer = ana.call("current_user", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK);
    let sent = session_cookie(&answer).expect("the extended session's cookie goes out again");
    assert!(sent.contains(&format!("Max-Age={}", IDLE_LIMIT.whole_seconds())), "{sent}");
    let extended = store.load(&id).await.expect("read the session").expect("the session exists");
    assert!(extended.expiry_date >= start + IDLE_LIMIT, "its end moved 12 h on: {:?}", extended.expiry_date);
    let again = ana.call("current_user", json!({})).await;
    assert_eq!(session_cookie(&again), None, "once extended, the next request writes nothing");

    let logout = ana.post_form("logout", "").await;
    assert!(logout.status.is_success() || logout.status.is_redirection(), "{logout:?}");
    store.save(&extended).await.expect("a write-back that finds no session is no error");
    assert!(store.load(&id).await.expect("read the session").is_none(), "the logged-out session stays ended");
    assert_eq!(ana.call("current_user", json!({})).await.status, StatusCode::UNAUTHORIZED);
}

async fn a_password_change_ends_every_session_of_the_user(backend: Backend) {
    let server = demo_server(backend).await;
    let (laptop, phone) = (server.login("joao").await, server.login("joao").await);
    let form = |current: &str, new: &str, repeat: &str| {
        format!("current={}&new={}&repeat={}", urlencode(current), urlencode(new), urlencode(repeat))
    };
    let wrong_current = laptop.post_form("change_password", &form("not-it", "novaSenha#2026", "novaSenha#2026")).await;
    assert_eq!(wrong_current.status, StatusCode::UNAUTHORIZED);
    let mismatch = laptop.post_form("change_password", &form(DEMO_PASSWORD, "novaSenha#2026", "novaSenha#2025")).await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(mismatch.json()["problem"], "mismatch");
    let short = laptop.post_form("change_password", &form(DEMO_PASSWORD, "curta", "curta")).await;
    assert_eq!(short.json()["problem"], json!({ "too_short": { "min": 8 } }));
    assert_eq!(phone.call("current_user", json!({})).await.status, StatusCode::OK, "refusals change nothing");

    let changed = laptop.post_form("change_password", &form(DEMO_PASSWORD, "novaSenha#2026", "novaSenha#2026")).await;
    assert!(changed.status.is_success() || changed.status.is_redirection(), "{changed:?}");
    for session in [&laptop, &phone] {
        assert_eq!(session.call("current_user", json!({})).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(server.anonymous().login("joao", DEMO_PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert!(server.anonymous().login("joao", "novaSenha#2026").await.status.is_success());
}

on_both_databases!(
    a_page_allows_only_its_own_scripts,
    requests_from_other_sites_change_nothing,
    password_guessing_is_slowed_without_telling_who_exists,
    logout_ends_the_session_on_the_server,
    a_session_in_use_is_extended_and_one_logged_out_stays_ended,
    a_password_change_ends_every_session_of_the_user,
);
