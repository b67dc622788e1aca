//! Sessions in the web layer (server only): pages need a login, and every server function
//! starts from the request's logged-in user (`require_actor`) and the context the server
//! provided. Shared: every feature's server functions and the live events start here; the
//! server mounts it as `app::auth::session` (re-exported by `auth`).

use crate::error::{AppError, Error};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
pub use releasedesk_core::auth::sessions::{
    auth_layer, session_store, Credentials, Session, SessionUser, Sessions, Users,
};
use releasedesk_core::commands::{Ctx, Desk};
use releasedesk_core::domain::permissions::Actor;
use releasedesk_core::domain::time_zone::ZoneOffsets;
use std::sync::Arc;

/// Paths an anonymous visitor may load: the login page and what it needs to render.
fn is_public(path: &str) -> bool {
    path == "/login" || path.starts_with("/api/") || crate::transport::is_static_file(path)
}

/// "Mi cuenta", where a user changes their password; a user with a temporary one is sent
/// there (marked so that the page says why and offers nothing else) until they have changed it.
pub const PASSWORD_PAGE: &str = "/account";
pub const TEMPORARY_PASSWORD_PAGE: &str = "/account?temporary=true";

/// What the session of every request asks before the request goes on:
/// - an anonymous visitor of any page but the login page is sent to log in, and a user
///   whose password is temporary to the password page. Server functions are not
///   redirected: each refuses such a caller itself (401, 403);
/// - a logged-in user's session is extended at their requests (see `keep_alive`): one write
///   every few minutes, not one per request.
pub async fn require_login_and_extend_sessions(session: Session, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    match &session.user {
        None if !is_public(path) => return Redirect::to("/login").into_response(),
        Some(user) if user.must_change_password && !is_public(path) && path != PASSWORD_PAGE => {
            return Redirect::to(TEMPORARY_PASSWORD_PAGE).into_response()
        }
        None => {}
        Some(_) => {
            if let Err(error) = releasedesk_core::auth::sessions::keep_alive(&session.session).await {
                // The session goes on as it was; it ends at its time unless a later request extends it.
                tracing::warn!(%error, "cannot extend the session");
            }
        }
    }
    next.run(request).await
}

/// The desk (database and flows) of this request, provided by the server when it builds
/// the routes.
pub fn use_desk() -> Result<Desk, AppError> {
    leptos::prelude::use_context::<Desk>().ok_or_else(|| {
        tracing::error!("no desk in the server-function context");
        AppError::from(Error::Internal)
    })
}

/// The context of a command by the logged-in user of this request, or 401 (403 while their
/// password is temporary): where every server function but login starts.
pub async fn ctx() -> Result<Ctx, AppError> {
    let actor = require_actor().await?;
    Ok(use_desk()?.acting(actor))
}

/// As [`ctx`], with the time zone the user reads and types dates in.
pub async fn ctx_in_zone() -> Result<(Ctx, Arc<ZoneOffsets>), AppError> {
    let user = require_user().await?;
    let desk = use_desk()?;
    let zone = desk.time_zone(user.time_zone.as_deref());
    Ok((desk.acting(user.actor), zone))
}

/// The logged-in user of this request with their groups, or 401; 403 while their password
/// is a temporary one. Every server function but login starts here. The session layer
/// loaded the user (and checked the session against their password) for this request already.
pub async fn require_actor() -> Result<Actor, AppError> {
    Ok(require_user().await?.actor)
}

async fn require_user() -> Result<SessionUser, AppError> {
    let user = session_user().await?;
    if user.must_change_password {
        return Err(Error::PasswordChangeRequired.into());
    }
    Ok(user)
}

/// The logged-in user, even with a temporary password, or 401: for who-am-I and the
/// password change itself.
pub async fn session_user() -> Result<SessionUser, AppError> {
    let session = leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(?error, "no auth session on the request");
        AppError::from(Error::Internal)
    })?;
    session.user.ok_or(Error::Unauthenticated.into())
}
