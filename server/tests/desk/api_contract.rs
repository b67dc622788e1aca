//! The API keeps the contract its OpenAPI document states. Every operation of
//! `/api/v1/openapi.json` is called: allowed and valid, invalid, without a token, with a
//! revoked and an expired token, and (where some users may not) by such a user. Each answer
//! must have the status the test expects, listed for that operation in the document, with
//! the content type the document names and a body its schema accepts. An operation the
//! document lists and this test does not call fails the test.

use crate::api::{closure, free_releases, revoked_and_expired, token_of, Call};
use crate::support::schema::violations;
use crate::support::{demo_server, Backend, TestServer};
use axum::http::header;
use serde_json::{json, Value};
use std::collections::BTreeSet;

on_both_databases!(every_operation_keeps_the_documented_contract);

/// Sends calls and checks their answers against the document, remembering what it called.
struct Contract<'a> {
    server: &'a TestServer,
    document: Value,
    strangers: [(&'static str, Option<String>); 3],
    called: BTreeSet<(String, String)>,
    broken: Vec<String>,
}

impl<'a> Contract<'a> {
    /// The answer to `call`, made as the operation `method path` of the document, checked
    /// to be `status` as the document says it.
    async fn expect(&mut self, operation: (&str, &str), call: Call<'_>, status: u16) -> crate::support::Answer {
        let (method, path) = operation;
        let shown = format!("{method} {} ({})", call.path, call.label());
        self.called.insert((method.to_ascii_lowercase(), path.to_owned()));
        let answer = call.send(self.server).await;
        if answer.status.as_u16() != status {
            self.broken.push(format!("{shown}: {} instead of {status}: {}", answer.status, answer.text));
            return answer;
        }
        let documented = &self.document["paths"][path][method.to_ascii_lowercase()]["responses"][status.to_string()];
        if documented.is_null() {
            self.broken.push(format!("{shown}: {status} is not a documented answer"));
            return answer;
        }
        let content_type = answer.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let media = content_type.split(';').next().unwrap_or("").trim();
        match documented.get("content") {
            None if answer.text.is_empty() => {}
            None => self.broken.push(format!("{shown}: a body the document does not announce: {}", answer.text)),
            // `*/*`: whatever type the answer names (a file, as it was attached).
            Some(content) => match content.get(media).or_else(|| content.get("*/*")) {
                None => self.broken.push(format!("{shown}: sent as `{content_type}`, documented as {content}")),
                Some(described) if media.ends_with("json") => {
                    let body: Value = serde_json::from_str(&answer.text).unwrap_or(Value::Null);
                    for violation in violations(&self.document, &described["schema"], &body) {
                        self.broken.push(format!("{shown}: {violation}"));
                    }
                }
                Some(_) => {}
            },
        }
        answer
    }

    /// Without a token, with a revoked one and with an expired one: 401 each time.
    async fn refuses_strangers(&mut self, operation: (&str, &str), call: &Call<'_>) {
        for (who, token) in self.strangers.clone() {
            let stranger = Call { token: token.as_deref(), who, ..call.clone() };
            self.expect(operation, stranger, 401).await;
        }
    }
}

async fn every_operation_keeps_the_documented_contract(backend: Backend) {
    let server = demo_server(backend).await;
    let [gestor, ana, consultor, admin] = {
        let mut tokens = Vec::new();
        for login in ["gestor", "ana", "consultor", "admin"] {
            tokens.push(token_of(&server, login).await);
        }
        <[String; 4]>::try_from(tokens).expect("four tokens")
    };
    let (revoked, expired) = revoked_and_expired(&server).await;
    let document = Call::new("GET", "/openapi.json").send(&server).await.json();
    let mut c = Contract {
        server: &server,
        document,
        strangers: [("no token", None), ("a revoked token", Some(revoked)), ("an expired token", Some(expired))],
        called: BTreeSet::new(),
        broken: Vec::new(),
    };
    let mut free = free_releases(&server).await;

    // The groups a release may be registered for: Crear needed.
    let op = ("GET", "/api/v1/executor-groups");
    let call = Call::new("GET", "/executor-groups").by("gestor", &gestor);
    c.refuses_strangers(op, &call).await;
    let groups = c.expect(op, call, 200).await.json();
    c.expect(op, Call::new("GET", "/executor-groups").by("ana", &ana), 403).await;
    let n1 = groups.as_array().and_then(|g| g.first()).map(|g| g["id"].clone()).expect("an executor group");

    // Register: allowed, an unreadable body, a user without Crear, an invalid title.
    let op = ("POST", "/api/v1/releases");
    let registration = json!({
        "title": "Despliegue desde el pipeline", "description": "Versión 3", "executor_group": n1,
        "release_type": "normal", "risk": "medium", "impact": 1, "urgency": 2,
        "planned_start": 1_900_000_000, "planned_end": 1_900_086_400, "version_label": "3.0.0"
    });
    let call = Call::new("POST", "/releases").by("gestor", &gestor).body(registration.clone());
    c.refuses_strangers(op, &call).await;
    let registered = c.expect(op, call.clone(), 201).await;
    c.expect(op, call.clone().by("consultor", &consultor), 403).await;
    c.expect(op, call.clone().body(json!({ "title": "sin el resto" })), 400).await;
    let mut untitled = registration.clone();
    untitled["title"] = json!("   ");
    c.expect(op, call.clone().body(untitled), 422).await;
    let new = registered.json()["id"].as_i64().expect("the new release's number");
    let etag = registered.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(
        registered.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/releases/{new}").as_str())
    );

    // The list, and one release.
    let op = ("GET", "/api/v1/releases");
    let call = Call::new("GET", "/releases?scope=all").by("consultor", &consultor);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call, 200).await;
    c.expect(op, Call::new("GET", "/releases?status=asleep").by("consultor", &consultor), 400).await;
    let op = ("GET", "/api/v1/releases/{number}");
    let call = Call::new("GET", format!("/releases/{new}")).by("consultor", &consultor);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call, 200).await;
    c.expect(op, Call::new("GET", "/releases/999999").by("consultor", &consultor), 404).await;

    // Correct the registered data, on the version read.
    let op = ("PATCH", "/api/v1/releases/{number}");
    let mut data = registration.clone();
    data.as_object_mut().map(|d| d.remove("executor_group"));
    data["urgency"] = json!(3);
    let call = Call::new("PATCH", format!("/releases/{new}")).by("gestor", &gestor).body(data.clone());
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone(), 428).await;
    c.expect(op, call.clone().if_match("\"0\""), 412).await;
    c.expect(op, call.clone().if_match(&etag).by("consultor", &consultor), 403).await;
    let corrected = c.expect(op, call.clone().if_match(&etag), 200).await;
    assert_ne!(corrected.headers.get(header::ETAG).and_then(|v| v.to_str().ok()), Some(etag.as_str()));

    // Relations: read, link a problem, unlink it.
    let problem = Call::new("GET", "/problems").by("admin", &admin).send(&server).await.json()[0]["id"].clone();
    let op = ("GET", "/api/v1/releases/{number}/relations");
    let call = Call::new("GET", format!("/releases/{new}/relations")).by("consultor", &consultor);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call, 200).await;
    c.expect(op, Call::new("GET", "/releases/999999/relations").by("consultor", &consultor), 404).await;
    let op = ("POST", "/api/v1/releases/{number}/relations");
    let link = json!({ "kind": "problem", "item": problem });
    let call = Call::new("POST", format!("/releases/{new}/relations")).by("gestor", &gestor).body(link);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("consultor", &consultor), 403).await;
    c.expect(op, call.clone(), 201).await;
    c.expect(op, call.clone(), 409).await;
    c.expect(op, call.clone().body(json!({ "kind": "ticket", "item": 1 })), 400).await;
    let op = ("DELETE", "/api/v1/releases/{number}/relations/{kind}/{item}");
    let call = Call::new("DELETE", format!("/releases/{new}/relations/problem/{problem}")).by("gestor", &gestor);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("consultor", &consultor), 403).await;
    c.expect(op, call.clone(), 204).await;
    c.expect(op, Call::new("DELETE", format!("/releases/{new}/relations/ticket/1")).by("gestor", &gestor), 400).await;

    // An occurrence, and the log as JSON and as CSV.
    let op = ("POST", "/api/v1/releases/{number}/occurrences");
    let occurrence = json!({
        "category": "execution", "origin": "phone", "minutes": 5, "description": "Llamada del pipeline",
        "occurrence": "Ventana confirmada", "user_information": "Sigue en plazo."
    });
    let call = Call::new("POST", format!("/releases/{new}/occurrences")).by("gestor", &gestor).body(occurrence);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("consultor", &consultor), 403).await;
    c.expect(op, call.clone(), 201).await;
    c.expect(
        op,
        call.clone().body(json!({ "category": "nope", "origin": "phone", "minutes": 5,
        "description": "x", "occurrence": "y", "user_information": "" })),
        422,
    )
    .await;
    let op = ("GET", "/api/v1/releases/{number}/log");
    let call = Call::new("GET", format!("/releases/{new}/log")).by("consultor", &consultor);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone(), 200).await;
    let csv = c
        .expect(op, Call::new("GET", format!("/releases/{new}/log?format=csv")).by("consultor", &consultor), 200)
        .await;
    assert!(csv.text.contains("Llamada del pipeline"), "the occurrence in the CSV: {}", csv.text);
    c.expect(op, Call::new("GET", format!("/releases/{new}/log?format=pdf")).by("consultor", &consultor), 400).await;

    // Attachments: a pipeline's evidence, attached, listed, downloaded and removed.
    let evidence = b"build 42: 318 tests passed\n";
    let op = ("POST", "/api/v1/releases/{number}/attachments");
    let attach = |query: &str| Call::new("POST", format!("/releases/{new}/attachments{query}")).by("gestor", &gestor);
    let call = attach("?name=build.log").file(evidence);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("consultor", &consultor), 403).await;
    c.expect(op, attach("").file(evidence), 400).await;
    c.expect(op, attach("?name=%20").file(evidence), 422).await;
    c.expect(op, call.clone().file(b""), 422).await;
    c.expect(
        op,
        Call::new("POST", "/releases/999999/attachments?name=a.log").by("gestor", &gestor).file(evidence),
        404,
    )
    .await;
    let attached = c.expect(op, call, 201).await;
    let file = attached.json()["id"].as_i64().expect("the file's id");
    let location = attached.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(location, format!("/api/v1/releases/{new}/attachments/{file}"));
    let op = ("GET", "/api/v1/releases/{number}/attachments");
    let call = Call::new("GET", format!("/releases/{new}/attachments")).by("consultor", &consultor);
    c.refuses_strangers(op, &call).await;
    let listed = c.expect(op, call, 200).await.json();
    assert_eq!(listed["attachments"][0]["name"], "build.log");
    c.expect(op, Call::new("GET", "/releases/999999/attachments").by("consultor", &consultor), 404).await;
    let op = ("GET", "/api/v1/releases/{number}/attachments/{id}");
    let call = Call::new("GET", location.trim_start_matches("/api/v1")).by("consultor", &consultor);
    c.refuses_strangers(op, &call).await;
    let downloaded = c.expect(op, call, 200).await;
    assert_eq!(downloaded.text.as_bytes(), evidence, "the file comes back as it was attached");
    let other = Call::new("GET", format!("/releases/{}/attachments/{file}", free[0])).by("consultor", &consultor);
    c.expect(op, other, 404).await;
    let op = ("DELETE", "/api/v1/releases/{number}/attachments/{id}");
    let call = Call::new("DELETE", location.trim_start_matches("/api/v1")).by("gestor", &gestor);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("consultor", &consultor), 403).await;
    c.expect(op, call.clone(), 204).await;
    c.expect(op, call, 404).await;

    // The executor's work on a free release of their group: capture, save, advance.
    let category = Call::new("GET", format!("/releases/{}", free[0])).by("ana", &ana).send(&server).await.json()
        ["categories"][0]["id"]
        .clone();
    let work = free.pop().expect("a free release");
    let read_etag = |release: i64| {
        let (server, token) = (&server, gestor.clone());
        async move {
            let answer = Call::new("GET", format!("/releases/{release}")).by("gestor", &token).send(server).await;
            answer.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
        }
    };
    let op = ("POST", "/api/v1/releases/{number}/capture");
    let call = Call::new("POST", format!("/releases/{work}/capture")).by("ana", &ana);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("consultor", &consultor), 403).await;
    c.expect(op, call.clone(), 200).await;
    c.expect(op, Call::new("POST", "/releases/999999/capture").by("ana", &ana), 404).await;
    let op = ("POST", "/api/v1/releases/{number}/save");
    let draft = closure(&category)["closure"].clone();
    let call = Call::new("POST", format!("/releases/{work}/save")).by("ana", &ana).body(draft);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone(), 428).await;
    let etag = read_etag(work).await;
    c.expect(op, call.clone().if_match(&etag).by("consultor", &consultor), 403).await;
    c.expect(op, call.clone().if_match(&etag).body(json!({ "outcome": "maybe" })), 400).await;
    c.expect(op, call.clone().if_match(&etag), 200).await;
    c.expect(op, call.clone().if_match(&etag), 412).await;
    let op = ("POST", "/api/v1/releases/{number}/advance");
    let call = Call::new("POST", format!("/releases/{work}/advance")).by("ana", &ana).body(closure(&category));
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone(), 428).await;
    let etag = read_etag(work).await;
    let incomplete = json!({ "closure": { "outcome": "resolved", "useful_information": "" } });
    c.expect(op, call.clone().if_match(&etag).body(incomplete), 422).await;
    c.expect(op, call.clone().if_match(&etag), 200).await;

    // The "Acción" menu on another free release: delegate, suspend, reactivate, cancel.
    let acted = free.pop().expect("a free release");
    let reason =
        Call::new("GET", "/suspension-reasons").by("admin", &admin).send(&server).await.json()[0]["id"].clone();
    let actions = [
        ("delegate", json!({ "group": n1 }), json!({ "group": "N1" })),
        ("suspend", json!({ "justification": reason, "complement": "Ventana aplazada" }), json!({})),
        ("reactivate", Value::Null, Value::Null),
        ("cancel", json!({ "reason": "Ya no es necesaria" }), json!({ "reason": 7 })),
    ];
    for (action, body, unreadable) in actions {
        let path = format!("/api/v1/releases/{{number}}/{action}");
        let op = ("POST", path.as_str());
        let mut call = Call::new("POST", format!("/releases/{acted}/{action}")).by("gestor", &gestor);
        if !body.is_null() {
            call = call.body(body);
        }
        c.refuses_strangers(op, &call).await;
        c.expect(op, call.clone().by("consultor", &consultor), 403).await;
        if !unreadable.is_null() {
            c.expect(op, call.clone().body(unreadable), 400).await;
        }
        c.expect(op, call.clone(), 200).await;
        // Done once, the same again is refused: the release is no longer where it was.
        if action != "delegate" {
            c.expect(op, call.clone(), 409).await;
        }
    }
    // Reopen takes a closed release.
    let closed = Call::new("GET", "/releases?status=closed").by("gestor", &gestor).send(&server).await.json()
        ["releases"][0]["id"]
        .as_i64()
        .expect("a closed release in the demo");
    let op = ("POST", "/api/v1/releases/{number}/reopen");
    let call = Call::new("POST", format!("/releases/{closed}/reopen")).by("gestor", &gestor).body(json!({
        "reason": "El cliente reporta fallos"
    }));
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("consultor", &consultor), 403).await;
    c.expect(op, call.clone().body(json!({ "reason": "   " })), 422).await;
    c.expect(op, call.clone(), 200).await;
    c.expect(op, call.clone(), 409).await;

    // Catalogues, by the systems of record: list, one item, create or update by code.
    // Reading them, as writing, is the administration's (Administrar).
    let op = ("GET", "/api/v1/{catalogue}");
    let call = Call::new("GET", "/changes").by("admin", &admin);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("gestor", &gestor), 403).await;
    let code = c.expect(op, call, 200).await.json()[0]["code"].as_str().unwrap_or("").to_owned();
    let op = ("GET", "/api/v1/{catalogue}/{code}");
    let call = Call::new("GET", format!("/changes/{code}")).by("admin", &admin);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("gestor", &gestor), 403).await;
    c.expect(op, call, 200).await;
    c.expect(op, Call::new("GET", "/changes/NO-SUCH-CODE").by("admin", &admin), 404).await;
    let op = ("PUT", "/api/v1/{catalogue}/{code}");
    let item = json!({ "fields": { "shape": "problem", "title": "Caída del portal", "status": "registered" } });
    let call = Call::new("PUT", "/problems/PRB-CONTRACT").by("admin", &admin).body(item);
    c.refuses_strangers(op, &call).await;
    c.expect(op, call.clone().by("gestor", &gestor), 403).await;
    c.expect(op, call.clone(), 201).await;
    c.expect(op, call.clone(), 200).await;
    c.expect(
        op,
        call.clone().body(json!({ "fields": { "shape": "problem", "title": "" , "status": "registered" } })),
        422,
    )
    .await;
    c.expect(op, call.clone().body(json!({ "fields": "nothing" })), 400).await;

    let documented: BTreeSet<(String, String)> = c.document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object().into_iter().flatten().map(move |(method, _)| (method.clone(), path.clone()))
        })
        .collect();
    let untested: Vec<_> = documented.difference(&c.called).collect();
    assert!(untested.is_empty(), "documented operations no test calls: {untested:?}");
    let undocumented: Vec<_> = c.called.difference(&documented).collect();
    assert!(undocumented.is_empty(), "operations called but not documented: {undocumented:?}");
    assert!(c.broken.is_empty(), "answers that break the document:\n{}", c.broken.join("\n"));
}
