//! Login and the password change as server functions (logout and "who am I" are in
//! `account`, shared with the header).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Error;
use leptos::prelude::*;

/// Checks the credentials and starts a session, then sends the browser to the list.
/// Repeated failures for a user name or from an address are refused for a while (429).
#[server(prefix = "/api", endpoint = "login", output = crate::codec::JsonText)]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use crate::domain::validation::{check_length, check_required, Field, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS};
    use crate::session::{Credentials, Session};
    use releasedesk_core::auth::throttle::{AttemptKey, LoginThrottle};
    check_required(Field::Username, &username)?;
    check_length(Field::Username, &username, MAX_USERNAME_CHARS)?;
    check_required(Field::Password, &password)?;
    check_length(Field::Password, &password, MAX_PASSWORD_CHARS)?;
    let throttle = use_context::<LoginThrottle>().ok_or(Error::Internal)?;
    let mut keys = vec![AttemptKey::user(&username)];
    if let Ok(axum::extract::ConnectInfo(address)) =
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await
    {
        keys.push(AttemptKey::Address(address.ip()));
    }
    let now = std::time::Instant::now();
    if let Some(wait) = throttle.wait_for(&keys, now) {
        return Err(Error::TooManyAttempts { retry_after_seconds: wait.as_secs().max(1) }.into());
    }
    let mut session = leptos_axum::extract::<Session>().await.map_err(|_| Error::Internal)?;
    let user = session
        .authenticate(Credentials { username: username.clone(), password })
        .await
        .map_err(|_| Error::Unavailable)?;
    let Some(user) = user else {
        throttle.failed(&keys, now);
        return Err(Error::BadCredentials.into());
    };
    throttle.succeeded(&username);
    session.login(&user).await.map_err(|_| Error::Internal)?;
    leptos_axum::redirect("/releases");
    Ok(())
}

/// Changes the user's password after checking the current one. Every session of the
/// user ends, this one too (the session is bound to the password's hash): log in again.
#[server(prefix = "/api", endpoint = "change_password", output = crate::codec::JsonText)]
pub async fn change_password(current: String, new: String, repeat: String) -> Result<(), AppError> {
    use crate::session::{ctx, Session};
    use releasedesk_core::commands::account::{change_password, ChangePassword};
    change_password(&ctx().await?, ChangePassword { current, new, repeat }).await?;
    let mut session = leptos_axum::extract::<Session>().await.map_err(|_| Error::Internal)?;
    session.logout().await.map_err(|_| Error::Internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}
