//! Bulk data for the benchmark (`make bench`): the demo, then `count` releases spread over
//! three years, in the mix of states a busy desk has, each with the tasks, closure,
//! relations, search index and execution log its state implies.
//!
//! Walking a million releases through the workflow functions would take hours, so each
//! table is filled by a handful of `INSERT … SELECT` statements over a generated series.
//! The SQL is the same on SQLite and PostgreSQL. Ids are computed rather than generated so
//! that a release's tasks can be named before they exist: release `base + i` owns the
//! tasks `task_base + 4(i-1) + 1..=4` (register, authorization, execution, review).

use crate::commands::Desk;
use crate::model::list::DUE_SOON_SECONDS;
use crate::seed::demo::{self, CHANGE_MANAGEMENT, EXECUTORS_N1, EXECUTORS_N2, SYSTEMS};
use crate::store::list::remember_all_title_words;
use crate::store::notifications::mark_reached_as_reminded;
use crate::store::users::{group_id_by_name, user_by_username};
use crate::store::{fold_for_search, now, Backend, Db};

/// The users a benchmark drives: `BENCH_USER_PREFIX001`… in the first executor group,
/// with the demo password, so that captures can come from many people at once.
pub const BENCH_USER_PREFIX: &str = "bench";

/// What a benchmark needs to know about the data it runs against.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Seeded {
    /// Releases in the database, the demo's included.
    pub releases: i64,
    /// The highest release number: the first row of the list.
    pub newest: i64,
    /// Releases in execution, held by ana, with their closure filled: each can be advanced
    /// once, at version 1.
    pub held_by_ana: Vec<i64>,
    /// An approved release whose execution task nobody holds yet.
    pub capture_target: i64,
    /// Another, for a burst of captures before the one measured (`bench/capture.mjs`).
    pub capture_warm_up_target: i64,
    pub bench_users: usize,
    /// A solution category to close with.
    pub solution_category: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot load the demo: {0}")]
    Demo(#[from] demo::DemoError),
    #[error("the database already holds releases beyond the demo")]
    NotEmpty,
}

/// The state a generated release is in, by `i % 20`: 35% closed, 20% approved and
/// waiting, 20% in execution, 10% waiting for review, 5% registered, 5% cancelled, 5%
/// suspended.
const STATUS_BY_SLOT: [&str; 20] = [
    "closed",
    "closed",
    "closed",
    "closed",
    "closed",
    "closed",
    "closed", // 0..=6
    "approved",
    "approved",
    "approved",
    "approved", // 7..=10
    "in_execution",
    "in_execution",
    "in_execution",
    "in_execution", // 11..=14
    "resolved",
    "not_resolved", // 15, 16
    "registered",
    "cancelled",
    "suspended", // 17, 18, 19
];

const ACTIONS: &[&str] = &[
    "Actualización de",
    "Parche de seguridad para",
    "Migración de",
    "Nueva versión de",
    "Ajuste de configuración de",
    "Despliegue de",
    "Renovación de certificados de",
    "Ampliación de capacidad de",
    "Corrección de errores en",
    "Integración de",
    "Retirada de",
    "Optimización de",
];
const COMPONENTS: &[&str] = &[
    "módulo de cobros",
    "interfaz REST",
    "base de datos",
    "front web",
    "servicio batch",
    "cola de mensajes",
    "caché",
    "informes",
    "notificaciones",
    "API interna",
    "agente",
    "cliente de escritorio",
    "réplica",
    "esquema",
    "conectores",
    "panel de control",
    "scripts de despliegue",
    "certificados",
    "plantillas",
    "índices",
    "workers",
    "licencias",
    "kernel",
];

/// A title is an action, a system and a component, chosen by the release's number `i` as
/// the digits of a mixed-radix number, so that every combination occurs equally often.
fn title_parts(i: &str) -> [(String, &'static [&'static str]); 3] {
    [
        (i.to_owned(), ACTIONS),
        (format!("{i} / {}", ACTIONS.len()), SYSTEMS),
        (format!("{i} / {}", ACTIONS.len() * SYSTEMS.len()), COMPONENTS),
    ]
}

/// `CASE expr % n WHEN 0 THEN 'a' …` picking one of `options` by the row's number.
fn pick(expr: &str, options: &[&str]) -> String {
    let arms: String = options
        .iter()
        .enumerate()
        .map(|(n, option)| {
            debug_assert!(!option.contains('\''), "vocabulary is spliced into SQL");
            format!(" WHEN {n} THEN '{option}'")
        })
        .collect();
    format!("(CASE ({expr}) % {}{arms} END)", options.len())
}

/// The priority of a release with impact `1 + i % 3` and urgency `1 + (i / 3) % 3`, from
/// the same matrix registration uses.
fn priority_by_impact_and_urgency() -> String {
    use crate::domain::priority::{priority, Level};
    let arms: String = (0..9)
        .map(|n| {
            let level = |value| Level::new(value).unwrap_or(Level::MEDIUM);
            format!(" WHEN {n} THEN {}", priority(level(1 + n % 3), level(1 + n / 3)))
        })
        .collect();
    format!("(CASE (i % 3) + 3 * ((i / 3) % 3){arms} END)")
}

/// Loads the demo and `count` generated releases into an empty database.
pub async fn seed(desk: &Desk, count: i64) -> Result<Seeded, BulkError> {
    let (db, flow) = (&desk.db, &desk.release_flow);
    demo::load_if_empty(desk).await?;
    let demo_releases = scalar(db, "SELECT COUNT(*) AS n FROM releases").await?;
    let base = scalar(db, "SELECT COALESCE(MAX(id), 0) AS n FROM releases").await?;
    if demo_releases > demo::release_count() as i64 {
        return Err(BulkError::NotEmpty);
    }
    let task_base = scalar(db, "SELECT COALESCE(MAX(id), 0) AS n FROM tasks").await?;
    let id_of = |name: &'static str| async move {
        Ok::<i64, sqlx::Error>(group_id_by_name(db, name).await?.ok_or(sqlx::Error::RowNotFound)?.0)
    };
    let (n1, n2, managers) = (id_of(EXECUTORS_N1).await?, id_of(EXECUTORS_N2).await?, id_of(CHANGE_MANAGEMENT).await?);
    let user = |name: &'static str| async move {
        Ok::<i64, sqlx::Error>(user_by_username(db, name).await?.ok_or(sqlx::Error::RowNotFound)?.id.0)
    };
    let (ana, lucia, gestor, consultor) =
        (user("ana").await?, user("lucia").await?, user("gestor").await?, user("consultor").await?);
    let bench_users = create_bench_users(db, ana, n1).await?;

    let now = now();
    // Three years of history, the newest release registered a day ago.
    let span = 3 * 365 * 86_400;
    let step = (span / count.max(1)).max(1);
    let first_at = now - 86_400 - step * count;
    let facts = Facts {
        base,
        task_base,
        count,
        n1,
        n2,
        managers,
        ana,
        lucia,
        gestor,
        consultor,
        flow: flow.id,
        first_at,
        step,
        now,
    };

    let mut tx = db.begin_write().await?;
    for statement in facts.statements() {
        sqlx::query(&statement).execute(&mut *tx).await?;
    }
    // The generated history carries no hashes: the log's chain starts after it.
    crate::store::log::restart_chain(&mut tx).await?;
    // PostgreSQL's trigger records the title words; SQLite's come from its full-text index.
    if db.backend == Backend::Sqlite {
        remember_all_title_words(&mut tx).await?;
    }
    // The history's deadlines passed while nobody served it: a desk in service would have
    // reminded each as it came due, so the scheduler finds nothing left to tell.
    mark_reached_as_reminded(&mut tx, now, DUE_SOON_SECONDS).await?;
    tx.commit().await?;
    // As the server's daily merge would leave the titles' index of a desk in service.
    crate::store::title_index::merge(db).await?;
    if db.backend == Backend::Postgres {
        for table in ["releases", "tasks", "execution_log"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .execute(&db.pool)
            .await?;
        }
    }
    // As a desk in service has its tables: PostgreSQL's autovacuum would otherwise visit the
    // bulk-loaded tables in the minutes after, during whatever the bench then measures, and
    // until it has, each index-only scan reads the table's rows too (BENCHMARKS.md, *The
    // thirty-first pass*).
    let settle = match db.backend {
        Backend::Postgres => "VACUUM (ANALYZE)",
        Backend::Sqlite => "ANALYZE",
    };
    sqlx::query(settle).execute(&db.pool).await?;

    let held_by_ana: Vec<i64> = sqlx::query_scalar(
        "SELECT r.id FROM releases r JOIN tasks t ON t.id = r.current_task_id
          WHERE r.id > $1 AND r.status = 'in_execution' AND t.assignee_id = $2 ORDER BY r.id",
    )
    .bind(base)
    .bind(ana)
    .fetch_all(&db.pool)
    .await?;
    let free: Vec<i64> = sqlx::query_scalar(
        "SELECT r.id FROM releases r JOIN tasks t ON t.id = r.current_task_id
          WHERE r.status = 'approved' AND r.executor_group_id = $1 AND t.assignee_id IS NULL
          ORDER BY r.id DESC LIMIT 2",
    )
    .bind(n1)
    .fetch_all(&db.pool)
    .await?;
    let [capture_target, capture_warm_up_target] = free[..] else { return Err(sqlx::Error::RowNotFound.into()) };
    Ok(Seeded {
        releases: scalar(db, "SELECT COUNT(*) AS n FROM releases").await?,
        newest: scalar(db, "SELECT MAX(id) AS n FROM releases").await?,
        held_by_ana,
        capture_target,
        capture_warm_up_target,
        bench_users,
        solution_category: scalar(db, "SELECT MIN(id) AS n FROM solution_categories").await?,
    })
}

/// How many people capture the same task at once in the benchmark.
const BENCH_USERS: usize = 200;

/// Creates the benchmark's executors with ana's password hash (the demo password), so
/// that no time goes into hashing 200 passwords.
async fn create_bench_users(db: &Db, ana: i64, group: i64) -> Result<usize, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for n in 1..=BENCH_USERS {
        let username = format!("{BENCH_USER_PREFIX}{n:03}");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, full_name, password_hash, created_at)
             SELECT $1, $2, password_hash, created_at FROM users WHERE id = $3 RETURNING id",
        )
        .bind(&username)
        .bind(format!("Ejecutor {n:03}"))
        .bind(ana)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(BENCH_USERS)
}

async fn scalar(db: &Db, sql: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await
}

/// The numbers every statement is built from. All are integers the seeder computed
/// itself, so they are written into the SQL as literals.
struct Facts {
    base: i64,
    task_base: i64,
    count: i64,
    n1: i64,
    n2: i64,
    managers: i64,
    ana: i64,
    lucia: i64,
    gestor: i64,
    consultor: i64,
    flow: i64,
    first_at: i64,
    step: i64,
    now: i64,
}

impl Facts {
    fn statements(&self) -> Vec<String> {
        let Facts {
            base,
            task_base,
            count,
            n1,
            n2,
            managers,
            ana,
            lucia,
            gestor,
            consultor,
            flow,
            first_at,
            step,
            now,
        } = *self;
        // `i` is the generated release's number from 1; `k` its slot in STATUS_BY_SLOT.
        let series = format!(
            "WITH RECURSIVE series(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM series WHERE i < {count})"
        );
        let status = pick("i", &STATUS_BY_SLOT);
        let title_of = |fold: bool| {
            title_parts("i")
                .iter()
                .map(|(slot, options)| {
                    let words: Vec<String> =
                        options.iter().map(|o| if fold { fold_for_search(o) } else { (*o).to_owned() }).collect();
                    pick(slot, &words.iter().map(String::as_str).collect::<Vec<_>>())
                })
                .collect::<Vec<_>>()
                .join(" || ' ' || ")
        };
        let (title, folded_title) = (title_of(false), title_of(true));
        // Every third release belongs to the second executor group.
        let group = format!("(CASE WHEN i % 3 = 0 THEN {n2} ELSE {n1} END)");
        let task = |n: i64| format!("{task_base} + 4 * (i - 1) + {n}");
        let created = format!("({first_at} + i * {step})");
        let releases = format!(
            "INSERT INTO releases (id, title, description, search_text, requester_id, executor_group_id, release_type,
                                   risk, impact, urgency, priority, planned_start, planned_end, version_label, status,
                                   flow_id, current_step, current_task_id, suspended_since, suspended_seconds,
                                   suspended_from_status, created_at, updated_at, row_version)
             {series}
             SELECT {base} + i, title, title || ': despliegue planificado en la ventana de mantenimiento.', folded,
                    {consultor}, {group}, {release_type}, {risk}, 1 + i % 3, 1 + (i / 3) % 3,
                    {priority},
                    created + 172800, created + 604800 * (1 + i % 8),
                    (1 + i % 9) || '.' || (i % 13) || '.' || (i % 7), status, {flow},
                    CASE status WHEN 'registered' THEN 'authorization'
                                WHEN 'approved' THEN 'execution' WHEN 'in_execution' THEN 'execution'
                                WHEN 'suspended' THEN 'execution'
                                WHEN 'resolved' THEN 'review' WHEN 'not_resolved' THEN 'review' END,
                    CASE status WHEN 'registered' THEN {auth}
                                WHEN 'approved' THEN {exec} WHEN 'in_execution' THEN {exec} WHEN 'suspended' THEN {exec}
                                WHEN 'resolved' THEN {review} WHEN 'not_resolved' THEN {review} END,
                    CASE status WHEN 'suspended' THEN {now} - 86400 END, 0,
                    CASE status WHEN 'suspended' THEN 'approved' END,
                    created, created + 3600, 1
               FROM (SELECT i, {status} AS status, {title} AS title, {folded_title} AS folded, {created} AS created
                       FROM series) generated",
            release_type = pick("i / 2", &["normal", "standard", "emergency"]),
            risk = pick("i / 5", &["low", "medium", "high"]),
            auth = task(2),
            exec = task(3),
            review = task(4),
            priority = priority_by_impact_and_urgency(),
        );
        // Tasks: the register step is always done; the others by the release's state.
        let in_range = format!("r.id > {base}");
        let i = format!("(r.id - {base})");
        let tid = |n: i64| format!("{task_base} + 4 * ({i} - 1) + {n}");
        let executor = format!("(CASE WHEN r.executor_group_id = {n1} THEN {ana} ELSE {lucia} END)");
        let tasks = [
            format!(
                "INSERT INTO tasks (id, release_id, step_code, group_id, assignee_id, created_at, captured_at,
                                    finished_at, finished_by, outcome)
                 SELECT {t}, r.id, 'register', {managers}, {gestor}, r.created_at, r.created_at, r.created_at,
                        {gestor}, 'registered'
                   FROM releases r WHERE {in_range}",
                t = tid(1)
            ),
            format!(
                "INSERT INTO tasks (id, release_id, step_code, group_id, assignee_id, created_at, captured_at,
                                    finished_at, finished_by, outcome)
                 SELECT {t}, r.id, 'authorization', {managers},
                        CASE WHEN r.status = 'registered' THEN NULL ELSE {gestor} END, r.created_at,
                        CASE WHEN r.status = 'registered' THEN NULL ELSE r.created_at + 7200 END,
                        CASE WHEN r.status = 'registered' THEN NULL ELSE r.created_at + 10800 END,
                        CASE WHEN r.status = 'registered' THEN NULL ELSE {gestor} END,
                        CASE r.status WHEN 'registered' THEN NULL WHEN 'cancelled' THEN 'rejected' ELSE 'approved' END
                   FROM releases r WHERE {in_range}",
                t = tid(2)
            ),
            format!(
                "INSERT INTO tasks (id, release_id, step_code, group_id, assignee_id, created_at, captured_at,
                                    finished_at, finished_by, outcome)
                 SELECT {t}, r.id, 'execution', r.executor_group_id,
                        CASE WHEN r.status IN ('approved', 'suspended') THEN NULL ELSE {executor} END,
                        r.created_at + 10800,
                        CASE WHEN r.status IN ('approved', 'suspended') THEN NULL ELSE r.created_at + 86400 END,
                        CASE WHEN r.status IN ('resolved', 'not_resolved', 'closed') THEN r.created_at + 97200 END,
                        CASE WHEN r.status IN ('resolved', 'not_resolved', 'closed') THEN {executor} END,
                        CASE r.status WHEN 'not_resolved' THEN 'not_resolved'
                                      WHEN 'resolved' THEN 'resolved' WHEN 'closed' THEN 'resolved' END
                   FROM releases r WHERE {in_range} AND r.status NOT IN ('registered', 'cancelled')",
                t = tid(3)
            ),
            format!(
                "INSERT INTO tasks (id, release_id, step_code, group_id, assignee_id, created_at, captured_at,
                                    finished_at, finished_by, outcome)
                 SELECT {t}, r.id, 'review', {managers},
                        CASE WHEN r.status = 'closed' THEN {gestor} END, r.created_at + 97200,
                        CASE WHEN r.status = 'closed' THEN r.created_at + 115200 END,
                        CASE WHEN r.status = 'closed' THEN r.created_at + 118800 END,
                        CASE WHEN r.status = 'closed' THEN {gestor} END,
                        CASE WHEN r.status = 'closed' THEN 'accepted' END
                   FROM releases r WHERE {in_range} AND r.status IN ('resolved', 'not_resolved', 'closed')",
                t = tid(4)
            ),
        ];
        let closures = format!(
            "INSERT INTO closures (release_id, outcome, solution_category_id, useful_information, release_date,
                                   recorded_by, recorded_at)
             SELECT r.id, CASE WHEN r.status = 'not_resolved' THEN 'not_resolved' ELSE 'resolved' END,
                    CASE WHEN r.status = 'not_resolved' THEN NULL
                         ELSE (SELECT MIN(id) FROM solution_categories) + {i} % 4 END,
                    CASE WHEN r.status = 'not_resolved'
                         THEN 'Falló la migración de la base de datos; se revirtió el paquete.'
                         ELSE 'Paquete desplegado y validado con el área usuaria.' END,
                    CASE WHEN r.status = 'in_execution' THEN NULL ELSE r.created_at + 97200 END,
                    {executor}, r.created_at + 90000
               FROM releases r WHERE {in_range} AND r.status IN ('in_execution', 'resolved', 'not_resolved', 'closed')"
        );
        // Links to the demo's catalogues, spread by the release number.
        let link = |table: &str, column: &str, catalogue: &str, every: i64| {
            format!(
                "INSERT INTO {table} (release_id, {column}, linked_by, linked_at)
                 SELECT r.id, (SELECT MIN(id) FROM {catalogue}) + {i} % (SELECT COUNT(*) FROM {catalogue}),
                        {executor}, r.created_at + 90000
                   FROM releases r WHERE {in_range} AND {i} % {every} = 0
                    AND r.status IN ('in_execution', 'resolved', 'not_resolved', 'closed')"
            )
        };
        // The log, in the order things happened: the register entry, then a capture and an
        // advance for every task taken and finished, the advance with the release's snapshot.
        // The details hold only their kind's tag (`LogDetails`); their other fields read as empty.
        let log = format!(
            "INSERT INTO execution_log (release_id, occurred_at, user_id, kind, step_code, details, snapshot)
             SELECT release_id, occurred_at, user_id, kind, step_code, '{{\"kind\":\"' || kind || '\"}}', snapshot
               FROM (
                 SELECT t.release_id, t.created_at AS occurred_at, t.finished_by AS user_id, 'registered' AS kind,
                        t.step_code, NULL AS snapshot, 0 AS seq
                   FROM tasks t WHERE t.id > {task_base} AND t.step_code = 'register'
                 UNION ALL
                 SELECT t.release_id, t.captured_at, t.assignee_id, 'captured', t.step_code, NULL, 1
                   FROM tasks t WHERE t.id > {task_base} AND t.step_code <> 'register' AND t.captured_at IS NOT NULL
                 UNION ALL
                 SELECT t.release_id, t.finished_at, t.finished_by, 'advanced', t.step_code,
                        '{{\"outcome\":\"' || t.outcome || '\",\"step\":\"' || t.step_code || '\"}}', 2
                   FROM tasks t WHERE t.id > {task_base} AND t.step_code <> 'register' AND t.finished_at IS NOT NULL
             ) entries ORDER BY release_id, occurred_at, seq"
        );
        let mut statements = vec![releases];
        statements.extend(tasks);
        statements.push(closures);
        statements.push(link("release_problems", "problem_id", "problems", 3));
        statements.push(link("release_knowledge", "article_id", "knowledge_articles", 4));
        statements.push(link("release_media", "media_id", "media_items", 5));
        statements.push(link("release_changes", "change_id", "changes", 6));
        statements.push(log);
        statements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_can_be_spliced_into_sql() {
        for word in ACTIONS.iter().chain(SYSTEMS).chain(COMPONENTS).chain(&STATUS_BY_SLOT) {
            assert!(!word.contains('\'') && !word.contains('\\'), "{word}");
        }
    }

    #[test]
    fn a_pick_chooses_by_remainder() {
        assert_eq!(pick("i", &["a", "b"]), "(CASE (i) % 2 WHEN 0 THEN 'a' WHEN 1 THEN 'b' END)");
    }
}
