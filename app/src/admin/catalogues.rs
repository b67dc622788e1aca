//! "Catálogos" / "Catálogos": the catalogues of named choices the forms offer (solution
//! categories, suspension reasons): add an item, rename it in both languages, retire it or
//! offer it again. A retired item stays on the releases that chose it.

use super::api::*;
use super::{after_each, FormDialog, TextField};
use crate::domain::validation::{MAX_CODE_CHARS, MAX_TITLE_CHARS};
use crate::domain::Localized;
use crate::error::AppError;
use crate::i18n::*;
use crate::language::ErrorAlert;
use crate::widgets::open_while_some;
use leptos::prelude::*;

pub fn catalogue_label(locale: Locale, catalogue: NamedCatalogue) -> &'static str {
    match catalogue {
        NamedCatalogue::SolutionCategories => td_string!(locale, admin.solution_categories),
        NamedCatalogue::SuspensionReasons => td_string!(locale, admin.suspension_reasons),
    }
}

/// "Ofrecido" / "Retirado".
pub fn offered_label(locale: Locale, active: bool) -> &'static str {
    if active {
        td_string!(locale, admin.offered)
    } else {
        td_string!(locale, admin.retired)
    }
}

/// What the item form is open for: a new item (`None`) or one to edit.
type Editing = Option<Option<CatalogueItem>>;

#[component]
pub fn CataloguesAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let catalogue = RwSignal::new(NamedCatalogue::SolutionCategories);
    let changes = RwSignal::new(0u32);
    let items = Resource::new(move || (catalogue.get(), changes.get()), |(catalogue, _)| admin_catalogue(catalogue));
    let editing = RwSignal::new(Editing::None);
    let changed = Callback::new(move |()| changes.update(|n| *n += 1));
    view! {
        <section class="admin-page">
            <h1>{t!(i18n, admin.catalogues_title)}</h1>
            <div class="admin-toolbar">
                <div class="field">
                    <label for="catalogue-choice">{t!(i18n, admin.catalogue)}</label>
                    <select
                        id="catalogue-choice"
                        on:change=move |ev| {
                            if let Some(chosen) = NamedCatalogue::from_code(&event_target_value(&ev)) {
                                catalogue.set(chosen);
                            }
                        }
                    >
                        {NamedCatalogue::ALL
                            .iter()
                            .map(|option| {
                                let option = *option;
                                view! {
                                    <option value=option.code() selected=move || catalogue.get() == option>
                                        {move || catalogue_label(i18n.get_locale(), option)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <button type="button" class="primary" on:click=move |_| editing.set(Some(None))>
                    {t!(i18n, admin.new_item)}
                </button>
            </div>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    items
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            Ok(items) => view! { <ItemsTable items editing /> }.into_any(),
                        })
                }}
            </Transition>
            <ItemForm catalogue editing changed />
        </section>
    }
}

#[component]
fn ItemsTable(items: Vec<CatalogueItem>, editing: RwSignal<Editing>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = items
        .into_iter()
        .map(|item| {
            let active = item.active;
            view! {
                <tr class:inactive=!active>
                    <th scope="row">{item.code.clone()}</th>
                    <td>{item.name.es.clone()}</td>
                    <td>{item.name.pt.clone()}</td>
                    <td>{move || offered_label(i18n.get_locale(), active)}</td>
                    <td>
                        <button type="button" on:click=move |_| editing.set(Some(Some(item.clone())))>
                            {t!(i18n, admin.edit)}
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="catalogue">
                <caption class="visually-hidden">{t!(i18n, admin.items_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, field.code)}</th>
                        <th scope="col">{t!(i18n, field.name_es)}</th>
                        <th scope="col">{t!(i18n, field.name_pt)}</th>
                        <th scope="col">{t!(i18n, admin.state)}</th>
                        <th scope="col">{t!(i18n, list.action)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// "Nuevo elemento" / "Editar …": the code (new items only), both names, whether it is offered.
#[component]
fn ItemForm(catalogue: RwSignal<NamedCatalogue>, editing: RwSignal<Editing>, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let open = open_while_some(editing);
    let code = RwSignal::new(String::new());
    let name_es = RwSignal::new(String::new());
    let name_pt = RwSignal::new(String::new());
    let offered = RwSignal::new(true);
    let failure = RwSignal::new(None::<AppError>);
    // Opening fills the fields from the item (or empties them for a new one).
    Effect::new(move |_| {
        if let Some(item) = editing.get() {
            code.set(item.as_ref().map(|i| i.code.clone()).unwrap_or_default());
            name_es.set(item.as_ref().map(|i| i.name.es.clone()).unwrap_or_default());
            name_pt.set(item.as_ref().map(|i| i.name.pt.clone()).unwrap_or_default());
            offered.set(item.is_none_or(|i| i.active));
            failure.set(None);
        }
    });
    let save = Action::new(move |(id, draft): &(Option<i64>, CatalogueDraft)| {
        let (id, draft, catalogue) = (*id, draft.clone(), catalogue.get_untracked());
        async move {
            match id {
                None => admin_create_item(catalogue, draft).await,
                Some(id) => admin_update_item(catalogue, id, draft).await,
            }
        }
    });
    after_each(save, failure, move |_| {
        open.set(false);
        changed.run(());
    });
    let editing_id = move || editing.with(|e| e.as_ref().and_then(|i| i.as_ref().map(|i| i.id)));
    let title = move || match editing.get().flatten() {
        Some(item) => view! { {t!(i18n, admin.edit_item, item = move || item.code.clone())} }.into_any(),
        None => view! { {t!(i18n, admin.new_item)} }.into_any(),
    };
    view! {
        <FormDialog
            open
            title_id="item-form-title"
            title=ViewFn::from(title)
            failure
            pending=save.pending()
            submit_label=Signal::derive(move || t_string!(i18n, admin.save).to_owned())
            on_submit=Callback::new(move |()| {
                let draft = CatalogueDraft {
                    code: code.get_untracked(),
                    name: Localized { es: name_es.get_untracked(), pt: name_pt.get_untracked() },
                    active: offered.get_untracked(),
                };
                save.dispatch((editing_id(), draft));
            })
        >
                <Show when=move || editing_id().is_none()>
                    <TextField
                        id="item-code"
                        label=Signal::derive(move || t_string!(i18n, field.code).to_owned())
                        value=code
                        max=MAX_CODE_CHARS
                    />
                </Show>
                <TextField
                    id="item-name-es"
                    label=Signal::derive(move || t_string!(i18n, field.name_es).to_owned())
                    value=name_es
                    max=MAX_TITLE_CHARS
                />
                <TextField
                    id="item-name-pt"
                    label=Signal::derive(move || t_string!(i18n, field.name_pt).to_owned())
                    value=name_pt
                    max=MAX_TITLE_CHARS
                />
                <div class="checkboxes">
                    <div class="checkbox">
                        <input
                            type="checkbox"
                            id="item-offered"
                            prop:checked=move || offered.get()
                            on:change=move |ev| offered.set(event_target_checked(&ev))
                        />
                        <label for="item-offered">{t!(i18n, admin.offered_hint)}</label>
                    </div>
                </div>
        </FormDialog>
    }
}
