//! Logging in, and changing the password. Logging out and knowing who is logged in are
//! shared with every page's header (`account`); the sessions themselves are shared with
//! every server function (`session`, still reachable here as `auth::session`).

pub mod api;
pub mod tokens;
/// The server mounts the session layers from here (`app::auth::session::auth_layer`, …).
#[cfg(feature = "ssr")]
pub use crate::session;

use crate::i18n::*;
use crate::language::{ErrorAlert, LanguageSwitch};
use api::{ChangePassword, Login};
use leptos::prelude::*;

/// The login page: Usuario / Contraseña / Entrar (pt: Usuário / Senha / Entrar).
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let failure = move || login.value().get().and_then(Result::err);
    // Logged in: the pages that follow come in the user's own language, if they have one.
    Effect::new(move |_| {
        if let Some(Ok(())) = login.value().get() {
            if let Some(locale) = crate::language::language_from_cookie() {
                i18n.set_locale(locale);
            }
        }
    });
    view! {
        <main class="login-page">
            <div class="login-card">
                <div class="login-top">
                    <p class="brand">{t!(i18n, app_name)}</p>
                    <LanguageSwitch />
                </div>
                <h1>{t!(i18n, login.title)}</h1>
                <ActionForm action=login attr:class="stacked-form">
                    <label for="username">{t!(i18n, login.username)}</label>
                    <input id="username" name="username" autocomplete="username" required maxlength="100" />
                    <label for="password">{t!(i18n, login.password)}</label>
                    <PasswordInput id="password" name="password" autocomplete="current-password" />
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        {t!(i18n, login.submit)}
                    </button>
                </ActionForm>
                <div aria-live="polite">
                    {move || failure().map(|error| view! { <ErrorAlert error /> })}
                </div>
            </div>
        </main>
    }
}

/// "Mi cuenta" / "Minha conta": "Cambiar contraseña" (the current password, the new one
/// twice), the time zone and the access tokens; only the password while it is temporary.
#[component]
pub fn PasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let failure = move || change.value().get().and_then(Result::err);
    // Sent here after a login with a temporary password (`session::TEMPORARY_PASSWORD_PAGE`).
    let query = leptos_router::hooks::use_query_map();
    let temporary = move || query.read().get("temporary").is_some();
    view! {
        <h1 class="narrow-page">{t!(i18n, account.title)}</h1>
        <section class="narrow-page" aria-labelledby="password-title">
            <h2 id="password-title">{t!(i18n, account.password)}</h2>
            <Show when=temporary>
                <p class="notice">{t!(i18n, account.temporary)}</p>
            </Show>
            <p class="muted">{t!(i18n, account.hint)}</p>
            <ActionForm action=change attr:class="stacked-form">
                <label for="current-password">{t!(i18n, account.current)}</label>
                <PasswordInput id="current-password" name="current" autocomplete="current-password" />
                <label for="new-password">{t!(i18n, field.new_password)}</label>
                <PasswordInput id="new-password" name="new" autocomplete="new-password" />
                <label for="repeat-password">{t!(i18n, field.password_repeat)}</label>
                <PasswordInput id="repeat-password" name="repeat" autocomplete="new-password" />
                <button type="submit" class="primary" disabled=move || change.pending().get()>
                    {t!(i18n, account.submit)}
                </button>
            </ActionForm>
            <div aria-live="polite">{move || failure().map(|error| view! { <ErrorAlert error /> })}</div>
        </section>
        <Show when=move || !temporary()>
            <crate::time_zone::TimeZoneForm />
            <crate::notifications::MailPreferencesForm />
            <tokens::TokensSection />
        </Show>
    }
}

/// A password box with the server's limits; a new password must also be long enough.
#[component]
fn PasswordInput(id: &'static str, name: &'static str, autocomplete: &'static str) -> impl IntoView {
    use crate::domain::validation::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
    let minimum = (autocomplete == "new-password").then_some(MIN_PASSWORD_CHARS);
    view! { <input id=id name=name type="password" autocomplete=autocomplete required minlength=minimum maxlength=MAX_PASSWORD_CHARS /> }
}
