//! What a load balancer or an orchestrator asks: `GET /health/live` (the process answers)
//! and `GET /health/ready` (this instance can serve: its database answers within a second,
//! holds every migration this build expects, and the server is not shutting down). Both
//! are public and cheap: they sit outside the session and security layers (see `lib.rs`)
//! and are logged below the info level (see `observe.rs`).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use releasedesk_core::store::Db;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long `/health/ready` waits for the database before it calls it down.
pub const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether this instance takes new work. Cloned handles share one flag: whoever starts
/// the shutdown calls [`Readiness::shutting_down`], and `/health/ready` answers `503` from
/// that moment on, so that the balancer stops sending requests before the server stops
/// accepting them.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    stopping: Arc<AtomicBool>,
}

impl Readiness {
    pub fn new() -> Readiness {
        Readiness::default()
    }

    /// From now on `/health/ready` answers `503` ("shutting down").
    pub fn shutting_down(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Probe {
    db: Db,
    readiness: Readiness,
}

/// The two routes, to be merged outside every layer that needs a session or a database.
pub fn routes(db: Db, readiness: Readiness) -> Router {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state(Probe { db, readiness })
}

async fn live() -> Response {
    answer(StatusCode::OK, json!({ "status": "live" }))
}

async fn ready(State(probe): State<Probe>) -> Response {
    if probe.readiness.is_shutting_down() {
        return not_ready("shutting down");
    }
    let check = async {
        probe.db.ping().await?;
        probe.db.pending_migrations().await
    };
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(0)) => answer(StatusCode::OK, json!({ "status": "ready" })),
        Ok(Ok(pending)) => {
            tracing::warn!(pending, "not ready: the database lacks migrations");
            not_ready("database migrations pending")
        }
        Ok(Err(error)) => {
            tracing::debug!(%error, "not ready: the database refuses");
            not_ready("database unavailable")
        }
        Err(_) => not_ready("database did not answer within 1 s"),
    }
}

fn not_ready(reason: &str) -> Response {
    answer(StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "unavailable", "reason": reason }))
}

/// A probe's answer is never cached by a proxy in between.
fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}
