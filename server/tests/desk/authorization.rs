//! The authorization matrix: every registered server function, called over HTTP by an
//! anonymous visitor, `consultor` (a requester), `lucia` (an executor of another group),
//! `ana` holding the release's task, `gestor` (the manager) and `admin` (Administrar, in no
//! group of the flow), is allowed or refused as
//! the table says — on SQLite and PostgreSQL. A server function missing from the table
//! fails the test, so a new one cannot ship without its row. A refusal is a 401 or 403
//! with a JSON error the UI translates, and names no identifier the caller did not send.

use crate::support;

use axum::http::StatusCode;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use support::{demo_server, Backend, Client, TestServer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allow,
    /// No session: 401.
    Login,
    /// Logged in but not permitted: 403.
    Forbid,
}
use Expect::{Allow, Forbid, Login};

const ROLES: [Option<&str>; 6] = [None, Some("consultor"), Some("lucia"), Some("ana"), Some("gestor"), Some("admin")];

/// The release a case needs, prepared afresh for every call expected to succeed (it may
/// change the release) and shared by the calls expected to be refused (they must not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Needs {
    Nothing,
    /// Approved, at Execution, its task free (Despliegue N1).
    FreeTask,
    /// As `FreeTask`, captured by ana.
    HeldTask,
    /// As `HeldTask`, with a problem linked.
    LinkedProblem,
    /// As `HeldTask`, with a file attached by ana.
    Attached,
    Suspended,
    Closed,
}

#[derive(Debug, Clone, Copy)]
enum Body {
    Json,
    Form,
}

struct Case {
    endpoint: &'static str,
    body: Body,
    needs: Needs,
    /// Whether a successful call changes the release (then each gets a fresh one).
    changes: bool,
    /// anonymous, consultor, lucia, ana (holder), gestor, admin
    expect: [Expect; 6],
}

const READ: [Expect; 6] = [Login, Allow, Allow, Allow, Allow, Allow];
const HOLDER: [Expect; 6] = [Login, Forbid, Forbid, Allow, Forbid, Forbid];
const HOLDER_OR_MANAGER: [Expect; 6] = [Login, Forbid, Forbid, Allow, Allow, Forbid];
const MANAGER: [Expect; 6] = [Login, Forbid, Forbid, Forbid, Allow, Forbid];
const ADMINISTRATOR: [Expect; 6] = [Login, Forbid, Forbid, Forbid, Forbid, Allow];

const fn case(endpoint: &'static str, needs: Needs, expect: [Expect; 6]) -> Case {
    Case { endpoint, body: Body::Json, needs, changes: true, expect }
}

/// A call that only reads: every logged-in user may make it.
const fn read(endpoint: &'static str, needs: Needs) -> Case {
    Case { endpoint, body: Body::Json, needs, changes: false, expect: READ }
}

/// Every server function and who may call it.
const MATRIX: &[Case] = &[
    Case { endpoint: "login", body: Body::Form, needs: Needs::Nothing, changes: false, expect: [Allow; 6] },
    read("current_user", Needs::Nothing),
    // Anonymous pages are shown in the server's default zone.
    Case { endpoint: "my_time_zone", body: Body::Json, needs: Needs::Nothing, changes: false, expect: [Allow; 6] },
    read("time_zone_names", Needs::Nothing),
    case("set_my_time_zone", Needs::Nothing, READ),
    read("my_tokens", Needs::Nothing),
    case("create_my_token", Needs::Nothing, READ),
    // Each user revokes a token of their own (made for them in `Demo::load`).
    case("revoke_my_token", Needs::Nothing, READ),
    read("list_releases", Needs::Nothing),
    read("release_charts", Needs::Nothing),
    read("list_groups", Needs::Nothing),
    read("search_catalogue", Needs::Nothing),
    read("knowledge_article", Needs::Nothing),
    read("get_release", Needs::HeldTask),
    read("release_log", Needs::HeldTask),
    read("export_log", Needs::HeldTask),
    read("release_flow", Needs::HeldTask),
    read("release_relations", Needs::HeldTask),
    read("action_choices", Needs::HeldTask),
    read("occurrence_options", Needs::Nothing),
    read("my_notifications", Needs::Nothing),
    read("unread_notifications", Needs::Nothing),
    // Each marks only their own: an id of none is answered as any other.
    case("mark_notification_read", Needs::Nothing, READ),
    case("mark_all_notifications_read", Needs::Nothing, READ),
    read("my_mail_preferences", Needs::Nothing),
    case("set_my_mail_preferences", Needs::Nothing, READ),
    case("executor_groups", Needs::Nothing, MANAGER),
    case("register_release", Needs::Nothing, MANAGER),
    // Its requester (gestor registered every demo release) or a user with Create.
    case("edit_release", Needs::HeldTask, MANAGER),
    case("capture_task", Needs::FreeTask, [Login, Forbid, Forbid, Allow, Forbid, Forbid]),
    case("save_release", Needs::HeldTask, HOLDER),
    case("advance_release", Needs::HeldTask, HOLDER),
    case("add_occurrence", Needs::HeldTask, HOLDER_OR_MANAGER),
    case("link_item", Needs::HeldTask, HOLDER_OR_MANAGER),
    case("unlink_item", Needs::LinkedProblem, HOLDER_OR_MANAGER),
    // Anyone logged in may read a release, its files too; removing one takes the task or Delegar.
    read("list_attachments", Needs::Attached),
    case("remove_attachment", Needs::Attached, HOLDER_OR_MANAGER),
    case("delegate_task", Needs::HeldTask, HOLDER_OR_MANAGER),
    case("suspend_release", Needs::HeldTask, MANAGER),
    case("reactivate_release", Needs::Suspended, MANAGER),
    case("reopen_release", Needs::Closed, MANAGER),
    case("cancel_release", Needs::HeldTask, MANAGER),
    // On joao, who plays no role here: his password reset does not end a session the
    // matrix uses.
    case("admin_users", Needs::Nothing, ADMINISTRATOR),
    case("admin_create_user", Needs::Nothing, ADMINISTRATOR),
    case("admin_update_user", Needs::Nothing, ADMINISTRATOR),
    case("admin_set_active", Needs::Nothing, ADMINISTRATOR),
    case("admin_reset_password", Needs::Nothing, ADMINISTRATOR),
    case("admin_groups", Needs::Nothing, ADMINISTRATOR),
    case("admin_create_group", Needs::Nothing, ADMINISTRATOR),
    case("admin_update_group", Needs::Nothing, ADMINISTRATOR),
    case("admin_catalogue", Needs::Nothing, ADMINISTRATOR),
    case("admin_create_item", Needs::Nothing, ADMINISTRATOR),
    case("admin_update_item", Needs::Nothing, ADMINISTRATOR),
    case("admin_export_catalogue", Needs::Nothing, ADMINISTRATOR),
    case("admin_import_catalogue", Needs::Nothing, ADMINISTRATOR),
    case("admin_log", Needs::Nothing, ADMINISTRATOR),
    case("admin_log_csv", Needs::Nothing, ADMINISTRATOR),
    case("admin_webhooks", Needs::Nothing, ADMINISTRATOR),
    case("admin_create_webhook", Needs::Nothing, ADMINISTRATOR),
    case("admin_set_webhook_events", Needs::Nothing, ADMINISTRATOR),
    case("admin_set_webhook_active", Needs::Nothing, ADMINISTRATOR),
    case("admin_send_again", Needs::Nothing, ADMINISTRATOR),
    // Last: it deletes the webhook the rows above use.
    case("admin_delete_webhook", Needs::Nothing, ADMINISTRATOR),
    // Both end the caller's session: each call gets a session of its own anyway.
    Case { endpoint: "change_password", body: Body::Form, needs: Needs::Nothing, changes: true, expect: READ },
    Case { endpoint: "logout", body: Body::Form, needs: Needs::Nothing, changes: true, expect: [Allow; 6] },
];

/// What the calls need to know about the demo data.
struct Demo {
    free: Vec<i64>,
    closed: Vec<i64>,
    n1_group: i64,
    problem: i64,
    article: i64,
    justification: i64,
    category: i64,
    /// joao's user id, for the administration's calls.
    joao: i64,
    /// A token of each user, for `revoke_my_token`.
    tokens: HashMap<&'static str, i64>,
    /// A webhook (of every event) and a delivery of it, for the webhooks' calls.
    webhook: i64,
    delivery: i64,
    shared: HashMap<Needs, Release>,
}

#[derive(Debug, Clone, Copy)]
struct Release {
    id: i64,
    version: i64,
    /// The file `Needs::Attached` attached; 0 otherwise.
    attachment: i64,
}

impl Demo {
    async fn load(server: &TestServer) -> Demo {
        let gestor = server.login("gestor").await;
        let mut free = Vec::new();
        let mut closed = Vec::new();
        for page in 0..4 {
            for (status, into) in [("approved", &mut free), ("closed", &mut closed)] {
                let query = json!({ "query": { "search": "", "status": status, "scope": "all", "page": page } });
                let rows = gestor.call("list_releases", query).await.json()["rows"].clone();
                into.extend(rows.as_array().into_iter().flatten().filter_map(|row| {
                    let free_n1 = row["executor_group"] == "Despliegue N1" && row["responsible"].is_null();
                    (status == "closed" || free_n1).then(|| row["id"].as_i64()).flatten()
                }));
            }
        }
        let groups = gestor.call("executor_groups", json!({})).await.json();
        let n1_group =
            groups.as_array().into_iter().flatten().find(|g| g["name"] == "Despliegue N1").map(|g| g["id"].clone());
        let first_hit = |kind: &'static str, text: &'static str| {
            let gestor = gestor.clone();
            async move {
                let hits =
                    gestor.call("search_catalogue", json!({ "kind": kind, "text": text, "page": 0 })).await.json();
                hits["hits"][0]["id"].as_i64().unwrap_or_else(|| panic!("a {kind} in the demo: {hits}"))
            }
        };
        let (problem, article) = (first_hit("problem", "caida").await, first_hit("knowledge", "").await);
        let choices = gestor.call("action_choices", json!({ "id": free[0] })).await.json();
        let view = gestor.call("get_release", json!({ "id": free[0] })).await.json();
        let category = view["categories"][0]["id"].as_i64();
        let found = server.login("admin").await.call("admin_users", json!({ "search": "joao" })).await.json();
        let mut tokens = HashMap::new();
        for user in ROLES.into_iter().flatten() {
            use releasedesk_core::commands::tokens::{create_token_for, NewToken};
            let token = NewToken { name: "CI".into(), expires_in_days: Some(30) };
            let created = create_token_for(&server.desk, user, token).await.expect("a token of each user");
            tokens.insert(user, created.summary.id);
        }
        let admin = server.login("admin").await;
        let draft = json!({ "draft": { "url": "http://127.0.0.1:9/hook", "secret": "", "events": ["registered"] } });
        let webhook = admin.call("admin_create_webhook", draft).await.json()["webhook"]["id"].as_i64();
        let webhook = webhook.expect("a webhook");
        let registration = Demo::registration(n1_group.as_ref().and_then(|g| g.as_i64()).unwrap_or(0));
        let registered = gestor.call("register_release", registration).await;
        assert!(registered.status.is_success(), "a release registered: {registered:?}");
        let listed = admin.call("admin_webhooks", json!({})).await.json();
        let delivery = listed[0]["deliveries"][0]["id"].as_i64().unwrap_or_else(|| panic!("a delivery: {listed}"));
        Demo {
            webhook,
            delivery,
            free,
            closed,
            n1_group: n1_group.and_then(|g| g.as_i64()).expect("the Despliegue N1 group"),
            problem,
            article,
            justification: choices["justifications"][0]["id"].as_i64().expect("a suspension justification"),
            category: category.expect("a solution category"),
            joao: found["users"][0]["id"].as_i64().unwrap_or_else(|| panic!("joao among the users: {found}")),
            tokens,
            shared: HashMap::new(),
        }
    }

    /// The arguments of `register_release`.
    fn registration(n1_group: i64) -> Value {
        support::registration("Actualización del portal", n1_group, 1_900_000_000, 1_900_086_400, "2.0.0")
    }

    /// A release in the state `needs` names: fresh, or the shared one of that state.
    async fn release(&mut self, server: &TestServer, needs: Needs, fresh: bool) -> Option<Release> {
        if needs == Needs::Nothing {
            return None;
        }
        if !fresh {
            if let Some(release) = self.shared.get(&needs) {
                return Some(*release);
            }
        }
        let release = self.prepare(server, needs).await;
        if !fresh {
            self.shared.insert(needs, release);
        }
        Some(release)
    }

    async fn prepare(&mut self, server: &TestServer, needs: Needs) -> Release {
        let ana = server.login("ana").await;
        let gestor = server.login("gestor").await;
        let take = |list: &mut Vec<i64>, what: &str| list.pop().unwrap_or_else(|| panic!("the demo ran out of {what}"));
        let id = match needs {
            Needs::Closed => take(&mut self.closed, "closed releases"),
            _ => take(&mut self.free, "free Despliegue N1 releases"),
        };
        let expect_ok = |answer: support::Answer, what: &str| {
            assert!(answer.status.is_success(), "preparing {needs:?}, {what}: {answer:?}");
        };
        if matches!(needs, Needs::HeldTask | Needs::LinkedProblem | Needs::Attached) {
            expect_ok(ana.call("capture_task", json!({ "id": id })).await, "capture");
        }
        if needs == Needs::LinkedProblem {
            let link = json!({ "id": id, "kind": "problem", "item": self.problem, "responsibility": null });
            expect_ok(ana.call("link_item", link).await, "link");
        }
        if needs == Needs::Suspended {
            let suspend = json!({ "id": id, "justification": self.justification, "complement": "Ventana aplazada" });
            expect_ok(gestor.call("suspend_release", suspend).await, "suspend");
        }
        let mut attachment = 0;
        if needs == Needs::Attached {
            let uploaded = crate::attachments::upload(&ana, id, "evidencia.txt", b"desplegado", None).await;
            attachment = uploaded.json()["id"].as_i64().unwrap_or_else(|| panic!("preparing {needs:?}: {uploaded:?}"));
        }
        let version = gestor.call("get_release", json!({ "id": id })).await.json()["row_version"].as_i64();
        Release { id, version: version.expect("the release's version"), attachment }
    }

    /// The arguments of a call that would succeed if the caller were allowed.
    fn arguments(&self, endpoint: &str, role: Option<&str>, release: Option<Release>) -> String {
        let (id, version, attachment) = release.map_or((0, 0, 0), |r| (r.id, r.version, r.attachment));
        let password = support::urlencode(releasedesk_core::seed::demo::DEMO_PASSWORD);
        let closure =
            json!({ "outcome": "resolved", "solution_category": self.category, "useful_information": "Desplegado" });
        let list = json!({ "query": { "search": "", "status": null, "scope": "all", "page": 0 } });
        let json = match endpoint {
            "login" => return format!("username={}&password={password}", role.unwrap_or("consultor")),
            "change_password" => return format!("current={password}&new={password}&repeat={password}"),
            "logout" => return String::new(),
            "current_user" | "executor_groups" | "my_time_zone" | "time_zone_names" | "occurrence_options" => {
                json!({})
            }
            "set_my_time_zone" => json!({ "name": "Europe/Lisbon" }),
            "my_tokens" => json!({}),
            "my_notifications" | "unread_notifications" | "mark_all_notifications_read" | "my_mail_preferences" => {
                json!({})
            }
            "mark_notification_read" => json!({ "id": 0 }),
            "set_my_mail_preferences" => json!({ "preferences": {
                "new_work": true, "my_releases": false, "deadlines": true, "digest": false
            }}),
            "create_my_token" => json!({ "name": "Pipeline", "expires_in_days": 90 }),
            "revoke_my_token" => json!({ "id": role.and_then(|user| self.tokens.get(user)).copied().unwrap_or(0) }),
            "list_releases" | "release_charts" => list,
            "list_groups" => json!({}),
            "search_catalogue" => json!({ "kind": "problem", "text": "caida", "page": 0 }),
            "knowledge_article" => json!({ "article": self.article }),
            "get_release" | "release_log" | "release_flow" | "release_relations" | "action_choices"
            | "capture_task" | "reactivate_release" => json!({ "id": id }),
            "export_log" => json!({ "id": id, "language": "pt" }),
            "register_release" => Demo::registration(self.n1_group),
            "edit_release" => json!({ "id": id, "version": version, "data": {
                "title": "Actualización corregida", "description": "Nueva versión", "release_type": "standard",
                "risk": "low", "impact": 3, "urgency": 3, "planned_start": 1_900_000_000,
                "planned_end": 1_900_086_400, "version_label": "2.0.1"
            }}),
            "save_release" => json!({ "id": id, "version": version, "closure": closure }),
            "advance_release" => json!({ "id": id, "version": version, "decision": null, "closure": closure }),
            "add_occurrence" => json!({ "id": id, "occurrence": {
                "category": "execution", "origin": "phone", "minutes": 5, "description": "Llamada",
                "occurrence": "Confirmada la ventana", "user_information": "Sigue en plazo."
            }}),
            "link_item" => json!({ "id": id, "kind": "problem", "item": self.problem, "responsibility": null }),
            "unlink_item" => json!({ "id": id, "kind": "problem", "item": self.problem }),
            "list_attachments" => json!({ "id": id }),
            "remove_attachment" => json!({ "id": id, "attachment": attachment }),
            "delegate_task" => json!({ "id": id, "group": self.n1_group, "user": null }),
            "suspend_release" => json!({ "id": id, "justification": self.justification, "complement": "Aplazada" }),
            "reopen_release" => json!({ "id": id, "reason": "El cliente reporta fallos" }),
            "cancel_release" => json!({ "id": id, "reason": "Ya no es necesaria" }),
            "admin_users" => json!({ "search": "" }),
            "admin_create_user" => json!({ "draft": {
                "username": "nuevo", "full_name": "Nuevo Ejecutor", "email": "", "groups": [self.n1_group]
            }}),
            "admin_update_user" => json!({ "id": self.joao, "draft": {
                "username": "joao", "full_name": "João Silva", "email": "joao@example.com", "groups": [self.n1_group]
            }}),
            "admin_set_active" => json!({ "id": self.joao, "active": false }),
            "admin_reset_password" => json!({ "id": self.joao }),
            "admin_groups" => json!({}),
            "admin_catalogue" => json!({ "catalogue": "solution_categories" }),
            "admin_create_item" => json!({ "catalogue": "suspension_reasons", "draft": {
                "code": "freeze", "active": true, "fields": {
                    "shape": "named", "name": { "es": "Congelación de cambios", "pt": "Congelamento de mudanças" }
                }
            }}),
            "admin_update_item" => json!({ "catalogue": "solution_categories", "id": self.category, "draft": {
                "code": "ignored", "active": true, "fields": {
                    "shape": "named", "name": { "es": "Aplicada y revisada", "pt": "Aplicada e revisada" }
                }
            }}),
            "admin_export_catalogue" => json!({ "catalogue": "changes" }),
            "admin_import_catalogue" => json!({ "catalogue": "problems", "apply": true, "file": BASE64.encode(
                "code,title,status,active\nPRB-EXT-1,Caída del enlace de respaldo,registered,1\n"
            )}),
            "admin_log" => json!({ "kind": null }),
            "admin_log_csv" => json!({ "kind": "user_created", "language": "pt" }),
            "admin_create_group" => json!({ "draft": { "name": "Despliegue N3", "permissions": ["execute"] } }),
            "admin_update_group" => json!({ "id": self.n1_group, "draft": {
                "name": "Despliegue Nivel 1", "permissions": ["execute", "delegate"]
            }}),
            "admin_webhooks" => json!({}),
            "admin_create_webhook" => json!({ "draft": {
                "url": "https://hooks.example.com/desk", "secret": "", "events": ["captured", "advanced"]
            }}),
            "admin_set_webhook_events" => json!({ "id": self.webhook, "events": ["registered", "captured"] }),
            "admin_set_webhook_active" => json!({ "id": self.webhook, "active": false }),
            "admin_send_again" => json!({ "delivery": self.delivery }),
            "admin_delete_webhook" => json!({ "id": self.webhook }),
            other => panic!("no arguments written for `{other}`"),
        };
        json.to_string()
    }
}

/// The administration's calls that change something, each logged.
const ADMINISTRATION_CHANGES: &[&str] = &[
    "admin_create_user",
    "admin_update_user",
    "admin_set_active",
    "admin_reset_password",
    "admin_create_group",
    "admin_update_group",
    "admin_create_item",
    "admin_update_item",
    "admin_import_catalogue",
    "admin_create_webhook",
    "admin_set_webhook_events",
    "admin_set_webhook_active",
    "admin_delete_webhook",
];

/// How many entries the administration log holds, when `endpoint` is of the administration.
async fn audited(server: &TestServer, endpoint: &str) -> usize {
    if !endpoint.starts_with("admin_") {
        return 0;
    }
    let log = releasedesk_core::store::admin::changes(&server.db, None, i64::MAX).await;
    log.expect("the administration log").len()
}

/// Every integer in a JSON value.
fn numbers(value: &Value, into: &mut BTreeSet<i64>) {
    match value {
        Value::Number(n) => into.extend(n.as_i64()),
        Value::Array(items) => items.iter().for_each(|item| numbers(item, into)),
        Value::Object(fields) => fields.values().for_each(|item| numbers(item, into)),
        _ => {}
    }
}

async fn every_server_function_allows_exactly_whom_it_should(backend: Backend) {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let listed: BTreeSet<String> = MATRIX.iter().map(|case| case.endpoint.to_owned()).collect();
    assert_eq!(registered, listed, "every registered server function needs a row in MATRIX, and only those");

    let server = demo_server(backend).await;
    let mut demo = Demo::load(&server).await;
    let mut wrong = Vec::new();
    for case in MATRIX {
        for (role, expected) in ROLES.iter().zip(case.expect) {
            let release = demo.release(&server, case.needs, case.changes && expected == Allow).await;
            let client = match role {
                Some(user) => server.login(user).await,
                None => server.anonymous(),
            };
            let arguments = demo.arguments(case.endpoint, *role, release);
            let logged_before = audited(&server, case.endpoint).await;
            let answer = match case.body {
                Body::Json => client.call(case.endpoint, serde_json::from_str(&arguments).expect("json")).await,
                Body::Form => client.post_form(case.endpoint, &arguments).await,
            };
            let who = role.unwrap_or("anonymous");
            let status = answer.status;
            let ok = match expected {
                Allow => status.is_success() || status.is_redirection(),
                Login => status == StatusCode::UNAUTHORIZED,
                Forbid => status == StatusCode::FORBIDDEN,
            };
            if !ok {
                wrong.push(format!("{} as {who}: expected {expected:?}, got {status} {}", case.endpoint, answer.text));
                continue;
            }
            if expected != Allow {
                check_refusal(&client, case.endpoint, who, &arguments, &answer, &mut wrong);
            }
            // An administration change is in the administration log when made, and only then.
            let logged = audited(&server, case.endpoint).await - logged_before;
            let should_log = expected == Allow && ADMINISTRATION_CHANGES.contains(&case.endpoint);
            if (logged > 0) != should_log {
                wrong.push(format!("{} as {who}: {logged} entries in the administration log", case.endpoint));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
}

/// A refusal is an error the UI can translate, and tells nothing the caller did not send.
fn check_refusal(
    client: &Client,
    endpoint: &str,
    who: &str,
    arguments: &str,
    answer: &support::Answer,
    wrong: &mut Vec<String>,
) {
    let body = answer.json();
    if serde_json::from_value::<app::error::AppError>(body.clone()).is_err() {
        wrong.push(format!("{endpoint} as {who}: the refusal is not an AppError: {}", answer.text));
    }
    let mut sent = BTreeSet::new();
    numbers(&serde_json::from_str(arguments).unwrap_or(Value::Null), &mut sent);
    let mut told = BTreeSet::new();
    numbers(&body, &mut told);
    let leaked: Vec<_> = told.difference(&sent).collect();
    if !leaked.is_empty() {
        wrong.push(format!("{endpoint} as {who}: the refusal names identifiers {leaked:?}: {}", answer.text));
    }
    if let Some(cookie) = &client.cookie {
        let session = cookie.split_once('=').map_or(cookie.as_str(), |(_, value)| value);
        if answer.text.contains(session) {
            wrong.push(format!("{endpoint} as {who}: the refusal repeats the session id"));
        }
    }
}

on_both_databases!(every_server_function_allows_exactly_whom_it_should);
