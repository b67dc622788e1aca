//! Demo data (SPEC §6): groups, users, catalogues, and releases walked through the real
//! workflow functions so that their tasks and execution log are what use would leave.
//! Loaded only into an empty database.

use crate::commands::actions::{suspend, Suspend};
use crate::commands::release::{advance, capture, register, save, Advance, Save};
use crate::commands::users::{create_user, ensure_group, GroupSpec, NewUser};
use crate::commands::Desk;
use crate::domain::permissions::Actor;
use crate::domain::validation::ClosureDraft;
use crate::domain::{CategoryId, ClosureOutcome, GroupId, Permission, ReleaseId, Status, UserId};
use crate::model::release::Registration;
use crate::store::users::{actor, count_users};
use crate::store::{now, Db};
use crate::Error;

/// Every demo user's password.
pub const DEMO_PASSWORD: &str = "demo1234";

pub const EXECUTORS_N1: &str = "Despliegue N1";
pub const EXECUTORS_N2: &str = "Despliegue N2";
pub const CHANGE_MANAGEMENT: &str = "Gestión de Cambios";
pub const REQUESTERS: &str = "Solicitantes";
pub const ADMINISTRATORS: &str = crate::commands::users::ADMINISTRATORS;

/// (user name, full name, group, what they are for) — printed by `make run`.
pub const DEMO_USERS: &[(&str, &str, &str, &str)] = &[
    ("ana", "Ana Martínez", EXECUTORS_N1, "executor, Spanish"),
    ("joao", "João Silva", EXECUTORS_N1, "executor, Portuguese"),
    ("lucia", "Lucía Fernández", EXECUTORS_N2, "executor of the other group"),
    ("pedro", "Pedro Costa", EXECUTORS_N2, "executor of the other group, Portuguese"),
    ("gestor", "Marta Gestora", CHANGE_MANAGEMENT, "manager: registers, authorizes, reviews"),
    ("consultor", "Carlos Consultor", REQUESTERS, "requester without Execute"),
    ("admin", "Alicia Ruiz", ADMINISTRATORS, "administrator: Administración > Usuarios"),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("a demo action was refused: {0}")]
    Refused(#[from] Error),
}

/// Loads the demo into an empty database; returns false when users already exist.
pub async fn load_if_empty(desk: &Desk) -> Result<bool, DemoError> {
    let db = &desk.db;
    if count_users(db).await? > 0 {
        return Ok(false);
    }
    use Permission::*;
    // Executor groups hand tasks over among themselves; the managing group does the rest.
    let group =
        |name: &str, permissions: &[Permission]| GroupSpec { name: name.into(), permissions: permissions.to_vec() };
    let n1 = ensure_group(desk, &group(EXECUTORS_N1, &[Execute, Delegate])).await?;
    let n2 = ensure_group(desk, &group(EXECUTORS_N2, &[Execute, Delegate])).await?;
    let managers = [Create, Execute, Delegate, Suspend, Reactivate, Reopen, Cancel];
    ensure_group(desk, &group(CHANGE_MANAGEMENT, &managers)).await?;
    ensure_group(desk, &group(REQUESTERS, &[])).await?;
    ensure_group(desk, &group(ADMINISTRATORS, &[Administer])).await?;
    for (username, full_name, group, _) in DEMO_USERS {
        let user = NewUser {
            username: (*username).into(),
            full_name: (*full_name).into(),
            password: DEMO_PASSWORD.into(),
            groups: vec![(*group).into()],
        };
        create_user(desk, &user).await?;
    }
    load_catalogues(desk).await?;
    let cast = Cast {
        manager: demo_actor(db, "gestor").await?,
        n1: [demo_actor(db, "ana").await?, demo_actor(db, "joao").await?],
        n2: [demo_actor(db, "lucia").await?, demo_actor(db, "pedro").await?],
        n1_group: n1,
        n2_group: n2,
    };
    load_releases(desk, &cast).await?;
    Ok(true)
}

async fn demo_actor(db: &Db, username: &str) -> Result<Actor, DemoError> {
    let user = crate::store::users::user_by_username(db, username).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok(actor(db, user.id).await?.ok_or(sqlx::Error::RowNotFound)?)
}

struct Cast {
    manager: Actor,
    n1: [Actor; 2],
    n2: [Actor; 2],
    n1_group: GroupId,
    n2_group: GroupId,
}

/// Solution categories: (code, es, pt).
pub const SOLUTION_CATEGORIES: &[(&str, &str, &str)] = &[
    ("executed_successfully", "Ejecutada con éxito", "Executada com sucesso"),
    ("executed_with_workaround", "Ejecutada con solución alternativa", "Executada com solução de contorno"),
    ("partially_executed", "Ejecutada parcialmente", "Executada parcialmente"),
    ("rolled_back", "Revertida (rollback)", "Revertida (rollback)"),
    ("executed_out_of_window", "Ejecutada fuera de la ventana", "Executada fora da janela"),
    ("executed_with_incidents", "Ejecutada con incidentes", "Executada com incidentes"),
    ("blocked_by_dependency", "Bloqueada por dependencia", "Bloqueada por dependência"),
    ("cancelled_by_requester", "Cancelada por el solicitante", "Cancelada pelo solicitante"),
];

/// The systems releases are named after (the benchmark's generated titles use them too).
pub(crate) const SYSTEMS: &[&str] = &[
    "ERP Finanzas",
    "Portal de clientes",
    "Servidor de correo",
    "Intranet",
    "CRM Ventas",
    "App móvil",
    "Data warehouse",
    "Facturación electrónica",
    "VPN corporativa",
    "Nómina",
    "Sistema de inventario",
    "Mesa de servicio",
];
const ACTIONS: &[&str] = &[
    "Actualización de",
    "Parche de seguridad para",
    "Migración de",
    "Nueva versión de",
    "Ajuste de configuración de",
    "Despliegue de",
];

/// The catalogues, created through the administration's command, as an administrator
/// would (each in the administration log).
async fn load_catalogues(desk: &Desk) -> Result<(), DemoError> {
    use crate::commands::catalogues::create_item;
    use crate::model::catalogues::{
        ArticleLanguage, Catalogue, CatalogueDraft, ChangeStatus, ItemFields, ProblemStatus,
    };
    let ctx = desk.acting_at(demo_actor(&desk.db, "admin").await?, now());
    let add = |code: String, fields: ItemFields| CatalogueDraft { code, active: true, fields };
    for (code, es, pt) in SOLUTION_CATEGORIES {
        let name = crate::domain::Localized { es: (*es).into(), pt: (*pt).into() };
        create_item(&ctx, Catalogue::SolutionCategories, &add((*code).into(), ItemFields::Named { name })).await?;
    }
    use ProblemStatus::*;
    let problem_statuses = [Registered, InAnalysis, KnownError, Resolved, Closed];
    for i in 0..24 {
        let title = format!(
            "{} intermitente en {}",
            ["Lentitud", "Caída", "Error 500", "Bloqueo"][i % 4],
            SYSTEMS[i % SYSTEMS.len()]
        );
        let fields = ItemFields::Problem { title, status: problem_statuses[i % problem_statuses.len()] };
        create_item(&ctx, Catalogue::Problems, &add(format!("PRB-{:03}", i + 1), fields)).await?;
    }
    for i in 0..20 {
        let (title, language) = if i % 2 == 0 {
            (format!("Procedimiento de despliegue: {}", SYSTEMS[i % SYSTEMS.len()]), ArticleLanguage::Es)
        } else {
            (format!("Procedimento de implantação: {}", SYSTEMS[i % SYSTEMS.len()]), ArticleLanguage::Pt)
        };
        let body =
            format!("{title}\n\n1. Verificar la ventana de cambio.\n2. Ejecutar el respaldo.\n3. Desplegar y validar.");
        let fields = ItemFields::Article { title, language, body };
        create_item(&ctx, Catalogue::KnowledgeArticles, &add(format!("KB-{:03}", i + 1), fields)).await?;
    }
    for i in 0..20 {
        let name = format!("{}-paquete", SYSTEMS[i % SYSTEMS.len()].to_lowercase().replace(' ', "-"));
        let fields = ItemFields::Medium {
            version: format!("{}.{}.{}", 1 + i % 4, i % 10, i),
            location: format!("dml://repositorio/{name}/{}", 1 + i % 4),
            sha256: format!("{:064x}", 0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(i as u64 + 1)),
            name,
        };
        create_item(&ctx, Catalogue::DefinitiveMedia, &add(format!("DML-{:03}", i + 1), fields)).await?;
    }
    for i in 0..24 {
        let title =
            format!("Cambio {} {}", ACTIONS[i % ACTIONS.len()].to_lowercase(), SYSTEMS[(i + 3) % SYSTEMS.len()]);
        let fields = ItemFields::Change { title, status: ChangeStatus::ALL[i % ChangeStatus::ALL.len()] };
        create_item(&ctx, Catalogue::Changes, &add(format!("CHG-{:03}", i + 1), fields)).await?;
    }
    Ok(())
}

/// Where a demo release is left: the status it ends with and, for the executor group,
/// which of the two groups executes it.
#[derive(Clone, Copy)]
struct Plan {
    target: Status,
    second_group: bool,
}

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

fn plans() -> Vec<Plan> {
    use Status::*;
    let mut plans = Vec::new();
    let mut add = |target: Status, count: usize, second_group: bool| {
        plans.extend(std::iter::repeat_n(Plan { target, second_group }, count));
    };
    add(Closed, 5, false);
    add(Closed, 1, true);
    add(Cancelled, 3, false);
    add(Resolved, 3, false);
    add(Resolved, 1, true);
    add(NotResolved, 2, false);
    add(NotResolved, 1, true);
    add(Suspended, 2, false);
    add(Suspended, 1, true);
    add(InExecution, 2, false);
    add(InExecution, 1, true);
    add(Registered, 4, false);
    add(Approved, 22, false);
    add(Approved, 6, true);
    plans
}

/// How many releases the demo holds.
pub fn release_count() -> usize {
    plans().len()
}

async fn load_releases(desk: &Desk, cast: &Cast) -> Result<(), DemoError> {
    let plans = plans();
    let total = plans.len() as i64;
    let today = now();
    for (i, plan) in plans.into_iter().enumerate() {
        let i64_i = i as i64;
        // Older releases further along; the newest are the ones waiting.
        let registered_at = today - (total - i64_i) * DAY - (i64_i % 5) * HOUR;
        let impact = 1 + i64_i % 3;
        let urgency = 1 + (i64_i / 3) % 3;
        let title = format!("{} {} {}", ACTIONS[i % ACTIONS.len()], SYSTEMS[i % SYSTEMS.len()], version_label(i));
        let registration = Registration {
            description: format!("{title}: despliegue planificado en la ventana de mantenimiento."),
            title,
            executor_group: if plan.second_group { cast.n2_group } else { cast.n1_group },
            release_type: ["normal", "standard", "emergency"][i % 3].to_owned(),
            risk: ["low", "medium", "high"][(i / 2) % 3].to_owned(),
            impact,
            urgency,
            planned_start: registered_at + 2 * DAY,
            // Some deadlines have passed, so the list shows delays.
            planned_end: registered_at + if i % 4 == 0 { 3 * DAY } else { (total + 10) * DAY },
            version_label: version_label(i),
        };
        let id = register(&desk.acting_at(cast.manager.clone(), registered_at), &registration).await?;
        let executors = if plan.second_group { &cast.n2 } else { &cast.n1 };
        walk(desk, cast, executors, id, plan.target, registered_at, i).await?;
    }
    Ok(())
}

fn version_label(i: usize) -> String {
    format!("{}.{}.{}", 1 + i % 5, (i * 7) % 10, i % 4)
}

/// Takes a registered release through the flow to `target`, as its people would.
#[allow(clippy::too_many_arguments)]
async fn walk(
    desk: &Desk,
    cast: &Cast,
    executors: &[Actor; 2],
    id: ReleaseId,
    target: Status,
    registered_at: i64,
    i: usize,
) -> Result<(), DemoError> {
    let db = &desk.db;
    let mut at = registered_at;
    // Each step acts as `actor`, some hours after the previous one.
    let mut as_at = |actor: &Actor, hours: i64| {
        at += hours * HOUR;
        desk.acting_at(actor.clone(), at)
    };
    let none = ClosureDraft::default();
    if target == Status::Registered {
        return Ok(());
    }
    let manager = &cast.manager;
    capture(&as_at(manager, 2), id).await?;
    let decision = if target == Status::Cancelled { "rejected" } else { "approved" };
    let version = current_version(db, id).await?;
    advance(
        &as_at(manager, 1),
        &Advance { release: id, version, decision: Some(decision.into()), closure: none.clone() },
    )
    .await?;
    if matches!(target, Status::Approved | Status::Cancelled) {
        return Ok(());
    }
    if target == Status::Suspended {
        let complement = "El proveedor movió la ventana de mantenimiento a la próxima semana.";
        suspend(&as_at(manager, 20), &Suspend { release: id, justification: 1, complement: complement.into() }).await?;
        return Ok(());
    }
    let executor = &executors[i % 2];
    capture(&as_at(executor, 20), id).await?;
    let category = Some(CategoryId(1 + (i % 4) as i64));
    if target == Status::InExecution {
        let draft = ClosureDraft {
            outcome: Some(ClosureOutcome::Resolved),
            solution_category: category,
            useful_information: "Despliegue en curso; pendiente la validación funcional.".into(),
        };
        let version = current_version(db, id).await?;
        save(&as_at(executor, 1), &Save { release: id, version, closure: draft }).await?;
        return Ok(());
    }
    let closure = if target == Status::NotResolved {
        ClosureDraft {
            outcome: Some(ClosureOutcome::NotResolved),
            solution_category: None,
            useful_information: "Falló la migración de la base de datos; se revirtió el paquete.".into(),
        }
    } else {
        ClosureDraft {
            outcome: Some(ClosureOutcome::Resolved),
            solution_category: category,
            useful_information: "Paquete desplegado y validado con el área usuaria.".into(),
        }
    };
    let version = current_version(db, id).await?;
    advance(&as_at(executor, 3), &Advance { release: id, version, decision: None, closure }).await?;
    if matches!(target, Status::NotResolved | Status::Resolved) {
        return Ok(());
    }
    capture(&as_at(manager, 5), id).await?;
    let version = current_version(db, id).await?;
    advance(&as_at(manager, 1), &Advance { release: id, version, decision: Some("accepted".into()), closure: none })
        .await?;
    Ok(())
}

async fn current_version(db: &Db, id: ReleaseId) -> Result<i64, Error> {
    Ok(crate::store::releases::load(db, id).await?.state.row_version)
}

/// The ids of the demo users, for tests.
pub async fn user_id(db: &Db, username: &str) -> Result<Option<UserId>, sqlx::Error> {
    Ok(crate::store::users::user_by_username(db, username).await?.map(|u| u.id))
}
