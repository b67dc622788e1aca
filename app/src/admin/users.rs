//! "Usuarios" / "Usuários": find, create and edit users, deactivate and reactivate them,
//! and reset their password.

use super::api::*;
use super::{after_each, group_names, FormDialog, TextField};
use crate::domain::validation::{MAX_EMAIL_CHARS, MAX_TITLE_CHARS, MAX_USERNAME_CHARS};
use crate::domain::{GroupId, UserId};
use crate::error::AppError;
use crate::i18n::*;
use crate::language::ErrorAlert;
use crate::widgets::{open_while_some, Checkboxes, ConfirmDialog, MenuButton, MenuEntry};
use leptos::prelude::*;

/// What the user form is open for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Editing {
    New,
    Existing(UserRecord),
}

/// A change that asks for confirmation first.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Confirming {
    Deactivate(UserRecord),
    ResetPassword(UserRecord),
}

/// "Usuarios" / "Usuários".
#[component]
pub fn UsersAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let search = RwSignal::new(String::new());
    let typed = RwSignal::new(String::new());
    // Bumped after every change, so the list reloads.
    let changes = RwSignal::new(0u32);
    let page = Resource::new(move || (search.get(), changes.get()), |(search, _)| admin_users(search));
    let editing = RwSignal::new(None::<Editing>);
    let confirming = RwSignal::new(None::<Confirming>);
    let issued = RwSignal::new(None::<TemporaryPassword>);
    let failure = RwSignal::new(None::<AppError>);
    let changed = Callback::new(move |()| changes.update(|n| *n += 1));

    let reactivate = Action::new(move |id: &UserId| admin_set_active(*id, true));
    after_each(reactivate, failure, move |_| changed.run(()));

    view! {
        <section class="admin-page">
            <h1>{t!(i18n, admin.users_title)}</h1>
            <div class="admin-toolbar">
                <form
                    role="search"
                    class="admin-search"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        search.set(typed.get_untracked());
                    }
                >
                    <label for="user-search" class="visually-hidden">{t!(i18n, admin.search)}</label>
                    <input
                        id="user-search"
                        type="search"
                        maxlength="200"
                        placeholder=move || t_string!(i18n, admin.search)
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                    <button type="submit">{t!(i18n, list.apply)}</button>
                </form>
                <button type="button" class="primary" on:click=move |_| editing.set(Some(Editing::New))>
                    {t!(i18n, admin.new_user)}
                </button>
            </div>
            <div aria-live="polite">
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                {move || issued.get().map(|issued| view! { <IssuedPassword issued /> })}
            </div>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            Ok(page) => {
                                view! {
                                    <UsersTable page editing confirming reactivate=reactivate failure issued />
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            <UserForm editing groups=Signal::derive(move || {
                page.get().and_then(Result::ok).map(|page| page.groups).unwrap_or_default()
            }) changed issued />
            <UserConfirmDialog confirming changed issued />
        </section>
    }
}

/// The users found, one row each, with their actions.
#[component]
fn UsersTable(
    page: UsersPage,
    editing: RwSignal<Option<Editing>>,
    confirming: RwSignal<Option<Confirming>>,
    reactivate: Action<UserId, Result<UserRecord, AppError>>,
    failure: RwSignal<Option<AppError>>,
    issued: RwSignal<Option<TemporaryPassword>>,
) -> impl IntoView {
    let i18n = use_i18n();
    if page.users.is_empty() {
        return view! { <p class="muted">{t!(i18n, admin.none)}</p> }.into_any();
    }
    let rows = page
        .users
        .iter()
        .map(|user| {
            let groups = group_names(&user.groups, &page.groups);
            let no_groups = groups.is_empty();
            let (active, temporary) = (user.active, user.must_change_password);
            let entries = {
                let (edit, reset, toggle) = (user.clone(), user.clone(), user.clone());
                let clear = move || {
                    failure.set(None);
                    issued.set(None);
                };
                vec![
                    MenuEntry {
                        label: Signal::derive(move || t_string!(i18n, admin.edit).to_owned()),
                        on_select: Callback::new(move |()| {
                            clear();
                            editing.set(Some(Editing::Existing(edit.clone())))
                        }),
                    },
                    MenuEntry {
                        label: Signal::derive(move || t_string!(i18n, admin.reset_password).to_owned()),
                        on_select: Callback::new(move |()| {
                            clear();
                            confirming.set(Some(Confirming::ResetPassword(reset.clone())))
                        }),
                    },
                    if active {
                        MenuEntry {
                            label: Signal::derive(move || t_string!(i18n, admin.deactivate).to_owned()),
                            on_select: Callback::new(move |()| {
                                clear();
                                confirming.set(Some(Confirming::Deactivate(toggle.clone())))
                            }),
                        }
                    } else {
                        MenuEntry {
                            label: Signal::derive(move || t_string!(i18n, admin.reactivate).to_owned()),
                            on_select: Callback::new(move |()| {
                                clear();
                                reactivate.dispatch(toggle.id);
                            }),
                        }
                    },
                ]
            };
            let username = user.username.clone();
            view! {
                <tr class:inactive=!active>
                    <th scope="row">{user.username.clone()}</th>
                    <td>{user.full_name.clone()}</td>
                    <td>{user.email.clone()}</td>
                    <td>
                        {if no_groups {
                            view! { <span class="muted">{t!(i18n, admin.no_groups)}</span> }.into_any()
                        } else {
                            view! { {groups} }.into_any()
                        }}
                    </td>
                    <td>
                        {if active {
                            view! { {t!(i18n, admin.active)} }.into_any()
                        } else {
                            view! { {t!(i18n, admin.inactive)} }.into_any()
                        }}
                        {temporary.then(|| view! { <br /><span class="muted">{t!(i18n, admin.must_change)}</span> })}
                    </td>
                    <td>
                        <MenuButton
                            label=Signal::derive(move || t_string!(i18n, list.action).to_owned())
                            id=format!("user-actions-{username}")
                            entries
                        />
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="users">
                <caption class="visually-hidden">{t!(i18n, admin.caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, field.username)}</th>
                        <th scope="col">{t!(i18n, field.full_name)}</th>
                        <th scope="col">{t!(i18n, field.email)}</th>
                        <th scope="col">{t!(i18n, field.groups)}</th>
                        <th scope="col">{t!(i18n, admin.state)}</th>
                        <th scope="col">{t!(i18n, list.action)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {page.more.then(|| view! { <p class="muted">{t!(i18n, admin.more)}</p> })}
    }
    .into_any()
}

/// The temporary password just issued, shown once.
#[component]
fn IssuedPassword(issued: TemporaryPassword) -> impl IntoView {
    let i18n = use_i18n();
    let user = issued.username.clone();
    view! {
        <div class="notice" role="status">
            <p>
                {t!(i18n, admin.temporary_password, user = move || user.clone())} " "
                <code class="temporary-password">{issued.password.clone()}</code>
            </p>
            <p>{t!(i18n, admin.temporary_hint)}</p>
        </div>
    }
}

/// "Nuevo usuario" / "Editar usuario": user name (new users only), full name, e-mail, time
/// zone, language, groups.
#[component]
fn UserForm(
    editing: RwSignal<Option<Editing>>,
    #[prop(into)] groups: Signal<Vec<GroupSummary>>,
    changed: Callback<()>,
    issued: RwSignal<Option<TemporaryPassword>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = open_while_some(editing);
    let username = RwSignal::new(String::new());
    let full_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let time_zone = RwSignal::new(String::new());
    let language = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<GroupId>::new());
    let failure = RwSignal::new(None::<AppError>);
    // Opening fills the fields from the user (or empties them for a new one).
    Effect::new(move |_| {
        if let Some(current) = editing.get() {
            let blank = UserRecord {
                id: UserId(0),
                username: String::new(),
                full_name: String::new(),
                email: String::new(),
                active: true,
                must_change_password: false,
                groups: Vec::new(),
                time_zone: None,
                language: None,
            };
            let user = match current {
                Editing::New => blank,
                Editing::Existing(user) => user,
            };
            username.set(user.username);
            full_name.set(user.full_name);
            email.set(user.email);
            time_zone.set(user.time_zone.unwrap_or_default());
            language.set(user.language.unwrap_or_default());
            chosen.set(user.groups);
            failure.set(None);
        }
    });
    let save = Action::new(move |(editing, draft): &(Editing, UserDraft)| {
        let (editing, draft) = (editing.clone(), draft.clone());
        async move {
            match editing {
                Editing::New => admin_create_user(draft).await.map(Some),
                Editing::Existing(user) => admin_update_user(user.id, draft).await.map(|_| None),
            }
        }
    });
    after_each(save, failure, move |password| {
        issued.set(password);
        open.set(false);
        changed.run(());
    });
    let is_new = move || editing.with(|e| matches!(e, Some(Editing::New)));
    let title = move || match editing.get() {
        Some(Editing::Existing(user)) => {
            view! { {t!(i18n, admin.edit_user, user = move || user.username.clone())} }.into_any()
        }
        _ => view! { {t!(i18n, admin.new_user)} }.into_any(),
    };
    view! {
        <FormDialog
            open
            title_id="user-form-title"
            title=ViewFn::from(title)
            failure
            pending=save.pending()
            submit_label=Signal::derive(move || {
                if is_new() { t_string!(i18n, admin.create) } else { t_string!(i18n, admin.save) }.to_owned()
            })
            on_submit=Callback::new(move |()| {
                let Some(current) = editing.get_untracked() else { return };
                let draft = UserDraft {
                    username: username.get_untracked(),
                    full_name: full_name.get_untracked(),
                    email: email.get_untracked(),
                    groups: chosen.get_untracked(),
                    time_zone: Some(time_zone.get_untracked()).filter(|zone| !zone.trim().is_empty()),
                    language: Some(language.get_untracked()).filter(|code| !code.is_empty()),
                };
                save.dispatch((current, draft));
            })
        >
                <Show when=is_new>
                    <TextField
                        id="user-username"
                        label=Signal::derive(move || t_string!(i18n, field.username).to_owned())
                        value=username
                        max=MAX_USERNAME_CHARS
                    />
                </Show>
                <TextField
                    id="user-full-name"
                    label=Signal::derive(move || t_string!(i18n, field.full_name).to_owned())
                    value=full_name
                    max=MAX_TITLE_CHARS
                />
                <TextField
                    id="user-email"
                    label=Signal::derive(move || t_string!(i18n, field.email).to_owned())
                    value=email
                    max=MAX_EMAIL_CHARS
                    optional=true
                    kind="email"
                />
                <crate::time_zone::ZoneField id="user-time-zone" value=time_zone />
                <p class="muted small">{t!(i18n, time_zone.server_default)}</p>
                <label for="user-language">{t!(i18n, time_zone.language)}</label>
                <select
                    id="user-language"
                    prop:value=move || language.get()
                    on:change=move |ev| language.set(event_target_value(&ev))
                >
                    <option value="">{t!(i18n, time_zone.language_none)}</option>
                    <option value="es">{t!(i18n, catalogue.lang_es)}</option>
                    <option value="pt">{t!(i18n, catalogue.lang_pt)}</option>
                </select>
                <Checkboxes
                    legend=Signal::derive(move || t_string!(i18n, field.groups).to_owned())
                    options=Signal::derive(move || groups.get().into_iter().map(|g| (g.id, g.name)).collect::<Vec<_>>())
                    chosen
                    id_of=|group: GroupId| format!("user-group-{}", group.0)
                />
        </FormDialog>
    }
}

/// Asks before deactivating a user or resetting their password.
#[component]
fn UserConfirmDialog(
    confirming: RwSignal<Option<Confirming>>,
    changed: Callback<()>,
    issued: RwSignal<Option<TemporaryPassword>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let open = open_while_some(confirming);
    let failure = RwSignal::new(None::<AppError>);
    Effect::new(move |_| {
        if confirming.with(Option::is_some) {
            failure.set(None);
        }
    });
    let run = Action::new(move |confirming: &Confirming| {
        let confirming = confirming.clone();
        async move {
            match confirming {
                Confirming::Deactivate(user) => admin_set_active(user.id, false).await.map(|_| None),
                Confirming::ResetPassword(user) => admin_reset_password(user.id).await.map(Some),
            }
        }
    });
    after_each(run, failure, move |password| {
        issued.set(password);
        open.set(false);
        changed.run(());
    });
    let question = move || match confirming.get() {
        Some(Confirming::Deactivate(user)) => {
            view! { {t!(i18n, admin.deactivate_question, user = move || user.username.clone())} }.into_any()
        }
        Some(Confirming::ResetPassword(user)) => {
            view! { {t!(i18n, admin.reset_question, user = move || user.username.clone())} }.into_any()
        }
        None => ().into_any(),
    };
    let title = move || match confirming.get() {
        Some(Confirming::ResetPassword(_)) => t_string!(i18n, admin.reset_password),
        _ => t_string!(i18n, admin.deactivate),
    };
    view! {
        <ConfirmDialog
            open
            title_id="user-confirm-title"
            title
            question
            failure
            pending=run.pending()
            on_confirm=move |()| {
                if let Some(asked) = confirming.get_untracked() {
                    run.dispatch(asked);
                }
            }
        />
    }
}
