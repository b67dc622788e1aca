//! "Importar CSV" and "Exportar CSV" over HTTP, as an administrator sees them, on SQLite and
//! PostgreSQL: bad files refused whole with the line and the reason, nothing changed; a
//! 10,000-line file previewed then imported; a second import of the same file updating
//! rather than duplicating; an export read back by the import.

use crate::support;

use axum::http::StatusCode;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use serde_json::{json, Value};
use support::{demo_server, Backend, Client, TestServer};

async fn send(admin: &Client, catalogue: &str, file: &[u8], apply: bool) -> Value {
    let args = json!({ "catalogue": catalogue, "file": BASE64.encode(file), "apply": apply });
    let answer = admin.call("admin_import_catalogue", args).await;
    assert!(answer.status.is_success(), "{answer:?}");
    answer.json()
}

/// The problems as the administration lists them, and how many entries its log holds.
async fn state(server: &TestServer, admin: &Client) -> (Value, usize) {
    let items = admin.call("admin_catalogue", json!({ "catalogue": "problems" })).await.json();
    let log = releasedesk_core::store::admin::changes(&server.db, None, i64::MAX).await.expect("the log");
    (items, log.len())
}

fn problems_file(lines: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut file = String::from("code,title,status,active\n");
    for line in lines {
        file.push_str(&line);
        file.push('\n');
    }
    file.into_bytes()
}

async fn bad_files_are_refused_with_their_line_and_reason_and_change_nothing(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let before = state(&server, &admin).await;
    let good = "PRB-A1,Caída del portal,registered,1".to_owned();
    let mut too_many = vec![good.clone()];
    too_many.extend((0..10_000).map(|i| format!("PRB-T{i},Problema {i},registered,1")));
    let cases: Vec<(&str, Vec<u8>, Value)> = vec![
        ("an empty file", Vec::new(), json!([{ "line": null, "problem": { "kind": "empty" } }])),
        ("a header only", problems_file([]), json!([{ "line": null, "problem": { "kind": "empty" } }])),
        (
            "another catalogue's header",
            b"code,name_es,name_pt,active\nX,a,b,1\n".to_vec(),
            json!([{ "line": 1, "problem": { "kind": "wrong_header", "expected": "code,title,status,active" } }]),
        ),
        (
            "Latin-1 instead of UTF-8",
            b"code,title,status,active\nPRB-A1,Ca\xEDda del portal,registered,1\n".to_vec(),
            json!([{ "line": 2, "problem": { "kind": "not_utf8" } }]),
        ),
        (
            "10,001 lines",
            problems_file(too_many),
            json!([{ "line": null, "problem": { "kind": "too_many_lines", "max": 10_000 } }]),
        ),
        (
            "a formula, an unknown status and a repeated code",
            problems_file([
                good.clone(),
                "PRB-A2,=HYPERLINK(\"http://evil.example\"),registered,1".to_owned(),
                "PRB-A3,Lentitud,sin_estado,1".to_owned(),
                "PRB-A1,Otra vez,registered,1".to_owned(),
            ]),
            json!([
                { "line": 3, "problem": { "kind": "formula", "column": "title" } },
                { "line": 4, "problem": { "kind": "field", "field": "status", "problem": "unknown" } },
                { "line": 5, "problem": { "kind": "repeated_code", "first_line": 2 } },
            ]),
        ),
    ];
    for (what, file, errors) in cases {
        for apply in [false, true] {
            let report = send(&admin, "problems", &file, apply).await;
            assert_eq!(report["errors"], errors, "{what}: {report}");
            assert_eq!(report["imported"], false, "{what}");
        }
    }
    assert_eq!(state(&server, &admin).await, before, "a refused file changed the catalogue or its log");
}

async fn a_10000_line_file_is_previewed_then_imported_and_a_second_import_updates(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let (items_before, logged_before) = state(&server, &admin).await;
    let count_before = items_before.as_array().map_or(0, Vec::len);
    let file = problems_file((0..10_000).map(|i| format!("EXT-{i:05},\"Problema externo {i}, réplica\",registered,1")));

    let preview = send(&admin, "problems", &file, false).await;
    assert_eq!((preview["errors"].clone(), preview["imported"].clone()), (json!([]), json!(false)), "{preview}");
    let lines = preview["lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 10_000);
    assert!(lines.iter().all(|line| line["action"] == "create"));
    assert_eq!(lines[9_999]["line"], 10_001, "lines are numbered as in the file, the header first");
    assert_eq!(state(&server, &admin).await.1, logged_before, "a preview changed something");

    let imported = send(&admin, "problems", &file, true).await;
    assert_eq!(imported["imported"], true, "{}", imported["errors"]);
    let (items, logged) = state(&server, &admin).await;
    assert_eq!(items.as_array().map_or(0, Vec::len), count_before + 10_000);
    assert_eq!(logged, logged_before + 10_000, "every created item is in the administration log");
    // Imported problems are offered to the relation pickers at once.
    let ana = server.login("ana").await;
    let hits = ana.call("search_catalogue", json!({ "kind": "problem", "text": "externo 9999", "page": 0 })).await;
    assert_eq!(hits.json()["hits"][0]["label"], "Problema externo 9999, réplica", "{hits:?}");

    // The same file again: nothing to do. Two lines changed: two updates, no duplicate.
    let again = send(&admin, "problems", &file, true).await;
    let actions = |report: &Value, action: &str| {
        report["lines"].as_array().into_iter().flatten().filter(|line| line["action"] == action).count()
    };
    assert_eq!((actions(&again, "unchanged"), again["imported"].clone()), (10_000, json!(true)));
    let changed = problems_file([
        "EXT-00000,Problema externo 0 resuelto,resolved,1".to_owned(),
        "EXT-00001,\"Problema externo 1, réplica\",registered,0".to_owned(),
        "EXT-00002,\"Problema externo 2, réplica\",registered,1".to_owned(),
    ]);
    let updated = send(&admin, "problems", &changed, true).await;
    assert_eq!((actions(&updated, "update"), actions(&updated, "unchanged")), (2, 1), "{updated}");
    let (items, logged) = state(&server, &admin).await;
    assert_eq!(items.as_array().map_or(0, Vec::len), count_before + 10_000, "a second import duplicated items");
    assert_eq!(logged, logged_before + 10_002);
    let item = |code: &str| items.as_array().into_iter().flatten().find(|i| i["code"] == code).cloned();
    let first = item("EXT-00000").unwrap_or_default();
    assert_eq!(
        (first["fields"]["title"].clone(), first["fields"]["status"].clone()),
        (json!("Problema externo 0 resuelto"), json!("resolved"))
    );
    assert_eq!(item("EXT-00001").unwrap_or_default()["active"], false, "retired by the file");
}

async fn an_exported_catalogue_is_read_back_unchanged(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    for catalogue in
        ["solution_categories", "suspension_reasons", "problems", "knowledge_articles", "definitive_media", "changes"]
    {
        // A title a spreadsheet would run goes out inert and comes back as typed.
        if catalogue == "problems" {
            let draft = json!({ "code": "PRB-F", "active": true, "fields": {
                "shape": "problem", "title": "-1 % de errores tras =SUMA", "status": "registered"
            }});
            let created = admin.call("admin_create_item", json!({ "catalogue": catalogue, "draft": draft })).await;
            assert!(created.status.is_success(), "{created:?}");
        }
        let exported = admin.call("admin_export_catalogue", json!({ "catalogue": catalogue })).await;
        assert_eq!(exported.status, StatusCode::OK, "{exported:?}");
        let csv: String = serde_json::from_str(&exported.text).expect("the file's text");
        assert!(!csv.lines().skip(1).any(|line| line.starts_with(['=', '+', '-', '@'])), "{csv}");
        let report = send(&admin, catalogue, csv.as_bytes(), false).await;
        assert_eq!(report["errors"], json!([]), "{catalogue}: {report}");
        let lines = report["lines"].as_array().cloned().unwrap_or_default();
        assert!(!lines.is_empty() && lines.iter().all(|line| line["action"] == "unchanged"), "{catalogue}: {report}");
    }
}

on_both_databases!(
    a_10000_line_file_is_previewed_then_imported_and_a_second_import_updates,
    an_exported_catalogue_is_read_back_unchanged,
    bad_files_are_refused_with_their_line_and_reason_and_change_nothing,
);
