//! The server's life as an operator manages it, with the real binary: stopped with SIGTERM
//! while requests and event streams are open; backed up while it serves a stream of
//! advances, restored, checked.

use crate::support;

use serde_json::{json, Value};
use sqlx::Row;
use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::process::{Reply, ServerProcess, BINARY};
use support::{database_url, Backend};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn ok(reply: Result<Reply, reqwest::Error>, what: &str) -> Reply {
    let reply = reply.unwrap_or_else(|error| panic!("{what}: no answer: {error}"));
    assert!(reply.status.is_success(), "{what}: {} {}", reply.status, reply.text);
    reply
}

/// Runs `releasedesk --database-url URL ARGS…` to its end, as an operator at a shell would.
async fn releasedesk(url: &str, args: &[&str]) -> Output {
    let mut command = Command::new(BINARY);
    command.arg("--database-url").arg(url).args(args).env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    tokio::task::spawn_blocking(move || command.output().expect("run the releasedesk binary"))
        .await
        .expect("the command's thread")
}

fn printed(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

async fn open_directly(backend: Backend, url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{url}?mode=ro"),
        Backend::Postgres => url.to_owned(),
    };
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.expect("open the database directly")
}

// ---------------------------------------------------------------------------------------
// SIGTERM with requests and event streams open.

/// A server-function call whose body the client sends slowly, over its own connection: the
/// headers (with the body's length) at once, the body in pieces later.
struct SlowRequest {
    connection: TcpStream,
    body: Vec<u8>,
    what: String,
}

impl SlowRequest {
    /// Sends the headers and waits until the server reads the body: with
    /// `Expect: 100-continue`, the server says "100 Continue" when its handler starts reading
    /// the body, so the request is in the server's hands, and in flight, from then on.
    async fn open(server: &ServerProcess, cookie: &str, endpoint: &str, args: Value) -> SlowRequest {
        let body = args.to_string().into_bytes();
        let mut connection = TcpStream::connect(("127.0.0.1", server.port)).await.expect("connect");
        let head = format!(
            "POST /api/{endpoint} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {cookie}\r\n\
             Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\
             Expect: 100-continue\r\nConnection: close\r\n\r\n",
            server.port,
            body.len()
        );
        connection.write_all(head.as_bytes()).await.expect("send the headers");
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let mut buffer = [0u8; 256];
            let read = tokio::time::timeout_at(deadline, connection.read(&mut buffer))
                .await
                .unwrap_or_else(|_| panic!("{endpoint} {args}: no 100 Continue within 15 s"))
                .expect("read");
            assert!(read > 0, "{endpoint}: the server closed the connection before reading the body");
            seen.extend_from_slice(&buffer[..read]);
        }
        let interim = String::from_utf8_lossy(&seen);
        assert!(interim.starts_with("HTTP/1.1 100"), "{endpoint}: expected 100 Continue, got {interim}");
        SlowRequest { connection, body, what: format!("{endpoint} {args}") }
    }

    /// Sends the first bytes of the body.
    async fn start_body(&mut self) -> usize {
        let first = self.body.len() / 3;
        self.connection.write_all(&self.body[..first]).await.expect("send the start of the body");
        first
    }

    /// Sends the rest of the body in `pieces`, `pause` apart, then reads the answer up to the
    /// end of the connection: status and body.
    async fn finish(mut self, from: usize, pieces: usize, pause: Duration) -> (u16, String, String) {
        let rest = &self.body[from..];
        let size = rest.len().div_ceil(pieces).max(1);
        for piece in rest.chunks(size) {
            tokio::time::sleep(pause).await;
            self.connection.write_all(piece).await.unwrap_or_else(|e| panic!("{}: sending the body: {e}", self.what));
        }
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), self.connection.read_to_end(&mut answer))
            .await
            .unwrap_or_else(|_| panic!("{}: no end of the answer within 30 s", self.what))
            .unwrap_or_else(|e| panic!("{}: reading the answer: {e}", self.what));
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
        let body = if chunked { dechunk(body) } else { body.to_owned() };
        (status, body, self.what)
    }
}

/// The body of a chunked HTTP/1.1 answer.
fn dechunk(mut text: &str) -> String {
    let mut body = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        body.push_str(&rest[..size]);
        text = rest[size..].trim_start_matches("\r\n");
    }
    body
}

async fn sigterm_lets_open_requests_and_streams_finish_and_exits_0(backend: Backend) {
    const GRACE: Duration = Duration::from_secs(10);
    let url = database_url(backend).await;
    let grace = GRACE.as_secs().to_string();
    let mut server = ServerProcess::start_with(&url, true, &[("SHUTDOWN_GRACE", &grace)]).await;
    let ana = server.login("ana").await;
    let cookie = ana.cookie.clone().expect("ana's session cookie");
    let list = |status: Option<&str>, scope: &str| json!({ "query": { "search": "", "status": status, "scope": scope, "page": 0 } });
    let ids = |reply: Reply, access: Option<&str>| -> Vec<i64> {
        let rows = reply.json()["rows"].as_array().cloned().unwrap_or_default();
        rows.iter()
            .filter(|row| access.is_none_or(|access| row["access"]["access"] == access))
            .filter_map(|row| row["id"].as_i64())
            .collect()
    };
    let waiting = ids(ok(ana.call("list_releases", list(Some("approved"), "groups")).await, "list"), Some("capture"));
    let any = ids(ok(ana.call("list_releases", list(None, "all")).await, "list all"), None);
    assert!(waiting.len() >= 10 && any.len() >= 10, "the demo has releases to capture and to read");
    let (captures, reads) = (waiting[..10].to_vec(), any[..10].to_vec());

    // 20 requests in flight (the server is reading their bodies) and 5 open event streams.
    let mut requests = Vec::new();
    for &id in &captures {
        requests.push(SlowRequest::open(&server, &cookie, "capture_task", json!({ "id": id })).await);
    }
    for &id in &reads {
        requests.push(SlowRequest::open(&server, &cookie, "get_release", json!({ "id": id })).await);
    }
    let mut starts = Vec::new();
    for request in &mut requests {
        starts.push(request.start_body().await);
    }
    let mut streams = Vec::new();
    for _ in 0..5 {
        let stream = ana.events().await.expect("open an event stream");
        assert_eq!(stream.response.status(), 200);
        streams.push(stream);
    }

    server.terminate();
    let terminated = Instant::now();
    // The bodies arrive over the next 1.5 s; each stream is read to its end.
    let answers: Vec<_> = requests
        .into_iter()
        .zip(starts)
        .map(|(request, from)| tokio::spawn(request.finish(from, 3, Duration::from_millis(500))))
        .collect();
    let endings: Vec<_> = streams
        .into_iter()
        .map(|mut stream| {
            tokio::spawn(async move {
                let mut text = String::new();
                let ended = loop {
                    match tokio::time::timeout(Duration::from_secs(30), stream.response.chunk()).await {
                        Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
                        Ok(Ok(None)) => break Ok(()),
                        Ok(Err(error)) => break Err(error.to_string()),
                        Err(_) => break Err("no end within 30 s".to_owned()),
                    }
                };
                (text, ended)
            })
        })
        .collect();

    for answer in answers {
        let (status, body, what) = answer.await.expect("a request's task");
        assert_eq!(status, 200, "{what}: answered {status} {body}");
        if let Some(id) = what.strip_prefix("get_release ") {
            let id: Value = serde_json::from_str(id).expect("the request's arguments");
            let release: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            assert_eq!(release["id"], id["id"], "{what}: answered {body}");
        }
    }
    for ending in endings {
        let (text, ended) = ending.await.expect("a stream's task");
        let last = text.trim_end().rsplit("\n\n").next().unwrap_or_default().to_owned();
        let lines: BTreeSet<&str> = last.lines().filter(|line| !line.starts_with(':')).collect();
        assert!(
            lines.contains("event: reconnect") && lines.contains("data: shutdown"),
            "the stream's last event is not the shutdown's: {last:?}"
        );
        let retry: u64 = lines
            .iter()
            .find_map(|line| line.strip_prefix("retry:"))
            .and_then(|ms| ms.trim().parse().ok())
            .expect("the last event says when to reconnect");
        assert!((1000..3000).contains(&retry), "reconnect after {retry} ms");
        assert_eq!(ended, Ok(()), "the stream did not end cleanly after its last event: {text:?}");
    }
    let status = server.exit_status_by(terminated + GRACE).await;
    let took = terminated.elapsed();
    assert!(status.is_some(), "still running {took:?} after SIGTERM (grace {GRACE:?}):\n{}", server.output());
    assert_eq!(status.and_then(|s| s.code()), Some(0), "exit status after SIGTERM:\n{}", server.output());
    eprintln!("{backend:?}: exited 0 {took:?} after SIGTERM");

    // The captures the server answered are in the database.
    let pool = open_directly(backend, &url).await;
    let mut held = 0;
    for id in &captures {
        let holder: Option<String> = sqlx::query(
            "SELECT u.username FROM releases r JOIN tasks t ON t.id = r.current_task_id
               LEFT JOIN users u ON u.id = t.assignee_id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("read the release")
        .get(0);
        held += usize::from(holder.as_deref() == Some("ana"));
    }
    assert_eq!(held, captures.len(), "captures answered during the shutdown and not in the database");
    pool.close().await;
    let check = releasedesk(&url, &["check"]).await;
    assert!(check.status.success(), "check after the shutdown:\n{}", printed(&check));
}

on_both_databases!(sigterm_lets_open_requests_and_streams_finish_and_exits_0);

// ---------------------------------------------------------------------------------------
// Backup while advances run; restore; check.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_during_1000_concurrent_advances_restores_every_advance_acknowledged_before_it() {
    const ADVANCES: usize = 1000;
    const IN_FLIGHT: usize = 32;
    const ACKNOWLEDGED_BEFORE_THE_BACKUP: usize = 250;
    let url = database_url(Backend::Sqlite).await;
    let seeded = releasedesk(&url, &["seed-bench", "--releases", "12000"]).await;
    assert!(seeded.status.success(), "seed-bench:\n{}", printed(&seeded));
    let seeded: Value = serde_json::from_slice(&seeded.stdout).expect("seed-bench prints JSON");
    let held: Vec<i64> = seeded["held_by_ana"].as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
    assert!(held.len() >= ADVANCES, "{} releases held by ana: the seed needs more", held.len());
    let held = held[..ADVANCES].to_vec();
    let category = seeded["solution_category"].clone();

    let mut server = ServerProcess::start(&url, false).await;
    let ana = server.login("ana").await;
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let queue = Arc::new(Mutex::new(held.clone()));
    // IN_FLIGHT browsers, each advancing release after release.
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (ana, acknowledged, in_flight, problems, queue) =
                (ana.clone(), acknowledged.clone(), in_flight.clone(), problems.clone(), queue.clone());
            let category = category.clone();
            tokio::spawn(async move {
                loop {
                    let Some(id) = queue.lock().expect("queue").pop() else { break };
                    let closure = json!({ "outcome": "resolved", "solution_category": category,
                                          "useful_information": "Desplegado y validado." });
                    let advance = json!({ "id": id, "version": 1, "decision": null, "closure": closure });
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    let answer = ana.call("advance_release", advance).await;
                    match answer {
                        Ok(reply) if reply.status.is_success() && reply.json()["status"] == "resolved" => {
                            acknowledged.lock().expect("acknowledged").push(id)
                        }
                        Ok(reply) => {
                            problems.lock().expect("problems").push(format!("{id}: {} {}", reply.status, reply.text))
                        }
                        Err(error) => problems.lock().expect("problems").push(format!("{id}: {error}")),
                    }
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();

    // The backup, once some advances are acknowledged and others are in flight.
    let deadline = Instant::now() + Duration::from_secs(120);
    let (before, in_flight_at_start) = loop {
        let done = acknowledged.lock().expect("acknowledged").clone();
        let flying = in_flight.load(Ordering::SeqCst);
        if done.len() >= ACKNOWLEDGED_BEFORE_THE_BACKUP && flying > 0 {
            break (done.into_iter().collect::<BTreeSet<i64>>(), flying);
        }
        assert!(problems.lock().expect("problems").is_empty(), "{:?}", problems.lock().expect("problems"));
        assert!(Instant::now() < deadline, "only {} advances acknowledged in 120 s", done.len());
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let dir = std::env::temp_dir().join(format!("releasedesk-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory for the backup");
    let backup = dir.join("during-advances.db");
    let _ = std::fs::remove_file(&backup);
    let backup_text = backup.display().to_string();
    let backed_up = releasedesk(&url, &["backup", &backup_text]).await;
    let acknowledged_at_the_end_of_the_backup = acknowledged.lock().expect("acknowledged").len();
    assert!(backed_up.status.success(), "backup:\n{}", printed(&backed_up));
    // A second backup to the same file is refused: a backup never overwrites one.
    let again = releasedesk(&url, &["backup", &backup_text]).await;
    assert!(!again.status.success() && printed(&again).contains("already exists"), "{}", printed(&again));

    for worker in workers {
        worker.await.expect("an advancing browser");
    }
    assert!(
        problems.lock().expect("problems").is_empty(),
        "refused advances: {:?}",
        problems.lock().expect("problems")
    );
    let all: BTreeSet<i64> = acknowledged.lock().expect("acknowledged").iter().copied().collect();
    assert_eq!(all.len(), ADVANCES, "every advance acknowledged");
    assert!(
        acknowledged_at_the_end_of_the_backup > before.len(),
        "no advance was acknowledged while the backup ran ({} before it)",
        before.len()
    );

    // Restored to a new place, the backup passes the check and holds every advance
    // acknowledged before it began.
    let restored = dir.join("restored.db");
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", restored.display()));
    }
    let restored_text = restored.display().to_string();
    let restore = releasedesk(&restored_text, &["restore", &backup_text]).await;
    assert!(restore.status.success(), "restore:\n{}", printed(&restore));
    let check = releasedesk(&restored_text, &["check"]).await;
    assert!(check.status.success(), "check of the restored database:\n{}", printed(&check));
    for line in ["ok     PRAGMA integrity_check", "ok     PRAGMA foreign_key_check", "ok     migrations"] {
        assert!(printed(&check).contains(line), "check printed no {line:?}:\n{}", printed(&check));
    }
    let resolved_in_backup = resolved(&restored_text, &held).await;
    let missing: Vec<_> = before.difference(&resolved_in_backup).collect();
    assert!(missing.is_empty(), "advances acknowledged before the backup and not in it: {missing:?}");
    eprintln!(
        "backup began with {} advances acknowledged and {in_flight_at_start} in flight, ended with {} acknowledged; \
         it holds {} of the {ADVANCES}",
        before.len(),
        acknowledged_at_the_end_of_the_backup,
        resolved_in_backup.len()
    );

    // The live database cannot be restored while the server serves it; once it has stopped, it can.
    let refused = releasedesk(&url, &["restore", &backup_text]).await;
    assert!(!refused.status.success(), "restore over a database in use:\n{}", printed(&refused));
    assert!(printed(&refused).contains("a server is using"), "{}", printed(&refused));
    assert_eq!(resolved(&url, &held).await.len(), ADVANCES, "the refused restore changed the live database");
    server.terminate();
    let status = server.exit_status_by(Instant::now() + Duration::from_secs(20)).await;
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", server.output());
    let restore = releasedesk(&url, &["restore", &backup_text]).await;
    assert!(restore.status.success(), "restore once the server stopped:\n{}", printed(&restore));
    assert!(printed(&restore).contains("kept as"), "{}", printed(&restore));
    assert_eq!(resolved(&url, &held).await, resolved_in_backup, "the live database is now the backup");

    // The check finds what is broken: rows whose parent was deleted behind the database's back.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{restored_text}"))
        .await
        .expect("open the restored database");
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&pool).await.expect("foreign keys off");
    sqlx::query("DELETE FROM releases WHERE id = $1").bind(held[0]).execute(&pool).await.expect("delete a release");
    pool.close().await;
    let check = releasedesk(&restored_text, &["check"]).await;
    assert!(!check.status.success(), "check passed a database with orphaned rows:\n{}", printed(&check));
    assert!(printed(&check).contains("FAILED PRAGMA foreign_key_check"), "{}", printed(&check));
    let _ = std::fs::remove_dir_all(dir);
}

/// Which of `ids` are resolved in the SQLite database at `path`.
async fn resolved(path: &str, ids: &[i64]) -> BTreeSet<i64> {
    let pool = open_directly(Backend::Sqlite, path).await;
    let rows = sqlx::query("SELECT id FROM releases WHERE status = 'resolved'")
        .fetch_all(&pool)
        .await
        .expect("read the resolved releases");
    pool.close().await;
    let ids: BTreeSet<i64> = ids.iter().copied().collect();
    rows.iter().map(|row| row.get::<i64, _>(0)).filter(|id| ids.contains(id)).collect()
}

// ---------------------------------------------------------------------------------------
// Many browsers asking for the site's files at once.

/// The threads of tokio's runtime in process `pid` (its async workers and its blocking pool,
/// by the name tokio gives them), as Linux lists them.
fn tokio_threads_of(pid: u32) -> usize {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("tokio-"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_file_requests_is_served_by_a_bounded_set_of_threads() {
    const BROWSERS: usize = 200;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let server = ServerProcess::start(&database_url(Backend::Sqlite).await, false).await;
    assert!(tokio_threads_of(server.pid()) > 0, "cannot count the server's threads");
    let client = reqwest::Client::builder().timeout(support::process::REQUEST_TIMEOUT).build().expect("a client");
    let url = format!("{}/favicon.svg", server.base);
    // One connection each, all at once, as the first visits of many browsers.
    let answers = futures_util::future::join_all((0..BROWSERS).map(|_| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let answer = client.get(&url).send().await.expect("the file is answered");
            (answer.status(), answer.text().await.unwrap_or_default())
        }
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(status.as_u16(), 200);
        assert!(body.starts_with("<svg"), "{body}");
    }
    // One async worker per core, and the blocking pool where each file read runs.
    let threads = tokio_threads_of(server.pid());
    assert!(
        threads <= cores + server::BLOCKING_THREADS,
        "{BROWSERS} file requests left the server with {threads} tokio threads on {cores} cores"
    );
}
