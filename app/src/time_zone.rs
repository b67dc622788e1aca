//! Each user's time zone in the pages: every date shown is formatted, and every date typed
//! read, in it (stored in UTC). The server resolves the zone into an offset table
//! (`ZoneOffsets`), loaded once per page by the layout with the user ([`UserZone`]), so that
//! the server's render and the browser's format alike without the tz database in the wasm.
//! Until a user has a zone the server's default holds, and the browser's zone is proposed.
//! Shared: every page that shows a date uses [`use_zone`]; the account page and the user
//! form of the administration use [`ZoneField`].

use crate::codec::{JsonText, StrictJson};
use crate::domain::time_zone::ZoneOffsets;
use crate::error::AppError;
use crate::i18n::*;
use crate::language::{format_datetime, ErrorAlert};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user's zone, as the pages need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnZone {
    pub zone: ZoneOffsets,
    /// The user has a zone of their own; `false` while the server's default holds for them.
    pub chosen: bool,
}

/// The zone of the request's user (the server's default for users without one and for
/// anonymous visitors).
#[server(prefix = "/api", endpoint = "my_time_zone", input = StrictJson, output = JsonText)]
pub async fn my_time_zone() -> Result<OwnZone, AppError> {
    let desk = crate::session::use_desk()?;
    let session = leptos_axum::extract::<crate::session::Session>().await.map_err(|error| {
        tracing::error!(?error, "no auth session on the request");
        AppError::from(crate::error::Error::Internal)
    })?;
    let name = session.user.as_ref().and_then(|user| user.time_zone.clone());
    let zone = desk.time_zone(name.as_deref());
    Ok(OwnZone { zone: (*zone).clone(), chosen: name.is_some() || session.user.is_none() })
}

/// Sets the signed-in user's own zone (an IANA name of the tz database, else refused).
#[server(prefix = "/api", endpoint = "set_my_time_zone", input = StrictJson, output = JsonText)]
pub async fn set_my_time_zone(name: String) -> Result<OwnZone, AppError> {
    let ctx = crate::session::ctx().await?;
    let zone = releasedesk_core::commands::account::set_time_zone(&ctx, &name).await?;
    Ok(OwnZone { zone: (*ctx.time_zone(Some(&zone))).clone(), chosen: true })
}

/// Every zone name of the tz database, for the zone fields to suggest.
#[server(prefix = "/api", endpoint = "time_zone_names", input = StrictJson, output = JsonText)]
pub async fn time_zone_names() -> Result<Vec<String>, AppError> {
    crate::session::session_user().await?;
    Ok(crate::domain::time_zone::tzdb::names())
}

/// The zone of the request's user on the server, for what it formats itself (CSV exports).
#[cfg(feature = "ssr")]
pub async fn request_zone() -> Result<std::sync::Arc<ZoneOffsets>, AppError> {
    let user = crate::session::session_user().await?;
    Ok(crate::session::use_desk()?.time_zone(user.time_zone.as_deref()))
}

/// The signed-in user's zone, loaded once per page by the layout.
pub type UserZone = Resource<Result<OwnZone, AppError>>;

/// The zone dates are shown and read in: the user's once loaded (reading it inside a
/// `Suspense` makes the server's render wait for it), UTC until then.
#[derive(Debug, Clone, Copy)]
pub struct Zone(Option<UserZone>);

impl Zone {
    /// Runs `f` with the zone, tracked: what depends on it follows a change of zone.
    pub fn with<T>(&self, f: impl FnOnce(&ZoneOffsets) -> T) -> T {
        match self.0 {
            Some(resource) => resource.with(|loaded| match loaded {
                Some(Ok(mine)) => f(&mine.zone),
                _ => f(&ZoneOffsets::utc()),
            }),
            None => f(&ZoneOffsets::utc()),
        }
    }

    /// A stored time as dd/mm/yyyy HH:mm in the zone.
    pub fn format(&self, seconds: i64) -> String {
        self.with(|zone| format_datetime(zone, seconds))
    }

    /// A stored time as a date field holds it in the zone: `2026-03-05T14:07`.
    pub fn format_local(&self, seconds: i64) -> String {
        self.with(|zone| crate::language::format_datetime_local(zone, seconds))
    }

    /// A date field's `2026-03-05T14:07`, read in the zone, as Unix seconds.
    pub fn parse_local(&self, value: &str) -> Option<i64> {
        self.with(|zone| crate::release_form::registration::read_datetime_local(zone, value))
    }
}

/// The zone of the page's user.
pub fn use_zone() -> Zone {
    Zone(use_context::<UserZone>())
}

/// The browser's own zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`), in the
/// browser only.
fn browser_time_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use web_sys::js_sys::{Array, Intl, Object, Reflect};
        let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
        Reflect::get(&options, &"timeZone".into()).ok()?.as_string().filter(|zone| !zone.is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Names of UTC in the tz database and in browsers.
fn is_utc(name: &str) -> bool {
    matches!(
        name,
        "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Etc/GMT" | "GMT" | "Etc/Universal" | "Universal" | "Etc/Zulu" | "Zulu"
    )
}

/// While the user has no zone of their own and the browser's differs from the one in force
/// (the server's): a notice proposing the browser's, saved with one button, or a link to
/// choose another on the account page.
#[component]
pub fn TimeZoneProposal() -> impl IntoView {
    let i18n = use_i18n();
    let resource = use_context::<UserZone>();
    let browser = RwSignal::new(None::<String>);
    let save = Action::new(move |name: &String| set_my_time_zone(name.clone()));
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(resource)) = (save.value().get(), resource) {
            resource.refetch();
        }
    });
    let in_force = move || resource.and_then(|r| r.get()).and_then(Result::ok).filter(|mine| !mine.chosen);
    // The browser's first `Intl` call loads its zone data (about 40 ms of a cold load): made
    // only for a user without a zone of their own, once the page is idle, so the page is
    // interactive before it.
    Effect::new(move |asked: Option<bool>| {
        let asked = asked.unwrap_or(false);
        if asked || in_force().is_none() {
            return asked;
        }
        request_idle_callback(move || {
            browser.try_set(browser_time_zone());
        });
        true
    });
    let proposed = move || {
        let current = in_force()?.zone.name;
        browser.get().filter(|zone| *zone != current && !(is_utc(zone) && is_utc(&current)))
    };
    view! {
        <Transition fallback=|| ()>
            {move || {
                proposed()
                    .map(|zone| {
                        let shown = zone.clone();
                        view! {
                            <section class="notice time-zone-proposal" aria-labelledby="time-zone-proposal-text">
                                <p id="time-zone-proposal-text">
                                    {t!(i18n, time_zone.proposal, zone = move || shown.clone())}
                                </p>
                                <button
                                    type="button"
                                    class="primary"
                                    disabled=move || save.pending().get()
                                    on:click=move |_| {
                                        save.dispatch(zone.clone());
                                    }
                                >
                                    {t!(i18n, time_zone.use_browser)}
                                </button>
                                " "
                                <a href="/account#time-zone">{t!(i18n, time_zone.choose_other)}</a>
                                {move || {
                                    save.value().get().and_then(Result::err).map(|error| view! { <ErrorAlert error /> })
                                }}
                            </section>
                        }
                    })
            }}
        </Transition>
    }
}

/// A labelled zone box suggesting the tz database's names as the user types.
#[component]
pub fn ZoneField(id: &'static str, value: RwSignal<String>, #[prop(optional)] required: bool) -> impl IntoView {
    let i18n = use_i18n();
    let names = Resource::new(|| (), |_| time_zone_names());
    let list = format!("{id}-names");
    view! {
        <label for=id>{t!(i18n, time_zone.field)}</label>
        <input
            id=id
            list=list.clone()
            required=required
            maxlength="64"
            autocomplete="off"
            spellcheck="false"
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
        <datalist id=list>
            <Transition fallback=|| ()>
                {move || {
                    names
                        .get()
                        .and_then(Result::ok)
                        .map(|names| names.into_iter().map(|name| view! { <option value=name /> }).collect_view())
                }}
            </Transition>
        </datalist>
    }
}

/// "Zona horaria" on the account page: the user's zone, changed by themselves.
#[component]
pub fn TimeZoneForm() -> impl IntoView {
    let i18n = use_i18n();
    let resource = use_context::<UserZone>();
    let value = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Some(Ok(mine))) = resource.map(|r| r.get()) {
            value.set(mine.zone.name);
        }
    });
    let save = Action::new(move |name: &String| set_my_time_zone(name.clone()));
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(resource)) = (save.value().get(), resource) {
            resource.refetch();
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(value.get_untracked());
    };
    view! {
        <section id="time-zone" class="narrow-page" aria-labelledby="time-zone-title">
            <h2 id="time-zone-title">{t!(i18n, time_zone.title)}</h2>
            <p class="muted">{t!(i18n, time_zone.hint)}</p>
            <form class="stacked-form" on:submit=on_submit>
                <ZoneField id="my-time-zone" value required=true />
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {t!(i18n, time_zone.save)}
                </button>
            </form>
            <div aria-live="polite">
                {move || match save.value().get() {
                    Some(Ok(mine)) => {
                        let zone = mine.zone.name;
                        view! { <p class="success" role="status">{t!(i18n, time_zone.saved, zone = move || zone.clone())}</p> }
                            .into_any()
                    }
                    Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        </section>
    }
}
