//! Time zones and languages of users, as users see them: every date of the pages and the
//! CSV exports in the user's own zone (the server's default until they have one), a zone
//! set by an administrator or by the user, an unknown zone refused with its field and
//! nothing changed, and the user's language as the page language from their login — on
//! SQLite and PostgreSQL.

use crate::support;

use axum::http::{header, StatusCode};
use leptos::prelude::LeptosOptions;
use releasedesk_core::model::admin::AdminChange;
use releasedesk_core::seed::demo;
use serde_json::{json, Value};
use support::{demo_server, Backend, Client, TestServer};

/// São Paulo's offset since it dropped summer time in 2019.
const SAO_PAULO: i64 = -3 * 3_600;

fn ok(answer: support::Answer, what: &str) -> Value {
    assert!(answer.status.is_success(), "{what}: {answer:?}");
    answer.json()
}

/// `seconds` as dd/mm/yyyy HH:mm at `offset` seconds east of UTC, as chrono writes it.
fn shown(seconds: i64, offset: i64) -> String {
    chrono::DateTime::from_timestamp(seconds + offset, 0).expect("a date").format("%d/%m/%Y %H:%M").to_string()
}

async fn user_named(admin: &Client, username: &str) -> Value {
    let page = ok(admin.call("admin_users", json!({ "search": username })).await, "admin_users");
    let users = page["users"].as_array().cloned().unwrap_or_default();
    users.into_iter().find(|user| user["username"] == username).unwrap_or_else(|| panic!("{username} in {page}"))
}

/// The user form's draft for `user` as stored, with `changes` applied.
fn draft_of(user: &Value, changes: Value) -> Value {
    let mut draft = json!({
        "username": user["username"],
        "full_name": user["full_name"],
        "email": user["email"],
        "groups": user["groups"],
        "time_zone": user["time_zone"],
        "language": user["language"],
    });
    for (key, value) in changes.as_object().into_iter().flatten() {
        draft[key] = value.clone();
    }
    draft
}

/// The page's text without the markers hydration leaves between a view's parts (`<!>`).
fn page_text(answer: support::Answer) -> String {
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    answer.text.replace("<!>", "")
}

async fn dates_are_shown_in_the_users_time_zone(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let ana = server.login("ana").await;
    let mine = ok(ana.call("my_time_zone", json!({})).await, "my_time_zone");
    assert_eq!((mine["zone"]["name"].clone(), mine["chosen"].clone()), (json!("UTC"), json!(false)));

    // An administrator gives Ana São Paulo's zone, typed in any case; it is stored as the tz
    // database spells it, and logged before and after.
    let before = user_named(&admin, "ana").await;
    let draft = draft_of(&before, json!({ "time_zone": "america/sao_paulo" }));
    let id = before["id"].clone();
    let updated = ok(admin.call("admin_update_user", json!({ "id": id, "draft": draft })).await, "update");
    assert_eq!(updated["time_zone"], "America/Sao_Paulo");
    let log = releasedesk_core::store::admin::changes(&server.db, None, 10).await.expect("read the log");
    match &log[0].change {
        AdminChange::UserUpdated { before, after } => {
            assert_eq!((before.time_zone.as_deref(), after.time_zone.as_deref()), (None, Some("America/Sao_Paulo")));
        }
        other => panic!("logged {other:?}"),
    }
    let mine = ok(ana.call("my_time_zone", json!({})).await, "my_time_zone");
    assert_eq!((mine["zone"]["name"].clone(), mine["chosen"].clone()), (json!("America/Sao_Paulo"), json!(true)));

    // The list, as the server renders it, shows Ana the times of São Paulo and the
    // administrator (no zone: the server's, UTC) the same times in UTC.
    let query = json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } });
    let rows = ok(ana.call("list_releases", query).await, "list")["rows"].clone();
    let created = rows[0]["created_at"].as_i64().expect("a creation time");
    let deadline = rows[0]["planned_end"].as_i64().expect("a deadline");
    let anas = page_text(ana.get("/releases?scope=all", Some("es")).await);
    let admins = page_text(admin.get("/releases?scope=all", Some("es")).await);
    for (at, what) in [(created, "created"), (deadline, "deadline")] {
        assert!(anas.contains(&shown(at, SAO_PAULO)), "{what} in São Paulo's time: {}", shown(at, SAO_PAULO));
        assert!(admins.contains(&shown(at, 0)), "{what} in UTC: {}", shown(at, 0));
    }
    assert!(!anas.contains(&shown(created, 0)), "Ana sees the creation time in UTC");

    // The release's page too.
    let release = rows[0]["id"].as_i64().expect("an id");
    let page = page_text(ana.get(&format!("/releases/{release}"), Some("pt")).await);
    assert!(page.contains(&shown(created, SAO_PAULO)), "the release's creation time in São Paulo's");

    // The CSV export of the administration log is in the zone of whoever exports it.
    let occurred = log[0].occurred_at;
    let csv = |client: Client| async move {
        let answer = client.call("admin_log_csv", json!({ "kind": "user_updated", "language": "es" })).await;
        ok(answer, "admin_log_csv").as_str().expect("CSV text").to_owned()
    };
    assert!(csv(admin.clone()).await.lines().any(|line| line.starts_with(&shown(occurred, 0))));
    let set = ok(admin.call("set_my_time_zone", json!({ "name": "America/Sao_Paulo" })).await, "set_my_time_zone");
    assert_eq!(set["zone"]["name"], "America/Sao_Paulo");
    let exported = csv(admin.clone()).await;
    assert!(exported.lines().any(|line| line.starts_with(&shown(occurred, SAO_PAULO))), "{exported}");
    // The change itself, before and after, in the log's detail.
    assert!(exported.contains("Zona horaria:  → America/Sao_Paulo"), "{exported}");
}

async fn an_unknown_time_zone_is_refused_and_changes_nothing(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let ana = server.login("ana").await;
    let users_before = ok(admin.call("admin_users", json!({ "search": "" })).await, "admin_users");
    let anas = user_named(&admin, "ana").await;
    let new_user = |changes: Value| {
        draft_of(&json!({ "username": "nuevo", "full_name": "Nuevo", "email": "", "groups": [] }), changes)
    };
    let invalid = |answer: support::Answer, field: &str, problem: &str| {
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:?}");
        let body = answer.json();
        assert_eq!(
            (body["error"].clone(), body["field"].clone(), body["problem"].clone()),
            (json!("invalid"), json!(field), json!(problem)),
        );
    };
    let created =
        admin.call("admin_create_user", json!({ "draft": new_user(json!({ "time_zone": "Mars/Olympus_Mons" })) }));
    invalid(created.await, "time_zone", "unknown");
    let created = admin.call("admin_create_user", json!({ "draft": new_user(json!({ "language": "fr" })) }));
    invalid(created.await, "language", "unknown");
    let draft = draft_of(&anas, json!({ "time_zone": "Europe/Atlantis", "full_name": "Ana Cambiada" }));
    invalid(admin.call("admin_update_user", json!({ "id": anas["id"], "draft": draft })).await, "time_zone", "unknown");
    invalid(ana.call("set_my_time_zone", json!({ "name": "../../etc/localtime" })).await, "time_zone", "unknown");
    invalid(ana.call("set_my_time_zone", json!({ "name": " " })).await, "time_zone", "required");

    assert_eq!(ok(admin.call("admin_users", json!({ "search": "" })).await, "admin_users"), users_before);
    let log = releasedesk_core::store::admin::changes(&server.db, None, i64::MAX).await.expect("the log");
    assert_eq!(log.len(), server.seeded_admin_changes, "a refused change was logged");
    let mine = ok(ana.call("my_time_zone", json!({})).await, "my_time_zone");
    assert_eq!((mine["zone"]["name"].clone(), mine["chosen"].clone()), (json!("UTC"), json!(false)));
    // Anonymous visitors may not set a zone.
    let anonymous = server.anonymous().call("set_my_time_zone", json!({ "name": "Europe/Madrid" })).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{anonymous:?}");
}

/// A demo server whose default zone (`--time-zone`) is `zone`.
async fn demo_server_in(backend: Backend, zone: &str) -> TestServer {
    let url = support::database_url(backend).await;
    let desk = server::open_database(&url).await.expect("open the database");
    assert!(desk.clone().with_default_time_zone("Mars/Olympus_Mons").is_err(), "an unknown default zone");
    let desk = desk.with_default_time_zone(zone).expect("a known zone");
    assert!(demo::load_if_empty(&desk).await.expect("load the demo"));
    let options = LeptosOptions::builder().output_name("releasedesk").build();
    let app = server::router(desk.clone(), options, false).await.expect("build the router");
    TestServer { app, db: desk.db.clone(), desk, url, seeded_admin_changes: 0 }
}

async fn users_choose_their_zone_and_the_servers_holds_until_then(backend: Backend) {
    let server = demo_server_in(backend, "Europe/Madrid").await;
    let ana = server.login("ana").await;
    let mine = ok(ana.call("my_time_zone", json!({})).await, "my_time_zone");
    assert_eq!((mine["zone"]["name"].clone(), mine["chosen"].clone()), (json!("Europe/Madrid"), json!(false)));
    // Madrid's summer time is in the table: +02:00 on 2026-07-01, +01:00 on 2026-01-01.
    let offset_at = |zone: &Value, at: i64| {
        let transitions = zone["transitions"].as_array().cloned().unwrap_or_default();
        let last = transitions.iter().rev().find(|t| t[0].as_i64().is_some_and(|start| start <= at));
        last.map_or(zone["initial"].clone(), |t| t[1].clone())
    };
    assert_eq!(offset_at(&mine["zone"], 1_782_864_000), json!(7_200));
    assert_eq!(offset_at(&mine["zone"], 1_767_225_600), json!(3_600));

    // Ana takes her browser's zone, proposed at her first login.
    let set = ok(ana.call("set_my_time_zone", json!({ "name": "America/Sao_Paulo" })).await, "set_my_time_zone");
    assert_eq!((set["zone"]["name"].clone(), set["chosen"].clone()), (json!("America/Sao_Paulo"), json!(true)));
    let mine = ok(ana.call("my_time_zone", json!({})).await, "my_time_zone");
    assert_eq!((mine["zone"]["name"].clone(), mine["chosen"].clone()), (json!("America/Sao_Paulo"), json!(true)));
    assert_eq!(offset_at(&mine["zone"], 1_782_864_000), json!(SAO_PAULO));
    // Others keep the server's.
    let joao = server.login("joao").await;
    let theirs = ok(joao.call("my_time_zone", json!({})).await, "my_time_zone");
    assert_eq!(theirs["zone"]["name"], "Europe/Madrid");
}

async fn a_users_language_is_the_page_language_from_their_login(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let language_cookie = |answer: &support::Answer| {
        answer
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|cookie| cookie.starts_with("releasedesk_lang="))
            .map(|cookie| cookie.split(';').next().unwrap_or_default().to_owned())
    };
    let mut ana = server.anonymous();
    assert_eq!(language_cookie(&ana.login("ana", demo::DEMO_PASSWORD).await), None, "no language chosen yet");
    let anas = user_named(&admin, "ana").await;
    let draft = draft_of(&anas, json!({ "language": "pt" }));
    let updated = ok(admin.call("admin_update_user", json!({ "id": anas["id"], "draft": draft })).await, "update");
    assert_eq!(updated["language"], "pt");
    let mut ana = server.anonymous();
    let answer = ana.login("ana", demo::DEMO_PASSWORD).await;
    assert_eq!(language_cookie(&answer).as_deref(), Some("releasedesk_lang=pt"), "{answer:?}");
    // Still logged in (the session's cookie kept), and the pages come in Portuguese.
    let session = ana.cookie.clone().expect("a session");
    let browser = Client { cookie: Some(format!("{session}; releasedesk_lang=pt")), ..ana.clone() };
    let page = browser.get("/releases", Some("es")).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.text.contains("lang=\"pt\""), "the page in Portuguese");
}

on_both_databases!(
    dates_are_shown_in_the_users_time_zone,
    an_unknown_time_zone_is_refused_and_changes_nothing,
    users_choose_their_zone_and_the_servers_holds_until_then,
    a_users_language_is_the_page_language_from_their_login,
);

/// The operator's default zone (`RELEASEDESK_TIME_ZONE`): an unknown one stops the start-up
/// with a message naming it; a known one holds for users without theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_default_zone_is_checked_at_start_up() {
    use std::time::{Duration, Instant};
    let url = support::database_url(Backend::Sqlite).await;
    let mut refused = std::process::Command::new(support::process::BINARY)
        .args(["--database-url", &url, "serve"])
        .env("RELEASEDESK_TIME_ZONE", "Mars/Olympus_Mons")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", support::process::free_port()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the server binary");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = refused.try_wait().expect("wait for the server") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = refused.kill();
            panic!("the server started with an unknown time zone");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut refused.stderr.take().expect("stderr"), &mut stderr).expect("read stderr");
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("`Mars/Olympus_Mons` is not a time zone"), "{stderr}");

    let server =
        support::process::ServerProcess::start_with(&url, true, &[("RELEASEDESK_TIME_ZONE", "Europe/Madrid")]).await;
    let ana = server.login("ana").await;
    let mine = ana.call("my_time_zone", json!({})).await.expect("my_time_zone").json();
    assert_eq!((mine["zone"]["name"].clone(), mine["chosen"].clone()), (json!("Europe/Madrid"), json!(false)));
}
