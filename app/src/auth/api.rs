//! Login, logout and "who am I" as server functions.

use crate::domain::permissions::Actor;
use crate::error::AppError;
use leptos::prelude::*;

/// Longest user name and password accepted; longer ones are refused before hashing.
pub const MAX_USERNAME_CHARS: usize = 100;
pub const MAX_PASSWORD_CHARS: usize = 1_000;

/// Checks the credentials and starts a session, then sends the browser to the list.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use super::session::{Credentials, Session};
    use crate::domain::validation::{check_length, check_required, Field};
    check_required(Field::Username, &username)?;
    check_length(Field::Username, &username, MAX_USERNAME_CHARS)?;
    check_required(Field::Password, &password)?;
    check_length(Field::Password, &password, MAX_PASSWORD_CHARS)?;
    let mut session = leptos_axum::extract::<Session>().await.map_err(|_| AppError::Internal)?;
    let user = session
        .authenticate(Credentials { username, password })
        .await
        .map_err(|_| AppError::Unavailable)?
        .ok_or(AppError::BadCredentials)?;
    session.login(&user).await.map_err(|_| AppError::Internal)?;
    leptos_axum::redirect("/releases");
    Ok(())
}

/// Ends the session on the server and sends the browser to the login page.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::session::Session;
    let mut session = leptos_axum::extract::<Session>().await.map_err(|_| AppError::Internal)?;
    session.logout().await.map_err(|_| AppError::Internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user with their groups and permissions.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<Actor, AppError> {
    super::session::require_actor().await
}
