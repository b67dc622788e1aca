//! The ReleaseDesk server: configuration, the database, the routes. The desk's rules and
//! commands live in `releasedesk-core`, its pages and server functions in `app`.

use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use leptos::prelude::*;
use releasedesk_core::auth::client::TrustedProxies;
use releasedesk_core::maintenance::{self, ServingLock};
use releasedesk_core::seed::demo;
use releasedesk_core::store::redact;
use server::shutdown::Shutdown;
use server::{open_database, router_with, Transport};
use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

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
        /// Treat every request as HTTPS (Secure `__Host-` session cookie, HSTS), for a proxy
        /// that terminates HTTPS without sending `X-Forwarded-Proto`. Requests that come
        /// over HTTPS through a trusted proxy are treated so without it.
        #[arg(long, env = "RELEASEDESK_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Reverse proxies whose X-Forwarded-For (the client's address) and
        /// X-Forwarded-Proto are believed: addresses and networks, comma-separated
        /// (e.g. `127.0.0.1,10.0.0.0/8`). None by default.
        #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
        trusted_proxies: TrustedProxies,
        /// On SIGTERM or Ctrl-C, how long open requests and job steps may take to finish
        /// before the process exits anyway, in seconds.
        #[arg(long, env = "SHUTDOWN_GRACE", value_name = "SECONDS", default_value_t = 20)]
        shutdown_grace: u64,
        /// The time zone (an IANA name, e.g. `Europe/Madrid`) in which dates are shown and
        /// read for users who have not chosen theirs. Checked at start-up.
        #[arg(long, env = "RELEASEDESK_TIME_ZONE", default_value = "UTC")]
        time_zone: String,
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
    /// Create the first administrator of a database without users, in the group
    /// "Administradores" (Administrar); the password is read from the first line of
    /// standard input. They create everyone else in Administración > Usuarios.
    CreateAdmin { username: String, full_name: String },
    /// Create a user; the password is read from the first line of standard input.
    CreateUser {
        username: String,
        full_name: String,
        /// A group to join, by name; repeat for several.
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// Access tokens for the REST API (`/api/v1`).
    #[command(subcommand)]
    ApiToken(ApiTokenCommand),
    /// Write a consistent copy of the SQLite database to FILE (a new file) while servers
    /// keep serving it. PostgreSQL: use pg_dump (README, "Running in production").
    Backup { file: std::path::PathBuf },
    /// Put the backup FILE in place of the SQLite database, after checking it; refused while
    /// a server uses the database. The database it replaces is kept beside it.
    Restore { file: std::path::PathBuf },
    /// Check the database without changing it: structure, foreign keys, migrations, the
    /// execution log's hash chain. Exits 1 when something is wrong.
    Check,
}

#[derive(Subcommand)]
enum ApiTokenCommand {
    /// Create an access token of the active user LOGIN named NAME and print it (it is shown
    /// this once: only its hash is stored). The token acts as LOGIN with their groups and
    /// permissions; they see and revoke it in "Mi cuenta".
    Create {
        login: String,
        name: String,
        /// Days until it expires (`90d`, `90`) or `never`.
        #[arg(long, default_value = "90d")]
        expires: String,
    },
}

fn main() -> ExitCode {
    server::observe::init_logging();
    memory::configure();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().max_blocking_threads(server::BLOCKING_THREADS).build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("releasedesk: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or_else(serve_by_default) {
        Command::Serve { demo, secure_cookies, trusted_proxies, shutdown_grace, time_zone } => {
            let transport = Transport { always_https: secure_cookies, proxies: trusted_proxies.into() };
            let settings =
                Settings { load_demo: demo, transport, grace: Duration::from_secs(shutdown_grace), time_zone };
            serve(&cli.database_url, settings).await
        }
        Command::CreateGroup { name, permissions } => create_group(&cli.database_url, name, &permissions).await,
        Command::SeedBench { releases } => seed_bench(&cli.database_url, releases).await,
        Command::VerifyLog => verify_log(&cli.database_url).await,
        Command::CreateUser { username, full_name, groups } => {
            create_user(&cli.database_url, username, full_name, groups).await
        }
        Command::CreateAdmin { username, full_name } => create_admin(&cli.database_url, &username, &full_name).await,
        Command::ApiToken(ApiTokenCommand::Create { login, name, expires }) => {
            create_api_token(&cli.database_url, &login, name, &expires).await
        }
        Command::Backup { file } => backup(&cli.database_url, &file).await,
        Command::Restore { file } => restore(&cli.database_url, &file).await,
        Command::Check => check(&cli.database_url).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("releasedesk: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `releasedesk` alone serves, with serve's settings from the environment.
fn serve_by_default() -> Command {
    let serve = Cli::parse_from(["releasedesk", "serve"]).command;
    serve.unwrap_or(Command::Serve {
        demo: false,
        secure_cookies: false,
        trusted_proxies: TrustedProxies::default(),
        shutdown_grace: 20,
        time_zone: releasedesk_core::domain::time_zone::DEFAULT_ZONE.to_owned(),
    })
}

/// What `serve` is told on its command line and in the environment.
struct Settings {
    load_demo: bool,
    transport: Transport,
    grace: Duration,
    time_zone: String,
}

async fn serve(database_url: &str, settings: Settings) -> Result<(), String> {
    let Settings { load_demo, transport, grace, time_zone } = settings;
    // Refused before anything opens: a misspelt zone would show every date wrong.
    let checked = releasedesk_core::domain::time_zone::tzdb::zone(&time_zone).ok_or_else(|| {
        format!("--time-zone: `{time_zone}` is not a time zone of the tz database (e.g. Europe/Madrid)")
    })?;
    // Listened for from the start: a stop request while the database opens is kept for when
    // serving begins, which then ends at once.
    let shutdown = Shutdown::new();
    shutdown.begin_on_signals()?;
    // SQLite: held until the process ends, so that `releasedesk restore` refuses to replace
    // the file under this server.
    let _serving = ServingLock::acquire(database_url).map_err(|e| e.to_string())?;
    let attachments = releasedesk_core::commands::attachments::Settings::from_env()?;
    let desk = open_database(database_url).await?.with_default_time_zone(&checked.name)?.with_attachments(attachments);
    tracing::info!(database = %redact(database_url), time_zone = %checked.name, "database ready");
    if load_demo && demo::load_if_empty(&desk).await.map_err(|e| e.to_string())? {
        println!("Demo data loaded. Users (password {}):", demo::DEMO_PASSWORD);
        for (username, full_name, group, role) in demo::DEMO_USERS {
            println!("  {username:<10} {full_name:<18} {group:<20} {role}");
        }
    }
    if releasedesk_core::store::users::count_users(&desk.db).await.map_err(|e| e.to_string())? == 0 {
        tracing::warn!(
            "the database has no users: create the first administrator with \
             `releasedesk create-admin LOGIN \"Full Name\"` (password on standard input)"
        );
    }
    let options = get_configuration(None).map_err(|e| e.to_string())?.leptos_options;
    let address = options.site_addr;
    let observe = server::observe::Settings::from_env();
    let webhooks = releasedesk_core::webhooks::Settings::from_env()?;
    server::webhooks::spawn(desk.db.clone(), webhooks, shutdown.clone())?;
    let public_url = std::env::var("RELEASEDESK_PUBLIC_URL").unwrap_or_default();
    if server::webhooks::spawn_mail(desk.db.clone(), public_url, shutdown.clone())? {
        tracing::info!("notifications go by e-mail too (SMTP_URL)");
    }
    server::webhooks::spawn_reminders(desk.clone(), shutdown.clone())?;
    server::webhooks::spawn_title_index_merge(desk.db.clone(), shutdown.clone());
    let app = router_with(desk, options, transport, observe, shutdown.clone()).await?;
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
    let serving = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown.stopping());
    shutdown.serve(serving, grace).await.map_err(|e| e.to_string())
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

/// The first line of standard input, without its line end.
fn password_from_stdin() -> Result<String, String> {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password).map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

async fn create_admin(database_url: &str, username: &str, full_name: &str) -> Result<(), String> {
    use releasedesk_core::commands::users::create_first_admin;
    let desk = open_database(database_url).await?;
    let password = password_from_stdin()?;
    create_first_admin(&desk, username, full_name, &password).await.map_err(|e| e.to_string())?;
    println!("Administrator {username} created: log in and add the others in Administración > Usuarios.");
    Ok(())
}

async fn create_user(
    database_url: &str,
    username: String,
    full_name: String,
    groups: Vec<String>,
) -> Result<(), String> {
    use releasedesk_core::commands::users::{create_user, NewUser};
    let desk = open_database(database_url).await?;
    let password = password_from_stdin()?;
    create_user(&desk, &NewUser { username: username.clone(), full_name, password, groups })
        .await
        .map_err(|e| e.to_string())?;
    println!("User {username} created.");
    Ok(())
}

async fn create_api_token(database_url: &str, login: &str, name: String, expires: &str) -> Result<(), String> {
    use releasedesk_core::commands::tokens::{create_token_for, parse_expiry, NewToken};
    let expires_in_days = parse_expiry(expires).map_err(|_| {
        format!("--expires: `{expires}` is not a number of days from 1 to 3650 (`90d`, `90`) nor `never`")
    })?;
    let desk = open_database(database_url).await?;
    let created =
        create_token_for(&desk, login, NewToken { name, expires_in_days }).await.map_err(|error| match error {
            releasedesk_core::Error::NotFound => format!("there is no active user `{login}`"),
            releasedesk_core::Error::Invalid(field) => format!("the token's name is not valid: {:?}", field.problem),
            error => error.to_string(),
        })?;
    println!("{}", created.secret);
    Ok(())
}

async fn create_group(database_url: &str, name: String, permissions: &[String]) -> Result<(), String> {
    use releasedesk_core::commands::users::{ensure_group, GroupSpec};
    use releasedesk_core::domain::Permission;
    let permissions = permissions
        .iter()
        .map(|code| Permission::from_code(code).ok_or_else(|| format!("`{code}` is not a permission")))
        .collect::<Result<Vec<_>, _>>()?;
    let desk = open_database(database_url).await?;
    ensure_group(&desk, &GroupSpec { name: name.clone(), permissions }).await.map_err(|e| e.to_string())?;
    println!("Group {name} ready.");
    Ok(())
}

async fn backup(database_url: &str, file: &Path) -> Result<(), String> {
    let backup = maintenance::backup(database_url, file).await.map_err(|e| e.to_string())?;
    println!("Backup of {} written to {} ({} bytes).", redact(database_url), backup.file.display(), backup.bytes);
    Ok(())
}

async fn restore(database_url: &str, file: &Path) -> Result<(), String> {
    let restored = maintenance::restore(database_url, file).await.map_err(|e| e.to_string())?;
    println!("{} restored from {}.", restored.database.display(), file.display());
    if let Some(previous) = restored.previous {
        println!("The database it replaced is kept as {}.", previous.display());
    }
    Ok(())
}

async fn check(database_url: &str) -> Result<(), String> {
    let report = maintenance::check(database_url).await.map_err(|e| e.to_string())?;
    for finding in &report.findings {
        let verdict = if finding.problems.is_empty() { "ok" } else { "FAILED" };
        println!("{verdict:<6} {}", finding.check);
        for line in finding.problems.iter().chain(&finding.notes) {
            println!("       {line}");
        }
    }
    if report.is_sound() {
        println!("{} is sound.", redact(database_url));
        Ok(())
    } else {
        Err(format!("{} has problems (listed above)", redact(database_url)))
    }
}
