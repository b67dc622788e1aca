//! Relations on a release over HTTP, on SQLite and PostgreSQL: who may link, duplicates,
//! changes that cannot be linked, the log, and a catalogue search that uses its index.

use crate::support;

use app::relations::api::RelationKind;
use axum::http::StatusCode;
use releasedesk_core::store::numbered;
use releasedesk_core::store::relations::search_sql;
use serde_json::{json, Value};
use sqlx::Row;
use support::{captured_release, demo_server, Backend, Client};

async fn first_hit(client: &Client, kind: &str, text: &str) -> Value {
    let page = client.call("search_catalogue", json!({ "kind": kind, "text": text, "page": 0 })).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.json()["hits"][0].clone()
}

async fn link(client: &Client, id: i64, kind: &str, item: i64, responsibility: Option<&str>) -> support::Answer {
    client.call("link_item", json!({ "id": id, "kind": kind, "item": item, "responsibility": responsibility })).await
}

async fn the_task_holder_links_each_kind_once_and_unlinks(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = captured_release(&ana).await;

    let problem = first_hit(&ana, "problem", "caida").await;
    assert!(problem["label"].as_str().unwrap_or_default().contains("Caída"), "{problem}");
    let knowledge = first_hit(&ana, "knowledge", "procedimiento").await;
    let media = first_hit(&ana, "media", "").await;
    let person = first_hit(&ana, "role", "lucia").await;
    assert_eq!(person["label"], "Lucía Fernández");
    let change = ana.call("search_catalogue", json!({ "kind": "change", "text": "", "page": 0 })).await.json();
    let approved_change = change["hits"]
        .as_array()
        .and_then(|h| h.iter().find(|c| c["detail"] == "approved"))
        .cloned()
        .unwrap_or_default();
    let registered_change = change["hits"]
        .as_array()
        .and_then(|h| h.iter().find(|c| c["detail"] == "registered"))
        .cloned()
        .unwrap_or_default();

    for (kind, item, responsibility) in [
        ("problem", &problem, None),
        ("knowledge", &knowledge, None),
        ("media", &media, None),
        ("role", &person, Some("Valida el despliegue")),
        ("change", &approved_change, None),
    ] {
        let answer = link(&ana, id, kind, item["id"].as_i64().unwrap_or_default(), responsibility).await;
        assert_eq!(answer.status, StatusCode::OK, "{kind}: {}", answer.text);
    }
    let relations = ana.call("release_relations", json!({ "id": id })).await.json();
    for list in ["problems", "knowledge", "media", "roles", "changes"] {
        assert_eq!(relations[list].as_array().map(Vec::len), Some(1), "{list}: {relations}");
    }
    assert_eq!(relations["roles"][0]["responsibility"], "Valida el despliegue");
    assert_eq!(relations["may_edit"], true);

    let twice = link(&ana, id, "problem", problem["id"].as_i64().unwrap_or_default(), None).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.json()["refusal"]["reason"], "already_linked");

    let registered = link(&ana, id, "change", registered_change["id"].as_i64().unwrap_or_default(), None).await;
    assert_eq!(registered.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(registered.json()["refusal"], json!({ "reason": "change_not_linkable", "status": "registered" }));

    let no_responsibility = link(&ana, id, "role", person["id"].as_i64().unwrap_or_default(), Some("  ")).await;
    assert_eq!(no_responsibility.status, StatusCode::UNPROCESSABLE_ENTITY);

    let unlinked = ana.call("unlink_item", json!({ "id": id, "kind": "problem", "item": problem["id"] })).await;
    assert_eq!(unlinked.status, StatusCode::OK, "{}", unlinked.text);
    let relations = ana.call("release_relations", json!({ "id": id })).await.json();
    assert_eq!(relations["problems"].as_array().map(Vec::len), Some(0));

    let log = ana.call("release_log", json!({ "id": id })).await.json();
    let kinds: Vec<&str> =
        log.as_array().map(|l| l.iter().filter_map(|e| e["kind"].as_str()).collect()).unwrap_or_default();
    assert_eq!(kinds.iter().filter(|k| **k == "linked").count(), 5);
    assert_eq!(kinds.iter().filter(|k| **k == "unlinked").count(), 1);
    assert_eq!(log[0]["kind"], "unlinked");
    assert!(log[0]["text"].as_str().unwrap_or_default().contains("Caída"));
}

async fn only_the_holder_or_a_delegate_may_link(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = captured_release(&ana).await;
    let problem = first_hit(&ana, "problem", "").await["id"].as_i64().unwrap_or_default();
    // Lucía's group does not answer for the release; the requester's group may do nothing.
    for user in ["lucia", "consultor"] {
        let client = server.login(user).await;
        let answer = link(&client, id, "problem", problem, None).await;
        assert!(answer.status == StatusCode::FORBIDDEN || answer.status == StatusCode::CONFLICT, "{user}: {answer:?}");
        assert_eq!(client.call("release_relations", json!({ "id": id })).await.json()["may_edit"], false);
    }
    assert_eq!(
        server.anonymous().call("link_item", json!({ "id": id, "kind": "problem", "item": problem })).await.status,
        StatusCode::UNAUTHORIZED
    );
    // João's group holds Delegate on its own releases; so does the managing group on all.
    let joao = server.login("joao").await;
    assert_eq!(link(&joao, id, "problem", problem, None).await.status, StatusCode::OK);
    let gestor = server.login("gestor").await;
    let article = first_hit(&gestor, "knowledge", "").await["id"].as_i64().unwrap_or_default();
    assert_eq!(link(&gestor, id, "knowledge", article, None).await.status, StatusCode::OK);
}

async fn two_simultaneous_links_leave_one_row(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let gestor = server.login("gestor").await;
    let id = captured_release(&ana).await;
    let problem = first_hit(&ana, "problem", "").await["id"].as_i64().unwrap_or_default();
    let (a, b) = tokio::join!(link(&ana, id, "problem", problem, None), link(&gestor, id, "problem", problem, None));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{a:?} {b:?}");
    let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM release_problems WHERE release_id = $1")
        .bind(id)
        .fetch_one(&server.db.pool)
        .await
        .expect("count")
        .try_get("n")
        .expect("n");
    assert_eq!(rows, 1);
}

/// 100,000 problems: the type-ahead must read through the terms index, not the tables.
async fn the_catalogue_search_uses_its_index_at_100000_problems(backend: Backend) {
    let server = demo_server(backend).await;
    let pool = &server.db.pool;
    // Bulk-load: the catalogue and its terms, as one statement each.
    let words = ["servidor", "correo", "lentitud", "base", "datos", "red", "portal", "login"];
    let mut tx = pool.begin().await.expect("begin");
    for chunk in 0..100 {
        let mut problems = String::from("INSERT INTO problems (id, title, search_text, status) VALUES ");
        let mut terms = String::from("INSERT INTO search_terms (kind, term, item_id) VALUES ");
        for i in 0..1000 {
            let id = 1_000_000 + chunk * 1000 + i;
            let (a, b) = (words[(id % 8) as usize], words[((id / 8) % 8) as usize]);
            let separator = if i == 0 { "" } else { "," };
            problems.push_str(&format!("{separator}({id}, '{a} {b} {id}', '{a} {b} {id}', 'registered')"));
            terms.push_str(&format!("{separator}('problem', '{a}', {id}),('problem', 'x{id}', {id})"));
        }
        sqlx::query(&problems).execute(&mut *tx).await.expect("insert problems");
        sqlx::query(&terms).execute(&mut *tx).await.expect("insert terms");
    }
    tx.commit().await.expect("commit");
    sqlx::query("ANALYZE").execute(pool).await.expect("analyze");

    let mut search = search_sql(RelationKind::Problem, "x1000042", 0);
    let (sql, arguments) = numbered(&mut search);
    let explain = match backend {
        Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        Backend::Postgres => format!("EXPLAIN {sql}"),
    };
    let plan: Vec<String> = sqlx::query_with(&explain, arguments)
        .fetch_all(pool)
        .await
        .expect("explain")
        .iter()
        .map(|row| match backend {
            Backend::Sqlite => row.try_get::<String, _>("detail").unwrap_or_default(),
            Backend::Postgres => row.try_get::<String, _>(0).unwrap_or_default(),
        })
        .collect();
    let plan = plan.join("\n");
    assert!(!plan.contains("SCAN c") && !plan.contains("SCAN t") && !plan.contains("Seq Scan"), "a full scan:\n{plan}");
    assert!(plan.contains("INDEX") || plan.contains("Index"), "no index used:\n{plan}");

    let ana = server.login("ana").await;
    let hit = first_hit(&ana, "problem", "x1000042").await;
    assert_eq!(hit["id"], 1_000_042);
}

on_both_databases!(
    the_task_holder_links_each_kind_once_and_unlinks,
    only_the_holder_or_a_delegate_may_link,
    two_simultaneous_links_leave_one_row,
    the_catalogue_search_uses_its_index_at_100000_problems,
);
