//! Many clients at once on one release: of the saves and advances made from the same
//! version exactly one wins and the others are told, nothing is lost, and concurrent links
//! keep the counts and the log right — on SQLite and PostgreSQL.

use crate::support;

use axum::http::StatusCode;
use futures::future::join_all;
use serde_json::{json, Value};
use sqlx::Row;
use support::{demo_server, Backend, Client, TestServer};

/// A release of ana's group, captured by her; its current version.
async fn held_by_ana(ana: &Client) -> (i64, Value) {
    let query = json!({ "query": { "search": "", "status": "approved", "scope": "groups", "page": 0 } });
    let rows = ana.call("list_releases", query).await.json()["rows"].clone();
    let id = rows
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["responsible"].is_null()))
        .and_then(|r| r["id"].as_i64());
    let id = id.expect("a free release of ana's group");
    assert_eq!(ana.call("capture_task", json!({ "id": id })).await.status, StatusCode::OK);
    let view = ana.call("get_release", json!({ "id": id })).await.json();
    (id, view)
}

async fn log_count(server: &TestServer, id: i64, kind: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM execution_log WHERE release_id = $1 AND kind = $2")
        .bind(id)
        .bind(kind)
        .fetch_one(&server.db.pool)
        .await
        .and_then(|row| row.try_get("n"))
        .expect("count the log")
}

/// How many won, and how many were told they lost (a 4xx refusal); every answer is one
/// or the other.
fn statuses(answers: &[support::Answer]) -> (usize, usize) {
    let won = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    let told = answers.iter().filter(|a| a.status.is_client_error() && a.json()["error"] == "refused").count();
    let other: Vec<String> = answers
        .iter()
        .filter(|a| a.status != StatusCode::OK && !(a.status.is_client_error() && a.json()["error"] == "refused"))
        .map(|a| format!("{} {}", a.status, a.text))
        .collect();
    assert!(other.is_empty(), "answers that are neither a win nor a refusal: {other:?}");
    (won, told)
}

async fn of_concurrent_saves_from_one_version_exactly_one_wins(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let (id, view) = held_by_ana(&ana).await;
    let version = view["row_version"].clone();
    let saved_before = log_count(&server, id, "saved").await;
    let saves = (0..20).map(|n| {
        let closure =
            json!({ "outcome": null, "solution_category": null, "useful_information": format!("edición {n}") });
        ana.call("save_release", json!({ "id": id, "version": version, "closure": closure }))
    });
    let answers = join_all(saves).await;
    assert_eq!(statuses(&answers), (1, 19), "one winner, the 19 others told their version is stale");
    // The winner's text is what is stored: no update was half-applied or silently lost.
    let winner = answers.iter().position(|a| a.status == StatusCode::OK).expect("a winner");
    let after = ana.call("get_release", json!({ "id": id })).await.json();
    assert_eq!(after["closure"]["useful_information"], format!("edición {winner}"));
    assert_eq!(after["row_version"].as_i64(), version.as_i64().map(|v| v + 1));
    assert_eq!(log_count(&server, id, "saved").await - saved_before, 1, "one log entry for the one save");
}

async fn concurrent_advances_leave_one_open_task_and_a_complete_log(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let (id, view) = held_by_ana(&ana).await;
    let category = view["categories"][0]["id"].clone();
    let closure = json!({ "outcome": "resolved", "solution_category": category, "useful_information": "Desplegado" });
    let advanced_before = log_count(&server, id, "advanced").await;
    let advances = (0..10).map(|_| {
        ana.call(
            "advance_release",
            json!({ "id": id, "version": view["row_version"], "decision": null, "closure": closure }),
        )
    });
    let answers = join_all(advances).await;
    assert_eq!(statuses(&answers), (1, 9));
    let open: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tasks WHERE release_id = $1 AND finished_at IS NULL")
        .bind(id)
        .fetch_one(&server.db.pool)
        .await
        .and_then(|row| row.try_get("n"))
        .expect("count open tasks");
    assert_eq!(open, 1, "the release has exactly one open task, at the next step");
    assert_eq!(log_count(&server, id, "advanced").await, advanced_before + 1, "one log entry for the one advance");
    assert_eq!(ana.call("get_release", json!({ "id": id })).await.json()["status"], "resolved");
}

async fn concurrent_links_keep_counts_and_log_right(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let (id, _) = held_by_ana(&ana).await;
    let linked_before = log_count(&server, id, "linked").await;
    let hits = ana.call("search_catalogue", json!({ "kind": "problem", "text": "", "page": 0 })).await.json();
    let problems: Vec<i64> = hits["hits"].as_array().into_iter().flatten().filter_map(|h| h["id"].as_i64()).collect();
    assert!(problems.len() >= 4, "the demo has problems to link");
    // Each problem linked three times at once: one link each, the others refused.
    let links: Vec<Value> = problems
        .iter()
        .flat_map(|problem| {
            [0; 3].map(|_| json!({ "id": id, "kind": "problem", "item": problem, "responsibility": null }))
        })
        .collect();
    let answers = join_all(links.into_iter().map(|link| ana.call("link_item", link))).await;
    let linked = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    assert_eq!(linked, problems.len(), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    for refused in answers.iter().filter(|a| a.status != StatusCode::OK) {
        assert!(refused.status.is_client_error(), "{refused:?}");
    }
    let relations = ana.call("release_relations", json!({ "id": id })).await.json();
    assert_eq!(relations["problems"].as_array().map(Vec::len), Some(problems.len()));
    assert_eq!(log_count(&server, id, "linked").await - linked_before, problems.len() as i64, "one log entry per link");
}

on_both_databases!(
    of_concurrent_saves_from_one_version_exactly_one_wins,
    concurrent_advances_leave_one_open_task_and_a_complete_log,
    concurrent_links_keep_counts_and_log_right,
);
