//! The "Acción" menu over HTTP: Delegate, Suspend, Reactivate, Reopen and Cancel, each
//! allowed and refused as the group permissions say, each with its log entry; and the
//! "Gráficos" counts against the list's — on SQLite and PostgreSQL.

use crate::support;

use axum::http::StatusCode;
use serde_json::{json, Value};
use support::{demo_server, Backend, Client};

fn list_query(status: Option<&str>, scope: &str) -> Value {
    json!({ "query": { "search": "", "status": status, "scope": scope, "page": 0 } })
}

/// The rows of the first page of the list.
async fn rows(client: &Client, status: Option<&str>, scope: &str) -> Vec<Value> {
    let answer = client.call("list_releases", list_query(status, scope)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["rows"].as_array().cloned().unwrap_or_default()
}

/// A release with `status` whose executor group is `group`.
async fn release_in(client: &Client, status: &str, group: &str) -> i64 {
    rows(client, Some(status), "all")
        .await
        .iter()
        .find(|r| r["executor_group"] == group)
        .and_then(|r| r["id"].as_i64())
        .unwrap_or_else(|| panic!("a {status} release of {group}"))
}

async fn release(client: &Client, id: i64) -> Value {
    let answer = client.call("get_release", json!({ "id": id })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()
}

fn actions(view: &Value) -> Vec<&str> {
    view["actions"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// The newest log entry of the release.
async fn last_entry(client: &Client, id: i64) -> Value {
    client.call("release_log", json!({ "id": id })).await.json()[0].clone()
}

fn assert_refused(answer: &support::Answer, status: StatusCode, reason: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let body = answer.json();
    let found = body["refusal"]["reason"].as_str().or(body["error"].as_str()).unwrap_or_default();
    assert!(found == reason || body["field"] == reason, "expected {reason}, got {}", answer.text);
}

async fn suspension_stops_the_release_until_it_is_reactivated(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = server.login("gestor").await;
    let ana = server.login("ana").await;
    let id = release_in(&gestor, "approved", "Despliegue N1").await;
    assert_eq!(actions(&release(&gestor, id).await), ["delegate", "suspend", "cancel"]);
    assert_eq!(actions(&release(&ana, id).await), ["delegate"]);

    let justifications = gestor.call("action_choices", json!({ "id": id })).await.json()["justifications"].clone();
    let justification = justifications[0]["id"].as_i64().expect("a justification");
    // Both fields are required; an unknown justification is refused.
    let blank =
        gestor.call("suspend_release", json!({ "id": id, "justification": justification, "complement": " " })).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", blank.text);
    assert_eq!(blank.json()["field"], "complement");
    let unknown = gestor.call("suspend_release", json!({ "id": id, "justification": 9999, "complement": "x" })).await;
    assert_eq!(unknown.json()["field"], "justification", "{}", unknown.text);
    // Ana's group may not suspend: the answer names the permission.
    let refused =
        ana.call("suspend_release", json!({ "id": id, "justification": justification, "complement": "x" })).await;
    assert_refused(&refused, StatusCode::FORBIDDEN, "group_lacks_permission");
    assert_eq!(refused.json()["refusal"]["permission"], "suspend");

    let complement = "Ventana movida al sábado por el proveedor.";
    let suspended = gestor
        .call("suspend_release", json!({ "id": id, "justification": justification, "complement": complement }))
        .await;
    assert_eq!(suspended.status, StatusCode::OK, "{}", suspended.text);
    assert_eq!(suspended.json(), "suspended");
    let view = release(&ana, id).await;
    assert_eq!(view["status"], "suspended");
    assert_eq!(view["access"]["reason"]["reason"], "suspended");
    assert_refused(&ana.call("capture_task", json!({ "id": id })).await, StatusCode::CONFLICT, "suspended");
    let entry = last_entry(&gestor, id).await;
    assert_eq!(entry["kind"], "suspended");
    assert_eq!(entry["label"], justifications[0]["name"]);
    assert_eq!(entry["text"], complement);
    // Suspending twice makes no sense; reactivating needs the permission.
    let again =
        gestor.call("suspend_release", json!({ "id": id, "justification": justification, "complement": "x" })).await;
    assert_refused(&again, StatusCode::CONFLICT, "not_allowed_in_status");
    assert_refused(
        &ana.call("reactivate_release", json!({ "id": id })).await,
        StatusCode::FORBIDDEN,
        "group_lacks_permission",
    );

    let reactivated = gestor.call("reactivate_release", json!({ "id": id })).await;
    assert_eq!(reactivated.status, StatusCode::OK, "{}", reactivated.text);
    assert_eq!(reactivated.json(), "approved");
    assert_eq!(last_entry(&gestor, id).await["kind"], "reactivated");
    assert_eq!(ana.call("capture_task", json!({ "id": id })).await.status, StatusCode::OK);
    assert_eq!(release(&ana, id).await["status"], "in_execution");
}

async fn a_task_is_delegated_within_the_group_or_to_another(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let joao = server.login("joao").await;
    let lucia = server.login("lucia").await;
    let id = release_in(&ana, "approved", "Despliegue N1").await;
    assert_eq!(ana.call("capture_task", json!({ "id": id })).await.status, StatusCode::OK);

    let groups = ana.call("action_choices", json!({ "id": id })).await.json()["groups"].clone();
    let group_id = |name: &str| {
        groups.as_array().and_then(|g| g.iter().find(|g| g["name"] == name)).map(|g| g["id"].clone()).expect(name)
    };
    let member = |group: &str, name: &str| {
        groups
            .as_array()
            .and_then(|g| g.iter().find(|g| g["name"] == group))
            .and_then(|g| g["members"].as_array())
            .and_then(|m| m.iter().find(|m| m["name"] == name))
            .map(|m| m["id"].clone())
            .expect(name)
    };
    let n1 = group_id("Despliegue N1");
    let n2 = group_id("Despliegue N2");
    // Only groups that may execute are offered, and a user must belong to the group.
    assert!(groups.as_array().is_some_and(|g| g.iter().all(|g| g["name"] != "Solicitantes")));
    let outsider = ana
        .call("delegate_task", json!({ "id": id, "group": n1, "user": member("Despliegue N2", "Lucía Fernández") }))
        .await;
    assert_eq!(outsider.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", outsider.text);
    assert_eq!(outsider.json()["field"], "delegate_user");
    // Lucía's group does not answer for this release: no action offered, and refused.
    assert!(actions(&release(&lucia, id).await).is_empty());
    let refused = lucia.call("delegate_task", json!({ "id": id, "group": n2, "user": null })).await;
    assert_refused(&refused, StatusCode::FORBIDDEN, "group_lacks_permission");
    let lucia_row = rows(&lucia, None, "all").await.into_iter().find(|r| r["id"] == id);
    assert!(lucia_row.is_some_and(|r| r["actions"].as_array().is_some_and(Vec::is_empty)));

    let joao_id = member("Despliegue N1", "João Silva");
    let delegated = ana.call("delegate_task", json!({ "id": id, "group": n1, "user": joao_id })).await;
    assert_eq!(delegated.status, StatusCode::OK, "{}", delegated.text);
    assert!(rows(&joao, None, "mine").await.iter().any(|r| r["id"] == id), "João finds it assigned to him");
    let view = release(&joao, id).await;
    assert_eq!(view["responsible"], "João Silva");
    assert_eq!(view["access"]["access"], "execute");
    let entry = last_entry(&joao, id).await;
    assert_eq!(entry["kind"], "delegated");
    assert_eq!(entry["text"], "Despliegue N1 · João Silva");

    // Handed to the other group without a person: the task waits free for that group.
    let to_group = joao.call("delegate_task", json!({ "id": id, "group": n2, "user": null })).await;
    assert_eq!(to_group.status, StatusCode::OK, "{}", to_group.text);
    let view = release(&lucia, id).await;
    assert_eq!(view["task_group"], "Despliegue N2");
    assert_eq!(view["responsible"], Value::Null);
    assert_eq!(view["access"]["access"], "capture");
    assert_eq!(view["executor_group"], "Despliegue N2");
}

async fn a_closed_release_reopens_and_a_cancelled_one_stays_cancelled(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = server.login("gestor").await;
    let closed = rows(&gestor, Some("closed"), "all").await[0]["id"].as_i64().expect("a closed release");
    assert_eq!(actions(&release(&gestor, closed).await), ["reopen"]);
    let blank = gestor.call("reopen_release", json!({ "id": closed, "reason": "" })).await;
    assert_eq!(blank.json()["field"], "reason", "{}", blank.text);
    let reopened = gestor.call("reopen_release", json!({ "id": closed, "reason": "El cliente reporta fallos." })).await;
    assert_eq!(reopened.status, StatusCode::OK, "{}", reopened.text);
    let view = release(&gestor, closed).await;
    assert_eq!(view["status"], "approved");
    assert_eq!(view["step"]["code"], "execution");
    assert_eq!(view["responsible"], Value::Null);
    let entry = last_entry(&gestor, closed).await;
    assert_eq!(
        (entry["kind"].as_str(), entry["text"].as_str()),
        (Some("reopened"), Some("El cliente reporta fallos."))
    );
    // The reopening shows in the flow view's history.
    let flow = gestor.call("release_flow", json!({ "id": closed })).await.json();
    assert!(flow["actions"].as_array().is_some_and(|a| a.iter().any(|e| e["kind"] == "reopened")));

    let open = release_in(&gestor, "approved", "Despliegue N2").await;
    let ana = server.login("ana").await;
    assert_refused(
        &ana.call("cancel_release", json!({ "id": open, "reason": "x" })).await,
        StatusCode::FORBIDDEN,
        "group_lacks_permission",
    );
    let cancelled =
        gestor.call("cancel_release", json!({ "id": open, "reason": "Duplicada de otra liberación." })).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    let view = release(&gestor, open).await;
    assert_eq!(view["status"], "cancelled");
    assert_eq!(view["step"], Value::Null);
    assert!(actions(&view).is_empty(), "a cancelled release is final");
    assert_eq!(last_entry(&gestor, open).await["kind"], "cancelled");
    assert_refused(
        &gestor.call("cancel_release", json!({ "id": open, "reason": "x" })).await,
        StatusCode::CONFLICT,
        "not_allowed_in_status",
    );
    assert_refused(
        &gestor.call("reopen_release", json!({ "id": open, "reason": "x" })).await,
        StatusCode::CONFLICT,
        "not_allowed_in_status",
    );
    // Without a session nothing happens; a requester may do none of it.
    let anonymous = server.anonymous();
    assert_eq!(
        anonymous.call("cancel_release", json!({ "id": closed, "reason": "x" })).await.status,
        StatusCode::UNAUTHORIZED
    );
    let consultor = server.login("consultor").await;
    assert_refused(
        &consultor.call("cancel_release", json!({ "id": closed, "reason": "x" })).await,
        StatusCode::FORBIDDEN,
        "group_lacks_permission",
    );
}

async fn chart_counts_equal_the_list_totals_for_the_same_filter(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = server.login("gestor").await;
    let total = |answer: Value| answer["total"].as_i64().unwrap_or(-1);
    for scope in ["all", "groups"] {
        let charts = gestor.call("release_charts", list_query(None, scope)).await;
        assert_eq!(charts.status, StatusCode::OK, "{}", charts.text);
        let charts = charts.json();
        let listed = total(gestor.call("list_releases", list_query(None, scope)).await.json());
        assert_eq!(total(charts.clone()), listed);
        for key in ["by_status", "by_priority", "by_group", "by_deadline"] {
            let sum: i64 = charts[key].as_array().map(|b| b.iter().filter_map(|b| b[1].as_i64()).sum()).unwrap_or(-1);
            assert_eq!(sum, listed, "{key} adds up to the list's total");
        }
        for bucket in charts["by_status"].as_array().cloned().unwrap_or_default() {
            let status = bucket[0].as_str().unwrap_or_default();
            let listed = total(gestor.call("list_releases", list_query(Some(status), scope)).await.json());
            assert_eq!(bucket[1].as_i64(), Some(listed), "{status} in scope {scope}");
        }
    }
    let deadline = gestor.call("release_charts", list_query(None, "all")).await.json()["by_deadline"].clone();
    let finished = deadline.as_array().and_then(|d| d.iter().find(|b| b[0] == "finished")).map(|b| b[1].clone());
    let closed = total(gestor.call("list_releases", list_query(Some("closed"), "all")).await.json());
    let cancelled = total(gestor.call("list_releases", list_query(Some("cancelled"), "all")).await.json());
    assert_eq!(finished.and_then(|n| n.as_i64()), Some(closed + cancelled));
    assert_eq!(
        server.anonymous().call("release_charts", list_query(None, "all")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

on_both_databases!(
    suspension_stops_the_release_until_it_is_reactivated,
    a_task_is_delegated_within_the_group_or_to_another,
    a_closed_release_reopens_and_a_cancelled_one_stays_cancelled,
    chart_counts_equal_the_list_totals_for_the_same_filter,
);
