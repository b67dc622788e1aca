//! Guessing passwords in parallel, a shared address, proxies, and sessions that really end:
//! the real server binary over TCP (and the router in-process for what needs no socket), on
//! SQLite and PostgreSQL.

use crate::support;

use releasedesk_core::seed::demo::DEMO_PASSWORD;
use reqwest::header::{CACHE_CONTROL, COOKIE, RETRY_AFTER, SET_COOKIE, STRICT_TRANSPORT_SECURITY};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use support::process::ServerProcess;
use support::{database_url, demo_server, Backend};
use tokio::time::Instant;

/// The statuses of `answers`, counted: (401s, 429s, anything else).
fn tally(statuses: &[StatusCode]) -> (usize, usize, Vec<StatusCode>) {
    let unauthorized = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    let other = statuses.iter().filter(|s| !matches!(**s, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS));
    (unauthorized, throttled, other.copied().collect())
}

async fn login_status(server: &ServerProcess, username: &str, password: &str) -> (StatusCode, Option<u64>) {
    let reply = server.anonymous().login(username, password).await.expect("the login is answered");
    let retry = reply.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    (reply.status, retry)
}

/// 60 wrong passwords for one user at once, each on its own connection: the attempt counts
/// before its password is checked, so only the free attempts are checked (401) and the
/// rest are refused (429) without a check.
async fn sixty_parallel_guesses_for_one_user_are_checked_at_most_six_times(backend: Backend) {
    let server = ServerProcess::start(&database_url(backend).await, true).await;
    let guesses = (0..60).map(|n| {
        let client = server.anonymous();
        async move {
            let mut client = client;
            client.login("ana", &format!("guess-{n}")).await.expect("every guess is answered").status
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let (checked, refused, other) = tally(&statuses);
    assert!(other.is_empty(), "only 401 and 429: {statuses:?}");
    assert!((1..=6).contains(&checked), "{checked} of 60 parallel guesses were checked: {statuses:?}");
    assert_eq!(checked + refused, 60);
    // ana's name is locked now: even her password is not tried.
    let (status, retry) = login_status(&server, "ana", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some_and(|s| s >= 20), "a lockout, not a pause: Retry-After {retry:?}");
}

/// The attempts of the password change count as logins do, under the user's name: a thief
/// holding a session cannot guess the current password any faster there.
async fn the_password_change_is_throttled_like_the_login(backend: Backend) {
    let server = ServerProcess::start(&database_url(backend).await, true).await;
    let thief = server.login("joao").await;
    let cookie = thief.cookie.clone().expect("a session cookie");
    let guesses = (0..30).map(|n| {
        let (server, cookie) = (&server, cookie.clone());
        async move {
            let form = password_form(&format!("guess-{n}"), "novaSenha#2026");
            post_form(server, "change_password", form, &[("cookie", &cookie)]).await.status()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let (checked, _, other) = tally(&statuses);
    assert!(other.is_empty(), "only 401 and 429: {statuses:?}");
    assert!((1..=6).contains(&checked), "{checked} of 30 parallel guesses were checked: {statuses:?}");
    // The same name at the login waits too.
    assert_eq!(login_status(&server, "joao", DEMO_PASSWORD).await.0, StatusCode::TOO_MANY_REQUESTS);
}

/// An attacker behind one address (an office NAT) locks the name they guess and slows the
/// address down; the other users behind it still get in, after a few seconds at most.
async fn an_attacker_behind_a_shared_address_does_not_lock_out_its_other_users(backend: Backend) {
    let server = ServerProcess::start(&database_url(backend).await, true).await;
    for _ in 0..5 {
        assert_eq!(login_status(&server, "ana", "wrong-password").await.0, StatusCode::UNAUTHORIZED);
    }
    // Then many names, one guess each, until the address is past its free failures.
    let mut throttled_address = None;
    for n in 0..40 {
        let (status, retry) = login_status(&server, &format!("guess{n}"), "wrong-password").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            throttled_address = retry;
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let retry = throttled_address.expect("the address is slowed down after its free failures");
    assert!(retry <= 5, "the address waits seconds, not minutes: Retry-After {retry}");

    // joao, behind the same address, gets in with his password within seconds.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut answers = Vec::new();
    loop {
        let (status, retry) = login_status(&server, "joao", DEMO_PASSWORD).await;
        answers.push((status, retry));
        if status.is_success() || status.is_redirection() {
            break;
        }
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answers:?}");
        assert!(retry.is_some_and(|s| s <= 5), "{answers:?}");
        assert!(Instant::now() < deadline, "joao was kept out for 15 s: {answers:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // ana's name stays locked for longer: per-user limits lock.
    let (status, retry) = login_status(&server, "ana", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some_and(|s| s > 5), "{retry:?}");
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(support::process::REQUEST_TIMEOUT)
        .build()
        .expect("an HTTP client")
}

/// Posts a form to a server function over TCP with extra headers (a cookie, or what a
/// reverse proxy would forward), as a browser without JavaScript would.
async fn post_form(
    server: &ServerProcess,
    endpoint: &str,
    body: String,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = client()
        .post(format!("{}/api/{endpoint}", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("the form is answered")
}

async fn login_via(
    server: &ServerProcess,
    username: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let body = format!("username={}&password={}", support::urlencode(username), support::urlencode(password));
    post_form(server, "login", body, headers).await
}

fn password_form(current: &str, new: &str) -> String {
    format!(
        "current={}&new={}&repeat={}",
        support::urlencode(current),
        support::urlencode(new),
        support::urlencode(new)
    )
}

/// Behind a trusted proxy, `X-Forwarded-For` names the client: two clients behind the proxy
/// are two addresses. From anyone else the header is ignored, so it cannot be used to dodge
/// the address's limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_a_trusted_proxy_names_the_client() {
    /// Failed logins for new names, each with `forwarded_for(n)`, until the server slows
    /// them down: whether it did within 40.
    async fn slowed_down(server: &ServerProcess, forwarded_for: impl Fn(usize) -> String) -> bool {
        for n in 0..40 {
            let forwarded = forwarded_for(n);
            let answer =
                login_via(server, &format!("guess{n}"), "wrong-password", &[("x-forwarded-for", &forwarded)]).await;
            match answer.status() {
                StatusCode::TOO_MANY_REQUESTS => return true,
                status => assert_eq!(status, StatusCode::UNAUTHORIZED),
            }
        }
        false
    }
    let proxies = [("TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8")];
    let trusting = ServerProcess::start_with(&database_url(Backend::Sqlite).await, true, &proxies).await;
    // The client is the nearest address the proxy heard from (what the client wrote to the
    // left of it is not believed): its failures count together...
    assert!(slowed_down(&trusting, |n| format!("198.51.100.{n}, 203.0.113.5")).await);
    // ...and another client behind the same proxy is not slowed down by them.
    let other = [("x-forwarded-for", "198.51.100.77")];
    assert_eq!(login_via(&trusting, "nobody", "x-password", &other).await.status(), StatusCode::UNAUTHORIZED);

    // A server that trusts no proxy ignores the header: all come from the TCP peer.
    let direct = ServerProcess::start(&database_url(Backend::Sqlite).await, true).await;
    assert!(slowed_down(&direct, |n| format!("198.51.100.{n}")).await, "X-Forwarded-For from anyone is ignored");
}

/// Over HTTPS (a trusted proxy says so) the session cookie is `__Host-` and Secure, with
/// HSTS; a plain cookie of the same value is not accepted there, and a proxy that is not
/// trusted cannot switch HTTPS on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn over_https_the_session_cookie_is_a_secure_host_cookie() {
    let server =
        ServerProcess::start_with(&database_url(Backend::Sqlite).await, true, &[("TRUSTED_PROXIES", "127.0.0.1")])
            .await;
    let https = [("x-forwarded-proto", "https")];
    let answer = login_via(&server, "ana", DEMO_PASSWORD, &https).await;
    assert!(answer.status().is_success() || answer.status().is_redirection(), "{answer:?}");
    let cookie = answer.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cookie.starts_with("__Host-releasedesk_session="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(cookie.split(';').any(|part| part.trim() == attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Domain="), "{cookie}");
    let hsts = answer.headers().get(STRICT_TRANSPORT_SECURITY).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(hsts.starts_with("max-age=") && hsts != "max-age=0", "{hsts}");

    let pair = cookie.split(';').next().unwrap_or_default().to_owned();
    let plain = pair.trim_start_matches("__Host-").to_owned();
    let who = |cookie: String| {
        let base = server.base.clone();
        async move {
            client()
                .post(format!("{base}/api/current_user"))
                .header("content-type", "application/json")
                .header("x-forwarded-proto", "https")
                .header(COOKIE, cookie)
                .body("{}")
                .send()
                .await
                .expect("answered")
                .status()
        }
    };
    assert_eq!(who(pair).await, StatusCode::OK);
    assert_eq!(who(plain).await, StatusCode::UNAUTHORIZED, "over HTTPS only the __Host- cookie counts");

    // Over plain HTTP (no trusted proxy says otherwise): the plain cookie, no HSTS.
    let direct = ServerProcess::start(&database_url(Backend::Sqlite).await, true).await;
    let answer = login_via(&direct, "ana", DEMO_PASSWORD, &https).await;
    let cookie = answer.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cookie.starts_with("releasedesk_session=") && !cookie.contains("Secure"), "{cookie}");
    assert!(answer.headers().get(STRICT_TRANSPORT_SECURITY).is_none());
    // `--secure-cookies` treats every request as HTTPS.
    let forced = ServerProcess::start_with(
        &database_url(Backend::Sqlite).await,
        true,
        &[("RELEASEDESK_SECURE_COOKIES", "true")],
    )
    .await;
    let answer = login_via(&forced, "ana", DEMO_PASSWORD, &[]).await;
    let cookie = answer.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cookie.starts_with("__Host-releasedesk_session=") && cookie.contains("Secure"), "{cookie}");
}

/// A browser that arrives with a session already logged in (an attacker's, planted in the
/// victim's browser) gets a new session id when its user logs in, and the planted one is
/// worth nothing: the attacker does not end up in the victim's session.
async fn every_login_gets_a_new_session_id(backend: Backend) {
    let server = demo_server(backend).await;
    let attacker = server.login("consultor").await;
    let planted = attacker.cookie.clone().expect("a session cookie");
    let mut victim = server.anonymous();
    victim.cookie = Some(planted.clone());
    let answer = victim.login("ana", DEMO_PASSWORD).await;
    assert!(answer.status.is_success() || answer.status.is_redirection(), "{answer:?}");
    let fresh = victim.cookie.clone().expect("a session cookie");
    assert_ne!(fresh, planted, "the session id changed at login");
    assert_eq!(victim.call("current_user", json!({})).await.json()["username"], "ana");
    assert_eq!(attacker.call("current_user", json!({})).await.status, StatusCode::UNAUTHORIZED);
}

/// Pages and server-function answers that carry a user's data are never stored by the
/// browser or a proxy.
async fn answers_with_user_data_are_not_stored(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let page = ana.get("/releases", Some("es")).await;
    assert_eq!(page.status, StatusCode::OK);
    let list = ana
        .call("list_releases", json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } }))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let me = ana.call("current_user", json!({})).await;
    for answer in [&page, &list, &me] {
        assert_eq!(answer.headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"), "{answer:?}");
    }
}

/// Reads an event stream until it ends; `None` if it is still open at `deadline`.
async fn read_to_end(stream: &mut support::process::EventStream, deadline: Instant) -> Option<String> {
    let mut text = String::new();
    loop {
        match tokio::time::timeout_at(deadline, stream.response.chunk()).await {
            Err(_) => return None,
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(Ok(None)) | Ok(Err(_)) => return Some(text),
        }
    }
}

/// An open event stream ends within seconds of its session's end: after a logout elsewhere,
/// and after a password change. Every open stream's session is checked: twenty tabs of one
/// session end together, and another user's stay open.
async fn an_event_stream_ends_with_its_session(backend: Backend) {
    let server = ServerProcess::start(&database_url(backend).await, true).await;
    let (ana, joao) = (server.login("ana").await, server.login("joao").await);
    let mut joaos = joao.events().await.expect("joão's stream opens");
    let mut streams = Vec::new();
    for _ in 0..20 {
        let stream = ana.events().await.expect("the stream opens");
        assert_eq!(stream.response.status(), StatusCode::OK);
        streams.push(stream);
    }
    // Still open after a check or two while the session stands.
    let deadline = Instant::now() + Duration::from_secs(3);
    assert_eq!(read_to_end(&mut streams[0], deadline).await, None, "ended too early");
    // The same session logs out in another tab.
    let cookie = ana.cookie.clone().expect("a session cookie");
    let logout = post_form(&server, "logout", String::new(), &[("cookie", &cookie)]).await;
    assert!(logout.status().is_success() || logout.status().is_redirection(), "{logout:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    let endings = streams.iter_mut().map(|stream| read_to_end(stream, deadline));
    for ended in futures::future::join_all(endings).await {
        let text = ended.expect("every stream of the session ended within 5 s of the logout");
        assert!(text.contains("event: ended"), "it said why: {text:?}");
    }
    // It cannot be opened again with that cookie.
    assert_eq!(ana.events().await.expect("answered").response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(read_to_end(&mut joaos, Instant::now() + Duration::from_secs(1)).await, None, "João's still stands");

    // A password change (from another session of the user) ends the stream too.
    let mut stream = joaos;
    let laptop = server.login("joao").await.cookie.expect("a session cookie");
    let form = password_form(DEMO_PASSWORD, "novaSenha#2026");
    let changed = post_form(&server, "change_password", form, &[("cookie", &laptop)]).await;
    assert!(changed.status().is_success() || changed.status().is_redirection(), "{changed:?}");
    let ended = read_to_end(&mut stream, Instant::now() + Duration::from_secs(5)).await;
    assert!(ended.is_some_and(|text| text.contains("event: ended")), "the stream outlived the password");
}

on_both_databases!(
    sixty_parallel_guesses_for_one_user_are_checked_at_most_six_times,
    the_password_change_is_throttled_like_the_login,
    an_attacker_behind_a_shared_address_does_not_lock_out_its_other_users,
    every_login_gets_a_new_session_id,
    answers_with_user_data_are_not_stored,
    an_event_stream_ends_with_its_session,
);
