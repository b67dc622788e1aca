//! The real server binary as a separate OS process on a loopback port, and an HTTP client
//! that talks to it over TCP as a browser (or its JavaScript) would. The process is killed
//! when its handle is dropped, also when the test panics.

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The server binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_releasedesk");

/// How long a request may take before the test calls it a hang.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A running `releasedesk serve`.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub database_url: String,
    output: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts the server on `database_url` on a free port and waits until it listens.
    pub async fn start(database_url: &str, demo: bool) -> ServerProcess {
        Self::start_with(database_url, demo, &[]).await
    }

    /// The same, with these environment variables set for the server (its settings).
    pub async fn start_with(database_url: &str, demo: bool, settings: &[(&str, &str)]) -> ServerProcess {
        let port = free_port();
        // The site (wasm, CSS) is found relative to the workspace, as `make run` serves it.
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace directory");
        let mut command = Command::new(BINARY);
        command.arg("--database-url").arg(database_url).arg("serve");
        if demo {
            command.arg("--demo");
        }
        command
            .current_dir(workspace)
            .env_remove("DATABASE_URL")
            .env_remove("DATABASE_OWNER_URL")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "releasedesk")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("LEPTOS_ENV", "PROD")
            .env("RUST_LOG", "warn")
            .envs(settings.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start the server binary");
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take(), &output);
        collect(child.stderr.take(), &output);
        let mut server = ServerProcess {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            database_url: database_url.to_owned(),
            output,
        };
        server.wait_until_serving().await;
        server
    }

    async fn wait_until_serving(&mut self) {
        let ready = format!("ReleaseDesk is serving on http://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if self.output().contains(&ready) {
                break;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}) before serving:\n{}", self.output());
            }
            assert!(Instant::now() < deadline, "the server did not start within 120 s:\n{}", self.output());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Printed right after binding: the port must take connections now.
        tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.expect("the server accepts connections");
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// SIGKILL, as a crash or `kill -9` would end it; waits until it is gone.
    pub fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("wait for the killed server")
    }

    /// SIGTERM, as `systemctl stop` or an orchestrator sends it; does not wait.
    pub fn terminate(&self) {
        let sent = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {} failed", self.child.id());
    }

    /// The exit status once the process has ended, or `None` if it still runs at `deadline`.
    pub async fn exit_status_by(&mut self, deadline: Instant) -> Option<ExitStatus> {
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the server") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether the process is still running.
    pub fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A client without a session.
    pub fn anonymous(&self) -> Http {
        Http::new(&self.base)
    }

    /// A client logged in as `username` with `password`; panics if the login fails.
    pub async fn login_with(&self, username: &str, password: &str) -> Http {
        let mut client = self.anonymous();
        let answer = client.login(username, password).await.expect("the login request is answered");
        assert!(
            answer.status.is_success() || answer.status.is_redirection(),
            "login of {username} on {}: {answer:?}",
            self.base
        );
        assert!(client.cookie.is_some(), "login of {username} set no session cookie: {answer:?}");
        client
    }

    /// A client logged in as a demo user.
    pub async fn login(&self, username: &str) -> Http {
        self.login_with(username, releasedesk_core::seed::demo::DEMO_PASSWORD).await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(stream: Option<impl Read + Send + 'static>, into: &Arc<Mutex<String>>) {
    let Some(stream) = stream else { return };
    let into = Arc::clone(into);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut output) = into.lock() {
                output.push_str(&line);
                output.push('\n');
            }
        }
    });
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON, or `Value::Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// A client of one server instance that holds a session cookie, as a browser does. It sends
/// no `Origin` header: the requests are same-origin by construction.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
}

impl Http {
    pub fn new(base: &str) -> Http {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("an HTTP client");
        Http { client, base: base.to_owned(), cookie: None }
    }

    /// The same session (cookie) on another server instance.
    pub fn on(&self, server: &ServerProcess) -> Http {
        Http { client: self.client.clone(), base: server.base.clone(), cookie: self.cookie.clone() }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match &self.cookie {
            Some(cookie) => builder.header(COOKIE, cookie),
            None => builder,
        }
    }

    async fn send(builder: reqwest::RequestBuilder) -> Result<Reply, reqwest::Error> {
        let response = builder.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await?;
        Ok(Reply { status, headers, text })
    }

    /// Calls a JSON server function, e.g. `call("list_releases", json!({"query": …}))`.
    pub async fn call(&self, endpoint: &str, args: Value) -> Result<Reply, reqwest::Error> {
        let builder = self
            .request(reqwest::Method::POST, &format!("/api/{endpoint}"))
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(args.to_string());
        Self::send(builder).await
    }

    /// Loads a page (or any path) as a browser navigating to it.
    pub async fn page(&self, path: &str) -> Result<Reply, reqwest::Error> {
        Self::send(self.request(reqwest::Method::GET, path).header(ACCEPT, "text/html")).await
    }

    /// Posts the login form; keeps the session cookie the answer sets.
    pub async fn login(&mut self, username: &str, password: &str) -> Result<Reply, reqwest::Error> {
        let body = format!("username={}&password={}", urlencode(username), urlencode(password));
        let builder = self
            .request(reqwest::Method::POST, "/api/login")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body);
        let reply = Self::send(builder).await?;
        if let Some(pair) = reply
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            // The session's cookie, not the language's (set too for a user with a language).
            .find(|pair| pair.contains("_session="))
        {
            self.cookie = Some(pair.trim().to_owned());
        }
        Ok(reply)
    }

    /// Posts the logout form.
    pub async fn logout(&self) -> Result<Reply, reqwest::Error> {
        let builder = self
            .request(reqwest::Method::POST, "/api/logout")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json");
        Self::send(builder).await
    }

    /// Opens the live-event stream, `GET /api/events`; its body never ends by itself.
    pub async fn events(&self) -> Result<EventStream, reqwest::Error> {
        // Its own client: the stream outlives any whole-request timeout.
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .no_proxy()
            .build()
            .expect("an HTTP client");
        let mut builder = client.get(format!("{}/api/events", self.base)).header(ACCEPT, "text/event-stream");
        if let Some(cookie) = &self.cookie {
            builder = builder.header(COOKIE, cookie);
        }
        let response = builder.send().await?;
        Ok(EventStream::new(response))
    }
}

/// A server-sent-event stream, read line by line.
pub struct EventStream {
    pub response: reqwest::Response,
    pending: String,
    /// The event being read: its name and data so far.
    name: Option<String>,
    data: Option<String>,
}

/// One server-sent event: its name (`None` for a plain message, a release's event) and its
/// data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub name: Option<String>,
    pub data: String,
}

impl EventStream {
    fn new(response: reqwest::Response) -> EventStream {
        EventStream { response, pending: String::new(), name: None, data: None }
    }

    /// The next event, or `None` when `deadline` passes or the stream ends.
    pub async fn next_event(&mut self, deadline: tokio::time::Instant) -> Option<Sent> {
        loop {
            while let Some(end) = self.pending.find('\n') {
                let line: String = self.pending.drain(..=end).collect();
                let line = line.trim_end();
                if line.is_empty() {
                    // An event without data is no event (a keep-alive comment).
                    if let Some(data) = self.data.take() {
                        return Some(Sent { name: self.name.take(), data });
                    }
                    self.name = None;
                } else if let Some(name) = line.strip_prefix("event:") {
                    self.name = Some(name.trim().to_owned());
                } else if let Some(data) = line.strip_prefix("data:") {
                    self.data = Some(data.trim().to_owned());
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?.ok()??;
            self.pending.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The JSON of the next release's event (a plain message), passing over named events;
    /// `None` when `deadline` passes or the stream ends.
    pub async fn next_data(&mut self, deadline: tokio::time::Instant) -> Option<Value> {
        loop {
            let sent = self.next_event(deadline).await?;
            if sent.name.is_none() {
                return Some(serde_json::from_str(&sent.data).unwrap_or(Value::Null));
            }
        }
    }

    /// Reads the stream until an event of `release`, within 10 s.
    pub async fn until_events_of(&mut self, release: i64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while let Some(event) = self.next_data(deadline).await {
            if event["release"] == release {
                return;
            }
        }
        panic!("no event of release {release} within 10 s");
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
