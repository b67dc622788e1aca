//! How the server is put together, shared by the binary and the tests: open the
//! database, then build the routes with the session layer around them.

use app::auth::session::{auth_layer, require_login_and_extend_sessions, session_store};
pub use app::transport::Transport;
use app::{security, shell, App};
use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use releasedesk_core::auth::sessions::Users;
use releasedesk_core::auth::throttle::LoginThrottle;
use releasedesk_core::auth::watch::SessionWatch;
use releasedesk_core::commands::Desk;
use releasedesk_core::live::LiveHub;
use tower_http::set_header::SetResponseHeaderLayer;

pub mod health;
pub mod observe;
mod rendering;
pub mod shutdown;
pub mod webhooks;

use shutdown::Shutdown;

/// Threads for blocking work beside the async ones: file reads (the site's files, attachments)
/// and password hashes (at most one per core, `auth::hashing`). Tokio's default, 512, starts a
/// thread for each file read in flight: 200 browsers asking for one file at once started 228.
/// A read from the page cache takes microseconds, so a burst queues for these instead
/// (BENCHMARKS.md, *The fifteenth pass*).
pub const BLOCKING_THREADS: usize = 16;

/// Opens (creating and migrating) the database and stores the repository's flow.
pub async fn open_database(database_url: &str) -> Result<Desk, String> {
    Desk::open(database_url).await.map_err(|e| e.to_string())
}

/// The whole application: pages, server functions, static files, sessions; no trusted
/// proxy, every request treated as HTTPS if `secure_cookies`, and the health routes,
/// `/metrics` and request ids of [`observe::Settings::default`].
pub async fn router(desk: Desk, options: LeptosOptions, secure_cookies: bool) -> Result<Router, String> {
    let transport = Transport { always_https: secure_cookies, ..Transport::default() };
    router_with(desk, options, transport, observe::Settings::default(), Shutdown::new()).await
}

pub use app::api::ApiSettings;

/// The whole application with the operator's settings: the transport (trusted proxies,
/// HTTPS), the health routes, metrics and request ids, and the `shutdown` it stops with:
/// from its first moment readiness answers 503 and the live-event streams end; every
/// handler can read it (`Extension<Shutdown>`).
pub async fn router_with(
    desk: Desk,
    options: LeptosOptions,
    transport: Transport,
    observe: observe::Settings,
    shutdown: Shutdown,
) -> Result<Router, String> {
    let api = app::api::routes(desk.clone(), observe.api);
    let list_export = app::release_list::export::routes(desk.clone());
    let attachments = app::attachments::routes::routes(desk.clone());
    let routes = generate_route_list(App);
    let db = desk.db.clone();
    let store = session_store(&db).await.map_err(|e| format!("cannot open the session store: {e}"))?;
    let throttle = LoginThrottle::default();
    let context = move || {
        provide_context(desk.clone());
        provide_context(throttle.clone());
    };
    let live = LiveHub::start(db.clone());
    tokio::spawn({
        let (live, readiness, stopping) = (live.clone(), observe.readiness.clone(), shutdown.stopping());
        async move {
            stopping.await;
            readiness.shutting_down();
            live.close();
        }
    });
    let auth = auth_layer(&db, store.clone());
    let watch = SessionWatch::start(store.clone(), Users::new(db.clone()));
    let guard_transport = move |request, next| app::transport::guard(transport.clone(), request, next);
    let explain_failures = {
        let db = db.clone();
        move |request, next| security::explain_failures(db.clone(), request, next)
    };
    let app = Router::new()
        .nest(app::api::BASE, api)
        .route("/api/events", axum::routing::get(app::live::events))
        .merge(list_export)
        .merge(attachments)
        .layer(axum::Extension(live))
        .layer(axum::Extension(store))
        .layer(axum::Extension(watch))
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(context, shell))
        .layer(axum::middleware::from_fn(rendering::finish_page_renders))
        .layer(axum::middleware::from_fn(app::error::status_from_error))
        .layer(axum::middleware::from_fn(require_login_and_extend_sessions))
        .layer(auth)
        .layer(axum::middleware::from_fn(guard_transport))
        .layer(axum::middleware::from_fn(security::limit_bodies))
        .layer(axum::middleware::from_fn(security::screen_requests))
        .layer(axum::middleware::from_fn(explain_failures))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        // Pages set their own policy, with their nonce (see `security::protect_page`).
        .layer(security_header(header::CONTENT_SECURITY_POLICY, security::DEFAULT_POLICY))
        .layer(axum::Extension(shutdown))
        .with_state(options);
    Ok(observe::around(app, db, observe))
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
