//! The ReleaseDesk server: configuration, the database, the routes. The desk's rules and
//! commands live in `releasedesk-core`, its pages and server functions in `app`.

use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use leptos::prelude::*;
use releasedesk_core::seed::demo;
use releasedesk_core::store::redact;
use server::{open_database, router};
use std::io::BufRead;
use std::process::ExitCode;

mod memory;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "releasedesk", about = "ReleaseDesk: the release-execution desk")]
struct Cli {
    /// sqlite path or URL (default data/releasedesk.db), or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = "data/releasedesk.db", global = true)]
    database_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app (the default).
    Serve {
        /// Load the demo data when the database has no users.
        #[arg(long)]
        demo: bool,
        /// Mark the session cookie Secure (behind HTTPS).
        #[arg(long, env = "RELEASEDESK_SECURE_COOKIES")]
        secure_cookies: bool,
    },
    /// Create a group (or add permissions to an existing one). The flow names the groups
    /// of its fixed steps (flows/release.toml): create those before registering releases.
    CreateGroup {
        name: String,
        /// create, execute, delegate, suspend, reactivate, reopen or cancel; repeat for several.
        #[arg(long = "permission")]
        permissions: Vec<String>,
    },
    /// Fill an empty database with the demo and `releases` generated releases for the
    /// benchmark (`make bench`); prints what the benchmark needs to know as JSON.
    SeedBench {
        #[arg(long, default_value_t = 100_000)]
        releases: i64,
    },
    /// Check the execution log's hash chain; report the first entry that was changed,
    /// inserted or removed behind the server's back, and exit with 1 if one was.
    VerifyLog,
    /// Create a user; the password is read from the first line of standard input.
    CreateUser {
        username: String,
        full_name: String,
        /// A group to join, by name; repeat for several.
        #[arg(long = "group")]
        groups: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to standard error: standard output carries what a command prints (seed-bench's JSON).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    memory::configure();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve { demo: false, secure_cookies: false }) {
        Command::Serve { demo, secure_cookies } => serve(&cli.database_url, demo, secure_cookies).await,
        Command::CreateGroup { name, permissions } => create_group(&cli.database_url, &name, &permissions).await,
        Command::SeedBench { releases } => seed_bench(&cli.database_url, releases).await,
        Command::VerifyLog => verify_log(&cli.database_url).await,
        Command::CreateUser { username, full_name, groups } => {
            create_user(&cli.database_url, &username, &full_name, &groups).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("releasedesk: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(database_url: &str, load_demo: bool, secure_cookies: bool) -> Result<(), String> {
    let desk = open_database(database_url).await?;
    tracing::info!(database = %redact(database_url), "database ready");
    if load_demo && demo::load_if_empty(&desk).await.map_err(|e| e.to_string())? {
        println!("Demo data loaded. Users (password {}):", demo::DEMO_PASSWORD);
        for (username, full_name, group, role) in demo::DEMO_USERS {
            println!("  {username:<10} {full_name:<18} {group:<20} {role}");
        }
    }
    let options = get_configuration(None).map_err(|e| e.to_string())?.leptos_options;
    let address = options.site_addr;
    let app = router(desk, options, secure_cookies).await?;
    // Without TCP_NODELAY a response written in two parts (headers, then body) waits for the
    // client's delayed acknowledgement: 40 ms on every page and file.
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?
        .tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "cannot set TCP_NODELAY");
            }
        });
    println!("ReleaseDesk is serving on http://{address}");
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

async fn verify_log(database_url: &str) -> Result<(), String> {
    let db = releasedesk_core::store::open_migrated(database_url).await.map_err(|e| e.to_string())?;
    let report = releasedesk_core::store::log::verify_chain(&db).await.map_err(|e| e.to_string())?;
    let (checked, unchained) = (report.checked, report.unchained);
    match report.first_broken {
        None => {
            println!("Execution log intact: {checked} entries chained, {unchained} written before the chain started.");
            Ok(())
        }
        Some(broken) => Err(format!(
            "execution log broken at entry {} (release {}): it, or the release's entry before it, \
             was changed behind the server's back ({checked} entries checked up to it)",
            broken.entry, broken.release
        )),
    }
}

async fn seed_bench(database_url: &str, releases: i64) -> Result<(), String> {
    let desk = open_database(database_url).await?;
    let started = std::time::Instant::now();
    let seeded = releasedesk_core::seed::bulk::seed(&desk, releases).await.map_err(|e| e.to_string())?;
    tracing::info!(releases = seeded.releases, seconds = started.elapsed().as_secs_f64(), "benchmark data loaded");
    println!("{}", serde_json::to_string(&seeded).map_err(|e| e.to_string())?);
    Ok(())
}

async fn create_user(database_url: &str, username: &str, full_name: &str, groups: &[String]) -> Result<(), String> {
    let db = open_database(database_url).await?.db;
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    use releasedesk_core::domain::validation::{check_new_password, Problem, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
    check_new_password(password, password).map_err(|error| match error.problem {
        Problem::TooShort { .. } => format!("the password needs at least {MIN_PASSWORD_CHARS} characters"),
        _ => format!("the password may have at most {MAX_PASSWORD_CHARS} characters"),
    })?;
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    releasedesk_core::store::users::create_user(&db, username, full_name, password, &groups)
        .await
        .map_err(|e| e.to_string())?;
    println!("User {username} created.");
    Ok(())
}

async fn create_group(database_url: &str, name: &str, permissions: &[String]) -> Result<(), String> {
    let permissions = permissions
        .iter()
        .map(|code| {
            releasedesk_core::domain::Permission::from_code(code).ok_or_else(|| format!("`{code}` is not a permission"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let db = open_database(database_url).await?.db;
    releasedesk_core::store::users::ensure_group(&db, name, &permissions).await.map_err(|e| e.to_string())?;
    println!("Group {name} ready.");
    Ok(())
}
