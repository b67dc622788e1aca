//! Attachments ("Adjuntos" / "Anexos") over HTTP, on SQLite and PostgreSQL: a file goes up
//! and comes back byte for byte with its SHA-256, typed by its content and not its name;
//! files over the limit are refused before they are read whole; bad input leaves nothing
//! behind; every route checks the caller; uploads and removals are logged; and the
//! `ATTACHMENTS_DIR` variant keeps the bytes in files named by their SHA-256.

use crate::support::{self, captured_release, Answer, Backend, Client, TestServer};
use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use leptos::prelude::LeptosOptions;
use releasedesk_core::commands::attachments::Settings;
use releasedesk_core::seed::demo;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

on_both_databases!(
    a_file_goes_up_and_comes_back_byte_for_byte_and_both_are_logged,
    the_type_comes_from_the_content_not_the_name,
    bad_input_is_refused_with_its_reason_and_leaves_nothing_behind,
    a_file_over_the_limit_is_refused_before_it_is_read_whole,
    every_route_checks_the_caller,
    attachments_dir_keeps_the_bytes_in_files_named_by_their_sha256,
);

/// A PNG of one pixel.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d,
    0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A server on a fresh database with the demo and these attachment settings.
async fn server_with(backend: Backend, settings: Settings) -> TestServer {
    let url = support::database_url(backend).await;
    let desk = server::open_database(&url).await.expect("open the database").with_attachments(settings);
    assert!(demo::load_if_empty(&desk).await.expect("load the demo"));
    let options = LeptosOptions::builder().output_name("releasedesk").build();
    let app = server::router(desk.clone(), options, false).await.expect("build the router");
    TestServer { app, db: desk.db.clone(), desk, url, seeded_admin_changes: 0 }
}

fn request(client: &Client, method: &str, path: &str) -> axum::http::request::Builder {
    let mut builder = Request::builder().method(method).uri(path).header(header::HOST, "127.0.0.1");
    if let Some(cookie) = &client.cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder
}

fn upload_path(release: i64, name: &str, occurrence: Option<i64>) -> String {
    let name = support::urlencode(name);
    match occurrence {
        Some(entry) => format!("/api/attachments/{release}?name={name}&occurrence={entry}"),
        None => format!("/api/attachments/{release}?name={name}"),
    }
}

/// Uploads `bytes` as the page does: the body is the file, `application/octet-stream`.
pub(crate) async fn upload(client: &Client, release: i64, name: &str, bytes: &[u8], occurrence: Option<i64>) -> Answer {
    let request = request(client, "POST", &upload_path(release, name, occurrence))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, bytes.len())
        .body(Body::from(bytes.to_vec()))
        .expect("request");
    client.send(request).await
}

/// The answer's status, headers and raw bytes.
async fn download(client: &Client, release: i64, id: i64) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request =
        request(client, "GET", &format!("/api/attachments/{release}/{id}")).body(Body::empty()).expect("request");
    let response = client.app.clone().oneshot(request).await.expect("the router answers");
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.expect("read the body").to_bytes().to_vec();
    (status, headers, bytes)
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

async fn attachment_kinds(client: &Client, release: i64) -> Vec<String> {
    let log = client.call("release_log", json!({ "id": release })).await.json();
    log.as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["kind"].as_str().map(str::to_owned))
        .filter(|kind| kind.starts_with("attachment"))
        .collect()
}

async fn stored_rows(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM attachments").fetch_one(&server.db.pool).await.expect("count")
}

async fn a_file_goes_up_and_comes_back_byte_for_byte_and_both_are_logged(backend: Backend) {
    let server = support::demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = captured_release(&ana).await;
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();

    let answer = upload(&ana, id, "registro de despliegue ñ.bin", &bytes, None).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let stored = answer.json();
    assert_eq!(stored["name"], "registro de despliegue ñ.bin");
    assert_eq!(stored["size"], 300_000);
    assert_eq!(stored["sha256"], sha256(&bytes));
    assert_eq!(stored["uploaded_by"], "Ana Martínez");
    assert_eq!(stored["occurrence"], Value::Null);
    let file = stored["id"].as_i64().expect("its id");

    let (status, headers, back) = download(&ana, id, file).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back, bytes, "the same bytes come back");
    assert_eq!(sha256(&back), stored["sha256"]);
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(
        text(header::CONTENT_DISPOSITION),
        "attachment; filename=\"registro de despliegue _.bin\"; filename*=UTF-8''registro%20de%20despliegue%20%C3%B1.bin"
    );
    assert_eq!(text(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(text(header::CONTENT_TYPE), "application/octet-stream");

    // To a manual occurrence of the release: only one of its own manual entries.
    let occurrence = json!({
        "category": "execution", "origin": "phone", "minutes": 5, "description": "Evidencia",
        "occurrence": "Se adjunta la captura.", "user_information": "Sin impacto.",
    });
    let added = ana.call("add_occurrence", json!({ "id": id, "occurrence": occurrence })).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let entry = added.json().as_i64().expect("the occurrence's id");
    let answer = upload(&ana, id, "captura.png", PNG, Some(entry)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.json()["occurrence"], entry);
    assert_eq!(answer.json()["media_type"], "image/png");
    let (status, headers, back) = download(&ana, id, answer.json()["id"].as_i64().unwrap_or_default()).await;
    assert_eq!((status, back.as_slice()), (StatusCode::OK, PNG));
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("image/png"));
    let captured = ana.call("release_log", json!({ "id": id })).await.json()[2]["id"].as_i64().unwrap_or_default();
    for wrong in [captured, entry + 1000] {
        let answer = upload(&ana, id, "otro.txt", b"texto", Some(wrong)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "entry {wrong}: {}", answer.text);
    }

    let listed = ana.call("list_attachments", json!({ "id": id })).await.json();
    assert_eq!(listed["may_edit"], true);
    assert_eq!(listed["max_bytes"], 20 * 1024 * 1024);
    let names: Vec<&str> =
        listed["attachments"].as_array().into_iter().flatten().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["registro de despliegue ñ.bin", "captura.png"]);

    let removed = ana.call("remove_attachment", json!({ "id": id, "attachment": file })).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(download(&ana, id, file).await.0, StatusCode::NOT_FOUND);
    let again = ana.call("remove_attachment", json!({ "id": id, "attachment": file })).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // Newest first: the removal, then the two uploads.
    assert_eq!(attachment_kinds(&ana, id).await, ["attachment_removed", "attachment_added", "attachment_added"]);
    let log = ana.call("release_log", json!({ "id": id })).await.json();
    assert_eq!(log[0]["text"], "registro de despliegue ñ.bin");
    assert_eq!(log[0]["user"], "Ana Martínez");
    assert_eq!(stored_rows(&server).await, 1);
}

async fn the_type_comes_from_the_content_not_the_name(backend: Backend) {
    let server = support::demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = captured_release(&ana).await;
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.resize(256, 0);
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.resize(256, 0);
    for (name, bytes, expected) in [
        ("notas.txt", PNG.to_vec(), "image/png"),
        ("informe.pdf", elf, "application/x-executable"),
        ("contrato.pdf", exe, "application/vnd.microsoft.portable-executable"),
        ("foto.png", b"solo texto, sin imagen\n".to_vec(), "text/plain"),
        ("informe.png", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(), "application/pdf"),
    ] {
        let answer = upload(&ana, id, name, &bytes, None).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{name}: {}", answer.text);
        assert_eq!(answer.json()["media_type"], expected, "{name}");
        let (_, headers, _) = download(&ana, id, answer.json()["id"].as_i64().unwrap_or_default()).await;
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some(expected), "{name}");
    }
}

async fn bad_input_is_refused_with_its_reason_and_leaves_nothing_behind(backend: Backend) {
    let server = support::demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = captured_release(&ana).await;

    let empty = upload(&ana, id, "vacío.txt", b"", None).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.text);
    assert_eq!(empty.json()["error"], "empty_file");
    for name in ["../../etc/passwd", "a/b.txt", "C:\\temp\\x.txt", "línea\nnueva.txt", "nul\0.txt", "..", "  "] {
        let answer = upload(&ana, id, name, b"contenido", None).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {}", answer.text);
        assert_eq!(answer.json()["field"], "file_name", "{name:?}");
    }
    let unknown = upload(&ana, 999_999, "x.txt", b"contenido", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    let no_name = ana
        .send(
            request(&ana, "POST", &format!("/api/attachments/{id}"))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from("contenido"))
                .expect("request"),
        )
        .await;
    assert_eq!(no_name.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_name.text);
    // Only as a file: a body a form of another site could send is not read.
    let as_text = ana
        .send(
            request(&ana, "POST", &upload_path(id, "x.txt", None))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("contenido"))
                .expect("request"),
        )
        .await;
    assert_eq!(as_text.status, StatusCode::BAD_REQUEST, "{}", as_text.text);

    assert_eq!(stored_rows(&server).await, 0, "nothing stored");
    assert!(attachment_kinds(&ana, id).await.is_empty(), "nothing logged");
}

async fn a_file_over_the_limit_is_refused_before_it_is_read_whole(backend: Backend) {
    let limit = 64 * 1024;
    let server = server_with(backend, Settings { max_bytes: limit, dir: None }).await;
    let ana = server.login("ana").await;
    let id = captured_release(&ana).await;
    assert_eq!(ana.call("list_attachments", json!({ "id": id })).await.json()["max_bytes"], limit);

    // Exactly the limit is taken; one byte more is not.
    let whole = vec![b'a'; usize::try_from(limit).unwrap_or_default()];
    assert_eq!(upload(&ana, id, "justo.txt", &whole, None).await.status, StatusCode::CREATED);
    let over = upload(&ana, id, "grande.txt", &[whole.as_slice(), b"b"].concat(), None).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.text);
    assert_eq!(over.json()["error"], "file_too_large");
    assert_eq!(over.json()["max_bytes"], limit);

    // A Content-Length over the limit is answered at once: the body sends its first bytes and
    // then nothing more, so an answer that waited for it would never come.
    let never_ends = || {
        let first = futures::stream::once(async { Ok::<_, std::io::Error>(Bytes::from_static(b"primeros bytes")) });
        Body::from_stream(futures::StreamExt::chain(first, futures::stream::pending()))
    };
    let declared = request(&ana, "POST", &upload_path(id, "enorme.iso", None))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, 10 * 1024 * 1024 * 1024u64)
        .body(never_ends())
        .expect("request");
    let answer = tokio::time::timeout(Duration::from_secs(20), ana.send(declared)).await.expect("answered at once");
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.text);
    assert_eq!(answer.json()["error"], "file_too_large");

    // Without a length (chunked), the bytes are counted as they come and refused past it.
    let chunks = futures::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'c'; 4096]))));
    let chunked = request(&ana, "POST", &upload_path(id, "troceado.txt", None))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from_stream(chunks))
        .expect("request");
    let answer = ana.send(chunked).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.text);
    // One that passes it and then never ends is cut off as soon as it passes it.
    let endless = futures::stream::iter((0..20).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'd'; 4096]))));
    let endless = Body::from_stream(futures::StreamExt::chain(endless, futures::stream::pending()));
    let cut = request(&ana, "POST", &upload_path(id, "sin-fin.txt", None))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(endless)
        .expect("request");
    let answer = tokio::time::timeout(Duration::from_secs(20), ana.send(cut)).await.expect("cut off");
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.text);

    assert_eq!(stored_rows(&server).await, 1, "only the file within the limit");
    assert_eq!(attachment_kinds(&ana, id).await, ["attachment_added"]);

    // The default limit, 20 MB, is refused as early.
    let default = support::demo_server(backend).await;
    let ana = default.login("ana").await;
    let id = captured_release(&ana).await;
    let declared = request(&ana, "POST", &upload_path(id, "enorme.iso", None))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, 20 * 1024 * 1024 + 1)
        .body(never_ends())
        .expect("request");
    let answer = tokio::time::timeout(Duration::from_secs(20), ana.send(declared)).await.expect("answered at once");
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.text);
}

async fn every_route_checks_the_caller(backend: Backend) {
    let server = support::demo_server(backend).await;
    let ana = server.login("ana").await;
    let id = captured_release(&ana).await;
    let file = upload(&ana, id, "evidencia.txt", b"evidencia", None).await.json()["id"].as_i64().expect("uploaded");

    // Nobody logged in: 401 on every route.
    let anonymous = server.anonymous();
    assert_eq!(upload(&anonymous, id, "x.txt", b"x", None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(download(&anonymous, id, file).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.call("list_attachments", json!({ "id": id })).await.status, StatusCode::UNAUTHORIZED);
    let remove = json!({ "id": id, "attachment": file });
    assert_eq!(anonymous.call("remove_attachment", remove.clone()).await.status, StatusCode::UNAUTHORIZED);

    // Users outside the task's group may read the release and so its files, never change them.
    for login in ["lucia", "consultor"] {
        let other = server.login(login).await;
        let refused = upload(&other, id, "x.txt", b"x", None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{login}: {}", refused.text);
        assert_eq!(refused.json()["refusal"]["reason"], "not_in_group", "{login}");
        let refused = other.call("remove_attachment", remove.clone()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{login}: {}", refused.text);
        let listed = other.call("list_attachments", json!({ "id": id })).await;
        assert_eq!(listed.status, StatusCode::OK, "{login}");
        assert_eq!(listed.json()["may_edit"], false, "{login}");
        let (status, _, bytes) = download(&other, id, file).await;
        assert_eq!((status, bytes.as_slice()), (StatusCode::OK, b"evidencia".as_slice()), "{login}");
    }
    // Delegar is enough without the task: João's group (the task's) has it, and the manager's.
    for (login, name) in [("joao", "de-joao.txt"), ("gestor", "del-gestor.txt")] {
        let delegate = server.login(login).await;
        assert_eq!(upload(&delegate, id, name, b"g", None).await.status, StatusCode::CREATED, "{login}");
    }
    // A page of another site cannot upload through a logged-in browser.
    let cross_site = request(&ana, "POST", &upload_path(id, "x.txt", None))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from("x"))
        .expect("request");
    assert_eq!(ana.send(cross_site).await.status, StatusCode::FORBIDDEN);
    // A file of another release is not found through this one.
    let other_release = 1;
    assert_ne!(other_release, id);
    assert_eq!(download(&ana, other_release, file).await.0, StatusCode::NOT_FOUND);

    let names: Vec<String> = ana.call("list_attachments", json!({ "id": id })).await.json()["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, ["evidencia.txt", "de-joao.txt", "del-gestor.txt"]);
}

async fn attachments_dir_keeps_the_bytes_in_files_named_by_their_sha256(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("releasedesk-attachments-{}-{backend:?}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let settings = Settings::default().in_dir(dir.clone()).expect("the directory");
    let server = server_with(backend, settings).await;
    let ana = server.login("ana").await;
    let id = captured_release(&ana).await;

    let first = upload(&ana, id, "captura.png", PNG, None).await.json();
    let second = upload(&ana, id, "la-misma.png", PNG, None).await.json();
    let hash = sha256(PNG);
    assert_eq!(first["sha256"], hash);
    let file = dir.join(&hash);
    assert_eq!(std::fs::read(&file).expect("the file named by its SHA-256"), PNG);
    let names: Vec<String> =
        std::fs::read_dir(&dir).expect("list").filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    assert_eq!(names, std::slice::from_ref(&hash), "one file for the same bytes, no temporary left");
    let in_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE content IS NOT NULL")
        .fetch_one(&server.db.pool)
        .await
        .expect("count");
    assert_eq!(in_rows, 0, "the bytes are not in the database");
    let (status, _, bytes) = download(&ana, id, first["id"].as_i64().unwrap_or_default()).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PNG));

    let remove = |attachment: &Value| json!({ "id": id, "attachment": attachment["id"] });
    assert_eq!(ana.call("remove_attachment", remove(&first)).await.status, StatusCode::OK);
    assert!(file.exists(), "still named by the other row");
    assert_eq!(ana.call("remove_attachment", remove(&second)).await.status, StatusCode::OK);
    assert!(!file.exists(), "removed with the last row naming it");
    assert_eq!(attachment_kinds(&ana, id).await.len(), 4);
    let _ = std::fs::remove_dir_all(&dir);
}
