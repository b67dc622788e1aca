//! A throw-away PostgreSQL cluster for the tests: initdb in a temporary directory, the
//! server on a free loopback port, and a watchdog that stops it and deletes the directory
//! when the test process ends, however it ends. Never the machine's own service.
//! `RELEASEDESK_TEST_POSTGRES=postgres://user@host:port` uses an existing server instead.
//! A test that needs to stop and start PostgreSQL gets a [`Cluster`] of its own.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static SERVER: OnceLock<String> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The URL of a new, empty database on the test cluster.
pub async fn fresh_database() -> String {
    let server = SERVER.get_or_init(start_cluster).clone();
    let name = format!("releasedesk_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::SeqCst));
    let admin = format!("{server}/postgres");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin).await.expect("connect to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("create a test database");
    pool.close().await;
    format!("{server}/{name}")
}

fn start_cluster() -> String {
    if let Ok(url) = std::env::var("RELEASEDESK_TEST_POSTGRES") {
        return url.trim_end_matches('/').to_owned();
    }
    let Initialized { bin, dir, data, as_root } = init_cluster("releasedesk-pg");

    let port = free_port();
    // The watchdog shell runs the server until this test process is gone, then cleans up.
    let script = format!(
        "'{postgres}' -D '{data}' -p {port} -k '{dir}' -c listen_addresses=127.0.0.1 -c fsync=off \
           -c max_connections=300 >'{dir}/log' 2>&1 & pg=$!; \
         while [ -d /proc/{test_pid} ] && kill -0 $pg 2>/dev/null; do sleep 1; done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf '{dir}'",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        test_pid = std::process::id(),
    );
    spawn_watchdog(as_root, &script);
    wait_for_port(port, &dir);
    format!("postgres://postgres@127.0.0.1:{port}")
}

/// A freshly initialized, not yet running cluster directory.
struct Initialized {
    bin: PathBuf,
    dir: PathBuf,
    data: PathBuf,
    as_root: bool,
}

/// initdb into a new temporary directory, owned by `postgres` when the tests run as root.
fn init_cluster(prefix: &str) -> Initialized {
    let bin = postgres_bin_dir();
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), free_port()));
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).expect("create the cluster directory");
    let as_root = unsafe_is_root();
    if as_root {
        // initdb and postgres refuse to run as root: the cluster belongs to `postgres`.
        run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir));
    }
    let initdb = bin.join("initdb");
    run(as_postgres(as_root, &initdb)
        .args(["--auth=trust", "--username=postgres", "--no-sync", "--encoding=UTF8", "--locale=C", "-D"])
        .arg(&data));
    Initialized { bin, dir, data, as_root }
}

fn wait_for_port(port: u16, dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            panic!("PostgreSQL did not start on port {port}:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A cluster of one test's own, which the test may stop and start again (an outage of the
/// database) on the same port and data directory. Never the shared cluster above. Dropping
/// it stops it and deletes its directory; a watchdog does the same if the test process dies.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    data: PathBuf,
    as_root: bool,
    port: u16,
}

impl Cluster {
    /// initdb, then start it on a free loopback port.
    pub fn start_new() -> Cluster {
        let Initialized { bin, dir, data, as_root } = init_cluster("releasedesk-pg-own");
        let cluster = Cluster { bin, dir, data, as_root, port: free_port() };
        let script = format!(
            "while [ -d /proc/{test_pid} ]; do sleep 1; done; \
             '{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
            test_pid = std::process::id(),
            pg_ctl = cluster.bin.join("pg_ctl").display(),
            data = cluster.data.display(),
            dir = cluster.dir.display(),
        );
        spawn_watchdog(as_root, &script);
        cluster.start();
        cluster
    }

    /// `postgres://postgres@127.0.0.1:PORT`, without a database name.
    pub fn server_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of a new, empty database on this cluster.
    pub async fn fresh_database(&self, name: &str) -> String {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("{}/postgres", self.server_url()))
            .await
            .expect("connect to the test's own cluster");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("create a test database");
        pool.close().await;
        format!("{}/{name}", self.server_url())
    }

    /// Starts the (stopped) cluster and waits until it accepts connections.
    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
            self.port,
            self.dir.display()
        );
        run(as_postgres(self.as_root, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "120", "-o", &options, "start"])
            .stdin(std::process::Stdio::null()));
        wait_for_port(self.port, &self.dir);
    }

    /// Stops the cluster as an operator would for maintenance: open connections are cut.
    pub fn stop(&self) {
        run(as_postgres(self.as_root, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "-t", "120", "stop"])
            .stdin(std::process::Stdio::null()));
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(self.as_root, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn postgres_bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL binaries under /usr/lib/postgresql (make test installs them)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an initdb under /usr/lib/postgresql/*/bin")
}

/// Removes `dir` once this test process has ended, however it ends.
pub fn remove_after_this_process(dir: &Path) {
    let script = format!("while [ -d /proc/{} ]; do sleep 1; done; rm -rf '{}'", std::process::id(), dir.display());
    spawn_watchdog(false, &script);
}

/// Runs a watchdog shell script in the background, detached from the test's output. It is
/// never waited for on purpose: it outlives the test process, to clean up after it.
#[allow(clippy::zombie_processes)]
fn spawn_watchdog(as_root: bool, script: &str) {
    as_postgres(as_root, Path::new("sh"))
        .args(["-c", script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start a watchdog");
}

fn as_postgres(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) {
    let output = command.output().expect("run a PostgreSQL tool");
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
}

fn unsafe_is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}
