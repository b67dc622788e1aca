//! The "Acción" / "Ação" menu on each row of the list and in the release form: Delegar,
//! Suspender, Reactivar, Reabrir, Cancelar — only those the user may take on the release
//! now — and the one dialog per page that asks what each needs and confirms it.

pub mod api;

use crate::domain::actions::ReleaseAction;
use crate::domain::validation::{Field, FieldError, Problem};
use crate::domain::{GroupId, ReleaseId, Status, UserId};
use crate::error::{AppError, Error};
use crate::i18n::*;
use crate::language::{localized, status_label, ErrorAlert};
use crate::widgets::{MenuButton, MenuEntry, Modal};
use api::{action_choices, ActionOptions};
use leptos::lazy;
use leptos::prelude::*;

pub fn action_label(locale: Locale, action: ReleaseAction) -> &'static str {
    match action {
        ReleaseAction::Delegate => td_string!(locale, action.delegate),
        ReleaseAction::Suspend => td_string!(locale, action.suspend),
        ReleaseAction::Reactivate => td_string!(locale, action.reactivate),
        ReleaseAction::Reopen => td_string!(locale, action.reopen),
        ReleaseAction::Cancel => td_string!(locale, action.cancel),
    }
}

/// The action the user picked, on which release: the page's dialog opens for it.
pub type ActionTarget = RwSignal<Option<(ReleaseId, ReleaseAction)>>;

/// The "Acción" menu button; nothing when the user may take no action on the release.
#[component]
pub fn ActionMenu(release: ReleaseId, actions: Vec<ReleaseAction>) -> impl IntoView {
    let i18n = use_i18n();
    let target = use_context::<ActionTarget>();
    let entries: Vec<MenuEntry> = actions
        .into_iter()
        .map(|action| MenuEntry {
            label: Signal::derive(move || action_label(i18n.get_locale(), action).to_owned()),
            on_select: Callback::new(move |_| {
                if let Some(target) = target {
                    target.set(Some((release, action)));
                }
            }),
        })
        .collect();
    // One element whether or not there is a menu, so the header's buttons keep their place.
    view! {
        <span class="action-menu">
            {(!entries.is_empty())
                .then(|| {
                    view! {
                        <MenuButton
                            id=format!("action-{}", release.0)
                            label=Signal::derive(move || t_string!(i18n, action.title).to_owned())
                            entries
                        />
                    }
                })}
        </span>
    }
}

/// What the dialog sends, once its fields are read.
#[derive(Debug, Clone)]
enum Request {
    Delegate { group: GroupId, user: Option<UserId> },
    Suspend { justification: i64, complement: String },
    Reactivate,
    Reopen { reason: String },
    Cancel { reason: String },
}

async fn send(id: ReleaseId, request: Request) -> Result<Status, AppError> {
    match request {
        Request::Delegate { group, user } => api::delegate_task(id, group, user).await,
        Request::Suspend { justification, complement } => api::suspend_release(id, justification, complement).await,
        Request::Reactivate => api::reactivate_release(id).await,
        Request::Reopen { reason } => api::reopen_release(id, reason).await,
        Request::Cancel { reason } => api::cancel_release(id, reason).await,
    }
}

fn required(field: Field) -> AppError {
    AppError::from(Error::Invalid(FieldError { field, problem: Problem::Required }))
}

/// The last action taken: on which release, which, and the status it left.
type Done = RwSignal<Option<(ReleaseId, ReleaseAction, Status)>>;

/// The page's action dialog, and the confirmation of the last action taken. Provides the
/// [`ActionTarget`] that [`ActionMenu`]s below it set; `on_done` runs after an action.
#[component]
pub fn ActionHost(on_done: Callback<ReleaseId>, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let target: ActionTarget = RwSignal::new(None);
    provide_context(target);
    let done: Done = RwSignal::new(None);
    // The dialog's code comes when a user first picks an action (see `action_dialog`).
    let wanted =
        Memo::new(move |before: Option<&bool>| before.copied().unwrap_or(false) || target.with(Option::is_some));
    view! {
        <div role="status" aria-live="polite">
            {move || {
                done.get()
                    .map(|(id, action, status)| {
                        let number = id.0;
                        let action = move || action_label(i18n.get_locale(), action);
                        let status = move || status_label(i18n.get_locale(), status);
                        view! { <p class="flash success">{t!(i18n, action.done, number, action, status)}</p> }
                    })
            }}
        </div>
        {children()}
        <Show when=move || wanted.get()>
            <Suspense>{move || Suspend::new(action_dialog(target, done, on_done))}</Suspense>
        </Show>
    }
}

/// The dialog, in a wasm chunk of its own (`cargo leptos build --split`): its fields, the
/// options it loads and the actions' calls are not part of the list's first download.
#[lazy]
fn action_dialog(target: ActionTarget, done: Done, on_done: Callback<ReleaseId>) -> AnyView {
    view! { <ActionDialog target done on_done /> }.into_any()
}

/// Asks what the picked action needs, sends it, and reports it in `done`.
#[component]
fn ActionDialog(target: ActionTarget, done: Done, on_done: Callback<ReleaseId>) -> impl IntoView {
    let i18n = use_i18n();
    // Made when the first action is picked: open from the start.
    let open = RwSignal::new(target.with_untracked(Option::is_some));
    let failure = RwSignal::new(None::<AppError>);
    // The fields, kept here so a failed attempt keeps what was typed.
    let group = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let justification = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if target.with(Option::is_some) {
            failure.set(None);
            for field in [group, user, justification, text] {
                field.set(String::new());
            }
            open.set(true);
        }
    });
    Effect::new(move |_| {
        if !open.get() {
            target.set(None);
        }
    });
    let perform = Action::new(move |(id, action, request): &(ReleaseId, ReleaseAction, Request)| {
        let (id, action, request) = (*id, *action, request.clone());
        async move { send(id, request).await.map(|status| (id, action, status)) }
    });
    Effect::new(move |_| match perform.value().get() {
        Some(Ok(result)) => {
            done.set(Some(result));
            open.set(false);
            on_done.run(result.0);
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let read_request = move |action: ReleaseAction| -> Result<Request, AppError> {
        let typed = text.get_untracked();
        Ok(match action {
            ReleaseAction::Delegate => Request::Delegate {
                group: group.get_untracked().parse().map(GroupId).map_err(|_| required(Field::DelegateGroup))?,
                user: user.get_untracked().parse().ok().map(UserId),
            },
            ReleaseAction::Suspend => Request::Suspend {
                justification: justification.get_untracked().parse().map_err(|_| required(Field::Justification))?,
                complement: typed,
            },
            ReleaseAction::Reactivate => Request::Reactivate,
            ReleaseAction::Reopen => Request::Reopen { reason: typed },
            ReleaseAction::Cancel => Request::Cancel { reason: typed },
        })
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((id, action)) = target.get_untracked() else { return };
        match read_request(action) {
            Ok(request) => {
                failure.set(None);
                perform.dispatch((id, action, request));
            }
            Err(error) => failure.set(Some(error)),
        }
    };
    let number_id = move || target.with(|t| t.map(|(id, _)| id).unwrap_or(ReleaseId(0)));
    let number = move || number_id().0;
    let action = move || target.with(|t| t.map(|(_, a)| a));
    view! {
        <Modal open labelled_by="action-title">
            <form novalidate on:submit=confirm>
                <h2 id="action-title">
                    {move || action().map(|a| action_label(i18n.get_locale(), a))} " — "
                    {t!(i18n, form.heading, number)}
                </h2>
                {move || match action() {
                    Some(ReleaseAction::Delegate) => {
                        view! { <DelegateFields release=number_id() group user /> }.into_any()
                    }
                    Some(ReleaseAction::Suspend) => {
                        view! {
                            <SuspendFields release=number_id() justification />
                            <ReasonField text field=Field::Complement />
                        }
                            .into_any()
                    }
                    Some(ReleaseAction::Reactivate) => {
                        view! { <p>{t!(i18n, action.reactivate_question)}</p> }.into_any()
                    }
                    Some(ReleaseAction::Reopen) => {
                        view! {
                            <p>{t!(i18n, action.reopen_explained)}</p>
                            <ReasonField text field=Field::Reason />
                        }
                            .into_any()
                    }
                    Some(ReleaseAction::Cancel) => {
                        view! {
                            <p>{t!(i18n, action.cancel_warning)}</p>
                            <ReasonField text field=Field::Reason />
                        }
                            .into_any()
                    }
                    None => ().into_any(),
                }}
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                <div class="dialog-actions">
                    <button type="submit" class="primary" disabled=move || perform.pending().get()>
                        {t!(i18n, dialog.confirm)}
                    </button>
                    <button type="button" on:click=move |_| open.set(false)>{t!(i18n, dialog.cancel)}</button>
                    <Show when=move || perform.pending().get()>
                        <span class="muted" role="status">{t!(i18n, options.saving)}</span>
                    </Show>
                </div>
            </form>
        </Modal>
    }
}

/// Loads what the dialog offers for `release` and shows it, or the error. The resource is
/// made when the dialog opens, in the browser, so it plays no part in the page's hydration.
fn with_choices(
    release: ReleaseId,
    render: impl Fn(ActionOptions) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let choices = Resource::new(move || release, action_choices);
    view! {
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
            {move || {
                choices
                    .get()
                    .map(|result| match result {
                        Ok(loaded) => render(loaded),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn DelegateFields(release: ReleaseId, group: RwSignal<String>, user: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    with_choices(release, move |loaded| {
        let groups = StoredValue::new(loaded.groups);
        let members = move || {
            let chosen = group.get();
            groups.with_value(|groups| {
                groups.iter().find(|g| g.id.0.to_string() == chosen).map(|g| g.members.clone()).unwrap_or_default()
            })
        };
        view! {
            <div class="field">
                <label for="delegate-group">{t!(i18n, field.delegate_group)} " *"</label>
                <select
                    id="delegate-group"
                    required
                    on:change=move |ev| {
                        group.set(event_target_value(&ev));
                        user.set(String::new());
                    }
                    prop:value=move || group.get()
                >
                    <option value="">{t!(i18n, action.choose)}</option>
                    {groups.get_value().into_iter().map(|g| view! { <option value=g.id.0.to_string()>{g.name}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="delegate-user">{t!(i18n, field.delegate_user)}</label>
                <select id="delegate-user" on:change=move |ev| user.set(event_target_value(&ev)) prop:value=move || user.get()>
                    <option value="">{t!(i18n, action.any_member)}</option>
                    {move || members().into_iter().map(|m| view! { <option value=m.id.0.to_string()>{m.name}</option> }).collect_view()}
                </select>
            </div>
        }
        .into_any()
    })
}

#[component]
fn SuspendFields(release: ReleaseId, justification: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    with_choices(release, move |loaded| {
        view! {
            <div class="field">
                <label for="justification">{t!(i18n, field.justification)} " *"</label>
                <select
                    id="justification"
                    required
                    on:change=move |ev| justification.set(event_target_value(&ev))
                    prop:value=move || justification.get()
                >
                    <option value="">{t!(i18n, action.choose)}</option>
                    {loaded
                        .justifications
                        .into_iter()
                        .map(|j| {
                            let name = j.name;
                            view! { <option value=j.id.to_string()>{move || localized(i18n.get_locale(), &name)}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
        }
        .into_any()
    })
}

/// The required free text of an action: a suspension's complement or a reason.
#[component]
fn ReasonField(text: RwSignal<String>, field: Field) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="field">
            <label for="action-text">{move || crate::language::field_label(i18n.get_locale(), field)} " *"</label>
            <textarea id="action-text" rows="4" maxlength="2000" required bind:value=text></textarea>
        </div>
    }
}
