//! "Webhooks": register a URL, its secret and its events; change the events, turn a webhook
//! off and on, delete it; see each one's newest deliveries and send one again.

use super::api::*;
use super::{after_each, FormDialog, TextField};
use crate::error::AppError;
use crate::i18n::*;
use crate::language::ErrorAlert;
use crate::time_zone::use_zone;
use crate::widgets::{open_while_some, Checkboxes, ConfirmDialog};
use leptos::prelude::*;

/// What the form is open for: a new webhook, or the events of one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Editing {
    New,
    Events(WebhookSummary),
}

/// The name of an event, as the page shows it.
pub(super) fn event_label(locale: Locale, event: WebhookEvent) -> &'static str {
    match event {
        WebhookEvent::Registered => td_string!(locale, webhooks.event_registered),
        WebhookEvent::Captured => td_string!(locale, webhooks.event_captured),
        WebhookEvent::Saved => td_string!(locale, webhooks.event_saved),
        WebhookEvent::Advanced => td_string!(locale, webhooks.event_advanced),
        WebhookEvent::Resolved => td_string!(locale, webhooks.event_resolved),
        WebhookEvent::SentBack => td_string!(locale, webhooks.event_sent_back),
        WebhookEvent::Suspended => td_string!(locale, webhooks.event_suspended),
        WebhookEvent::Reactivated => td_string!(locale, webhooks.event_reactivated),
        WebhookEvent::Reopened => td_string!(locale, webhooks.event_reopened),
        WebhookEvent::Cancelled => td_string!(locale, webhooks.event_cancelled),
        WebhookEvent::Delegated => td_string!(locale, webhooks.event_delegated),
        WebhookEvent::Linked => td_string!(locale, webhooks.event_linked),
        WebhookEvent::Unlinked => td_string!(locale, webhooks.event_unlinked),
        WebhookEvent::OccurrenceAdded => td_string!(locale, webhooks.event_occurrence_added),
        WebhookEvent::Edited => td_string!(locale, webhooks.event_edited),
        WebhookEvent::AttachmentAdded => td_string!(locale, webhooks.event_attachment_added),
        WebhookEvent::AttachmentRemoved => td_string!(locale, webhooks.event_attachment_removed),
    }
}

fn status_label(locale: Locale, status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Pending => td_string!(locale, webhooks.status_pending),
        DeliveryStatus::Delivered => td_string!(locale, webhooks.status_delivered),
        DeliveryStatus::Failed => td_string!(locale, webhooks.status_failed),
    }
}

/// "Webhooks".
#[component]
pub fn WebhooksAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let changes = RwSignal::new(0u32);
    let webhooks = Resource::new(move || changes.get(), |_| admin_webhooks());
    let editing = RwSignal::new(None::<Editing>);
    let deleting = RwSignal::new(None::<WebhookSummary>);
    let created = RwSignal::new(None::<CreatedWebhook>);
    let failure = RwSignal::new(None::<AppError>);
    let changed = Callback::new(move |()| changes.update(|n| *n += 1));
    view! {
        <section class="admin-page">
            <h1>{t!(i18n, webhooks.title)}</h1>
            <p class="muted">{t!(i18n, webhooks.intro)}</p>
            <div class="admin-toolbar">
                <button
                    type="button"
                    class="primary"
                    on:click=move |_| {
                        created.set(None);
                        editing.set(Some(Editing::New));
                    }
                >
                    {t!(i18n, webhooks.new)}
                </button>
            </div>
            <div aria-live="polite">
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                {move || {
                    created
                        .get()
                        .map(|created| {
                            view! {
                                <div class="notice" role="status">
                                    <p>
                                        {t!(i18n, webhooks.created_secret)} " "
                                        <code class="temporary-password">{created.secret.clone()}</code>
                                    </p>
                                </div>
                            }
                        })
                }}
            </div>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    webhooks
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            Ok(list) if list.is_empty() => {
                                view! { <p class="muted">{t!(i18n, webhooks.none)}</p> }.into_any()
                            }
                            Ok(list) => {
                                list.into_iter()
                                    .map(|webhook| {
                                        view! { <WebhookCard webhook editing deleting failure changed /> }
                                    })
                                    .collect_view()
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            <WebhookForm editing changed created />
            <DeleteDialog deleting changed />
        </section>
    }
}

/// One webhook: its URL, state and events, its actions, and its newest deliveries.
#[component]
fn WebhookCard(
    webhook: WebhookSummary,
    editing: RwSignal<Option<Editing>>,
    deleting: RwSignal<Option<WebhookSummary>>,
    failure: RwSignal<Option<AppError>>,
    changed: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let zone = use_zone();
    let toggle = Action::new(move |(id, active): &(i64, bool)| admin_set_webhook_active(*id, *active));
    after_each(toggle, failure, move |()| changed.run(()));
    let resend = Action::new(move |delivery: &i64| admin_send_again(*delivery));
    after_each(resend, failure, move |()| changed.run(()));
    let (id, active) = (webhook.id, webhook.active);
    let (heading, labelled_by) = (format!("webhook-{id}-title"), format!("webhook-{id}-title"));
    let events = webhook.events.clone();
    let (for_events, for_delete) = (webhook.clone(), webhook.clone());
    let rows = webhook
        .deliveries
        .iter()
        .map(|delivery| {
            let delivery = delivery.clone();
            let (event, status, release) = (delivery.event, delivery.status, delivery.release);
            let when = delivery.delivered_at.unwrap_or(delivery.created_at);
            let error = delivery.last_error.clone().unwrap_or_default();
            view! {
                <tr>
                    <td>{move || event_label(i18n.get_locale(), event)}</td>
                    <td>
                        <a href=format!("/releases/{}", release.0)>{release.0}</a>
                    </td>
                    <td title=error>{move || status_label(i18n.get_locale(), status)}</td>
                    <td>{delivery.last_status_code.map(|code| code.to_string()).unwrap_or_else(|| "—".into())}</td>
                    <td>{delivery.attempts}</td>
                    <td>{move || zone.format(when)}</td>
                    <td>
                        <button
                            type="button"
                            disabled=move || resend.pending().get()
                            on:click=move |_| {
                                failure.set(None);
                                resend.dispatch(delivery.id);
                            }
                        >
                            {t!(i18n, webhooks.send_again)}
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let no_deliveries = webhook.deliveries.is_empty();
    let url = webhook.url.clone();
    view! {
        <article class="card webhook" aria-labelledby=labelled_by>
            <h2 id=heading>
                <code>{webhook.url.clone()}</code>
            </h2>
            <p>
                {if active {
                    view! { {t!(i18n, webhooks.active)} }.into_any()
                } else {
                    view! { <span class="muted">{t!(i18n, webhooks.inactive)}</span> }.into_any()
                }} " · " {t!(i18n, webhooks.events)} ": "
                {move || {
                    let locale = i18n.get_locale();
                    events.iter().map(|e| event_label(locale, *e)).collect::<Vec<_>>().join(", ")
                }}
            </p>
            <div class="admin-toolbar">
                <button
                    type="button"
                    on:click=move |_| editing.set(Some(Editing::Events(for_events.clone())))
                >
                    {t!(i18n, webhooks.edit_events)}
                </button>
                <button
                    type="button"
                    disabled=move || toggle.pending().get()
                    on:click=move |_| {
                        failure.set(None);
                        toggle.dispatch((id, !active));
                    }
                >
                    {if active {
                        view! { {t!(i18n, webhooks.deactivate)} }.into_any()
                    } else {
                        view! { {t!(i18n, webhooks.activate)} }.into_any()
                    }}
                </button>
                <button type="button" on:click=move |_| deleting.set(Some(for_delete.clone()))>
                    {t!(i18n, webhooks.delete)}
                </button>
            </div>
            {if no_deliveries {
                view! { <p class="muted">{t!(i18n, webhooks.no_deliveries)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="webhook-deliveries">
                            <caption class="visually-hidden">
                                {t!(i18n, webhooks.deliveries_of, url = move || url.clone())}
                            </caption>
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, webhooks.event)}</th>
                                    <th scope="col">{t!(i18n, webhooks.release)}</th>
                                    <th scope="col">{t!(i18n, webhooks.status)}</th>
                                    <th scope="col">{t!(i18n, webhooks.code)}</th>
                                    <th scope="col">{t!(i18n, webhooks.attempts)}</th>
                                    <th scope="col">{t!(i18n, webhooks.when)}</th>
                                    <th scope="col">{t!(i18n, list.action)}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </article>
    }
}

/// "Nuevo webhook" (URL, secret, events) or the events of one.
#[component]
fn WebhookForm(
    editing: RwSignal<Option<Editing>>,
    changed: Callback<()>,
    created: RwSignal<Option<CreatedWebhook>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = open_while_some(editing);
    let url = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<WebhookEvent>::new());
    let failure = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match editing.get() {
        Some(Editing::New) => {
            url.set(String::new());
            secret.set(String::new());
            chosen.set(WebhookEvent::ALL.to_vec());
            failure.set(None);
        }
        Some(Editing::Events(webhook)) => {
            chosen.set(webhook.events);
            failure.set(None);
        }
        None => {}
    });
    let save = Action::new(move |(editing, draft): &(Editing, WebhookDraft)| {
        let (editing, draft) = (editing.clone(), draft.clone());
        async move {
            match editing {
                Editing::New => admin_create_webhook(draft).await.map(Some),
                Editing::Events(webhook) => admin_set_webhook_events(webhook.id, draft.events).await.map(|()| None),
            }
        }
    });
    after_each(save, failure, move |made| {
        if made.is_some() {
            created.set(made);
        }
        open.set(false);
        changed.run(());
    });
    let is_new = move || editing.with(|e| matches!(e, Some(Editing::New)));
    let title = move || match editing.get() {
        Some(Editing::Events(webhook)) => {
            view! { {t!(i18n, webhooks.events_of, url = move || webhook.url.clone())} }.into_any()
        }
        _ => view! { {t!(i18n, webhooks.new)} }.into_any(),
    };
    view! {
        <FormDialog
            open
            title_id="webhook-form-title"
            title=ViewFn::from(title)
            failure
            pending=save.pending()
            submit_label=Signal::derive(move || {
                if is_new() { t_string!(i18n, webhooks.register) } else { t_string!(i18n, admin.save) }.to_owned()
            })
            on_submit=Callback::new(move |()| {
                if let Some(editing) = editing.get_untracked() {
                    let draft = WebhookDraft {
                        url: url.get_untracked(),
                        secret: secret.get_untracked(),
                        events: chosen.get_untracked(),
                    };
                    save.dispatch((editing, draft));
                }
            })
        >
            <Show when=is_new>
                <TextField
                    id="webhook-url"
                    label=Signal::derive(move || t_string!(i18n, webhooks.url).to_owned())
                    value=url
                    max=MAX_URL_CHARS
                    kind="url"
                />
                <TextField
                    id="webhook-secret"
                    label=Signal::derive(move || t_string!(i18n, webhooks.secret).to_owned())
                    value=secret
                    max=MAX_SECRET_CHARS
                    optional=true
                />
                <p class="muted">{t!(i18n, webhooks.secret_hint)}</p>
            </Show>
            <Checkboxes
                legend=Signal::derive(move || t_string!(i18n, webhooks.events).to_owned())
                options=Signal::derive(move || {
                    let locale = i18n.get_locale();
                    WebhookEvent::ALL.iter().map(|e| (*e, event_label(locale, *e).to_owned())).collect::<Vec<_>>()
                })
                chosen
                id_of=|event: WebhookEvent| format!("webhook-event-{}", event.code())
            />
        </FormDialog>
    }
}

/// "¿Eliminar el webhook …?"
#[component]
fn DeleteDialog(deleting: RwSignal<Option<WebhookSummary>>, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let open = open_while_some(deleting);
    let failure = RwSignal::new(None::<AppError>);
    Effect::new(move |_| {
        if deleting.with(Option::is_some) {
            failure.set(None);
        }
    });
    let delete = Action::new(move |id: &i64| admin_delete_webhook(*id));
    after_each(delete, failure, move |()| {
        open.set(false);
        changed.run(());
    });
    let url = move || deleting.get().map(|w| w.url).unwrap_or_default();
    view! {
        <ConfirmDialog
            open
            title_id="webhook-delete-title"
            title=move || t!(i18n, webhooks.delete)
            question=move || t!(i18n, webhooks.delete_question, url = url)
            failure
            pending=delete.pending()
            on_confirm=move |()| {
                if let Some(webhook) = deleting.get_untracked() {
                    delete.dispatch(webhook.id);
                }
            }
        />
    }
}
