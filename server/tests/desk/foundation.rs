//! The foundation as a user or an attacker meets it over HTTP: login, the list server
//! function, pages and languages — on SQLite and on PostgreSQL.

use crate::support;

use axum::http::StatusCode;
use releasedesk_core::seed::demo;
use serde_json::json;
use support::{command_line, demo_server, Backend};

fn list_query(search: &str, scope: &str, page: i64) -> serde_json::Value {
    json!({ "query": { "search": search, "status": null, "scope": scope, "page": page } })
}

async fn anonymous_callers_are_refused_with_401(backend: Backend) {
    let server = demo_server(backend).await;
    let answer = server.anonymous().call("list_releases", list_query("", "all", 0)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json()["error"], "unauthenticated");
    let answer = server.anonymous().call("current_user", json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

async fn wrong_passwords_and_unknown_users_get_the_same_answer(backend: Backend) {
    let server = demo_server(backend).await;
    let wrong_password = server.anonymous().login("ana", "not-her-password").await;
    let unknown_user = server.anonymous().login("nobody", "demo1234").await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_user.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.text, unknown_user.text);
    assert_eq!(wrong_password.json()["error"], "bad_credentials");
}

async fn the_session_cookie_is_http_only_and_same_site(backend: Backend) {
    let server = demo_server(backend).await;
    let answer = server.anonymous().login("ana", demo::DEMO_PASSWORD).await;
    let cookie = answer.headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cookie.starts_with("releasedesk_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

async fn the_list_searches_by_number_and_title_words_and_pages(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;

    let first = ana.call("list_releases", list_query("", "all", 0)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let page = first.json();
    let total = page["total"].as_i64().unwrap_or_default();
    assert!(total >= 30, "the demo has at least 30 releases, got {total}");
    assert_eq!(page["rows"].as_array().map(Vec::len), Some(25));

    let second = ana.call("list_releases", list_query("", "all", 1)).await.json();
    let second_rows = second["rows"].as_array().cloned().unwrap_or_default();
    assert_eq!(second_rows.len() as i64, (total - 25).min(25));
    assert_ne!(second_rows[0]["id"], page["rows"][0]["id"]);

    let by_number = ana.call("list_releases", list_query("7", "all", 0)).await.json();
    assert_eq!(by_number["total"], 1);
    assert_eq!(by_number["rows"][0]["id"], 7);

    // Folding: "migracion" without its accent finds "Migración".
    let by_word = ana.call("list_releases", list_query("migracion", "all", 0)).await.json();
    let rows = by_word["rows"].as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["title"].as_str().unwrap_or_default().contains("Migración")));

    let nothing = ana.call("list_releases", list_query("zzzz-no-such-release", "all", 0)).await.json();
    assert_eq!(nothing["total"], 0);
}

async fn scopes_show_my_tasks_and_my_groups_tasks(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let mine = ana.call("list_releases", list_query("", "mine", 0)).await.json();
    for row in mine["rows"].as_array().cloned().unwrap_or_default() {
        assert_eq!(row["responsible"], "Ana Martínez");
    }
    assert!(mine["total"].as_i64().unwrap_or_default() >= 1);
    let groups = ana.call("list_releases", list_query("", "groups", 0)).await.json();
    let group_rows = groups["rows"].as_array().cloned().unwrap_or_default();
    assert!(group_rows.len() >= 5, "at least 5 releases wait at Execution for Despliegue N1");
    assert!(group_rows.iter().all(|r| r["executor_group"] == "Despliegue N1"));
}

async fn bad_list_input_gets_a_4xx_not_a_crash(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let negative_page = ana.call("list_releases", list_query("", "all", -1)).await;
    assert_eq!(negative_page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long_search = ana.call("list_releases", list_query(&"x".repeat(201), "all", 0)).await;
    assert_eq!(long_search.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(long_search.json()["error"], "invalid");
    let wrong_type = ana.call("list_releases", json!({ "query": { "search": 5 } })).await;
    assert!(wrong_type.status.is_client_error(), "{wrong_type:?}");
    let injection = ana.call("list_releases", list_query("'; DROP TABLE releases; --", "all", 0)).await;
    assert_eq!(injection.status, StatusCode::OK);
    let still_there = ana.call("list_releases", list_query("", "all", 0)).await.json();
    assert!(still_there["total"].as_i64().unwrap_or_default() >= 30);
}

async fn pages_send_anonymous_visitors_to_log_in(backend: Backend) {
    let server = demo_server(backend).await;
    let answer = server.anonymous().get("/releases", None).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers.get("location").and_then(|v| v.to_str().ok()), Some("/login"));
    let login_page = server.anonymous().get("/login", None).await;
    assert_eq!(login_page.status, StatusCode::OK);
}

async fn the_first_visit_follows_accept_language(backend: Backend) {
    let server = demo_server(backend).await;
    let portuguese = server.anonymous().get("/login", Some("pt-BR,pt;q=0.9,en;q=0.5")).await.text;
    assert!(portuguese.contains("Usuário") && portuguese.contains("Senha"), "{portuguese}");
    assert!(portuguese.contains(r#"lang="pt""#));
    let spanish = server.anonymous().get("/login", Some("es-ES,es;q=0.9")).await.text;
    assert!(spanish.contains("Usuario") && spanish.contains("Contraseña"));
    let neither = server.anonymous().get("/login", Some("de-DE,fr;q=0.8")).await.text;
    assert!(neither.contains("Contraseña"), "Spanish when neither language matches");
}

async fn the_language_cookie_wins_over_accept_language(backend: Backend) {
    let server = demo_server(backend).await;
    let mut client = server.anonymous();
    client.cookie = Some("releasedesk_lang=pt".into());
    let page = client.get("/login", Some("es-ES")).await.text;
    assert!(page.contains("Senha"));
}

async fn the_demo_loads_once(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let before = ana.call("list_releases", list_query("", "all", 0)).await.json()["total"].clone();
    assert!(!demo::load_if_empty(&server.desk).await.expect("second load"));
    let after = ana.call("list_releases", list_query("", "all", 0)).await.json()["total"].clone();
    assert_eq!(before, after);
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let server = demo_server(backend).await;
    for answer in [
        server.anonymous().get("/login", None).await,
        server.anonymous().call("list_releases", list_query("", "all", 0)).await,
    ] {
        let header = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(header("referrer-policy").as_deref(), Some("same-origin"));
        assert!(header("content-security-policy").unwrap_or_default().contains("frame-ancestors 'none'"));
    }
}

async fn the_command_line_creates_groups_and_users_through_the_same_checks(backend: Backend) {
    let server = demo_server(backend).await;
    let group = ["create-group", "Despliegue N3", "--permission", "execute"];
    assert!(command_line(&server, &group, "").0, "a new group");
    let user = ["create-user", "nuevo", "Nuevo Ejecutor", "--group", "Despliegue N3"];
    let (created, stderr) = command_line(&server, &user, "una-clave-larga\n");
    assert!(created, "{stderr}");
    let answer = server.anonymous().login("nuevo", "una-clave-larga").await;
    assert_eq!(answer.status, StatusCode::OK, "the new user logs in: {}", answer.text);

    // What the password change and the administration refuse, the command line refuses too.
    let refused = [
        (&user[..], "otra-clave-larga\n", "Username is taken"),
        (&["create-user", "corto", "Clave Corta"][..], "corta\n", "needs at least 8 characters"),
        (
            &["create-user", "otro", "Sin Grupo", "--group", "No existe"][..],
            "una-clave-larga\n",
            "Groups names nothing",
        ),
        (&["create-user", " ", "Sin Nombre"][..], "una-clave-larga\n", "Username is required"),
        (&["create-group", "Despliegue N4", "--permission", "fly"][..], "", "`fly` is not a permission"),
    ];
    for (args, stdin, message) in refused {
        let (succeeded, stderr) = command_line(&server, args, stdin);
        assert!(!succeeded && stderr.contains(message), "{args:?}: {stderr}");
    }
    let answer = server.anonymous().login("corto", "corta").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

on_both_databases!(
    the_command_line_creates_groups_and_users_through_the_same_checks,
    every_answer_carries_the_security_headers,
    anonymous_callers_are_refused_with_401,
    wrong_passwords_and_unknown_users_get_the_same_answer,
    the_session_cookie_is_http_only_and_same_site,
    the_list_searches_by_number_and_title_words_and_pages,
    scopes_show_my_tasks_and_my_groups_tasks,
    bad_list_input_gets_a_4xx_not_a_crash,
    pages_send_anonymous_visitors_to_log_in,
    the_first_visit_follows_accept_language,
    the_language_cookie_wins_over_accept_language,
    the_demo_loads_once,
);
