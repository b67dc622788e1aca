//! Correcting a registered release's data: who may, what the log lists, the priority
//! recomputed, a stale form refused (also when many race over TCP), and a closed release
//! left alone — on SQLite and PostgreSQL.

use crate::support;

use axum::http::StatusCode;
use futures::future::join_all;
use serde_json::{json, Value};
use support::{demo_server, Backend, Client};

/// A release gestor registers for Despliegue N1: its number.
async fn registered_by(gestor: &Client, title: &str) -> i64 {
    let groups = gestor.call("executor_groups", json!({})).await.json();
    let n1 = groups.as_array().and_then(|g| g.iter().find(|g| g["name"] == "Despliegue N1")).map(|g| g["id"].clone());
    let created = gestor
        .call(
            "register_release",
            json!({ "registration": {
                "title": title, "description": "Nueva versión", "executor_group": n1,
                "release_type": "normal", "risk": "medium", "impact": 2, "urgency": 2,
                "planned_start": 1_900_000_000, "planned_end": 1_900_086_400, "version_label": "2.0.0"
            }}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    created.json().as_i64().unwrap_or_default()
}

/// The registered data as the release shows it, ready to send back corrected.
fn data_of(view: &Value) -> Value {
    json!({
        "title": view["title"], "description": view["description"], "release_type": view["release_type"],
        "risk": view["risk"], "impact": view["impact"], "urgency": view["urgency"],
        "planned_start": view["planned_start"], "planned_end": view["planned_end"],
        "version_label": view["version_label"],
    })
}

async fn release(client: &Client, id: i64) -> Value {
    let answer = client.call("get_release", json!({ "id": id })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()
}

async fn log(client: &Client, id: i64) -> Vec<Value> {
    client.call("release_log", json!({ "id": id })).await.json().as_array().cloned().unwrap_or_default()
}

async fn the_requester_corrects_registered_data_and_the_log_lists_each_change(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = server.login("gestor").await;
    let id = registered_by(&gestor, "Actualización del portal interno").await;
    let view = release(&gestor, id).await;
    assert_eq!(view["priority"], 3);
    let version = view["row_version"].as_i64().unwrap_or_default();

    let mut data = data_of(&view);
    data["title"] = json!("Actualización del portal de proveedores");
    data["urgency"] = json!(1);
    data["risk"] = json!("high");
    let edit =
        |version: i64, data: Value| gestor.call("edit_release", json!({ "id": id, "version": version, "data": data }));
    let saved = edit(version, data.clone()).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.json(), json!(version + 1));

    let after = release(&gestor, id).await;
    assert_eq!(after["title"], "Actualización del portal de proveedores");
    assert_eq!((after["urgency"].as_i64(), after["priority"].as_i64()), (Some(1), Some(2)), "priority recomputed");
    assert_eq!(after["risk"], "high");
    let entry = log(&gestor, id).await[0].clone();
    assert_eq!(entry["kind"], "edited");
    assert_eq!(entry["user"], "Marta Gestora");
    let changes = entry["changes"].as_array().cloned().unwrap_or_default();
    let fields: Vec<&str> = changes.iter().filter_map(|c| c["field"].as_str()).collect();
    assert_eq!(fields, ["title", "risk", "urgency", "priority"]);
    assert_eq!(changes[0]["before"]["value"], "Actualización del portal interno");
    assert_eq!(changes[0]["after"]["value"], "Actualización del portal de proveedores");
    assert_eq!((changes[3]["before"]["value"].as_i64(), changes[3]["after"]["value"].as_i64()), (Some(3), Some(2)));

    // The new title's words are searchable by their start.
    let search = json!({ "query": { "search": "proveed", "status": null, "scope": "all", "page": 0 } });
    let found = gestor.call("list_releases", search).await.json();
    let ids: Vec<i64> = found["rows"].as_array().into_iter().flatten().filter_map(|row| row["id"].as_i64()).collect();
    assert!(ids.contains(&id), "{found}");

    // The form of the earlier version is refused, naming the current one; nothing changes.
    data["title"] = json!("Cambio perdido");
    let stale = edit(version, data.clone()).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert_eq!(stale.json()["refusal"], json!({ "reason": "stale_version", "current": version + 1 }));
    // The same data again changes nothing and logs nothing.
    let same = edit(version + 1, data_of(&after)).await;
    assert_eq!(same.json(), json!(version + 1));
    // A wrong value is refused by its field.
    let mut wrong = data_of(&after);
    wrong["impact"] = json!(7);
    let refused = edit(version + 1, wrong).await;
    assert_eq!((refused.status, refused.json()["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("impact")));
    assert_eq!(release(&gestor, id).await["title"], "Actualización del portal de proveedores");
    assert_eq!(log(&gestor, id).await.len(), 2, "registered and one correction");

    // Neither an executor of its group nor a requester without Create may correct it.
    for user in ["ana", "consultor"] {
        let client = server.login(user).await;
        let refused =
            client.call("edit_release", json!({ "id": id, "version": version + 1, "data": data_of(&after) })).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{user}: {}", refused.text);
    }

    // Once cancelled, it cannot be corrected.
    let cancel = gestor.call("cancel_release", json!({ "id": id, "reason": "Ya no es necesaria" })).await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text);
    let cancelled = release(&gestor, id).await;
    let mut late = data_of(&cancelled);
    late["title"] = json!("Demasiado tarde");
    let refused = edit(cancelled["row_version"].as_i64().unwrap_or_default(), late).await;
    assert!(refused.status.is_client_error(), "{}", refused.text);
    assert_eq!(refused.json()["refusal"]["reason"], "not_allowed_in_status", "{}", refused.text);
}

async fn of_concurrent_corrections_from_one_version_exactly_one_wins(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = server.login("gestor").await;
    let id = registered_by(&gestor, "Migración del correo").await;
    let view = release(&gestor, id).await;
    let version = view["row_version"].as_i64().unwrap_or_default();
    // Each a real change (the registered version is 2.0.0), each from the same version.
    let edits = (0..20).map(|n| {
        let mut data = data_of(&view);
        data["version_label"] = json!(format!("3.0.{n}"));
        gestor.call("edit_release", json!({ "id": id, "version": version, "data": data }))
    });
    let answers = join_all(edits).await;
    let won: Vec<usize> = (0..answers.len()).filter(|n| answers[*n].status == StatusCode::OK).collect();
    assert_eq!(won.len(), 1, "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    assert!(answers.iter().all(|a| a.status == StatusCode::OK || a.status == StatusCode::CONFLICT));
    let after = release(&gestor, id).await;
    assert_eq!(after["version_label"], format!("3.0.{}", won[0]), "the winner's correction is the one stored");
    let corrections = log(&gestor, id).await.iter().filter(|e| e["kind"] == "edited").count();
    assert_eq!(corrections, 1, "one log entry for the one correction");
}

on_both_databases!(
    the_requester_corrects_registered_data_and_the_log_lists_each_change,
    of_concurrent_corrections_from_one_version_exactly_one_wins,
);
