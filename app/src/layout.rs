//! The frame around every page after login: the header with the main menu (Procesos >
//! Gestión de Liberación > Liberación; for administrators, Administración > Usuarios, Grupos,
//! Catálogos, Registro de administración), the user, the language switch, logout.

use crate::account::{current_user, LogoutButton};
use crate::error::{AppError, Error};
use crate::i18n::*;
use crate::language::LanguageSwitch;
use leptos::prelude::*;
use leptos_router::components::Outlet;

/// The logged-in user, loaded once per page for everything below the layout.
pub type CurrentUser = Resource<Result<crate::domain::permissions::Actor, AppError>>;

/// A confirmation that outlives the page that caused it (shown on the next one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlashMessage {
    Advanced(releasedesk_core::model::release::AdvanceResult),
    Registered(crate::domain::ReleaseId),
}

pub type Flash = RwSignal<Option<FlashMessage>>;

/// Shows the pending confirmation, once.
#[component]
pub fn FlashBanner() -> impl IntoView {
    let i18n = use_i18n();
    let flash = use_context::<Flash>();
    let message = flash.and_then(|f| f.get_untracked());
    if let Some(flash) = flash {
        flash.set(None);
    }
    message.map(|message| match message {
        FlashMessage::Advanced(result) => {
            let number = result.id.0;
            let minutes = result.time_spent_minutes;
            let next = result.next_step.clone();
            let status = result.status;
            view! {
                <p class="flash success" role="status">
                    {match next {
                        Some(step) => {
                            let step = move || crate::language::localized(i18n.get_locale(), &step);
                            view! { {t!(i18n, options.advanced, number, step, minutes)} }.into_any()
                        }
                        None => {
                            let status = move || crate::language::status_label(i18n.get_locale(), status);
                            view! { {t!(i18n, options.finished, number, status)} }.into_any()
                        }
                    }}
                </p>
            }
            .into_any()
        }
        FlashMessage::Registered(id) => {
            let number = id.0;
            view! { <p class="flash success" role="status">{t!(i18n, register.done, number)}</p> }.into_any()
        }
    })
}

#[component]
pub fn Layout() -> impl IntoView {
    let i18n = use_i18n();
    let user: CurrentUser = Resource::new(|| (), |_| current_user());
    provide_context(user);
    let zone: crate::time_zone::UserZone = Resource::new(|| (), |_| crate::time_zone::my_time_zone());
    provide_context(zone);
    provide_context::<Flash>(RwSignal::new(None));
    provide_context(crate::notifications::BellRefresh(RwSignal::new(0)));
    // A session that ends while a page is open sends the user to log in again.
    Effect::new(move |_| {
        if let Some(Err(AppError { error: Error::Unauthenticated, .. })) = user.get() {
            let _ = window().location().set_href("/login");
        }
    });
    view! {
        <a class="skip-link" href="#main">{t!(i18n, header.skip)}</a>
        <header class="topbar">
            <a class="brand" href="/releases">{t!(i18n, app_name)}</a>
            <MainMenu />
            <div class="topbar-end">
                <Transition fallback=|| ()>
                    {move || {
                        user.get()
                            .and_then(Result::ok)
                            .map(|actor| {
                                view! {
                                    <span class="user-name" title=move || t_string!(i18n, header.user)>
                                        {actor.full_name}
                                    </span>
                                }
                            })
                    }}
                </Transition>
                <LanguageSwitch />
                <crate::notifications::Bell />
                <a href="/account" class="header-link">{t!(i18n, account.title)}</a>
                <LogoutButton />
            </div>
        </header>
        <main id="main" tabindex="-1">
            <crate::time_zone::TimeZoneProposal />
            <Outlet />
        </main>
    }
}

/// The main menu as a menu button with a submenu, the way ITSM suites lay it out.
#[component]
fn MainMenu() -> impl IntoView {
    let i18n = use_i18n();
    let processes_open = RwSignal::new(false);
    let release_open = RwSignal::new(false);
    let admin_open = RwSignal::new(false);
    let close_all = move || {
        processes_open.set(false);
        release_open.set(false);
        admin_open.set(false);
    };
    let user = use_context::<CurrentUser>();
    // Shown to administrators only; the server checks Administrar on every call regardless.
    let administrator = move || {
        user.and_then(|user| user.get())
            .and_then(Result::ok)
            .is_some_and(|actor| actor.may(crate::domain::Permission::Administer))
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            close_all();
        }
    };
    view! {
        <nav class="main-menu" aria-label=move || t_string!(i18n, menu.main) on:keydown=on_keydown>
            <button
                type="button"
                id="menu-processes"
                aria-haspopup="menu"
                aria-controls="menu-processes-list"
                aria-expanded=move || processes_open.get().to_string()
                on:click=move |_| {
                    processes_open.update(|open| *open = !*open);
                    release_open.set(false);
                    admin_open.set(false);
                }
            >
                {t!(i18n, menu.processes)}
            </button>
            <ul
                role="menu"
                id="menu-processes-list"
                aria-labelledby="menu-processes"
                class="menu"
                hidden=move || !processes_open.get()
            >
                <li role="none">
                    <button
                        type="button"
                        role="menuitem"
                        id="menu-release-management"
                        aria-haspopup="menu"
                        aria-expanded=move || release_open.get().to_string()
                        on:click=move |_| release_open.update(|open| *open = !*open)
                    >
                        {t!(i18n, menu.release_management)}
                    </button>
                    <ul
                        role="menu"
                        aria-labelledby="menu-release-management"
                        class="menu submenu"
                        hidden=move || !release_open.get()
                    >
                        <li role="none">
                            <a role="menuitem" href="/releases" on:click=move |_| close_all()>
                                {t!(i18n, menu.release)}
                            </a>
                        </li>
                    </ul>
                </li>
            </ul>
            <Transition fallback=|| ()>
                <Show when=administrator>
                    <div class="menu-root">
                        <button
                            type="button"
                            id="menu-administration"
                            aria-haspopup="menu"
                            aria-controls="menu-administration-list"
                            aria-expanded=move || admin_open.get().to_string()
                            on:click=move |_| {
                                admin_open.update(|open| *open = !*open);
                                processes_open.set(false);
                                release_open.set(false);
                            }
                        >
                            {t!(i18n, menu.administration)}
                        </button>
                        <ul
                            role="menu"
                            id="menu-administration-list"
                            aria-labelledby="menu-administration"
                            class="menu admin-menu"
                            hidden=move || !admin_open.get()
                        >
                            <li role="none">
                                <a role="menuitem" href="/admin/users" on:click=move |_| close_all()>
                                    {t!(i18n, menu.users)}
                                </a>
                            </li>
                            <li role="none">
                                <a role="menuitem" href="/admin/groups" on:click=move |_| close_all()>
                                    {t!(i18n, menu.groups)}
                                </a>
                            </li>
                            <li role="none">
                                <a role="menuitem" href="/admin/catalogues" on:click=move |_| close_all()>
                                    {t!(i18n, menu.catalogues)}
                                </a>
                            </li>
                            <li role="none">
                                <a role="menuitem" href="/admin/log" on:click=move |_| close_all()>
                                    {t!(i18n, menu.admin_log)}
                                </a>
                            </li>
                            <li role="none">
                                <a role="menuitem" href="/admin/webhooks" on:click=move |_| close_all()>
                                    {t!(i18n, menu.admin_webhooks)}
                                </a>
                            </li>
                        </ul>
                    </div>
                </Show>
            </Transition>
        </nav>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="not-found">
            <h1>{t!(i18n, not_found.title)}</h1>
            <p><a href="/releases">{t!(i18n, not_found.back)}</a></p>
        </main>
    }
}
