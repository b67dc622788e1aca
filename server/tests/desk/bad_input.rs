//! Bad input, generated from a valid call of every JSON server function and replayed over
//! HTTP: fields missing, extra or of the wrong type, invalid and foreign identifiers,
//! negative and huge numbers, bodies that are not JSON or not UTF-8, and a 10 MB body.
//! Every case is answered with a 4xx whose body is an error the UI translates — never a
//! 5xx, a panic or a hang — and text that looks like SQL or script is stored as typed.
//! On SQLite and PostgreSQL.

use crate::support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use support::{demo_server, Backend, Client};

/// One bad request: its name, the endpoint and the raw body.
struct BadCase {
    name: String,
    endpoint: &'static str,
    body: Vec<u8>,
}

/// A valid call of every JSON server function, as ana (holding `held`) or gestor.
fn valid_calls(
    held: i64,
    version: i64,
    other_group_release: i64,
    problem: i64,
    category: i64,
) -> Vec<(&'static str, bool, Value)> {
    let closure = json!({ "outcome": "resolved", "solution_category": category, "useful_information": "Desplegado" });
    let list = json!({ "query": { "search": "erp", "status": "approved", "scope": "all", "page": 0 } });
    let by_gestor = true;
    vec![
        ("current_user", false, json!({})),
        ("list_releases", false, list.clone()),
        ("release_charts", false, list),
        ("search_catalogue", false, json!({ "kind": "problem", "text": "caida", "page": 0 })),
        ("knowledge_article", false, json!({ "article": 1 })),
        ("get_release", false, json!({ "id": held })),
        ("release_log", false, json!({ "id": held })),
        ("export_log", false, json!({ "id": held, "language": "es" })),
        ("release_flow", false, json!({ "id": held })),
        ("release_relations", false, json!({ "id": held })),
        ("action_choices", false, json!({ "id": held })),
        ("capture_task", false, json!({ "id": other_group_release })),
        ("save_release", false, json!({ "id": held, "version": version, "closure": closure })),
        ("advance_release", false, json!({ "id": held, "version": version, "decision": null, "closure": closure })),
        (
            "add_occurrence",
            false,
            json!({ "id": held, "occurrence": {
                "category": "execution", "origin": "phone", "minutes": 5, "description": "Llamada",
                "occurrence": "Confirmada", "user_information": "En plazo"
            }}),
        ),
        ("link_item", false, json!({ "id": held, "kind": "problem", "item": problem, "responsibility": null })),
        ("unlink_item", false, json!({ "id": held, "kind": "problem", "item": problem })),
        ("executor_groups", by_gestor, json!({})),
        (
            "register_release",
            by_gestor,
            json!({ "registration": {
                "title": "Portal", "description": "Nueva versión", "executor_group": 1,
                "release_type": "normal", "risk": "medium", "impact": 1, "urgency": 2,
                "planned_start": 1_900_000_000, "planned_end": 1_900_086_400, "version_label": "2.0.0"
            }}),
        ),
        (
            "edit_release",
            by_gestor,
            json!({ "id": held, "version": version, "data": {
                "title": "Portal", "description": "Nueva versión", "release_type": "normal", "risk": "medium",
                "impact": 1, "urgency": 2, "planned_start": 1_900_000_000, "planned_end": 1_900_086_400,
                "version_label": "2.0.0"
            }}),
        ),
        ("delegate_task", by_gestor, json!({ "id": held, "group": 1, "user": null })),
        ("suspend_release", by_gestor, json!({ "id": held, "justification": 1, "complement": "Aplazada" })),
        ("reactivate_release", by_gestor, json!({ "id": held })),
        ("reopen_release", by_gestor, json!({ "id": held, "reason": "Fallos" })),
        ("cancel_release", by_gestor, json!({ "id": held, "reason": "Innecesaria" })),
    ]
}

/// Fields that may be left out (they are `Option`s): leaving them out is valid.
const OPTIONAL: &[&str] = &["query.status", "closure.outcome", "closure.solution_category"];

/// Values of the wrong type for a leaf of type `value`.
fn wrong_types(value: &Value) -> Vec<(&'static str, Value)> {
    match value {
        Value::Number(_) => vec![
            ("text for a number", json!("12")),
            ("object for a number", json!({ "n": 1 })),
            ("fraction", json!(1.5)),
        ],
        Value::String(_) => vec![
            ("number for text", json!(12)),
            ("array for text", json!(["a"])),
            ("bool for text", json!(true)),
            ("NUL in text", json!("a\u{0}b")),
        ],
        Value::Object(_) => vec![("text for an object", json!("x")), ("array for an object", json!([1, 2]))],
        _ => vec![],
    }
}

/// Numbers no field accepts: negative, beyond any record, beyond 64 bits.
fn bad_numbers() -> Vec<(&'static str, Value)> {
    vec![("negative", json!(-1)), ("huge", json!(i64::MAX)), ("beyond 64 bits", json!(1e30))]
}

/// Every (path, leaf) of a JSON object, depth first; a path is the keys from the top.
fn leaves(value: &Value, path: Vec<String>, into: &mut Vec<(Vec<String>, Value)>) {
    if let Value::Object(fields) = value {
        if !path.is_empty() {
            into.push((path.clone(), value.clone()));
        }
        for (key, child) in fields {
            let mut child_path = path.clone();
            child_path.push(key.clone());
            leaves(child, child_path, into);
        }
    } else {
        into.push((path, value.clone()));
    }
}

fn with_leaf(value: &Value, path: &[String], replacement: Option<Value>) -> Value {
    let mut copy = value.clone();
    let Some((last, parents)) = path.split_last() else { return copy };
    let mut target = &mut copy;
    for key in parents {
        target = &mut target[key.as_str()];
    }
    if let Value::Object(fields) = target {
        match replacement {
            Some(replacement) => fields.insert(last.clone(), replacement),
            None => fields.remove(last),
        };
    }
    copy
}

fn generate(calls: &[(&'static str, bool, Value)]) -> Vec<(BadCase, bool)> {
    let mut cases = Vec::new();
    let mut add = |endpoint: &'static str, by_gestor: bool, name: String, body: Vec<u8>| {
        cases.push((BadCase { name: format!("{endpoint}: {name}"), endpoint, body }, by_gestor));
    };
    for (endpoint, by_gestor, valid) in calls {
        let (endpoint, by_gestor) = (*endpoint, *by_gestor);
        let mut extra = valid.clone();
        extra["unexpected"] = json!("field");
        add(endpoint, by_gestor, "an extra field".into(), extra.to_string().into_bytes());
        for (name, body) in [
            ("not JSON", b"{\"id\": ".to_vec()),
            ("empty body", Vec::new()),
            ("a JSON array", b"[1, 2, 3]".to_vec()),
            ("invalid UTF-8", b"{\"id\": \"\xff\xfe\xfd\", \"text\": \"\xc3\x28\"}".to_vec()),
            ("deeply nested", format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
        ] {
            add(endpoint, by_gestor, name.into(), body);
        }
        let mut all = Vec::new();
        leaves(valid, Vec::new(), &mut all);
        for (path, leaf) in all {
            let at = path.join(".");
            if leaf.is_null() {
                continue; // optional and absent: null is its only value
            }
            if !OPTIONAL.contains(&at.as_str()) {
                add(
                    endpoint,
                    by_gestor,
                    format!("{at} missing"),
                    with_leaf(valid, &path, None).to_string().into_bytes(),
                );
            }
            for (name, wrong) in wrong_types(&leaf) {
                add(
                    endpoint,
                    by_gestor,
                    format!("{at}: {name}"),
                    with_leaf(valid, &path, Some(wrong)).to_string().into_bytes(),
                );
            }
            if leaf.is_number() {
                for (name, number) in bad_numbers() {
                    add(
                        endpoint,
                        by_gestor,
                        format!("{at}: {name}"),
                        with_leaf(valid, &path, Some(number)).to_string().into_bytes(),
                    );
                }
            }
        }
    }
    cases
}

async fn raw_call(client: &Client, endpoint: &str, content_type: &str, body: Vec<u8>) -> support::Answer {
    let mut request = Request::builder()
        .method("POST")
        .uri(format!("/api/{endpoint}"))
        .header(header::HOST, "127.0.0.1")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_LENGTH, body.len());
    if let Some(cookie) = &client.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let request = request.body(Body::from(body)).expect("request");
    tokio::time::timeout(Duration::from_secs(10), client.send(request))
        .await
        .expect("an answer within 10 s, not a hang")
}

/// A 4xx whose body is an error the UI turns into a sentence in es and pt.
fn clear_refusal(answer: &support::Answer) -> Result<(), String> {
    if !answer.status.is_client_error() {
        return Err(format!("status {}", answer.status));
    }
    serde_json::from_str::<app::error::AppError>(&answer.text)
        .map(|_| ())
        .map_err(|_| format!("{} with a body that is not an AppError: {:.200}", answer.status, answer.text))
}

async fn every_bad_request_gets_a_clear_4xx(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let gestor = server.login("gestor").await;
    let approved = json!({ "query": { "search": "", "status": "approved", "scope": "all", "page": 0 } });
    let rows = gestor.call("list_releases", approved).await.json()["rows"].clone();
    let rows = rows.as_array().cloned().unwrap_or_default();
    let free_in = |group: &str| {
        rows.iter()
            .find(|r| r["executor_group"] == group && r["responsible"].is_null())
            .and_then(|r| r["id"].as_i64())
            .unwrap_or_else(|| panic!("a free release of {group}"))
    };
    let (held, foreign) = (free_in("Despliegue N1"), free_in("Despliegue N2"));
    assert_eq!(ana.call("capture_task", json!({ "id": held })).await.status, StatusCode::OK);
    let view = ana.call("get_release", json!({ "id": held })).await.json();
    let version = view["row_version"].as_i64().expect("version");
    let category = view["categories"][0]["id"].as_i64().expect("a category");
    let problem =
        gestor.call("search_catalogue", json!({ "kind": "problem", "text": "caida", "page": 0 })).await.json()["hits"]
            [0]["id"]
            .as_i64()
            .expect("a problem");

    let calls = valid_calls(held, version, foreign, problem, category);
    let cases = generate(&calls);
    assert!(cases.len() >= 200, "only {} cases generated", cases.len());
    let mut wrong = Vec::new();
    for (case, by_gestor) in &cases {
        let client = if *by_gestor { &gestor } else { &ana };
        let answer = raw_call(client, case.endpoint, "application/json", case.body.clone()).await;
        if let Err(problem) = clear_refusal(&answer) {
            wrong.push(format!("{}: {problem}", case.name));
        }
    }
    // The body a browser would never send: refused before it is read.
    let huge = vec![b'a'; 10 * 1024 * 1024];
    for (endpoint, _, _) in &calls {
        let answer = raw_call(&ana, endpoint, "application/json", huge.clone()).await;
        if answer.status != StatusCode::PAYLOAD_TOO_LARGE || clear_refusal(&answer).is_err() {
            wrong.push(format!("{endpoint}: 10 MB body answered {} {:.100}", answer.status, answer.text));
        }
    }
    // A body in a format the function does not take.
    for (endpoint, by_gestor, valid) in &calls {
        let client = if *by_gestor { &gestor } else { &ana };
        let answer = raw_call(client, endpoint, "text/plain", valid.to_string().into_bytes()).await;
        if let Err(problem) = clear_refusal(&answer) {
            wrong.push(format!("{endpoint}: text/plain body: {problem}"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} cases answered wrongly:\n{}", wrong.len(), cases.len(), wrong.join("\n"));

    // Nothing changed the release: every case was refused.
    let after = ana.call("get_release", json!({ "id": held })).await.json();
    assert_eq!(after["row_version"], view["row_version"], "a refused request changed the release");
}

/// What looks like SQL or markup is data: stored and given back exactly as typed.
async fn sql_and_script_text_is_stored_verbatim(backend: Backend) {
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let approved = json!({ "query": { "search": "", "status": "approved", "scope": "groups", "page": 0 } });
    let rows = ana.call("list_releases", approved).await.json()["rows"].clone();
    let id = rows
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["responsible"].is_null()))
        .and_then(|r| r["id"].as_i64());
    let id = id.expect("a free release of ana's groups");
    assert_eq!(ana.call("capture_task", json!({ "id": id })).await.status, StatusCode::OK);
    let payloads = [
        "'; DROP TABLE releases; --",
        "\" OR 1=1 --",
        "Robert'); DELETE FROM execution_log WHERE ('1'='1",
        "<script>window.__xss = 1</script>",
        "<img src=x onerror=\"window.__xss = 1\">",
        "{{ 7*7 }} ${7*7} %s %n \u{202e}\u{7}",
    ];
    for payload in payloads {
        let version = ana.call("get_release", json!({ "id": id })).await.json()["row_version"].clone();
        let closure = json!({ "outcome": null, "solution_category": null, "useful_information": payload });
        let saved = ana.call("save_release", json!({ "id": id, "version": version, "closure": closure })).await;
        assert_eq!(saved.status, StatusCode::OK, "{payload}: {}", saved.text);
        let view = ana.call("get_release", json!({ "id": id })).await.json();
        assert_eq!(view["closure"]["useful_information"], payload, "stored as typed");
        let occurrence = json!({ "id": id, "occurrence": {
            "category": "execution", "origin": "phone", "minutes": 1, "description": payload,
            "occurrence": payload, "user_information": payload
        }});
        let added = ana.call("add_occurrence", occurrence).await;
        assert_eq!(added.status, StatusCode::OK, "{payload}: {}", added.text);
    }
    // A NUL character is no text anyone types (and PostgreSQL cannot store it): refused.
    let version = ana.call("get_release", json!({ "id": id })).await.json()["row_version"].clone();
    let closure = json!({ "outcome": null, "solution_category": null, "useful_information": "a\u{0}b" });
    let nul = ana.call("save_release", json!({ "id": id, "version": version, "closure": closure })).await;
    assert_eq!(nul.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", nul.text);
    assert_eq!(nul.json()["problem"], "invalid_characters");
    let log = ana.call("release_log", json!({ "id": id })).await.json();
    let manual: Vec<&str> =
        log.as_array().into_iter().flatten().filter_map(|entry| entry["occurrence"]["description"].as_str()).collect();
    for payload in payloads {
        assert!(manual.contains(&payload), "the log keeps {payload:?} as typed: {manual:?}");
    }
    // The tables the payloads named are all still there.
    let count = ana
        .call("list_releases", json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } }))
        .await;
    assert_eq!(count.status, StatusCode::OK);
    assert!(count.json()["total"].as_i64().unwrap_or_default() > 0);
}

on_both_databases!(every_bad_request_gets_a_clear_4xx, sql_and_script_text_is_stored_verbatim);
