//! The execution procedure as users and attackers meet it: capture, save, advance, the
//! flow's other steps, the log — on SQLite and PostgreSQL.

use crate::support;

use axum::http::StatusCode;
use releasedesk_core::commands::list::list;
use releasedesk_core::commands::release::{advance, capture, Advance, Captured};
use releasedesk_core::domain::permissions::Actor;
use releasedesk_core::domain::validation::ClosureDraft;
use releasedesk_core::domain::ReleaseId;
use releasedesk_core::domain::{CategoryId, ClosureOutcome, Status};
use releasedesk_core::model::list::ListQuery;
use releasedesk_core::seed::demo;
use releasedesk_core::store::users::{actor, create_user};
use serde_json::{json, Value};
use support::{demo_server, Backend, Client};

/// A release waiting, unassigned, at Execution for the user's group.
async fn waiting_for(client: &Client) -> i64 {
    let page = client
        .call("list_releases", json!({ "query": { "search": "", "status": "approved", "scope": "groups", "page": 0 } }))
        .await
        .json();
    page["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["access"]["access"] == "capture"))
        .and_then(|r| r["id"].as_i64())
        .expect("a release waiting for the group")
}

async fn release(client: &Client, id: i64) -> Value {
    let answer = client.call("get_release", json!({ "id": id })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()
}

fn closure(outcome: Option<&str>, category: Option<i64>, info: &str) -> Value {
    json!({ "outcome": outcome, "solution_category": category, "useful_information": info })
}

async fn log_kinds(client: &Client, id: i64) -> Vec<String> {
    client
        .call("release_log", json!({ "id": id }))
        .await
        .json()
        .as_array()
        .map(|entries| entries.iter().filter_map(|e| e["kind"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn the_seed_procedure_resolves_a_release_and_the_manager_closes_it(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = waiting_for(&ana).await;
    assert_eq!(release(&ana, id).await["access"]["access"], "capture");

    assert_eq!(ana.call("capture_task", json!({ "id": id })).await.status, StatusCode::OK);
    let opened = release(&ana, id).await;
    assert_eq!(opened["access"]["access"], "execute");
    assert_eq!(opened["status"], "in_execution");
    assert_eq!(opened["responsible"], "Ana Martínez");

    // Save and keep: the task stays with her.
    let version = opened["row_version"].as_i64().unwrap_or_default();
    let draft = closure(Some("resolved"), Some(1), "Desplegado en producción sin incidencias.");
    let saved = ana.call("save_release", json!({ "id": id, "version": version, "closure": draft })).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let kept = release(&ana, id).await;
    assert_eq!(kept["responsible"], "Ana Martínez");
    assert_eq!(kept["closure"]["useful_information"], "Desplegado en producción sin incidencias.");
    assert_eq!(log_kinds(&ana, id).await[0], "saved");

    // Save and advance: Resolved, at Review, unassigned, the log has the advance and time spent,
    // and the Closure area as the advance sent it.
    let version = saved.json().as_i64().unwrap_or_default();
    let draft = closure(Some("resolved"), Some(1), "Desplegado y validado con el área usuaria.");
    let advanced =
        ana.call("advance_release", json!({ "id": id, "version": version, "decision": null, "closure": draft })).await;
    assert_eq!(advanced.status, StatusCode::OK, "{}", advanced.text);
    assert_eq!(advanced.json()["status"], "resolved");
    let at_review = release(&ana, id).await;
    assert_eq!(at_review["status"], "resolved");
    assert_eq!(at_review["step"]["code"], "review");
    assert_eq!(at_review["responsible"], Value::Null);
    assert_eq!(at_review["closure"]["useful_information"], "Desplegado y validado con el área usuaria.");
    let log = ana.call("release_log", json!({ "id": id })).await.json();
    let advance = log.as_array().and_then(|l| l.iter().find(|e| e["kind"] == "advanced")).cloned().unwrap_or_default();
    assert_eq!(advance["step"]["es"], "Ejecución");
    assert!(advance["time_spent_minutes"].as_i64().is_some());
    assert_eq!(advance["to_step"]["es"], "Revisión");

    // The manager reviews it to Closed.
    let gestor = server.login("gestor").await;
    assert_eq!(gestor.call("capture_task", json!({ "id": id })).await.status, StatusCode::OK);
    let version = release(&gestor, id).await["row_version"].as_i64().unwrap_or_default();
    let closed = gestor
        .call(
            "advance_release",
            json!({ "id": id, "version": version, "decision": "accepted", "closure": closure(None, None, "") }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let done = release(&gestor, id).await;
    assert_eq!(done["status"], "closed");
    assert_eq!(done["step"], Value::Null);
    assert_eq!(done["access"]["reason"]["reason"], "flow_ended");
    // The closure the executor wrote survives the review.
    assert_eq!(done["closure"]["useful_information"], "Desplegado y validado con el área usuaria.");
}

async fn not_resolved_goes_back_to_execution_authorization(backend: Backend) {
    let server = demo_server(backend).await;
    let joao = server.login("joao").await;
    let id = waiting_for(&joao).await;
    joao.call("capture_task", json!({ "id": id })).await;
    let version = release(&joao, id).await["row_version"].as_i64().unwrap_or_default();
    let failed = closure(Some("not_resolved"), None, "Rollback: a migração falhou.");
    let answer = joao
        .call("advance_release", json!({ "id": id, "version": version, "decision": null, "closure": failed }))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let back = release(&joao, id).await;
    assert_eq!(back["status"], "not_resolved");
    assert_eq!(back["step"]["code"], "authorization");
    assert_eq!(back["task_group"], "Gestión de Cambios");
    assert!(log_kinds(&joao, id).await.contains(&"sent_back".to_owned()));
}

async fn a_stale_save_is_refused_and_changes_nothing(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = waiting_for(&ana).await;
    ana.call("capture_task", json!({ "id": id })).await;
    let loaded = release(&ana, id).await["row_version"].as_i64().unwrap_or_default();
    let first =
        ana.call("save_release", json!({ "id": id, "version": loaded, "closure": closure(None, None, "first") })).await;
    assert_eq!(first.status, StatusCode::OK);
    let stale = ana
        .call("save_release", json!({ "id": id, "version": loaded, "closure": closure(None, None, "second") }))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["refusal"]["reason"], "stale_version");
    assert_eq!(stale.json()["refusal"]["current"], first.json());
    assert_eq!(release(&ana, id).await["closure"]["useful_information"], "first");
    let stale_advance = ana
        .call("advance_release", json!({ "id": id, "version": loaded, "decision": null, "closure": closure(Some("resolved"), Some(1), "x") }))
        .await;
    assert_eq!(stale_advance.status, StatusCode::CONFLICT);
    assert_eq!(release(&ana, id).await["status"], "in_execution");
}

async fn outsiders_are_refused_capture_and_save_with_the_reason(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = waiting_for(&ana).await;
    let version = release(&ana, id).await["row_version"].as_i64().unwrap_or_default();
    let save = |version: i64| json!({ "id": id, "version": version, "closure": closure(None, None, "intruder") });

    for (user, reason) in [("consultor", "not_in_group"), ("lucia", "not_in_group")] {
        let client = server.login(user).await;
        let answer = client.call("capture_task", json!({ "id": id })).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{user}: {}", answer.text);
        assert_eq!(answer.json()["refusal"]["reason"], reason);
        assert_eq!(answer.json()["refusal"]["group"], "Despliegue N1");
        let answer = client.call("save_release", save(version)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{user}: {}", answer.text);
        assert_eq!(release(&client, id).await["access"]["reason"]["reason"], reason);
    }
    let anonymous = server.anonymous();
    assert_eq!(anonymous.call("capture_task", json!({ "id": id })).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.call("save_release", save(version)).await.status, StatusCode::UNAUTHORIZED);

    // Once ana holds it, joao (same group) is told who has it.
    ana.call("capture_task", json!({ "id": id })).await;
    let joao = server.login("joao").await;
    let answer = joao.call("capture_task", json!({ "id": id })).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.json()["refusal"], json!({ "reason": "held_by_other", "holder": "Ana Martínez" }));
    let version = release(&ana, id).await["row_version"].as_i64().unwrap_or_default();
    assert_eq!(joao.call("save_release", save(version)).await.status, StatusCode::CONFLICT);
    assert_eq!(release(&ana, id).await["closure"]["useful_information"], "");
}

async fn resolving_without_a_category_is_refused(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = waiting_for(&ana).await;
    ana.call("capture_task", json!({ "id": id })).await;
    let version = release(&ana, id).await["row_version"].as_i64().unwrap_or_default();
    let answer = ana
        .call("advance_release", json!({ "id": id, "version": version, "decision": null, "closure": closure(Some("resolved"), None, "done") }))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.json()["refusal"],
        json!({ "reason": "invalid", "field": "solution_category", "problem": "required" })
    );
    let too_long = closure(Some("resolved"), Some(1), &"x".repeat(10_001));
    let answer = ana.call("save_release", json!({ "id": id, "version": version, "closure": too_long })).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_category = closure(Some("resolved"), Some(9_999), "done");
    let answer = ana.call("save_release", json!({ "id": id, "version": version, "closure": unknown_category })).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(release(&ana, id).await["status"], "in_execution");
}

async fn fifty_concurrent_captures_have_exactly_one_winner(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = ReleaseId(waiting_for(&ana).await);
    let mut actors = Vec::new();
    for i in 0..50 {
        let user = create_user(
            &server.db,
            &format!("executor{i}"),
            &format!("Executor {i}"),
            "password-123",
            &[demo::EXECUTORS_N1],
        )
        .await
        .expect("create an executor");
        actors.push(actor(&server.db, user).await.expect("load").expect("exists"));
    }
    let captured_before = log_kinds(&ana, id.0).await.iter().filter(|k| *k == "captured").count();
    let attempts = actors.into_iter().map(|actor| {
        let (name, ctx) = (actor.full_name.clone(), server.desk.acting(actor));
        (name, tokio::spawn(async move { capture(&ctx, id).await }))
    });
    let mut winners = Vec::new();
    let mut told = Vec::new();
    for (name, attempt) in attempts.collect::<Vec<_>>() {
        match attempt.await.expect("the attempt ran") {
            Ok(Captured::Taken) => winners.push(name),
            Err(releasedesk_core::Error::Refused {
                refusal: releasedesk_core::domain::flow::Refusal::HeldByOther { holder },
            }) => told.push(holder),
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "one winner: {winners:?}");
    assert_eq!(told.len(), 49);
    assert!(told.iter().all(|holder| *holder == winners[0]), "every other is told the winner's name: {told:?}");
    let captured_after = log_kinds(&ana, id.0).await.iter().filter(|k| *k == "captured").count();
    assert_eq!(captured_after - captured_before, 1, "one capture, one log entry");
}

async fn the_log_cannot_be_changed_even_by_sql(backend: Backend) {
    let server = demo_server(backend).await;
    let update = sqlx::query("UPDATE execution_log SET kind = 'forged'").execute(&server.db.pool).await;
    assert!(update.is_err(), "an update of the log must fail");
    let delete = sqlx::query("DELETE FROM execution_log").execute(&server.db.pool).await;
    assert!(delete.is_err(), "a delete of the log must fail");
}

async fn a_manager_registers_a_release_and_a_requester_may_not(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = server.login("gestor").await;
    let groups = gestor.call("executor_groups", json!({})).await.json();
    let n1 = groups.as_array().and_then(|g| g.iter().find(|g| g["name"] == "Despliegue N1")).map(|g| g["id"].clone());
    let registration = |title: &str, start: i64, end: i64| {
        json!({ "registration": {
            "title": title, "description": "Nueva versión", "executor_group": n1,
            "release_type": "normal", "risk": "medium", "impact": 1, "urgency": 2,
            "planned_start": start, "planned_end": end, "version_label": "2.0.0"
        }})
    };
    let created = gestor
        .call("register_release", registration("Actualización del portal interno", 1_900_000_000, 1_900_086_400))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.json().as_i64().unwrap_or_default();
    let view = release(&gestor, id).await;
    assert_eq!(view["status"], "registered");
    assert_eq!(view["priority"], 2);
    assert_eq!(view["step"]["code"], "authorization");
    assert_eq!(log_kinds(&gestor, id).await, ["registered"]);
    // Its title's words are searchable at once, by their start.
    let search = json!({ "query": { "search": "actualiz intern", "status": null, "scope": "all", "page": 0 } });
    let found = gestor.call("list_releases", search).await.json();
    let ids: Vec<i64> = found["rows"].as_array().into_iter().flatten().filter_map(|row| row["id"].as_i64()).collect();
    assert!(ids.contains(&id), "{found}");

    let backwards =
        gestor.call("register_release", registration("Fechas al revés", 1_900_086_400, 1_900_000_000)).await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(backwards.json()["problem"], "end_before_start");
    let untitled = gestor.call("register_release", registration("   ", 1_900_000_000, 1_900_086_400)).await;
    assert_eq!(untitled.json()["field"], "title");

    let consultor = server.login("consultor").await;
    let refused =
        consultor.call("register_release", registration("No debería existir", 1_900_000_000, 1_900_086_400)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["refusal"], json!({ "reason": "group_lacks_permission", "permission": "create" }));
}

/// Rendering the release form on the server once deadlocked when a component read a
/// resource outside a Suspense boundary; render it repeatedly, concurrently, under a deadline.
async fn the_release_page_renders_on_the_server_every_time(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = waiting_for(&ana).await;
    let path = format!("/releases/{id}");
    let renders = (0..8).map(|_| ana.get(&path, Some("es-ES")));
    let pages = tokio::time::timeout(std::time::Duration::from_secs(30), futures::future::join_all(renders))
        .await
        .expect("every render finishes");
    for page in pages {
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("Registro de Ejecución") && page.text.contains("Problemas"), "{}", page.text);
    }
}

/// The delay the list shows for release `id`, as `actor` sees it at `now`.
async fn delay_at(server: &support::TestServer, actor: &Actor, id: i64, now: i64) -> (i64, Status) {
    let query = ListQuery { search: id.to_string(), ..Default::default() };
    let page = list(
        &server.desk.acting_at(actor.clone(), now),
        &query,
        &releasedesk_core::domain::time_zone::ZoneOffsets::utc(),
    )
    .await
    .expect("the list");
    let row = page.rows.into_iter().find(|row| row.id.0 == id).expect("the release in the list");
    (row.delay_seconds, row.status)
}

async fn the_deadline_clock_stops_at_review_and_a_late_closed_release_keeps_its_delay(backend: Backend) {
    const DAY: i64 = 86_400;
    let server = demo_server(backend).await;
    let user = |name: &'static str| {
        let db = server.db.clone();
        async move {
            let found =
                releasedesk_core::store::users::user_by_username(&db, name).await.expect("read").expect("exists");
            actor(&db, found.id).await.expect("read").expect("exists")
        }
    };
    let (ana, gestor) = (user("ana").await, user("gestor").await);
    let client = server.login("ana").await;
    let query = json!({ "query": { "search": "", "status": "approved", "scope": "groups", "page": 0 } });
    let rows = client.call("list_releases", query).await.json()["rows"].clone();
    let free = rows.as_array().into_iter().flatten().find(|row| row["responsible"].is_null()).cloned();
    let free = free.unwrap_or_else(|| panic!("a free release of ana's group: {rows}"));
    let (id, planned_end) = (free["id"].as_i64().expect("an id"), free["planned_end"].as_i64().expect("a deadline"));

    // Executed two days after its deadline.
    let finished = planned_end.max(releasedesk_core::store::now()) + 2 * DAY;
    capture(&server.desk.acting_at(ana.clone(), finished - 3_600), ReleaseId(id)).await.expect("capture");
    let view = release(&client, id).await;
    let category = view["categories"][0]["id"].as_i64().expect("a category");
    let closure = ClosureDraft {
        outcome: Some(ClosureOutcome::Resolved),
        solution_category: Some(CategoryId(category)),
        useful_information: "Desplegado fuera de plazo.".into(),
    };
    let version = view["row_version"].as_i64().expect("a version");
    let resolve = Advance { release: ReleaseId(id), version, decision: None, closure: closure.clone() };
    advance(&server.desk.acting_at(ana.clone(), finished), &resolve).await.expect("resolve");

    // Waiting for review does not add to it.
    let late = finished - planned_end;
    assert_eq!(delay_at(&server, &gestor, id, finished + DAY).await, (late, Status::Resolved));
    assert_eq!(delay_at(&server, &gestor, id, finished + 9 * DAY).await, (late, Status::Resolved));

    // Reviewed and closed a week later: it says it finished late, and by how much.
    capture(&server.desk.acting_at(gestor.clone(), finished + 7 * DAY), ReleaseId(id)).await.expect("capture");
    let version = release(&client, id).await["row_version"].as_i64().expect("a version");
    let accept = Advance { release: ReleaseId(id), version, decision: Some("accepted".into()), closure };
    advance(&server.desk.acting_at(gestor.clone(), finished + 7 * DAY), &accept).await.expect("close");
    assert_eq!(delay_at(&server, &gestor, id, finished + 30 * DAY).await, (late, Status::Closed));
}

on_both_databases!(
    the_release_page_renders_on_the_server_every_time,
    the_deadline_clock_stops_at_review_and_a_late_closed_release_keeps_its_delay,
    the_seed_procedure_resolves_a_release_and_the_manager_closes_it,
    not_resolved_goes_back_to_execution_authorization,
    a_stale_save_is_refused_and_changes_nothing,
    outsiders_are_refused_capture_and_save_with_the_reason,
    resolving_without_a_category_is_refused,
    fifty_concurrent_captures_have_exactly_one_winner,
    the_log_cannot_be_changed_even_by_sql,
    a_manager_registers_a_release_and_a_requester_may_not,
);
