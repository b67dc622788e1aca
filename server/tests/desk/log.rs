//! The execution log as an occurrence register, over HTTP: what an advance changed, manual
//! occurrences (who may add them, every field checked), the CSV export, and the live
//! event stream — on SQLite and PostgreSQL.

use crate::support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::time::Duration;
use support::{demo_server, occurrence, Backend, Client};
use tower::ServiceExt;

/// A free release waiting at Execution for Despliegue N1.
async fn waiting_n1(client: &Client) -> i64 {
    let page = client
        .call("list_releases", json!({ "query": { "search": "", "status": "approved", "scope": "all", "page": 0 } }))
        .await
        .json();
    page["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["executor_group"] == "Despliegue N1" && r["responsible"].is_null()))
        .and_then(|r| r["id"].as_i64())
        .expect("a free release of Despliegue N1")
}

async fn an_advance_lists_what_it_changed(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = waiting_n1(&ana).await;
    ana.call("capture_task", json!({ "id": id })).await;
    let version = ana.call("get_release", json!({ "id": id })).await.json()["row_version"].clone();
    let closure = json!({ "outcome": "resolved", "solution_category": 2, "useful_information": "Hecho." });
    let advanced = ana
        .call("advance_release", json!({ "id": id, "version": version, "decision": null, "closure": closure }))
        .await;
    assert_eq!(advanced.status, StatusCode::OK, "{}", advanced.text);
    let log = ana.call("release_log", json!({ "id": id })).await.json();
    let advance = log.as_array().and_then(|l| l.iter().find(|e| e["kind"] == "advanced")).cloned().unwrap_or_default();
    let change = |field: &str| {
        advance["changes"].as_array().and_then(|c| c.iter().find(|c| c["field"] == field)).cloned().unwrap_or_default()
    };
    // Since the authorization's advance: the status, the step and the closure changed.
    assert_eq!(change("status")["before"], json!({ "type": "status", "value": "approved" }));
    assert_eq!(change("status")["after"], json!({ "type": "status", "value": "resolved" }));
    assert_eq!(change("step")["after"]["value"]["es"], "Revisión");
    assert_eq!(change("useful_information")["after"]["value"], "Hecho.");
    assert_eq!(change("solution_category")["after"]["type"], "name");
    assert_eq!(change("title"), Value::Null, "the title did not change");
}

async fn manual_occurrences_are_checked_recorded_and_exported(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = waiting_n1(&ana).await;
    assert_eq!(ana.call("get_release", json!({ "id": id })).await.json()["may_record"], true);

    let mut missing = occurrence();
    missing["user_information"] = json!("  ");
    let refused = ana.call("add_occurrence", json!({ "id": id, "occurrence": missing })).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!(refused.json()["field"], "user_information");
    let mut negative = occurrence();
    negative["minutes"] = json!(-5);
    assert_eq!(
        ana.call("add_occurrence", json!({ "id": id, "occurrence": negative })).await.json()["field"],
        "time_spent"
    );
    let wrong_type = ana.call("add_occurrence", json!({ "id": id, "occurrence": { "minutes": "many" } })).await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST, "{}", wrong_type.text);

    let lucia = server.login("lucia").await;
    assert_eq!(lucia.call("get_release", json!({ "id": id })).await.json()["may_record"], false);
    let foreign = lucia.call("add_occurrence", json!({ "id": id, "occurrence": occurrence() })).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.text);
    let anonymous = server.anonymous().call("add_occurrence", json!({ "id": id, "occurrence": occurrence() })).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let added = ana.call("add_occurrence", json!({ "id": id, "occurrence": occurrence() })).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let entry = ana.call("release_log", json!({ "id": id })).await.json()[0].clone();
    assert_eq!(entry["kind"], "manual");
    assert_eq!(entry["user"], "Ana Martínez");
    assert_eq!(entry["time_spent_minutes"], 25);
    assert_eq!(
        entry["occurrence"]["origin"],
        json!({ "code": "phone", "name": { "es": "Teléfono", "pt": "Telefone" } })
    );
    assert_eq!(entry["text"], "=HYPERLINK(\"http://x\") confirmó la ventana");

    for (language, header, kind) in [
        ("es", "Fecha/Hora,Usuario,Ocurrencia,Tarea", "Ocurrencia manual"),
        ("pt", "Data/Hora,Usuário,Ocorrência,Tarefa", "Ocorrência manual"),
    ] {
        let csv = ana.call("export_log", json!({ "id": id, "language": language })).await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
        let text = csv.json().as_str().map(str::to_owned).unwrap_or_default();
        assert!(text.starts_with(header), "{language}: {text}");
        assert!(text.contains(kind), "{language}: {text}");
        // A formula typed by a user stays text in a spreadsheet.
        assert!(text.contains("'=HYPERLINK"), "{language}: {text}");
    }
    assert_eq!(
        server.anonymous().call("export_log", json!({ "id": id, "language": "es" })).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn the_event_stream_tells_of_a_capture(backend: Backend) {
    let server = demo_server(backend).await;
    let anonymous = server.anonymous().get("/api/events", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let ana = server.login("ana").await;
    let joao = server.login("joao").await;
    let id = waiting_n1(&ana).await;
    let mut request = Request::builder().uri("/api/events").header(header::HOST, "127.0.0.1");
    if let Some(cookie) = &ana.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response =
        server.app.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("the router answers");
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    // The stream subscribed before its response came back, but it only tells of the changes
    // the server hears of, and the server follows the database from a task started with the
    // router: on PostgreSQL from when that task's LISTEN has run, on SQLite from when it has
    // read where the log ends. A change committed before then is never told. So occurrences
    // are recorded on another release of the group, a new one each second, until the stream
    // tells of one (within 10 seconds); only then the capture. The other release's number
    // does not begin with this one's, so that a late event of it cannot pass for the capture's.
    let approved = ana
        .call("list_releases", json!({ "query": { "search": "", "status": "approved", "scope": "all", "page": 0 } }))
        .await
        .json();
    let other = approved["rows"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .filter(|r| r["executor_group"] == "Despliegue N1")
                .filter_map(|r| r["id"].as_i64())
                .find(|other| !other.to_string().starts_with(&id.to_string()))
        })
        .expect("another release of Despliegue N1");
    let told = format!("\"release\":{other},");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let (mut seen, mut recorded) = (String::new(), 0);
    while !seen.contains(&told) {
        assert!(tokio::time::Instant::now() < deadline, "no event of {recorded} occurrences in 10 s: {seen}");
        let added = ana.call("add_occurrence", json!({ "id": other, "occurrence": occurrence() })).await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text);
        recorded += 1;
        let round = deadline.min(tokio::time::Instant::now() + Duration::from_secs(1));
        while !seen.contains(&told) {
            match tokio::time::timeout_at(round, body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        seen.push_str(&String::from_utf8_lossy(data));
                    }
                }
                Ok(Some(Err(error))) => panic!("the event stream failed: {error}"),
                Ok(None) => panic!("the event stream ended: {seen}"),
                Err(_) => break,
            }
        }
    }
    assert_eq!(joao.call("capture_task", json!({ "id": id })).await.status, StatusCode::OK);
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        let mut seen = String::new();
        while let Some(Ok(frame)) = body.frame().await {
            if let Some(data) = frame.data_ref() {
                seen.push_str(&String::from_utf8_lossy(data));
                if seen.contains(&format!("\"release\":{id}")) {
                    return seen;
                }
            }
        }
        seen
    })
    .await
    .expect("an event within 5 seconds");
    assert!(heard.contains("\"kind\":\"captured\""), "{heard}");
}

on_both_databases!(
    an_advance_lists_what_it_changed,
    manual_occurrences_are_checked_recorded_and_exported,
    the_event_stream_tells_of_a_capture,
);
