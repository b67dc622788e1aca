//! "Grupos" / "Grupos": every group and what it may do, as a matrix of the permissions;
//! create a group, rename it, change its permissions. Members join and leave on the users'
//! form.

use super::api::*;
use super::{after_each, FormDialog, TextField};
use crate::domain::validation::MAX_TITLE_CHARS;
use crate::domain::{GroupId, Permission};
use crate::error::AppError;
use crate::i18n::*;
use crate::language::{permission_label, ErrorAlert};
use crate::widgets::{open_while_some, Checkboxes};
use leptos::prelude::*;

/// What the group form is open for: a new group (`None`) or one to edit.
type Editing = Option<Option<GroupSummary>>;

#[component]
pub fn GroupsAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let changes = RwSignal::new(0u32);
    let groups = Resource::new(move || changes.get(), |_| admin_groups());
    let editing = RwSignal::new(Editing::None);
    let changed = Callback::new(move |()| changes.update(|n| *n += 1));
    view! {
        <section class="admin-page">
            <h1>{t!(i18n, admin.groups_title)}</h1>
            <div class="admin-toolbar">
                <button type="button" class="primary" on:click=move |_| editing.set(Some(None))>
                    {t!(i18n, admin.new_group)}
                </button>
            </div>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    groups
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            Ok(groups) => view! { <GroupsTable groups editing /> }.into_any(),
                        })
                }}
            </Transition>
            <GroupForm editing changed />
        </section>
    }
}

/// One row per group, one column per permission.
#[component]
fn GroupsTable(groups: Vec<GroupSummary>, editing: RwSignal<Editing>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = groups
        .into_iter()
        .map(|group| {
            let cells = Permission::ALL
                .iter()
                .map(|permission| {
                    let granted = group.permissions.contains(permission);
                    view! {
                        <td class="granted">
                            {granted
                                .then(|| {
                                    view! {
                                        <span aria-hidden="true">"✓"</span>
                                        <span class="visually-hidden">{t!(i18n, admin.granted)}</span>
                                    }
                                })}
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{group.name.clone()}</th>
                    {cells}
                    <td>
                        <button type="button" on:click=move |_| editing.set(Some(Some(group.clone())))>
                            {t!(i18n, admin.edit)}
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="groups">
                <caption class="visually-hidden">{t!(i18n, admin.groups_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, field.group_name)}</th>
                        {Permission::ALL
                            .iter()
                            .map(|permission| {
                                let permission = *permission;
                                view! { <th scope="col">{move || permission_label(i18n.get_locale(), permission)}</th> }
                            })
                            .collect_view()}
                        <th scope="col">{t!(i18n, list.action)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// "Nuevo grupo" / "Editar grupo": the name and a box per permission.
#[component]
fn GroupForm(editing: RwSignal<Editing>, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let open = open_while_some(editing);
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Permission>::new());
    let failure = RwSignal::new(None::<AppError>);
    // Opening fills the fields from the group (or empties them for a new one).
    Effect::new(move |_| {
        if let Some(group) = editing.get() {
            name.set(group.as_ref().map(|g| g.name.clone()).unwrap_or_default());
            chosen.set(group.map(|g| g.permissions).unwrap_or_default());
            failure.set(None);
        }
    });
    let save = Action::new(move |(id, draft): &(Option<GroupId>, GroupDraft)| {
        let (id, draft) = (*id, draft.clone());
        async move {
            match id {
                None => admin_create_group(draft).await,
                Some(id) => admin_update_group(id, draft).await,
            }
        }
    });
    after_each(save, failure, move |_| {
        open.set(false);
        changed.run(());
    });
    let editing_id = move || editing.with(|e| e.as_ref().and_then(|g| g.as_ref().map(|g| g.id)));
    let title = move || match editing.get().flatten() {
        Some(group) => view! { {t!(i18n, admin.edit_group, group = move || group.name.clone())} }.into_any(),
        None => view! { {t!(i18n, admin.new_group)} }.into_any(),
    };
    view! {
        <FormDialog
            open
            title_id="group-form-title"
            title=ViewFn::from(title)
            failure
            pending=save.pending()
            submit_label=Signal::derive(move || t_string!(i18n, admin.save).to_owned())
            on_submit=Callback::new(move |()| {
                let draft = GroupDraft { name: name.get_untracked(), permissions: chosen.get_untracked() };
                save.dispatch((editing_id(), draft));
            })
        >
                <TextField
                    id="group-name"
                    label=Signal::derive(move || t_string!(i18n, field.group_name).to_owned())
                    value=name
                    max=MAX_TITLE_CHARS
                />
                <Checkboxes
                    legend=Signal::derive(move || t_string!(i18n, admin.permissions).to_owned())
                    options=Signal::derive(move || {
                        let locale = i18n.get_locale();
                        Permission::ALL.iter().map(|p| (*p, permission_label(locale, *p).to_owned())).collect::<Vec<_>>()
                    })
                    chosen
                    id_of=|permission: Permission| format!("group-permission-{}", permission.code())
                />
        </FormDialog>
    }
}
