//! "Notificaciones": the header's bell with the number of unread notifications (updated
//! when the server tells the user's pages of new ones, and shown in the page's title), the
//! page that lists them newest first with a link to each release, "Marcar como leída" and
//! "Marcar todas como leídas", and "Notificaciones por correo" on the account page. Server
//! functions are thin adapters of `releasedesk_core::commands::notifications`.

use crate::codec::StrictJson;
use crate::error::AppError;
use crate::i18n::*;
use crate::language::ErrorAlert;
#[cfg(feature = "ssr")]
use crate::session::ctx;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use releasedesk_core::commands::notifications as commands;
use releasedesk_core::model::notifications::UNREAD_COUNTED;
pub use releasedesk_core::model::notifications::{MailPreferences, Notification, NotificationKind, NotificationPage};

#[server(prefix = "/api", endpoint = "my_notifications", input = StrictJson, output = crate::codec::JsonText)]
pub async fn my_notifications() -> Result<NotificationPage, AppError> {
    Ok(commands::notifications(&ctx().await?).await?)
}

#[server(prefix = "/api", endpoint = "unread_notifications", input = StrictJson, output = crate::codec::JsonText)]
pub async fn unread_notifications() -> Result<i64, AppError> {
    Ok(commands::unread(&ctx().await?).await?)
}

/// Answers the unread count after.
#[server(prefix = "/api", endpoint = "mark_notification_read", input = StrictJson, output = crate::codec::JsonText)]
pub async fn mark_notification_read(id: i64) -> Result<i64, AppError> {
    Ok(commands::mark_read(&ctx().await?, id).await?)
}

#[server(prefix = "/api", endpoint = "mark_all_notifications_read", input = StrictJson, output = crate::codec::JsonText)]
pub async fn mark_all_notifications_read() -> Result<i64, AppError> {
    Ok(commands::mark_all_read(&ctx().await?).await?)
}

#[server(prefix = "/api", endpoint = "my_mail_preferences", input = StrictJson, output = crate::codec::JsonText)]
pub async fn my_mail_preferences() -> Result<MailPreferences, AppError> {
    Ok(commands::mail_preferences(&ctx().await?).await?)
}

#[server(prefix = "/api", endpoint = "set_my_mail_preferences", input = StrictJson, output = crate::codec::JsonText)]
pub async fn set_my_mail_preferences(preferences: MailPreferences) -> Result<MailPreferences, AppError> {
    Ok(commands::set_mail_preferences(&ctx().await?, &preferences).await?)
}

/// Bumped to make the bell count again (after marking read on the page).
#[derive(Debug, Clone, Copy)]
pub struct BellRefresh(pub RwSignal<u32>);

/// What a notification says, as the page shows it.
pub fn kind_label(locale: Locale, kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::NewWork => td_string!(locale, notifications.kind_new_work),
        NotificationKind::Delegated => td_string!(locale, notifications.kind_delegated),
        NotificationKind::Captured => td_string!(locale, notifications.kind_captured),
        NotificationKind::Advanced => td_string!(locale, notifications.kind_advanced),
        NotificationKind::Resolved => td_string!(locale, notifications.kind_resolved),
        NotificationKind::Suspended => td_string!(locale, notifications.kind_suspended),
        NotificationKind::Reactivated => td_string!(locale, notifications.kind_reactivated),
        NotificationKind::Reopened => td_string!(locale, notifications.kind_reopened),
        NotificationKind::Cancelled => td_string!(locale, notifications.kind_cancelled),
        NotificationKind::DueSoon => td_string!(locale, notifications.kind_due_soon),
        NotificationKind::Overdue => td_string!(locale, notifications.kind_overdue),
    }
}

/// The bell's number: the count, or "99+" once it reaches [`UNREAD_COUNTED`] (the server
/// counts no further).
fn bell_number(count: i64) -> String {
    if count >= UNREAD_COUNTED {
        format!("{}+", UNREAD_COUNTED - 1)
    } else {
        count.to_string()
    }
}

/// The header's bell: a link to "Notificaciones" whose accessible name says how many are
/// unread; the number follows the live events without a reload, and leads the page's title.
#[component]
pub fn Bell() -> impl IntoView {
    let i18n = use_i18n();
    let refresh = use_context::<BellRefresh>().map_or_else(|| RwSignal::new(0), |r| r.0);
    let unread = Resource::new(move || refresh.get(), |_| unread_notifications());
    // New notifications for this user (the server tells only their pages): count again.
    crate::live::on_notified(crate::live::throttled(move || refresh.update(|n| *n += 1)));
    // And every minute: what was marked read in another tab, or told while the stream was
    // reconnecting.
    #[cfg(feature = "hydrate")]
    if let Ok(handle) =
        set_interval_with_handle(move || refresh.update(|n| *n += 1), std::time::Duration::from_secs(60))
    {
        on_cleanup(move || handle.clear());
    }
    let count = move || unread.get().and_then(Result::ok).unwrap_or(0);
    Effect::new(move |_| {
        let n = count();
        let name = t_string!(i18n, app_name).to_string();
        document().set_title(&if n > 0 { format!("({}) {name}", bell_number(n)) } else { name });
    });
    let label = move || format!("{}: {}", t_string!(i18n, notifications.bell), bell_number(count()));
    view! {
        <a href="/notifications" class="header-link bell" aria-label=label title=label data-unread=move || count().to_string()>
            <span aria-hidden="true">"🔔"</span>
            <Transition fallback=|| ()>
                {move || {
                    let n = count();
                    (n > 0).then(|| view! { <span class="bell-count" aria-hidden="true">{bell_number(n)}</span> })
                }}
            </Transition>
        </a>
    }
}

/// "Notificaciones".
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let refresh = use_context::<BellRefresh>().map_or_else(|| RwSignal::new(0), |r| r.0);
    let page = Resource::new(move || refresh.get(), |_| my_notifications());
    let failure = RwSignal::new(None::<AppError>);
    let mark = Action::new(move |id: &Option<i64>| {
        let id = *id;
        async move {
            match id {
                Some(id) => mark_notification_read(id).await,
                None => mark_all_notifications_read().await,
            }
        }
    });
    Effect::new(move |_| match mark.value().get() {
        Some(Ok(_)) => {
            failure.set(None);
            refresh.update(|n| *n += 1);
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let zone = crate::time_zone::use_zone();
    view! {
        <section class="admin-page notifications-page">
            <h1>{t!(i18n, notifications.title)}</h1>
            <div class="admin-toolbar">
                <button type="button" on:click=move |_| { mark.dispatch(None); } disabled=move || mark.pending().get()>
                    {t!(i18n, notifications.mark_all)}
                </button>
            </div>
            <div aria-live="polite">{move || failure.get().map(|error| view! { <ErrorAlert error /> })}</div>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            Ok(page) if page.notifications.is_empty() => {
                                view! { <p class="muted">{t!(i18n, notifications.none)}</p> }.into_any()
                            }
                            Ok(page) => {
                                view! {
                                    <ul class="notification-list">
                                        {page
                                            .notifications
                                            .into_iter()
                                            .map(|note| {
                                                let id = note.id;
                                                let number = note.release.0;
                                                let href = format!("/releases/{number}");
                                                let kind = note.kind;
                                                let what = move || kind_label(i18n.get_locale(), kind);
                                                let when = zone.format(note.created_at);
                                                let read = note.read;
                                                // Read once opened: the page is left, the
                                                // layout's bell counts again.
                                                let on_open = move |_| {
                                                    if !read {
                                                        leptos::task::spawn_local(async move {
                                                            let _ = mark_notification_read(id).await;
                                                            refresh.update(|n| *n += 1);
                                                        });
                                                    }
                                                };
                                                view! {
                                                    <li class="notification" class:unread=!read>
                                                        <p>
                                                            <strong>{what}</strong>
                                                            {note.actor.map(|actor| format!(" · {actor}"))}
                                                        </p>
                                                        <p>
                                                            <a href=href on:click=on_open>
                                                                {format!("#{number} {}", note.title)}
                                                            </a>
                                                        </p>
                                                        <p class="muted">
                                                            <time>{when}</time>
                                                            {read.then(|| view! { " · " {t!(i18n, notifications.read)} })}
                                                        </p>
                                                        <Show when=move || !read>
                                                            <button
                                                                type="button"
                                                                class="link-button"
                                                                on:click=move |_| { mark.dispatch(Some(id)); }
                                                            >
                                                                {t!(i18n, notifications.mark_read)}
                                                            </button>
                                                        </Show>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

/// "Notificaciones por correo" on the account page: per topic, or a daily digest.
#[component]
pub fn MailPreferencesForm() -> impl IntoView {
    let i18n = use_i18n();
    let loaded = Resource::new(|| (), |_| my_mail_preferences());
    let new_work = RwSignal::new(false);
    let my_releases = RwSignal::new(false);
    let deadlines = RwSignal::new(false);
    let digest = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(preferences)) = loaded.get() {
            new_work.set(preferences.new_work);
            my_releases.set(preferences.my_releases);
            deadlines.set(preferences.deadlines);
            digest.set(preferences.digest);
        }
    });
    let save = Action::new(move |preferences: &MailPreferences| set_my_mail_preferences(*preferences));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(MailPreferences {
            new_work: new_work.get_untracked(),
            my_releases: my_releases.get_untracked(),
            deadlines: deadlines.get_untracked(),
            digest: digest.get_untracked(),
        });
    };
    let checkbox = move |id: &'static str, value: RwSignal<bool>, label: fn(Locale) -> &'static str| {
        view! {
            <label class="checkbox" for=id>
                <input
                    type="checkbox"
                    id=id
                    prop:checked=move || value.get()
                    on:change=move |ev| value.set(event_target_checked(&ev))
                />
                {move || label(i18n.get_locale())}
            </label>
        }
    };
    view! {
        <section id="mail-notifications" class="narrow-page" aria-labelledby="mail-title">
            <h2 id="mail-title">{t!(i18n, notifications.mail_title)}</h2>
            <p class="muted">{t!(i18n, notifications.mail_hint)}</p>
            <form class="stacked-form" on:submit=on_submit>
                <fieldset>
                    <legend>{t!(i18n, notifications.mail_topics)}</legend>
                    {checkbox("mail-new-work", new_work, |l| td_string!(l, notifications.mail_new_work))}
                    {checkbox("mail-my-releases", my_releases, |l| td_string!(l, notifications.mail_my_releases))}
                    {checkbox("mail-deadlines", deadlines, |l| td_string!(l, notifications.mail_deadlines))}
                    {checkbox("mail-digest", digest, |l| td_string!(l, notifications.mail_digest))}
                </fieldset>
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {t!(i18n, notifications.mail_save)}
                </button>
            </form>
            <div aria-live="polite">
                {move || match save.value().get() {
                    Some(Ok(_)) => view! { <p class="success" role="status">{t!(i18n, notifications.mail_saved)}</p> }.into_any(),
                    Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bell_shows_the_count_and_99_plus_from_its_cap_on() {
        assert_eq!(bell_number(1), "1");
        assert_eq!(bell_number(UNREAD_COUNTED - 1), "99");
        assert_eq!(bell_number(UNREAD_COUNTED), "99+");
    }
}
