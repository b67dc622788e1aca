//! Notifications: who is told of what (their groups' new work, what is delegated to them,
//! what happens to the releases they registered or hold; never their own actions), marking
//! them read; deadline reminders once per release and threshold whatever the restarts and
//! instances, with the clock in the test's hands; and their e-mail, sent by the real server
//! binary to an SMTP receiver on loopback: to whom chose it, in their language, every mail
//! once although the mail server was down, the server was killed mid-send, or two instances
//! share one PostgreSQL.

use crate::support;

use releasedesk_core::commands::notifications::remind_deadlines;
use releasedesk_core::commands::Desk;
use releasedesk_core::model::live::NOTIFIED_EVENT;
use releasedesk_core::store::{now, Db};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use support::process::{EventStream, Http, Sent, ServerProcess};
use support::smtp::{Mail, SmtpReceiver};
use support::{database_url, demo_server, Backend, Client};
use tokio::time::Instant;

const DAY: i64 = 86_400;

/// Calls a server function, through the router or a server process; panics unless it succeeds.
trait Caller {
    async fn ok(&self, endpoint: &str, args: Value) -> Value;
}

impl Caller for Client {
    async fn ok(&self, endpoint: &str, args: Value) -> Value {
        let answer = self.call(endpoint, args).await;
        assert!(answer.status.is_success(), "{endpoint}: {answer:?}");
        answer.json()
    }
}

impl Caller for Http {
    async fn ok(&self, endpoint: &str, args: Value) -> Value {
        let reply = self.call(endpoint, args).await.unwrap_or_else(|e| panic!("{endpoint} answered: {e}"));
        assert!(reply.status.is_success(), "{endpoint}: {reply:?}");
        reply.json()
    }
}

async fn id_of(db: &Db, sql: &str, name: &str) -> i64 {
    sqlx::query_scalar(sql).bind(name).fetch_one(&db.pool).await.unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn group(db: &Db, name: &str) -> i64 {
    id_of(db, "SELECT id FROM user_groups WHERE name = $1", name).await
}

async fn user(db: &Db, username: &str) -> i64 {
    id_of(db, "SELECT id FROM users WHERE username = $1", username).await
}

/// Gestor registers a release for `group`, due at `planned_end`.
async fn register(gestor: &impl Caller, group: i64, title: &str, planned_end: i64) -> i64 {
    let registration = support::registration(title, group, planned_end - 2 * DAY, planned_end, "3.1.0");
    gestor.ok("register_release", registration).await.as_i64().expect("the new release's number")
}

async fn version(client: &impl Caller, id: i64) -> i64 {
    client.ok("get_release", json!({ "id": id })).await["row_version"].as_i64().expect("the release's version")
}

/// Gestor authorizes the release: its execution waits for its group.
async fn approve(gestor: &impl Caller, id: i64) {
    gestor.ok("capture_task", json!({ "id": id })).await;
    let closure = json!({ "outcome": null, "solution_category": null, "useful_information": "" });
    let version = version(gestor, id).await;
    let advance = json!({ "id": id, "version": version, "decision": "approved", "closure": closure });
    gestor.ok("advance_release", advance).await;
}

/// Registers and authorizes a release of Despliegue N1; answers its number.
async fn approved_release(gestor: &impl Caller, n1: i64, title: &str) -> i64 {
    let id = register(gestor, n1, title, now() + 10 * DAY).await;
    approve(gestor, id).await;
    id
}

/// The caller's notifications on the release, newest first.
async fn notes_on(client: &impl Caller, release: i64) -> Vec<Value> {
    let page = client.ok("my_notifications", json!({})).await;
    let all = page["notifications"].as_array().cloned().unwrap_or_default();
    all.into_iter().filter(|n| n["release"] == release).collect()
}

async fn kinds_on(client: &impl Caller, release: i64) -> Vec<String> {
    notes_on(client, release).await.iter().map(|n| n["kind"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn unread(client: &impl Caller) -> i64 {
    client.ok("unread_notifications", json!({})).await.as_i64().expect("a count")
}

async fn each_user_is_told_of_their_work_and_releases_never_of_their_own_actions(backend: Backend) {
    let server = demo_server(backend).await;
    let (gestor, ana, joao, lucia) = (
        server.login("gestor").await,
        server.login("ana").await,
        server.login("joao").await,
        server.login("lucia").await,
    );
    let n1 = group(&server.db, "Despliegue N1").await;
    let id = register(&gestor, n1, "Avisos del ERP", now() + 10 * DAY).await;
    // Waiting for authorization by Gestión de Cambios, whose only member registered it.
    for client in [&gestor, &ana, &joao, &lucia] {
        assert!(notes_on(client, id).await.is_empty());
    }
    // A member of Despliegue N1 who was deactivated.
    let admin = server.login("admin").await;
    let former = json!({ "username": "antiguo", "full_name": "Antiguo Miembro", "email": "", "groups": [n1] });
    admin.ok("admin_create_user", json!({ "draft": former })).await;
    let former = user(&server.db, "antiguo").await;
    admin.ok("admin_set_active", json!({ "id": former, "active": false })).await;
    approve(&gestor, id).await;
    // The execution waits for Despliegue N1: both its active members are told, nobody else.
    assert_eq!(kinds_on(&ana, id).await, ["new_work"]);
    assert_eq!(kinds_on(&joao, id).await, ["new_work"]);
    let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1")
        .bind(former)
        .fetch_one(&server.db.pool)
        .await
        .expect("count");
    assert_eq!(told, 0, "a deactivated member is not told");
    assert!(kinds_on(&lucia, id).await.is_empty(), "another group's work");
    assert!(kinds_on(&gestor, id).await.is_empty(), "his own advance of his own release");

    // Delegated to João by name: he is told, Ana is not; then to the group: both are.
    let joao_id = user(&server.db, "joao").await;
    gestor.ok("delegate_task", json!({ "id": id, "group": n1, "user": joao_id })).await;
    assert_eq!(kinds_on(&joao, id).await, ["delegated", "new_work"]);
    assert_eq!(kinds_on(&ana, id).await, ["new_work"]);
    gestor.ok("delegate_task", json!({ "id": id, "group": n1, "user": null })).await;
    assert_eq!(kinds_on(&joao, id).await, ["delegated", "delegated", "new_work"]);
    assert_eq!(kinds_on(&ana, id).await, ["delegated", "new_work"]);

    // Ana captures: the release's requester is told, with who did it and a link's number.
    ana.ok("capture_task", json!({ "id": id })).await;
    let told = notes_on(&gestor, id).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["kind"], "captured");
    assert_eq!(told[0]["actor"], "Ana Martínez");
    assert_eq!(told[0]["title"], "Avisos del ERP");
    assert_eq!(told[0]["read"], false);
    assert_eq!(kinds_on(&ana, id).await, ["delegated", "new_work"], "not of her own capture");

    // Ana resolves: the review is Gestión de Cambios' new work and the requester's release
    // was resolved; one action, one notification.
    let category: i64 = sqlx::query_scalar("SELECT id FROM solution_categories WHERE active = 1 ORDER BY id LIMIT 1")
        .fetch_one(&server.db.pool)
        .await
        .expect("a solution category");
    let closure = json!({ "outcome": "resolved", "solution_category": category, "useful_information": "Desplegado" });
    let advance = json!({ "id": id, "version": version(&ana, id).await, "decision": null, "closure": closure });
    ana.ok("advance_release", advance).await;
    assert_eq!(kinds_on(&gestor, id).await, ["new_work", "captured"]);
    assert_eq!(kinds_on(&ana, id).await, ["delegated", "new_work"]);

    // Marking read: one, then all; only one's own.
    let before = unread(&ana).await;
    let newest = notes_on(&ana, id).await[0]["id"].as_i64().expect("an id");
    let joao_before = unread(&joao).await;
    assert_eq!(joao.ok("mark_notification_read", json!({ "id": newest })).await, json!(joao_before));
    assert_eq!(notes_on(&ana, id).await[0]["read"], false, "João cannot mark Ana's");
    assert_eq!(ana.ok("mark_notification_read", json!({ "id": newest })).await, json!(before - 1));
    assert_eq!(notes_on(&ana, id).await[0]["read"], true);
    assert_eq!(notes_on(&ana, id).await[1]["read"], false);
    assert_eq!(ana.ok("mark_all_notifications_read", json!({})).await, json!(0));
    assert_eq!(unread(&ana).await, 0);
    assert_eq!(unread(&joao).await, joao_before, "João's are his");
    assert_eq!(server.anonymous().call("my_notifications", json!({})).await.status, 401);

    // Active again, the former member is told of Despliegue N1's next work: the members the
    // server kept since the first approval are not who it tells after the change.
    admin.ok("admin_set_active", json!({ "id": former, "active": true })).await;
    let next = approved_release(&gestor, n1, "Avisos del CRM").await;
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.release_id = $1
          ORDER BY u.username",
    )
    .bind(next)
    .fetch_all(&server.db.pool)
    .await
    .expect("who was told");
    assert_eq!(told, ["ana", "antiguo", "joao"]);
}

/// The release's deadline reminders: (username, kind), sorted.
async fn reminders(db: &Db, release: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT u.username, n.kind FROM notifications n JOIN users u ON u.id = n.user_id
          WHERE n.release_id = $1 AND n.kind IN ('due_soon', 'overdue') ORDER BY u.username, n.kind",
    )
    .bind(release)
    .fetch_all(&db.pool)
    .await
    .expect("read the reminders")
}

async fn deadline_reminders_come_once_per_release_and_threshold_across_restarts_and_instances(backend: Backend) {
    let server = demo_server(backend).await;
    let gestor = server.login("gestor").await;
    let n1 = group(&server.db, "Despliegue N1").await;
    let due = now() + 10 * DAY;
    let id = register(&gestor, n1, "Con plazo", due).await;
    let pair = |user: &str, kind: &str| (user.to_owned(), kind.to_owned());

    remind_deadlines(&server.desk, due - 2 * DAY).await.expect("remind");
    assert!(reminders(&server.db, id).await.is_empty(), "two days ahead: nothing yet");
    remind_deadlines(&server.desk, due - 3_600).await.expect("remind");
    let soon = vec![pair("ana", "due_soon"), pair("joao", "due_soon")];
    assert_eq!(reminders(&server.db, id).await, soon, "its group, within a day");
    remind_deadlines(&server.desk, due - 1_800).await.expect("remind");
    assert_eq!(reminders(&server.db, id).await, soon, "once");

    // A restarted server: another desk on the database, its own connections.
    let restarted: Desk = server::open_database(&server.url).await.expect("open the database again");
    remind_deadlines(&restarted, due - 60).await.expect("remind");
    assert_eq!(reminders(&server.db, id).await, soon, "once across a restart");
    // Two instances at once, past the deadline.
    let (first, second) =
        tokio::join!(remind_deadlines(&server.desk, due + 60), remind_deadlines(&restarted, due + 60));
    first.expect("one instance");
    second.expect("the other");
    let both = vec![pair("ana", "due_soon"), pair("ana", "overdue"), pair("joao", "due_soon"), pair("joao", "overdue")];
    assert_eq!(reminders(&server.db, id).await, both, "overdue once, whoever got there first");
    remind_deadlines(&restarted, due + DAY).await.expect("remind");
    assert_eq!(reminders(&server.db, id).await, both);
    // Ana sees it in her list.
    let ana = server.login("ana").await;
    assert_eq!(kinds_on(&ana, id).await, ["overdue", "due_soon"]);
}

async fn the_daily_digest_comes_once_a_day_with_the_chosen_topics_whatever_the_instances(backend: Backend) {
    use releasedesk_core::commands::notifications::queue_digests;
    use releasedesk_core::mail::Queueing;
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let digest =
        json!({ "preferences": { "new_work": true, "my_releases": false, "deadlines": false, "digest": true } });
    ana.ok("set_my_mail_preferences", digest).await;
    sqlx::query("UPDATE users SET email = username || '@example.com'")
        .execute(&server.db.pool)
        .await
        .expect("addresses");
    let n1 = group(&server.db, "Despliegue N1").await;
    let id = approved_release(&server.login("gestor").await, n1, "Resumen del día").await;
    let queueing = Queueing { public_url: "https://desk.example.com".to_owned() };
    let restarted: Desk = server::open_database(&server.url).await.expect("open the database again");
    // Today's digest comes tomorrow: two instances at once, then once more.
    let tomorrow = now() + DAY;
    let (first, second) =
        tokio::join!(queue_digests(&server.desk, tomorrow, &queueing), queue_digests(&restarted, tomorrow, &queueing));
    assert_eq!(first.expect("one instance") + second.expect("the other"), 1, "ana's digest, once");
    queue_digests(&restarted, tomorrow + 3_600, &queueing).await.expect("again");
    let mails: Vec<(String, String, String)> =
        sqlx::query_as("SELECT recipient, subject, body FROM mail_outbox ORDER BY id")
            .fetch_all(&server.db.pool)
            .await
            .expect("read the outbox");
    assert_eq!(mails.len(), 1, "one digest, to ana only: {mails:?}");
    let (to, subject, body) = &mails[0];
    assert_eq!(to, "ana@example.com");
    assert!(subject.starts_with("[ReleaseDesk] Resumen diario"), "{subject}");
    let line = format!("- Hay una tarea nueva para tu grupo: Liberación #{id}: Resumen del día\n");
    assert!(body.contains(&line), "{body}");
    assert!(body.contains(&format!("https://desk.example.com/releases/{id}\n")), "{body}");
}

/// A user who never reads: the bell counts up to its cap (it shows "99+"), and marking all
/// read brings it to nothing.
async fn the_bell_counts_unread_notifications_up_to_its_cap(backend: Backend) {
    use releasedesk_core::domain::{ReleaseId, UserId};
    use releasedesk_core::model::notifications::{NotificationKind, UNREAD_COUNTED};
    use releasedesk_core::store::notifications::{insert, NewNotification};
    let server = demo_server(backend).await;
    let ana = server.login("ana").await;
    let (ana_id, joao_id) = (user(&server.db, "ana").await, user(&server.db, "joao").await);
    let n1 = group(&server.db, "Despliegue N1").await;
    let gestor = server.login("gestor").await;
    let release = register(&gestor, n1, "Avisos sin leer", now() + 10 * DAY).await;
    let before = unread(&ana).await;
    let unread_ones: Vec<NewNotification> = (0..UNREAD_COUNTED + 50)
        .map(|_| NewNotification {
            user: UserId(ana_id),
            release: ReleaseId(release),
            kind: NotificationKind::NewWork,
            actor: Some(UserId(joao_id)),
            log_entry: None,
            at: now(),
        })
        .collect();
    let mut conn = server.db.pool.acquire().await.expect("a connection");
    insert(&mut conn, &unread_ones).await.expect("the notifications");
    drop(conn);
    assert!(before < UNREAD_COUNTED);
    assert_eq!(unread(&ana).await, UNREAD_COUNTED);
    assert_eq!(ana.ok("mark_all_notifications_read", json!({})).await, json!(0));
}

/// Reads `stream` until its next "notified" event, within 10 s; answers the releases whose
/// events came before it.
async fn until_notified(stream: &mut EventStream, whose: &str) -> Vec<i64> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut releases = Vec::new();
    loop {
        let sent = stream.next_event(deadline).await;
        match sent {
            Some(Sent { name: None, data }) => {
                let event: Value = serde_json::from_str(&data).unwrap_or_else(|e| panic!("{data}: {e}"));
                releases.push(event["release"].as_i64().unwrap_or_else(|| panic!("a release's event: {data}")));
            }
            Some(Sent { name: Some(name), .. }) if name == NOTIFIED_EVENT => return releases,
            Some(other) => panic!("{whose}'s stream told {other:?}"),
            None => panic!("{whose}'s stream told no new notification within 10 s; it told {releases:?}"),
        }
    }
}

/// The bell counts again on the pages of the users notified, and only theirs: the server
/// tells their event streams (a real server process; a release's events go to every
/// stream). Deadline reminders, which are no log entry, are told as well.
async fn only_the_notified_users_streams_hear_of_new_notifications(backend: Backend) {
    let url = database_url(backend).await;
    // The server's own deadline scheduler waits an hour: the reminders are the test's.
    let server = start(&url, true, &[("DEADLINE_POLL_MS", "3600000".to_owned())]).await;
    let desk = server::open_database(&url).await.expect("open the database");
    let (gestor, ana, lucia) = (server.login("gestor").await, server.login("ana").await, server.login("lucia").await);
    let mut ana_hears = ana.events().await.expect("ana's stream");
    let mut lucia_hears = lucia.events().await.expect("lucía's stream");
    let (n1, n2) = (group(&desk.db, "Despliegue N1").await, group(&desk.db, "Despliegue N2").await);

    // New work for Despliegue N1: Ana's stream hears it.
    let ana_before = unread(&ana).await;
    let for_n1 = approved_release(&gestor, n1, "Aviso en vivo N1").await;
    until_notified(&mut ana_hears, "ana").await;
    assert!(unread(&ana).await > ana_before, "her bell counts one more");
    // Lucía's stream heard of that release, but the first "notified" she hears comes after
    // new work for her own group, Despliegue N2.
    let for_n2 = approved_release(&gestor, n2, "Aviso en vivo N2").await;
    let before = until_notified(&mut lucia_hears, "lucia").await;
    assert!(before.contains(&for_n1), "every stream hears of every release: {before:?}");
    assert!(before.contains(&for_n2), "told before any event of release {for_n2}, her group's work: {before:?}");

    // A deadline reminder (no log entry, no release event) reaches Ana's bell too.
    let due = now() + 10 * DAY;
    let reminded = register(&gestor, n1, "Aviso de plazo", due).await;
    ana_hears.until_events_of(reminded).await;
    remind_deadlines(&desk, due - 3_600).await.expect("remind");
    let told: Vec<(String, String)> = reminders(&desk.db, reminded).await;
    assert!(told.contains(&("ana".to_owned(), "due_soon".to_owned())), "{told:?}");
    until_notified(&mut ana_hears, "ana").await;
}

on_both_databases!(
    each_user_is_told_of_their_work_and_releases_never_of_their_own_actions,
    the_bell_counts_unread_notifications_up_to_its_cap,
    only_the_notified_users_streams_hear_of_new_notifications,
    deadline_reminders_come_once_per_release_and_threshold_across_restarts_and_instances,
    the_daily_digest_comes_once_a_day_with_the_chosen_topics_whatever_the_instances,
);

/// The server's settings for the mail tests: quick polls and retries, a short timeout (a
/// lease is three).
fn mail_settings(receiver: &SmtpReceiver) -> Vec<(&'static str, String)> {
    vec![
        ("SMTP_URL", receiver.url()),
        ("MAIL_FROM", "ReleaseDesk <desk@example.com>".to_owned()),
        ("RELEASEDESK_PUBLIC_URL", "https://desk.example.com".to_owned()),
        ("MAIL_POLL_MS", "50".to_owned()),
        ("MAIL_RETRY_BASE_MS", "100".to_owned()),
        ("MAIL_RETRY_MAX_MS", "400".to_owned()),
        ("MAIL_TIMEOUT_MS", "1000".to_owned()),
    ]
}

async fn start(url: &str, demo: bool, settings: &[(&'static str, String)]) -> ServerProcess {
    let settings: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (*name, value.as_str())).collect();
    ServerProcess::start_with(url, demo, &settings).await
}

/// Ana (Spanish) and João (Portuguese) have addresses and want their group's new work by
/// mail; gestor has an address but chose nothing.
async fn choose_mail(server: &ServerProcess, desk: &Desk) {
    for (username, language) in [("ana", "es"), ("joao", "pt"), ("gestor", "es")] {
        sqlx::query("UPDATE users SET email = $1, language = $2 WHERE username = $3")
            .bind(format!("{username}@example.com"))
            .bind(language)
            .bind(username)
            .execute(&desk.db.pool)
            .await
            .expect("give the user an address");
    }
    let wants =
        json!({ "preferences": { "new_work": true, "my_releases": false, "deadlines": false, "digest": false } });
    for username in ["ana", "joao"] {
        let chosen = server.login(username).await.ok("set_my_mail_preferences", wants.clone()).await;
        assert_eq!(chosen, wants["preferences"]);
    }
}

/// The outbox: (id, status).
async fn outbox(desk: &Desk) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT id, status FROM mail_outbox ORDER BY id").fetch_all(&desk.db.pool).await.expect("read")
}

/// Waits until `expected` mails are in the outbox, every one sent.
async fn all_sent(desk: &Desk, expected: usize, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    loop {
        let rows = outbox(desk).await;
        if rows.len() == expected && rows.iter().all(|(_, status)| status == "sent") {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not every mail was sent in time: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Each release's new work reached Ana in Spanish and João in Portuguese, each mail once,
/// with a link to the release; nobody else got any.
fn check_once_each(mails: &[Mail], releases: &[i64]) {
    let mut ids = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for mail in mails {
        let id = mail.header("Message-ID").expect("a Message-ID");
        assert!(ids.insert(id.clone()), "mail {id} sent twice");
        assert_eq!(mail.recipients.len(), 1, "{mail:?}");
        let to = mail.recipients[0].clone();
        let release = releases
            .iter()
            .find(|r| mail.text.contains(&format!("https://desk.example.com/releases/{r}\r\n")))
            .unwrap_or_else(|| panic!("a link to one of the releases: {}", mail.text));
        let expected = match to.as_str() {
            "ana@example.com" => "Hay una tarea nueva para tu grupo",
            "joao@example.com" => "Há uma nova tarefa para o seu grupo",
            other => panic!("a mail to {other}, who chose none"),
        };
        assert!(mail.text.contains(expected), "{to} in their language: {}", mail.text);
        assert!(seen.insert((to, *release)), "release {release} told twice");
    }
    assert_eq!(seen.len(), 2 * releases.len(), "every mail arrived");
}

async fn mail_reaches_whom_chose_it_in_their_language_once_after_the_mail_server_was_down(backend: Backend) {
    let receiver = SmtpReceiver::stopped();
    let url = database_url(backend).await;
    let server = start(&url, true, &mail_settings(&receiver)).await;
    let desk = server::open_database(&url).await.expect("open the database");
    choose_mail(&server, &desk).await;
    let (gestor, ana) = (server.login("gestor").await, server.login("ana").await);
    let n1 = group(&desk.db, "Despliegue N1").await;
    let mut releases = Vec::new();
    for i in 0..3 {
        releases.push(approved_release(&gestor, n1, &format!("Correo {i}")).await);
    }
    // Gestor is told of Ana's capture, but chose no mail.
    ana.ok("capture_task", json!({ "id": releases[0] })).await;
    assert_eq!(kinds_on(&gestor, releases[0]).await, ["captured"]);
    // The mail server is down: every mail is tried, and waits.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let tried: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE attempts >= 2")
            .fetch_one(&desk.db.pool)
            .await
            .expect("count");
        if tried == 6 {
            break;
        }
        assert!(Instant::now() < deadline, "the mails are retried: {:?}", outbox(&desk).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(outbox(&desk).await.iter().all(|(_, status)| status == "pending"));
    receiver.listen().await;
    all_sent(&desk, 6, Duration::from_secs(20), "after the mail server came back").await;
    check_once_each(&receiver.mails(), &releases);
    let mail = &receiver.mails()[0];
    assert_eq!(mail.header("From").as_deref(), Some("ReleaseDesk <desk@example.com>"));
}

async fn a_server_killed_mid_send_loses_no_mail_and_sends_none_twice(backend: Backend) {
    let receiver = SmtpReceiver::start().await;
    receiver.hold_next();
    let url = database_url(backend).await;
    let settings = mail_settings(&receiver);
    let mut server = start(&url, true, &settings).await;
    let desk = server::open_database(&url).await.expect("open the database");
    choose_mail(&server, &desk).await;
    let n1 = group(&desk.db, "Despliegue N1").await;
    let mut releases = vec![approved_release(&server.login("gestor").await, n1, "Antes").await];
    // The first mail's data is in, its answer held: the server dies mid-send.
    let deadline = Instant::now() + Duration::from_secs(15);
    while receiver.data_seen() == 0 {
        assert!(Instant::now() < deadline, "no mail was sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    let restarted = start(&url, false, &settings).await;
    let gestor = restarted.login("gestor").await;
    for title in ["Después 1", "Después 2"] {
        releases.push(approved_release(&gestor, n1, title).await);
    }
    all_sent(&desk, 6, Duration::from_secs(20), "after the restart").await;
    check_once_each(&receiver.mails(), &releases);
}

on_both_databases!(
    mail_reaches_whom_chose_it_in_their_language_once_after_the_mail_server_was_down,
    a_server_killed_mid_send_loses_no_mail_and_sends_none_twice,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_never_send_one_mail_twice() {
    let receiver = SmtpReceiver::start().await;
    let url = database_url(Backend::Postgres).await;
    let mut settings = mail_settings(&receiver);
    settings.retain(|(name, _)| *name != "MAIL_POLL_MS");
    settings.push(("MAIL_POLL_MS", "10".to_owned()));
    let a = start(&url, true, &settings).await;
    let b = start(&url, false, &settings).await;
    let desk = server::open_database(&url).await.expect("open the database");
    choose_mail(&a, &desk).await;
    let n1 = group(&desk.db, "Despliegue N1").await;
    let (on_a, on_b) = (a.login("gestor").await, b.login("gestor").await);
    let count = 8;
    let through = |gestor: Http, side: &'static str| async move {
        let mut releases = Vec::new();
        for i in 0..count {
            releases.push(approved_release(&gestor, n1, &format!("{side} {i}")).await);
        }
        releases
    };
    let (first, second) = tokio::join!(through(on_a, "A"), through(on_b, "B"));
    let releases: Vec<i64> = first.into_iter().chain(second).collect();
    all_sent(&desk, 4 * count, Duration::from_secs(30), "two instances").await;
    check_once_each(&receiver.mails(), &releases);
}

/// Without SMTP_URL nothing is queued, whatever the users chose.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_smtp_nothing_piles_up() {
    let server = demo_server(Backend::Sqlite).await;
    let wants = json!({ "preferences": { "new_work": true, "my_releases": true, "deadlines": true, "digest": false } });
    let ana = server.login("ana").await;
    ana.ok("set_my_mail_preferences", wants.clone()).await;
    assert_eq!(ana.ok("my_mail_preferences", json!({})).await, wants["preferences"]);
    sqlx::query("UPDATE users SET email = 'ana@example.com'").execute(&server.db.pool).await.expect("address");
    let n1 = group(&server.db, "Despliegue N1").await;
    let id = approved_release(&server.login("gestor").await, n1, "Sin correo").await;
    assert_eq!(kinds_on(&ana, id).await, ["new_work"]);
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox").fetch_one(&server.db.pool).await.expect("count");
    assert_eq!(queued, 0);
}
