//! Webhooks: a receiver on loopback records what the real server binary POSTs to it. Each
//! delivery's signature is checked here with the secret (HMAC-SHA256 computed apart from the
//! code under test); the receiver answers 500 or is not listening for a while, then comes
//! back: every event arrives once, in order per release; the server killed with SIGKILL
//! mid-delivery and started again loses nothing; two instances on one PostgreSQL never
//! deliver one event twice. And the administration's refusals of bad input.

use crate::support;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use releasedesk_core::commands::Desk;
use releasedesk_core::model::webhooks::WebhookEvent;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::process::{free_port, Http, ServerProcess};
use support::{database_url, demo_server, Backend};
use tokio::time::Instant;

const SECRET: &str = "a-secret-of-the-tests-2026";

/// The worker's settings for the tests: quick polls and retries, a short timeout (so a
/// lease, three timeouts, ends soon after a kill).
const FAST: &[(&str, &str)] = &[
    ("WEBHOOK_POLL_MS", "50"),
    ("WEBHOOK_RETRY_BASE_MS", "100"),
    ("WEBHOOK_RETRY_MAX_MS", "400"),
    ("WEBHOOK_TIMEOUT_MS", "1000"),
];

/// What the receiver answers.
const ANSWER_OK: u8 = 0;
const ANSWER_500: u8 = 1;
/// Hold the next request without answering (the server is to be killed meanwhile); the
/// ones after it are answered 200.
const HANG_ONCE: u8 = 2;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    delivery: String,
    event: String,
    signature: String,
    body: Bytes,
    /// Answered 200.
    accepted: bool,
}

#[derive(Clone)]
struct Receiver {
    port: u16,
    answer: Arc<AtomicU8>,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<Mutex<Option<tokio::sync::oneshot::Sender<()>>>>,
    serving: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl Receiver {
    async fn start(answer: u8) -> Receiver {
        let receiver = Receiver {
            port: free_port(),
            answer: Arc::new(AtomicU8::new(answer)),
            received: Arc::default(),
            stop: Arc::default(),
            serving: Arc::default(),
        };
        receiver.listen().await;
        receiver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// Listens on its port (again).
    async fn listen(&self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await.expect("bind the receiver");
        let this = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let this = this.clone();
                async move { this.receive(&headers, body).await }
            }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        *self.stop.lock().expect("the receiver's lock") = Some(stop);
        let serving = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        *self.serving.lock().expect("the receiver's lock") = Some(serving);
    }

    /// Stops listening: connections are refused until [`Receiver::listen`].
    async fn shut(&self) {
        if let Some(stop) = self.stop.lock().expect("the receiver's lock").take() {
            let _ = stop.send(());
        }
        // Served out: every connection, kept-alive ones included, is closed.
        let serving = self.serving.lock().expect("the receiver's lock").take();
        if let Some(serving) = serving {
            tokio::time::timeout(Duration::from_secs(5), serving).await.expect("the receiver stops").expect("served");
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
            assert!(Instant::now() < deadline, "the receiver still listens");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn receive(&self, headers: &HeaderMap, body: Bytes) -> StatusCode {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let mode = self.answer.load(Ordering::SeqCst);
        let hang = mode == HANG_ONCE
            && self.answer.compare_exchange(HANG_ONCE, ANSWER_OK, Ordering::SeqCst, Ordering::SeqCst).is_ok();
        let accepted = mode != ANSWER_500 && !hang;
        self.received.lock().expect("the receiver's lock").push(Received {
            delivery: header("x-releasedesk-delivery"),
            event: header("x-releasedesk-event"),
            signature: header("x-releasedesk-signature"),
            body,
            accepted,
        });
        if hang {
            // Held until the server that sent it is killed, and then some.
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        if accepted {
            StatusCode::OK
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the receiver's lock").clone()
    }

    /// The requests answered 200, in the order they came.
    fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.accepted).collect()
    }
}

/// Calls a server function; panics unless it succeeds.
async fn call(client: &Http, endpoint: &str, args: Value) -> Value {
    let reply = client.call(endpoint, args).await.unwrap_or_else(|e| panic!("{endpoint} answered: {e}"));
    assert!(reply.status.is_success(), "{endpoint}: {reply:?}");
    reply.json()
}

/// Registers a webhook of every event for the receiver, as the administrator would.
async fn subscribe(server: &ServerProcess, receiver: &Receiver) {
    let admin = server.login("admin").await;
    let draft = json!({ "draft": { "url": receiver.url(), "secret": SECRET, "events": WebhookEvent::ALL } });
    call(&admin, "admin_create_webhook", draft).await;
}

/// Registers `count` releases through the server and captures each: two events each. All
/// writes go through the servers: a second writer process on SQLite could be refused.
async fn register_and_capture(gestor: &Http, count: usize) -> Vec<i64> {
    let groups = call(gestor, "executor_groups", json!({})).await;
    let group =
        groups.as_array().into_iter().flatten().find(|g| g["name"] == "Despliegue N1").and_then(|g| g["id"].as_i64());
    let group = group.expect("Despliegue N1");
    let now = releasedesk_core::store::now();
    let mut ids = Vec::new();
    for i in 0..count {
        let registration =
            support::registration(&format!("Webhook {i}"), group, now + 86_400, now + 2 * 86_400, &format!("1.{i}.0"));
        let id = call(gestor, "register_release", registration).await.as_i64().expect("the new release's number");
        call(gestor, "capture_task", json!({ "id": id })).await;
        ids.push(id);
    }
    ids
}

/// The deliveries in the database: (id, status).
async fn deliveries(desk: &Desk) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT id, status FROM webhook_deliveries ORDER BY id")
        .fetch_all(&desk.db.pool)
        .await
        .expect("read the deliveries")
}

/// Waits until `expected` deliveries are in the database, every one delivered.
async fn all_delivered(desk: &Desk, expected: usize, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    loop {
        let rows = deliveries(desk).await;
        if rows.len() == expected && rows.iter().all(|(_, status)| status == "delivered") {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not every delivery was delivered in time: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the receiver got `count` requests.
async fn requests(receiver: &Receiver, count: usize, within: Duration) {
    let deadline = Instant::now() + within;
    while receiver.received().len() < count {
        assert!(Instant::now() < deadline, "the receiver got {} requests, not {count}", receiver.received().len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What every test checks of what was accepted: each signed with the secret, named by its
/// header as in its body; each delivery once and each event (log entry) once, `expected`
/// of them; in each release, the events in the order they happened.
fn check_exactly_once_in_order(accepted: &[Received], expected: usize) {
    let mut deliveries = BTreeSet::new();
    let mut entries = BTreeSet::new();
    let mut by_release: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    for request in accepted {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
        mac.update(&request.body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(request.signature, format!("sha256={hex}"), "the signature of delivery {}", request.delivery);
        let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
        assert_eq!(body["event"], json!(request.event), "the header names the body's event");
        assert!(deliveries.insert(request.delivery.clone()), "delivery {} accepted twice", request.delivery);
        let entry = body["entry"].as_i64().expect("the log entry");
        assert!(entries.insert(entry), "event (entry {entry}) delivered twice");
        let release = body["release"].as_i64().expect("the release");
        by_release.entry(release).or_default().push((entry, request.event.clone()));
    }
    assert_eq!(deliveries.len(), expected, "every event arrived");
    for (release, events) in by_release {
        let mut sorted = events.clone();
        sorted.sort();
        assert_eq!(events, sorted, "release {release}'s events in order");
        let kinds: Vec<&str> = events.iter().map(|(_, event)| event.as_str()).collect();
        assert_eq!(kinds, ["registered", "captured"], "release {release}");
    }
}

async fn deliveries_are_signed_and_every_event_arrives_once_in_order_after_the_receiver_was_down(backend: Backend) {
    let receiver = Receiver::start(ANSWER_500).await;
    let url = database_url(backend).await;
    let server = ServerProcess::start_with(&url, true, FAST).await;
    let desk = server::open_database(&url).await.expect("open the database");
    subscribe(&server, &receiver).await;
    let gestor = server.login("gestor").await;

    // Answering 500: every attempt fails, and is retried.
    register_and_capture(&gestor, 3).await;
    requests(&receiver, 8, Duration::from_secs(15)).await;
    assert!(receiver.accepted().is_empty());
    // Not listening at all, while more happens.
    receiver.shut().await;
    let before = receiver.received().len();
    register_and_capture(&gestor, 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), before, "nothing arrives while the receiver is down");
    // Up again.
    receiver.answer.store(ANSWER_OK, Ordering::SeqCst);
    receiver.listen().await;
    all_delivered(&desk, 12, Duration::from_secs(20), "after the receiver came back").await;
    check_exactly_once_in_order(&receiver.accepted(), 12);
    // The page's list shows them delivered, with the answer's code.
    let admin = server.login("admin").await;
    let listed = call(&admin, "admin_webhooks", json!({})).await;
    let shown = listed[0]["deliveries"].as_array().cloned().unwrap_or_default();
    assert_eq!(shown.len(), 12, "{listed}");
    assert!(shown.iter().all(|d| d["status"] == "delivered" && d["last_status_code"] == 200), "{listed}");
    assert!(shown.iter().any(|d| d["attempts"].as_i64() > Some(1)), "retries count their attempts: {listed}");
    // "Reenviar": the same delivery, the same bytes, once more.
    let again = shown[shown.len() - 1]["id"].as_i64().expect("a delivery's id");
    let so_far = receiver.received().len();
    call(&admin, "admin_send_again", json!({ "delivery": again })).await;
    requests(&receiver, so_far + 1, Duration::from_secs(10)).await;
    let accepted = receiver.accepted();
    let (first, last) = (accepted.iter().find(|r| r.delivery == again.to_string()), accepted.last());
    assert_eq!(last.map(|r| &r.delivery), Some(&again.to_string()));
    assert_eq!(first.map(|r| &r.body), last.map(|r| &r.body), "the same body, signed the same");
}

async fn a_server_killed_mid_delivery_loses_nothing(backend: Backend) {
    let receiver = Receiver::start(HANG_ONCE).await;
    let url = database_url(backend).await;
    let mut server = ServerProcess::start_with(&url, true, FAST).await;
    let desk = server::open_database(&url).await.expect("open the database");
    subscribe(&server, &receiver).await;
    // One release: its first request is held, and its second waits behind it, so the
    // server is killed with exactly one delivery under way.
    register_and_capture(&server.login("gestor").await, 1).await;
    requests(&receiver, 1, Duration::from_secs(15)).await;
    server.kill();
    let cut = receiver.received()[0].delivery.clone();
    let restarted = ServerProcess::start_with(&url, false, FAST).await;
    register_and_capture(&restarted.login("gestor").await, 4).await;
    all_delivered(&desk, 10, Duration::from_secs(20), "after the restart").await;
    let accepted = receiver.accepted();
    assert!(accepted.iter().any(|r| r.delivery == cut), "the delivery cut by the kill is sent again");
    check_exactly_once_in_order(&accepted, 10);
}

on_both_databases!(
    deliveries_are_signed_and_every_event_arrives_once_in_order_after_the_receiver_was_down,
    a_server_killed_mid_delivery_loses_nothing,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_never_deliver_an_event_twice() {
    let receiver = Receiver::start(ANSWER_OK).await;
    let url = database_url(Backend::Postgres).await;
    let settings: Vec<(&str, &str)> = FAST.iter().copied().chain([("WEBHOOK_POLL_MS", "10")]).collect();
    let a = ServerProcess::start_with(&url, true, &settings).await;
    let b = ServerProcess::start_with(&url, false, &settings).await;
    let desk = server::open_database(&url).await.expect("open the database");
    subscribe(&a, &receiver).await;
    // Events keep coming, through both instances, while both deliver.
    let releases = 15;
    let (on_a, on_b) = (a.login("gestor").await, b.login("gestor").await);
    let (first, second) = tokio::join!(register_and_capture(&on_a, releases), register_and_capture(&on_b, releases));
    assert_eq!(first.len() + second.len(), 2 * releases);
    all_delivered(&desk, 4 * releases, Duration::from_secs(20), "two instances").await;
    let received = receiver.received();
    assert_eq!(received.len(), 4 * releases, "no delivery sent twice");
    check_exactly_once_in_order(&received, 4 * releases);
}

async fn the_administration_refuses_bad_input_and_queues_only_what_a_webhook_asks_for(backend: Backend) {
    let server = demo_server(backend).await;
    let admin = server.login("admin").await;
    let draft =
        |url: &str, secret: &str, events: Value| json!({ "draft": { "url": url, "secret": secret, "events": events } });
    let cases = [
        (draft("ftp://example.com/hook", "", json!(["captured"])), "webhook_url", json!("out_of_range")),
        (draft("javascript:alert(1)", "", json!(["captured"])), "webhook_url", json!("out_of_range")),
        (draft("  ", "", json!(["captured"])), "webhook_url", json!("required")),
        (draft("https://example.com/hook", "", json!([])), "webhook_events", json!("required")),
        (
            draft("https://example.com/hook", "corto", json!(["saved"])),
            "webhook_secret",
            json!({ "too_short": { "min": 16 } }),
        ),
    ];
    for (args, field, problem) in cases {
        let refused = admin.call("admin_create_webhook", args.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{args}: {refused:?}");
        let body = refused.json();
        assert_eq!(
            (body["error"].clone(), body["field"].clone(), body["problem"].clone()),
            (json!("invalid"), json!(field), problem)
        );
    }
    let unknown = admin.call("admin_create_webhook", draft("https://example.com/", "", json!(["no_such_event"]))).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{unknown:?}");
    assert_eq!(admin.call("admin_webhooks", json!({})).await.json(), json!([]), "nothing was registered");
    // A good one: the generated secret is shown once, never listed.
    let created = admin.call("admin_create_webhook", draft(" https://example.com/hook ", "", json!(["linked"]))).await;
    assert_eq!(created.status, StatusCode::OK, "{created:?}");
    let secret = created.json()["secret"].as_str().map(str::to_owned).expect("the secret");
    assert_eq!(secret.len(), 64);
    let listed = admin.call("admin_webhooks", json!({})).await;
    assert_eq!(listed.json()[0]["url"], "https://example.com/hook");
    assert!(!listed.text.contains(&secret), "the list never shows the secret");
    // Only an active webhook's events are queued: off, nothing; on again, each event it
    // names, and no other.
    let id = created.json()["webhook"]["id"].as_i64().expect("the webhook's id");
    let onto = |events: Value| json!({ "id": id, "events": events });
    assert_eq!(admin.call("admin_set_webhook_events", onto(json!(["registered"]))).await.status, StatusCode::OK);
    let gestor = server.login("gestor").await;
    let groups = gestor.call("executor_groups", json!({})).await.json();
    let group =
        groups.as_array().into_iter().flatten().find(|g| g["name"] == "Despliegue N1").and_then(|g| g["id"].as_i64());
    let group = group.expect("Despliegue N1");
    let register = || {
        let registration = support::registration("Portal", group, 1_900_000_000, 1_900_086_400, "3.0.0");
        let gestor = gestor.clone();
        async move {
            let answer = gestor.call("register_release", registration).await;
            assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
            answer.json().as_i64().expect("the release's number")
        }
    };
    let queued = || async { admin.call("admin_webhooks", json!({})).await.json()[0]["deliveries"].clone() };
    let off = json!({ "id": id, "active": false });
    assert_eq!(admin.call("admin_set_webhook_active", off).await.status, StatusCode::OK);
    register().await;
    assert_eq!(queued().await, json!([]), "an inactive webhook gets nothing");
    assert_eq!(
        admin.call("admin_set_webhook_active", json!({ "id": id, "active": true })).await.status,
        StatusCode::OK
    );
    let release = register().await;
    let shown = queued().await;
    assert_eq!((shown[0]["event"].clone(), shown[0]["release"].clone()), (json!("registered"), json!(release)));
    assert_eq!((shown.as_array().map(Vec::len), shown[0]["status"].clone()), (Some(1), json!("pending")));
    assert_eq!(admin.call("admin_set_webhook_events", onto(json!(["captured"]))).await.status, StatusCode::OK);
    register().await;
    assert_eq!(queued().await.as_array().map(Vec::len), Some(1), "an event it does not name is not queued");
    // The page, under Administración, for the administrator only.
    let page = admin.get("/admin/webhooks", Some("pt")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Novo webhook"), "the page in Portuguese: {}", page.text);
    // Each change is in the administration log, by URL, with the events before and after;
    // turning on what is on changes nothing and is not logged; the secret is never there.
    let on = json!({ "id": id, "active": true });
    assert_eq!(admin.call("admin_set_webhook_active", on).await.status, StatusCode::OK);
    assert_eq!(admin.call("admin_delete_webhook", json!({ "id": id })).await.status, StatusCode::OK);
    let log = admin.call("admin_log", json!({ "kind": null })).await;
    assert!(!log.text.contains(&secret), "the log never holds the secret");
    let entries = log.json()["entries"].as_array().cloned().unwrap_or_default();
    let mut logged: Vec<Value> = entries
        .iter()
        .map(|entry| &entry["change"])
        .filter(|change| change["kind"].as_str().is_some_and(|kind| kind.starts_with("webhook_")))
        .map(|change| json!([change["kind"], change["url"], change["before"], change["after"], change["events"]]))
        .collect();
    logged.reverse();
    let url = "https://example.com/hook";
    let events = |list: &[&str]| json!(list);
    assert_eq!(
        logged,
        [
            json!(["webhook_created", url, null, null, events(&["linked"])]),
            json!(["webhook_events_changed", url, events(&["linked"]), events(&["registered"]), null]),
            json!(["webhook_deactivated", url, null, null, null]),
            json!(["webhook_reactivated", url, null, null, null]),
            json!(["webhook_events_changed", url, events(&["registered"]), events(&["captured"]), null]),
            json!(["webhook_deleted", url, null, null, null]),
        ]
    );
    let deleted = admin.call("admin_delete_webhook", json!({ "id": id })).await;
    assert_eq!(deleted.status, StatusCode::NOT_FOUND, "{deleted:?}");
}

on_both_databases!(the_administration_refuses_bad_input_and_queues_only_what_a_webhook_asks_for);
