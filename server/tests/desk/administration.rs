//! Administration of users over HTTP, as an administrator, a user and an attacker see it:
//! the first administrator from the command line, users created with a temporary password
//! that must be changed, edited, deactivated (their sessions end), reactivated and given a
//! new password; every change in the administration log; bad input refused with its field
//! and nothing changed — on SQLite and PostgreSQL. Who may call what is in `authorization`.

use crate::support;

use axum::http::StatusCode;
use releasedesk_core::model::admin::AdminChange;
use serde_json::{json, Value};
use support::{command_line, demo_server, empty_server, Backend, Client, TestServer};

const NEW_PASSWORD: &str = "clave-de-nuevo-2026";

/// The administration log as stored, oldest first, after the demo's entries.
async fn audited(server: &TestServer) -> Vec<(String, AdminChange)> {
    let mut entries = releasedesk_core::store::admin::changes(&server.db, None, i64::MAX).await.expect("read the log");
    entries.reverse();
    entries.drain(..server.seeded_admin_changes);
    entries.into_iter().map(|entry| (entry.by, entry.change)).collect()
}

fn ok(answer: support::Answer, what: &str) -> Value {
    assert!(answer.status.is_success(), "{what}: {answer:?}");
    answer.json()
}

/// A release ana holds at Execution.
async fn held_by_ana(ana: &Client) -> i64 {
    let query = json!({ "query": { "search": "", "status": "in_execution", "scope": "mine", "page": 0 } });
    let rows = ana.call("list_releases", query).await.json()["rows"].clone();
    rows[0]["id"].as_i64().unwrap_or_else(|| panic!("a release ana holds: {rows}"))
}

async fn user_named(admin: &Client, username: &str) -> Value {
    let page = ok(admin.call("admin_users", json!({ "search": username })).await, "admin_users");
    let users = page["users"].as_array().cloned().unwrap_or_default();
    users.into_iter().find(|user| user["username"] == username).unwrap_or_else(|| panic!("{username} in {page}"))
}

async fn group_id(admin: &Client, name: &str) -> i64 {
    let page = ok(admin.call("admin_users", json!({ "search": "" })).await, "admin_users");
    let groups = page["groups"].as_array().cloned().unwrap_or_default();
    groups.iter().find(|g| g["name"] == name).and_then(|g| g["id"].as_i64()).unwrap_or_else(|| panic!("{name}"))
}

/// Logs in with `password`: the client and the answer.
async fn logged_in(server: &TestServer, username: &str, password: &str) -> (Client, support::Answer) {
    let mut client = server.anonymous();
    let answer = client.login(username, password).await;
    (client, answer)
}

fn location(answer: &support::Answer) -> Option<&str> {
    answer.headers.get("location").and_then(|v| v.to_str().ok())
}

async fn administrators_manage_users_and_every_change_is_audited(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let (n1, n2) = (group_id(&admin, "Despliegue N1").await, group_id(&admin, "Despliegue N2").await);

    // Created with a temporary password, shown once.
    let draft =
        json!({ "username": "nuevo", "full_name": "Nuevo Ejecutor", "email": "nuevo@example.com", "groups": [n1] });
    let issued = ok(admin.call("admin_create_user", json!({ "draft": draft })).await, "create");
    let temporary = issued["password"].as_str().expect("a temporary password").to_owned();
    assert_eq!(issued["username"], "nuevo");
    assert!(temporary.len() >= 12, "{temporary}");

    // The new user logs in, is sent to change it, and may do nothing else until then.
    let (mut nuevo, answer) = logged_in(&server, "nuevo", &temporary).await;
    assert!(answer.status.is_success() || answer.status.is_redirection(), "{answer:?}");
    assert_eq!(location(&answer), Some("/account?temporary=true"), "{answer:?}");
    let refused = nuevo
        .call("list_releases", json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert_eq!(refused.json()["error"], "password_change_required");
    let page = nuevo.get("/releases", None).await;
    assert_eq!(location(&page), Some("/account?temporary=true"), "{page:?}");
    assert_eq!(ok(nuevo.call("current_user", json!({})).await, "current_user")["username"], "nuevo");
    let form = format!("current={}&new={NEW_PASSWORD}&repeat={NEW_PASSWORD}", support::urlencode(&temporary));
    let changed = nuevo.post_form("change_password", &form).await;
    assert!(changed.status.is_success() || changed.status.is_redirection(), "{changed:?}");
    let answer = nuevo.login("nuevo", NEW_PASSWORD).await;
    assert_eq!(location(&answer), Some("/releases"), "{answer:?}");
    ok(
        nuevo
            .call("list_releases", json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } }))
            .await,
        "list",
    );

    // Edited: the groups count from the user's next request.
    let id = user_named(&admin, "nuevo").await["id"].as_i64().expect("an id");
    let draft =
        json!({ "username": "ignored", "full_name": "Nuevo Ejecutor", "email": "n@example.org", "groups": [n2] });
    let updated = ok(admin.call("admin_update_user", json!({ "id": id, "draft": draft })).await, "update");
    assert_eq!((updated["username"].clone(), updated["groups"].clone()), (json!("nuevo"), json!([n2])));
    let me = ok(nuevo.call("current_user", json!({})).await, "current_user");
    assert_eq!(me["memberships"][0]["group_name"], "Despliegue N2", "{me}");

    // Deactivated: the open session ends at once, and the login fails as a wrong password does.
    ok(admin.call("admin_set_active", json!({ "id": id, "active": false })).await, "deactivate");
    assert_eq!(nuevo.call("current_user", json!({})).await.status, StatusCode::UNAUTHORIZED);
    let (_, answer) = logged_in(&server, "nuevo", NEW_PASSWORD).await;
    let (_, wrong) = logged_in(&server, "ana", "not-her-password").await;
    // Alike but for the reference code, each request's own id.
    let seen = |answer: &support::Answer| {
        let mut body = answer.json();
        body.as_object_mut().map(|fields| fields.remove("reference"));
        (answer.status, body)
    };
    assert_eq!(seen(&answer), seen(&wrong));
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(user_named(&admin, "nuevo").await["active"], false);
    // Not offered for a new role any more (the releases that name them keep them).
    let ana = server.login("ana").await;
    let search = json!({ "kind": "role", "text": "nuevo", "page": 0 });
    let hits = ok(ana.call("search_catalogue", search).await, "search_catalogue");
    assert_eq!(hits["hits"], json!([]), "{hits}");

    // Reactivated: the same password works again.
    ok(admin.call("admin_set_active", json!({ "id": id, "active": true })).await, "reactivate");
    let (_, answer) = logged_in(&server, "nuevo", NEW_PASSWORD).await;
    assert_eq!(location(&answer), Some("/releases"), "{answer:?}");

    // A new temporary password replaces the old one, which no longer logs in.
    let issued = ok(admin.call("admin_reset_password", json!({ "id": id })).await, "reset");
    let (_, old) = logged_in(&server, "nuevo", NEW_PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let (_, answer) = logged_in(&server, "nuevo", issued["password"].as_str().expect("a password")).await;
    assert_eq!(location(&answer), Some("/account?temporary=true"), "{answer:?}");

    // The last administrator can neither leave nor deactivate themselves.
    let me = user_named(&admin, "admin").await;
    let myself = me["id"].as_i64().expect("an id");
    let no_groups = json!({ "username": "admin", "full_name": "Alicia Ruiz", "email": "", "groups": [] });
    let leave = json!({ "id": myself, "draft": no_groups });
    for (endpoint, args) in
        [("admin_update_user", leave), ("admin_set_active", json!({ "id": myself, "active": false }))]
    {
        let refused = admin.call(endpoint, args).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{endpoint}: {refused:?}");
        assert_eq!(refused.json()["refusal"]["reason"], "last_administrator", "{endpoint}: {refused:?}");
    }

    // Every change, by whom, with what was before and after; no password in it.
    let log = audited(&server).await;
    let kinds: Vec<&str> = log.iter().map(|(_, change)| change.kind().code()).collect();
    assert_eq!(
        kinds,
        ["user_created", "user_updated", "user_deactivated", "user_reactivated", "password_reset"],
        "{log:?}"
    );
    assert!(log.iter().all(|(by, _)| by == "Alicia Ruiz"), "{log:?}");
    match &log[1].1 {
        AdminChange::UserUpdated { before, after } => {
            assert_eq!((before.email.as_str(), after.email.as_str()), ("nuevo@example.com", "n@example.org"));
            assert_eq!((before.groups[0].0, after.groups[0].0), (n1, n2));
        }
        other => panic!("{other:?}"),
    }
    let stored = serde_json::to_string(&log).unwrap_or_default();
    assert!(!stored.contains(&temporary) && !stored.contains(NEW_PASSWORD), "a password in the log: {stored}");

    // As the page shows it, filtered by kind, and as CSV in Portuguese.
    let page = ok(admin.call("admin_log", json!({ "kind": "user_updated" })).await, "admin_log");
    let entries = page["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1, "{page}");
    assert_eq!(
        (entries[0]["by"].clone(), entries[0]["change"]["after"]["email"].clone()),
        (json!("Alicia Ruiz"), json!("n@example.org"))
    );
    let csv = ok(admin.call("admin_log_csv", json!({ "kind": null, "language": "pt" })).await, "admin_log_csv");
    let csv = csv.as_str().unwrap_or_default().to_owned();
    assert_eq!(csv.lines().filter(|line| line.contains(",nuevo,")).count(), 5, "{csv}");
    for expected in
        ["Usuário alterado", "Senha redefinida", "nuevo@example.com → n@example.org", "Despliegue N1 → Despliegue N2"]
    {
        assert!(csv.contains(expected), "no {expected:?} in:\n{csv}");
    }
}

async fn bad_user_input_is_refused_with_its_field_and_changes_nothing(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let n1 = group_id(&admin, "Despliegue N1").await;
    let before = ok(admin.call("admin_users", json!({ "search": "" })).await, "admin_users");
    let draft = |username: &str, full_name: &str, email: &str, groups: Value| json!({ "username": username, "full_name": full_name, "email": email, "groups": groups });
    let cases = [
        (draft("ana", "Otra Ana", "", json!([n1])), "username", json!("taken")),
        (draft(" ", "Sin Usuario", "", json!([])), "username", json!("required")),
        (draft(&"x".repeat(101), "Largo", "", json!([])), "username", json!({ "too_long": { "max": 100 } })),
        (draft("nuevo", "  ", "", json!([])), "full_name", json!("required")),
        (draft("nuevo", "Nuevo", "no-es-un-correo", json!([])), "email", json!("out_of_range")),
        (draft("nuevo", "Nuevo", "", json!([987_654])), "groups", json!("unknown")),
    ];
    for (args, field, problem) in cases {
        let refused = admin.call("admin_create_user", json!({ "draft": args })).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{args}: {refused:?}");
        let body = refused.json();
        assert_eq!(
            (body["error"].clone(), body["field"].clone(), body["problem"].clone()),
            (json!("invalid"), json!(field), problem),
            "{args}"
        );
    }
    let unknown =
        admin.call("admin_update_user", json!({ "id": 987_654, "draft": draft("x", "Nadie", "", json!([])) })).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{unknown:?}");
    let malformed = admin.call("admin_set_active", json!({ "id": "ana", "active": "no" })).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{malformed:?}");

    assert_eq!(ok(admin.call("admin_users", json!({ "search": "" })).await, "admin_users"), before);
    assert!(audited(&server).await.is_empty(), "a refused change was logged");
}

async fn the_first_administrator_comes_from_the_command_line(backend: Backend) {
    let server = empty_server(backend).await;
    let first = ["create-admin", "jefa", "Jefa de Operaciones"];
    let (created, stderr) = command_line(&server, &first, "clave-de-la-jefa\n");
    assert!(created, "{stderr}");
    let (again, stderr) = command_line(&server, &["create-admin", "otra", "Otra Jefa"], "clave-de-la-otra\n");
    assert!(!again && stderr.contains("already has users"), "{stderr}");

    let (admin, answer) = logged_in(&server, "jefa", "clave-de-la-jefa").await;
    assert_eq!(location(&answer), Some("/releases"), "{answer:?}");
    let page = ok(admin.call("admin_users", json!({ "search": "" })).await, "admin_users");
    assert_eq!(page["users"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["groups"][0]["permissions"], json!(["administer"]), "{page}");
    let draft = json!({ "username": "ejecutor", "full_name": "Primer Ejecutor", "email": "", "groups": [] });
    let issued = ok(admin.call("admin_create_user", json!({ "draft": draft })).await, "create");
    let (_, answer) = logged_in(&server, "ejecutor", issued["password"].as_str().expect("a password")).await;
    assert_eq!(location(&answer), Some("/account?temporary=true"), "{answer:?}");
}

async fn administrators_create_groups_and_set_their_permissions(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let gestor = server.login("gestor").await;

    let draft = json!({ "name": " Despliegue N3 ", "permissions": ["execute", "delegate", "execute"] });
    let created = ok(admin.call("admin_create_group", json!({ "draft": draft })).await, "create");
    assert_eq!(
        (created["name"].clone(), created["permissions"].clone()),
        (json!("Despliegue N3"), json!(["execute", "delegate"]))
    );
    let id = created["id"].as_i64().expect("an id");
    // With Ejecutar it is an executor group a release can be registered for.
    let executors = ok(gestor.call("executor_groups", json!({})).await, "executor_groups");
    assert!(executors.as_array().into_iter().flatten().any(|g| g["id"] == id), "{executors}");

    let taken =
        admin.call("admin_create_group", json!({ "draft": { "name": "Despliegue N1", "permissions": [] } })).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY, "{taken:?}");
    assert_eq!((taken.json()["field"].clone(), taken.json()["problem"].clone()), (json!("group_name"), json!("taken")));
    let renamed = json!({ "id": id, "draft": { "name": "Despliegue N4", "permissions": ["create"] } });
    let updated = ok(admin.call("admin_update_group", renamed).await, "update");
    assert_eq!((updated["name"].clone(), updated["permissions"].clone()), (json!("Despliegue N4"), json!(["create"])));
    let into_taken = json!({ "id": id, "draft": { "name": "Despliegue N1", "permissions": [] } });
    assert_eq!(admin.call("admin_update_group", into_taken).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The administrators' group keeps Administrar while it holds the last administrator.
    let groups = ok(admin.call("admin_groups", json!({})).await, "admin_groups");
    let administrators = groups.as_array().into_iter().flatten().find(|g| g["name"] == "Administradores").cloned();
    let administrators = administrators.unwrap_or_else(|| panic!("{groups}"))["id"].clone();
    let strip = json!({ "id": administrators, "draft": { "name": "Administradores", "permissions": [] } });
    let refused = admin.call("admin_update_group", strip).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    let unknown = json!({ "id": 987_654, "draft": { "name": "Nadie", "permissions": [] } });
    assert_eq!(admin.call("admin_update_group", unknown).await.status, StatusCode::NOT_FOUND);

    let log = audited(&server).await;
    let kinds: Vec<&str> = log.iter().map(|(_, change)| change.kind().code()).collect();
    assert_eq!(kinds, ["group_created", "group_updated"], "{log:?}");
    match &log[1].1 {
        AdminChange::GroupUpdated { before, after } => {
            assert_eq!((before.name.as_str(), after.name.as_str()), ("Despliegue N3", "Despliegue N4"));
        }
        other => panic!("{other:?}"),
    }
}

/// A draft of a named catalogue's item, as the item form sends it.
fn named(code: &str, es: &str, pt: &str, active: bool) -> Value {
    json!({ "code": code, "active": active, "fields": { "shape": "named", "name": { "es": es, "pt": pt } } })
}

async fn administrators_add_rename_and_retire_catalogue_items(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let ana = server.login("ana").await;
    let offered = |client: Client| async move {
        let query = json!({ "query": { "search": "", "status": "in_execution", "scope": "mine", "page": 0 } });
        let rows = client.call("list_releases", query).await.json()["rows"].clone();
        let id = rows[0]["id"].as_i64().unwrap_or_else(|| panic!("a release ana holds: {rows}"));
        let view = ok(client.call("get_release", json!({ "id": id })).await, "get_release");
        let names = view["categories"].as_array().cloned().unwrap_or_default();
        names.iter().filter_map(|c| c["name"]["es"].as_str().map(str::to_owned)).collect::<Vec<_>>()
    };

    let draft = named(" rolled_forward ", " Corregida hacia delante ", "Corrigida para frente", true);
    let created = ok(
        admin.call("admin_create_item", json!({ "catalogue": "solution_categories", "draft": draft })).await,
        "create",
    );
    assert_eq!(
        (created["code"].clone(), created["fields"]["name"]["es"].clone()),
        (json!("rolled_forward"), json!("Corregida hacia delante"))
    );
    assert!(offered(ana.clone()).await.contains(&"Corregida hacia delante".to_owned()), "offered once created");

    // Retired: no longer offered, still in the catalogue.
    let id = created["id"].clone();
    let retire = named("x", "Corregida hacia delante", "Corrigida para frente", false);
    let retired = ok(
        admin.call("admin_update_item", json!({ "catalogue": "solution_categories", "id": id, "draft": retire })).await,
        "retire",
    );
    assert_eq!((retired["code"].clone(), retired["active"].clone()), (json!("rolled_forward"), json!(false)));
    assert!(!offered(ana.clone()).await.contains(&"Corregida hacia delante".to_owned()), "offered after retiring");
    let all = ok(admin.call("admin_catalogue", json!({ "catalogue": "solution_categories" })).await, "admin_catalogue");
    assert!(all.as_array().into_iter().flatten().any(|item| item["id"] == id && item["active"] == false), "{all}");

    // Bad input changes nothing.
    let bad = [
        (named("rolled_forward", "Otra", "Outra", true), "code", json!("taken")),
        (named("con espacio", "Otra", "Outra", true), "code", json!("invalid_characters")),
        (named("otra", " ", "Outra", true), "name_es", json!("required")),
    ];
    for (draft, field, problem) in bad {
        let refused =
            admin.call("admin_create_item", json!({ "catalogue": "solution_categories", "draft": draft })).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
        assert_eq!((refused.json()["field"].clone(), refused.json()["problem"].clone()), (json!(field), problem));
    }
    let kinds: Vec<&str> = audited(&server).await.iter().map(|(_, change)| change.kind().code()).collect::<Vec<_>>();
    assert_eq!(kinds, ["item_created", "item_updated"]);

    // Retired by another process, straight in the database: the server, which keeps the
    // categories between requests, stops offering it within moments.
    let other = offered(ana.clone()).await[0].clone();
    sqlx::query("UPDATE solution_categories SET active = 0 WHERE name_es = $1")
        .bind(&other)
        .execute(&server.db.pool)
        .await
        .expect("retire a category");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while offered(ana.clone()).await.contains(&other) {
        assert!(std::time::Instant::now() < deadline, "{other} still offered 5 s after another process retired it");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The records releases link to: created through the administration, found by the
/// relation pickers, linked; retired ones no longer offered nor linkable, kept where
/// linked; a change still registered not linkable until approved.
async fn administrators_keep_the_records_releases_link_to(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let ana = server.login("ana").await;
    let release = held_by_ana(&ana).await;
    let create = |catalogue: &'static str, draft: Value| {
        let admin = admin.clone();
        async move {
            let answer = admin.call("admin_create_item", json!({ "catalogue": catalogue, "draft": draft })).await;
            ok(answer, catalogue)
        }
    };
    let found = |kind: &'static str, text: &'static str| {
        let ana = ana.clone();
        async move {
            let hits = ok(ana.call("search_catalogue", json!({ "kind": kind, "text": text, "page": 0 })).await, kind);
            hits["hits"].as_array().into_iter().flatten().filter_map(|hit| hit["id"].as_i64()).collect::<Vec<_>>()
        }
    };
    let link = |kind: &'static str, item: &Value| {
        ana.call("link_item", json!({ "id": release, "kind": kind, "item": item, "responsibility": null }))
    };

    let problem = create(
        "problems",
        json!({ "code": "PRB-900", "active": true, "fields": {
            "shape": "problem", "title": "Saturación del bus de integración", "status": "known_error"
        }}),
    )
    .await;
    let article = create(
        "knowledge_articles",
        json!({ "code": "KB-900", "active": true, "fields": {
            "shape": "article", "title": "Reinicio ordenado del bus", "language": "es", "body": "1. Drenar colas."
        }}),
    )
    .await;
    let medium = create(
        "definitive_media",
        json!({ "code": "DML-900", "active": true, "fields": {
            "shape": "medium", "name": "bus-integracion", "version": "4.2.0",
            "location": "dml://repositorio/bus/4.2.0", "sha256": "AB".repeat(32)
        }}),
    )
    .await;
    assert_eq!(medium["fields"]["sha256"], "ab".repeat(32), "checksums are kept in lower case");
    let change = create(
        "changes",
        json!({ "code": "CHG-900", "active": true, "fields": {
            "shape": "change", "title": "Ampliación del bus de integración", "status": "registered"
        }}),
    )
    .await;
    assert_eq!(found("problem", "saturacion bus").await, [problem["id"].as_i64().unwrap_or(-1)]);
    assert_eq!(found("knowledge", "reinicio ordenado").await, [article["id"].as_i64().unwrap_or(-1)]);
    assert_eq!(found("media", "bus-integracion").await, [medium["id"].as_i64().unwrap_or(-1)]);

    // A registered change is not linked; approved, it is.
    let refused = link("change", &change["id"]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
    assert!(refused.text.contains("change_not_linkable") && refused.text.contains("registered"), "{refused:?}");
    let approve = json!({ "catalogue": "changes", "id": change["id"], "draft": { "code": "", "active": true, "fields": {
        "shape": "change", "title": "Ampliación del bus de integración", "status": "approved"
    }}});
    ok(admin.call("admin_update_item", approve).await, "approve the change");
    assert!(link("change", &change["id"]).await.status.is_success());

    // A linked problem, retired: kept on the release, no longer offered nor linkable.
    assert!(link("problem", &problem["id"]).await.status.is_success());
    let retire = json!({ "catalogue": "problems", "id": problem["id"], "draft": { "code": "", "active": false, "fields": {
        "shape": "problem", "title": "Saturación del bus de integración", "status": "known_error"
    }}});
    ok(admin.call("admin_update_item", retire).await, "retire the problem");
    assert!(found("problem", "saturacion bus").await.is_empty(), "a retired problem is still offered");
    let relations = ok(ana.call("release_relations", json!({ "id": release })).await, "release_relations");
    let linked = relations["problems"].as_array().cloned().unwrap_or_default();
    assert!(linked.iter().any(|p| p["id"] == problem["id"]), "{relations}");
    ok(ana.call("unlink_item", json!({ "id": release, "kind": "problem", "item": problem["id"] })).await, "unlink");
    assert_eq!(link("problem", &problem["id"]).await.status, StatusCode::NOT_FOUND);

    // A medium's checksum and an article's language are checked.
    let bad_medium = json!({ "catalogue": "definitive_media", "draft": { "code": "DML-901", "active": true, "fields": {
        "shape": "medium", "name": "x", "version": "1", "location": "dml://x", "sha256": "no es un hash"
    }}});
    let refused = admin.call("admin_create_item", bad_medium).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
    assert_eq!(refused.json()["field"], "sha256");
    let wrong_shape = json!({ "catalogue": "changes", "draft": { "code": "CHG-901", "active": true, "fields": {
        "shape": "problem", "title": "x", "status": "known_error"
    }}});
    let refused = admin.call("admin_create_item", wrong_shape).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");

    let kinds: Vec<&str> = audited(&server).await.iter().map(|(_, change)| change.kind().code()).collect::<Vec<_>>();
    assert_eq!(kinds, ["item_created", "item_created", "item_created", "item_created", "item_updated", "item_updated"]);
}

/// Occurrence categories and origins are catalogues: what the form offers is what the
/// administrator keeps; a retired one is refused; an entry keeps the name it was recorded
/// with after a rename.
async fn occurrences_are_recorded_with_the_categories_and_origins_the_administrator_keeps(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let ana = server.login("ana").await;
    let release = held_by_ana(&ana).await;
    let offered = || async {
        let choices = ok(ana.call("occurrence_options", json!({})).await, "occurrence_options");
        let codes = |list: &str| -> Vec<String> {
            choices[list]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["code"].as_str().map(str::to_owned))
                .collect()
        };
        (codes("categories"), codes("origins"))
    };
    let (categories, origins) = offered().await;
    assert_eq!(categories, ["scheduling", "diagnosis", "execution", "follow_up", "information", "feedback"]);
    assert_eq!(origins, ["email", "phone", "in_person", "chat", "system", "other"]);
    let record = |category: &'static str, origin: &'static str| {
        ana.call(
            "add_occurrence",
            json!({ "id": release, "occurrence": {
                "category": category, "origin": origin, "minutes": 10, "description": "Revisión posterior",
                "occurrence": "Se revisó la ventana con el proveedor.", "user_information": "Sin impacto."
            }}),
        )
    };
    let named = |name_es: &str, name_pt: &str| json!({ "shape": "named", "name": { "es": name_es, "pt": name_pt } });

    // A new category is offered and recorded with its names.
    let created = admin
        .call(
            "admin_create_item",
            json!({ "catalogue": "occurrence_categories", "draft": {
                "code": "post_review", "active": true, "fields": named("Revisión posterior", "Revisão posterior")
            }}),
        )
        .await;
    let created = ok(created, "create a category");
    assert_eq!(offered().await.0.last().map(String::as_str), Some("post_review"));
    ok(record("post_review", "chat").await, "record with the new category");

    // Renamed, it is offered under its new name; the entry keeps the name it was recorded with.
    let rename = json!({ "catalogue": "occurrence_categories", "id": created["id"], "draft": {
        "code": "", "active": true, "fields": named("Revisión tras el pase", "Revisão após a passagem")
    }});
    ok(admin.call("admin_update_item", rename).await, "rename the category");
    let log = ok(ana.call("release_log", json!({ "id": release })).await, "release_log");
    let entry = log[0]["occurrence"].clone();
    assert_eq!(
        entry["category"],
        json!({ "code": "post_review", "name": { "es": "Revisión posterior", "pt": "Revisão posterior" } })
    );
    assert_eq!(entry["origin"]["name"]["pt"], "Chat");

    // A retired origin is offered no more, and an occurrence naming it is refused by its field.
    let origins = ok(admin.call("admin_catalogue", json!({ "catalogue": "occurrence_origins" })).await, "origins");
    let chat =
        origins.as_array().into_iter().flatten().find(|item| item["code"] == "chat").cloned().unwrap_or_default();
    let retire = json!({ "catalogue": "occurrence_origins", "id": chat["id"], "draft": {
        "code": "", "active": false, "fields": chat["fields"]
    }});
    ok(admin.call("admin_update_item", retire).await, "retire an origin");
    assert!(!offered().await.1.contains(&"chat".to_owned()));
    for (category, origin, field) in
        [("post_review", "chat", "occurrence_origin"), ("no_such_category", "phone", "occurrence_category")]
    {
        let refused = record(category, origin).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
        assert_eq!(refused.json()["field"], field, "{refused:?}");
    }
    let after = ok(ana.call("release_log", json!({ "id": release })).await, "release_log");
    assert_eq!(after.as_array().map(Vec::len), log.as_array().map(Vec::len), "a refused occurrence left an entry");
    // The entry written with the retired origin still names it.
    assert_eq!(after[0]["occurrence"]["origin"]["name"]["es"], "Chat");
}

on_both_databases!(
    administrators_keep_the_records_releases_link_to,
    occurrences_are_recorded_with_the_categories_and_origins_the_administrator_keeps,
    administrators_manage_users_and_every_change_is_audited,
    administrators_add_rename_and_retire_catalogue_items,
    administrators_create_groups_and_set_their_permissions,
    bad_user_input_is_refused_with_its_field_and_changes_nothing,
    the_first_administrator_comes_from_the_command_line,
);
