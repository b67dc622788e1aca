//! The logged-in user's account as every page after login shows it: who is logged in
//! (`current_user`, loaded once by the layout) and "Salir" (`logout`, [`LogoutButton`]).
//! Shared: the header needs both, so they are not the `auth` feature's (which keeps the
//! login page and the password change).

use crate::domain::permissions::Actor;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Error;
use crate::i18n::*;
use leptos::prelude::*;

/// Ends the session on the server and sends the browser to the login page.
#[server(prefix = "/api", endpoint = "logout", output = crate::codec::JsonText)]
pub async fn logout() -> Result<(), AppError> {
    use crate::session::Session;
    let mut session = leptos_axum::extract::<Session>().await.map_err(|_| Error::Internal)?;
    session.logout().await.map_err(|_| Error::Internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user with their groups and permissions.
#[server(prefix = "/api", endpoint = "current_user", input = crate::codec::StrictJson, output = crate::codec::JsonText)]
pub async fn current_user() -> Result<Actor, AppError> {
    // Also while the password is temporary: the header of the password page shows the user.
    Ok(crate::session::session_user().await?.actor)
}

/// "Salir": ends the session on the server. A plain form (it works before the wasm has loaded)
/// whose submit the browser turns into the server call: `<ActionForm>` would read the form's
/// fields with serde_qs, which only the login page needs, and it loads after the list.
#[component]
pub fn LogoutButton() -> impl IntoView {
    use leptos::server_fn::ServerFn;
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    view! {
        <form
            method="post"
            action=Logout::url()
            class="inline-form"
            on:submit=move |event| {
                event.prevent_default();
                logout.dispatch(Logout {});
            }
        >
            <button type="submit" class="link-button">{t!(i18n, header.logout)}</button>
        </form>
    }
}
