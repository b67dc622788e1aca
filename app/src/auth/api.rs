//! Login and the password change as server functions (logout and "who am I" are in
//! `account`, shared with the header).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Error;
use leptos::prelude::*;

/// Checks the credentials and starts a session (under a new session id), then sends the
/// browser to the list, in the user's language when they have one (the language cookie). Each attempt takes a slot of the login throttle before its password
/// is checked: too many for a user name, or too fast from an address, are refused (429).
#[server(prefix = "/api", endpoint = "login", output = crate::codec::JsonText)]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use crate::domain::validation::{check_length, check_required, Field, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS};
    use crate::session::{Credentials, Session};
    use std::time::Instant;
    check_required(Field::Username, &username)?;
    check_length(Field::Username, &username, MAX_USERNAME_CHARS)?;
    check_required(Field::Password, &password)?;
    check_length(Field::Password, &password, MAX_PASSWORD_CHARS)?;
    let attempt = begin_attempt(&username).await?;
    let mut session = leptos_axum::extract::<Session>().await.map_err(|_| Error::Internal)?;
    // Dropped unanswered (the database is down): the attempt counts nothing.
    let user = session
        .authenticate(Credentials { username: username.clone(), password })
        .await
        .map_err(|_| Error::Unavailable)?;
    let Some(user) = user else {
        attempt.failed(Instant::now());
        return Err(Error::BadCredentials.into());
    };
    attempt.succeeded(Instant::now());
    let temporary = user.must_change_password;
    // A new session id at every login. axum-login renews it only when the session was not
    // logged in yet; a browser that comes with someone's logged-in session (planted by an
    // attacker) must not keep that id either.
    session.session.cycle_id().await.map_err(|_| Error::Internal)?;
    session.login(&user).await.map_err(|_| Error::Internal)?;
    releasedesk_core::auth::sessions::opened(&session.session).await.map_err(|_| Error::Internal)?;
    if let Some(language) = user.language.as_deref().filter(|code| matches!(*code, "es" | "pt")) {
        keep_language(language);
    }
    leptos_axum::redirect(if temporary { crate::session::TEMPORARY_PASSWORD_PAGE } else { "/releases" });
    Ok(())
}

/// Sets the language cookie (as the ES | PT switch keeps it, for a year) to `code`, so that
/// the pages after the login render in it.
#[cfg(feature = "ssr")]
fn keep_language(code: &str) {
    use axum::http::{header, HeaderValue};
    let cookie = format!("{}={code}; Path=/; Max-Age=31536000; SameSite=Lax", crate::language::LANGUAGE_COOKIE);
    match (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&cookie)) {
        (Some(response), Ok(value)) => response.append_header(header::SET_COOKIE, value),
        _ => tracing::warn!("cannot set the language cookie of the login's answer"),
    }
}

/// A slot of the login throttle for `username` from this request's client, or 429.
#[cfg(feature = "ssr")]
async fn begin_attempt(username: &str) -> Result<releasedesk_core::auth::throttle::Attempt, AppError> {
    use releasedesk_core::auth::throttle::{AttemptKey, LoginThrottle};
    let throttle = use_context::<LoginThrottle>().ok_or(Error::Internal)?;
    let client = leptos_axum::extract::<axum::Extension<crate::transport::Client>>().await.ok();
    let mut keys = vec![AttemptKey::user(username)];
    keys.extend(client.and_then(|axum::Extension(client)| client.address).map(AttemptKey::address));
    throttle.begin(keys, std::time::Instant::now()).map_err(|wait| {
        // Whole seconds, rounded up: never "try again in 0 s".
        let retry_after_seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Error::TooManyAttempts { retry_after_seconds: retry_after_seconds.max(1) }.into()
    })
}

/// Changes the user's password after checking the current one. Every session of the
/// user ends, this one too (the session is bound to the password's hash): log in again.
/// The current password is guessed no faster here than at the login: the same throttle,
/// under the same keys.
#[server(prefix = "/api", endpoint = "change_password", output = crate::codec::JsonText)]
pub async fn change_password(current: String, new: String, repeat: String) -> Result<(), AppError> {
    use crate::session::{session_user, use_desk, Session};
    use releasedesk_core::commands::account::{change_password, ChangePassword};
    use std::time::Instant;
    // The one thing a user with a temporary password may do.
    let ctx = use_desk()?.acting(session_user().await?.actor);
    let attempt = begin_attempt(&ctx.actor.username).await?;
    match change_password(&ctx, ChangePassword { current, new, repeat }).await {
        Ok(()) => attempt.succeeded(Instant::now()),
        Err(Error::BadCredentials) => {
            attempt.failed(Instant::now());
            return Err(Error::BadCredentials.into());
        }
        // Refused before the password was checked (or unchecked): the attempt counts nothing.
        Err(error) => return Err(error.into()),
    }
    let mut session = leptos_axum::extract::<Session>().await.map_err(|_| Error::Internal)?;
    session.logout().await.map_err(|_| Error::Internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}
