//! ReleaseDesk: the release-execution desk of an ITSM platform.
//!
//! One module per feature (`admin`, `auth`, `execution_log`, `flow_view`, `relations`,
//! `release_actions`, `release_form`, `release_list`), each with its components (`mod.rs`)
//! and its server functions (`api.rs`), which call the commands of `releasedesk-core`. The
//! rules themselves live in `domain`, plain Rust that both sides share and the server
//! enforces.
//!
//! The modules beside the features are shared (`account`, `codec`, `error`, `export`, `language`,
//! `layout`, `live`, `log_entries`, `security`, `session`, `transport`, `widgets`) and import no
//! feature. A feature may show another's public component where a page holds both (the
//! release page: the log, the flow, the relations and the action menu; the list: the action
//! menu and the capture dialog), never so that two modules import each other, directly or
//! around a circle. This file is the router: it may import every feature.

#![recursion_limit = "256"]

#[allow(deprecated)]
mod i18n_generated {
    leptos_i18n::load_locales!();
}
pub use i18n_generated::i18n;

pub mod account;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod api;
pub mod attachments;
pub mod auth;
pub mod codec;
pub mod error;
pub mod execution_log;
pub mod export;
pub mod flow_view;
pub mod language;
pub mod layout;
pub mod live;
pub mod log_entries;
pub mod notifications;
pub mod relations;
pub mod release_actions;
pub mod release_form;
pub mod release_list;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod session;
pub mod time_zone;
#[cfg(feature = "ssr")]
pub mod transport;
pub mod widgets;

pub use releasedesk_core::domain;

use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    security::protect_page();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <SplitLoaderPreload />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Fetches the wasm-split loader beside the main module. The main module imports it, and
/// the browser finds that import only once the module has arrived: one more round trip
/// before hydration can begin. Leptos adds this link only on pages that open a lazy route.
#[component]
fn SplitLoaderPreload() -> impl IntoView {
    let loader = use_context::<leptos::WasmSplitManifest>()
        .and_then(|manifest| manifest.0.try_with_value(|(pkg, _, loader)| format!("{pkg}/{loader}")));
    loader.map(|href| view! { <link rel="modulepreload" href=href /> })
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/releasedesk.css" />
        <language::LanguageProvider>
            <AppTitle />
            <Router>
                <Routes fallback=layout::NotFound>
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} />
                    <ParentRoute path=path!("") view=layout::Layout>
                        <Route path=path!("") view=|| view! { <Redirect path="/releases" /> } />
                        <Route path=path!("releases") view=release_list::ReleaseListPage />
                        <Route path=path!("releases/charts") view={Lazy::<ChartsRoute>::new()} />
                        <Route path=path!("releases/new") view={Lazy::<RegisterRoute>::new()} />
                        <Route path=path!("releases/:id") view={Lazy::<ReleaseRoute>::new()} />
                        <Route path=path!("releases/:id/print") view={Lazy::<PrintRoute>::new()} />
                        <Route path=path!("account") view={Lazy::<PasswordRoute>::new()} />
                        <Route path=path!("notifications") view={Lazy::<NotificationsRoute>::new()} />
                        // Where the password page was before "Mi cuenta": old links still work.
                        <Route path=path!("account/password") view={Lazy::<PasswordRoute>::new()} />
                        <Route path=path!("admin/users") view={Lazy::<UsersAdminRoute>::new()} />
                        <Route path=path!("admin/groups") view={Lazy::<GroupsAdminRoute>::new()} />
                        <Route path=path!("admin/catalogues") view={Lazy::<CataloguesAdminRoute>::new()} />
                        <Route path=path!("admin/log") view={Lazy::<AdminLogRoute>::new()} />
                        <Route path=path!("admin/webhooks") view={Lazy::<WebhooksAdminRoute>::new()} />
                    </ParentRoute>
                </Routes>
            </Router>
        </language::LanguageProvider>
    }
}

/// A page whose code the browser downloads the first time it is opened (`cargo leptos
/// build --split`): the list comes with the app (and the header with its bell), the others
/// after; the login page too, since a user who has logged in once goes to the list.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    };
}

lazy_page!(LoginRoute, auth::LoginPage);
lazy_page!(ChartsRoute, release_list::charts::ReleaseChartsPage);
lazy_page!(RegisterRoute, release_form::registration::RegisterPage);
lazy_page!(ReleaseRoute, release_form::ReleasePage);
lazy_page!(PrintRoute, release_form::print::ReleasePrintPage);
lazy_page!(PasswordRoute, auth::PasswordPage);
lazy_page!(NotificationsRoute, notifications::NotificationsPage);
lazy_page!(UsersAdminRoute, admin::users::UsersAdminPage);
lazy_page!(GroupsAdminRoute, admin::groups::GroupsAdminPage);
lazy_page!(CataloguesAdminRoute, admin::catalogues::CataloguesAdminPage);
lazy_page!(AdminLogRoute, admin::log::AdministrationLogPage);
lazy_page!(WebhooksAdminRoute, admin::webhooks::WebhooksAdminPage);

#[component]
fn AppTitle() -> impl IntoView {
    let i18n = use_i18n();
    view! { <Title text=move || t_string!(i18n, app_name) /> }
}

/// What the browser runs once the wasm is loaded (exported by the `front` crate).
/// `leptos::mount::hydrate_lazy`, which waits for the code of a lazily loaded page before
/// hydrating it, and then marks the page interactive (`body[data-hydrated]`) so that tests
/// (and people's scripts) know when clicks reach the app. An effect marked it before: effects
/// run while hydration waits for that code, so a click on a lazily loaded page (a catalogue
/// chosen on Administración > Catálogos) could come before its handler and be lost.
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let Some(body) = document().body() else { return };
        leptos::mount::hydrate_from_async(body.clone(), App).await.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
