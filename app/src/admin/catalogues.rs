//! "Catálogos" / "Catálogos": every catalogue the forms offer or releases link to (solution
//! categories, suspension reasons, problems, knowledge articles, definitive media,
//! changes): add an item, edit it, retire it or offer it again, export the catalogue as CSV
//! and import a CSV file after its preview. A retired item stays where it was chosen.

use super::api::*;
use super::{after_each, FormDialog, TextField};
use crate::domain::validation::MAX_CODE_CHARS;
use crate::error::AppError;
use crate::export::CsvExportButton;
use crate::i18n::*;
use crate::language::{catalogue_code_label, field_label, invalid_message, ErrorAlert};
use crate::widgets::{open_while_some, Modal};
use leptos::prelude::*;
use std::collections::HashMap;

pub fn catalogue_label(locale: Locale, catalogue: Catalogue) -> &'static str {
    match catalogue {
        Catalogue::SolutionCategories => td_string!(locale, admin.solution_categories),
        Catalogue::SuspensionReasons => td_string!(locale, admin.suspension_reasons),
        Catalogue::OccurrenceCategories => td_string!(locale, admin.occurrence_categories),
        Catalogue::OccurrenceOrigins => td_string!(locale, admin.occurrence_origins),
        Catalogue::Problems => td_string!(locale, admin.problems),
        Catalogue::KnowledgeArticles => td_string!(locale, admin.knowledge_articles),
        Catalogue::DefinitiveMedia => td_string!(locale, admin.definitive_media),
        Catalogue::Changes => td_string!(locale, admin.changes),
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

/// A column's value as the page shows it: a choice by its name, text as typed.
pub fn shown_value(locale: Locale, catalogue: Catalogue, fields: &ItemFields, column: Column) -> String {
    let value = fields.value(column);
    match catalogue.choices(column) {
        Some(_) => catalogue_code_label(locale, &value),
        None => value,
    }
}

/// What the item form is open for: a new item (`None`) or one to edit.
type Editing = Option<Option<CatalogueItem>>;

#[component]
pub fn CataloguesAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let catalogue = RwSignal::new(Catalogue::SolutionCategories);
    let changes = RwSignal::new(0u32);
    let items = Resource::new(move || (catalogue.get(), changes.get()), |(catalogue, _)| admin_catalogue(catalogue));
    let editing = RwSignal::new(Editing::None);
    let importing = RwSignal::new(false);
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
                            if let Some(chosen) = Catalogue::from_code(&event_target_value(&ev)) {
                                catalogue.set(chosen);
                            }
                        }
                    >
                        {Catalogue::ALL
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
                <button type="button" on:click=move |_| importing.set(true)>
                    {t!(i18n, admin.import_csv)}
                </button>
                <CsvExportButton
                    fetch=move |_language: &'static str| admin_export_catalogue(catalogue.get_untracked())
                    file_name=Signal::derive(move || format!("{}.csv", catalogue.get().code()))
                />
            </div>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    items
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            Ok(items) => {
                                view! { <ItemsTable catalogue=catalogue.get_untracked() items editing /> }.into_any()
                            }
                        })
                }}
            </Transition>
            <ItemForm catalogue editing changed />
            <ImportDialog catalogue open=importing changed />
        </section>
    }
}

/// The columns the table shows: all but an article's body.
fn listed_columns(catalogue: Catalogue) -> impl Iterator<Item = Column> {
    catalogue.columns().iter().copied().filter(|column| *column != Column::Body)
}

#[component]
fn ItemsTable(catalogue: Catalogue, items: Vec<CatalogueItem>, editing: RwSignal<Editing>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = items
        .into_iter()
        .map(|item| {
            let active = item.active;
            let cells = listed_columns(catalogue)
                .map(|column| {
                    let fields = item.fields.clone();
                    view! { <td>{move || shown_value(i18n.get_locale(), catalogue, &fields, column)}</td> }
                })
                .collect_view();
            view! {
                <tr class:inactive=!active>
                    <th scope="row">{item.code.clone()}</th>
                    {cells}
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
    let headers = listed_columns(catalogue)
        .map(|column| view! { <th scope="col">{move || field_label(i18n.get_locale(), column.field())}</th> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="catalogue">
                <caption class="visually-hidden">{t!(i18n, admin.items_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, field.code)}</th>
                        {headers}
                        <th scope="col">{t!(i18n, admin.state)}</th>
                        <th scope="col">{t!(i18n, list.action)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// "Nuevo elemento" / "Editar …": the code (new items only), the catalogue's columns,
/// whether the item is offered.
#[component]
fn ItemForm(catalogue: RwSignal<Catalogue>, editing: RwSignal<Editing>, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let open = open_while_some(editing);
    let code = RwSignal::new(String::new());
    let values: HashMap<Column, RwSignal<String>> =
        Column::ALL.iter().map(|column| (*column, RwSignal::new(String::new()))).collect();
    let offered = RwSignal::new(true);
    let failure = RwSignal::new(None::<AppError>);
    // Opening fills the fields from the item (or from a blank one for a new item).
    Effect::new({
        let values = values.clone();
        move |_| {
            if let Some(item) = editing.get() {
                let fields =
                    item.as_ref().map_or_else(|| ItemFields::blank(catalogue.get_untracked()), |i| i.fields.clone());
                code.set(item.as_ref().map(|i| i.code.clone()).unwrap_or_default());
                for (column, value) in &values {
                    value.set(fields.value(*column));
                }
                offered.set(item.is_none_or(|i| i.active));
                failure.set(None);
            }
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
    let submit = {
        let values = values.clone();
        Callback::new(move |()| {
            let catalogue = catalogue.get_untracked();
            let value = |column: Column| values.get(&column).map(|v| v.get_untracked()).unwrap_or_default();
            // The same checks as the server's, for an answer before the round trip.
            match ItemFields::read(catalogue, value) {
                Ok(fields) => {
                    let draft = CatalogueDraft { code: code.get_untracked(), active: offered.get_untracked(), fields };
                    save.dispatch((editing_id(), draft));
                }
                Err(error) => failure.set(Some(error.into())),
            }
        })
    };
    view! {
        <FormDialog
            open
            title_id="item-form-title"
            title=ViewFn::from(title)
            failure
            pending=save.pending()
            submit_label=Signal::derive(move || t_string!(i18n, admin.save).to_owned())
            on_submit=submit
        >
            <Show when=move || editing_id().is_none()>
                <TextField
                    id="item-code"
                    label=Signal::derive(move || t_string!(i18n, field.code).to_owned())
                    value=code
                    max=MAX_CODE_CHARS
                />
            </Show>
            {
                let values = values.clone();
                move || {
                    let catalogue = catalogue.get();
                    catalogue
                        .columns()
                        .iter()
                        .filter_map(|column| {
                            values.get(column).map(|value| view! { <ColumnField catalogue column=*column value=*value /> })
                        })
                        .collect_view()
                }
            }
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

/// The field of one column: a list for a choice, a text area for a body, else a text box.
#[component]
fn ColumnField(catalogue: Catalogue, column: Column, value: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let id = match column {
        Column::NameEs => "item-name-es",
        Column::NamePt => "item-name-pt",
        Column::Title => "item-title",
        Column::Status => "item-status",
        Column::Language => "item-language",
        Column::Body => "item-body",
        Column::Name => "item-name",
        Column::Version => "item-version",
        Column::Location => "item-location",
        Column::Sha256 => "item-sha256",
    };
    let label = Signal::derive(move || field_label(i18n.get_locale(), column.field()).to_owned());
    if let Some(codes) = catalogue.choices(column) {
        let options = codes
            .into_iter()
            .map(|code| {
                view! {
                    <option value=code selected=move || value.get() == code>
                        {move || catalogue_code_label(i18n.get_locale(), code)}
                    </option>
                }
            })
            .collect_view();
        view! {
            <label for=id>{move || label.get()}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                {options}
            </select>
        }
        .into_any()
    } else if column == Column::Body {
        view! {
            <label for=id>{move || label.get()}</label>
            <textarea
                id=id
                required
                rows="6"
                maxlength=column.max_chars()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
        }
        .into_any()
    } else {
        view! { <TextField id label value max=column.max_chars() /> }.into_any()
    }
}

/// How many lines of a file the preview lists.
const PREVIEW_LINES: usize = 100;

/// "Importar CSV": choose a file, read its preview (what each line does, every problem
/// with its line), then import it: all lines, or none when any is wrong.
#[component]
fn ImportDialog(catalogue: RwSignal<Catalogue>, open: RwSignal<bool>, changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    // The chosen file's bytes, in base64.
    let file = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<AppError>);
    let send = Action::new(move |(file, apply): &(String, bool)| {
        admin_import_catalogue(catalogue.get_untracked(), file.clone(), *apply)
    });
    let report = RwSignal::new(None::<ImportReport>);
    Effect::new(move |_| match send.value().get() {
        Some(Ok(answer)) => {
            if answer.imported {
                changed.run(());
            }
            report.set(Some(answer));
            failure.set(None);
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    // Opening starts afresh.
    Effect::new(move |_| {
        if open.get() {
            file.set(None);
            report.set(None);
            failure.set(None);
        }
    });
    let chosen = move |ev: leptos::ev::Event| {
        report.set(None);
        failure.set(None);
        read_chosen_file(ev, move |content| {
            file.set(Some(content.clone()));
            send.dispatch((content, false));
        });
    };
    let may_import = move || {
        report.with(|r| r.as_ref().is_some_and(|r| r.errors.is_empty() && !r.lines.is_empty() && !r.imported))
            && !send.pending().get()
    };
    let header = move || catalogue.get().csv_header().join(",");
    view! {
        <Modal open labelled_by="import-title">
            <h2 id="import-title">
                {t!(i18n, admin.import_csv)} " — " {move || catalogue_label(i18n.get_locale(), catalogue.get())}
            </h2>
            <div class="stacked-form">
                <label for="import-file">{t!(i18n, admin.import_file)}</label>
                <input id="import-file" type="file" accept=".csv,text/csv" aria-describedby="import-hint" on:change=chosen />
                <p id="import-hint" class="muted">
                    {t!(i18n, admin.import_hint, header = header)}
                </p>
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                {move || report.get().map(|report| view! { <ImportReportView report /> })}
                <div class="dialog-actions">
                    <button
                        type="button"
                        class="primary"
                        disabled=move || !may_import()
                        on:click=move |_| {
                            if let Some(content) = file.get_untracked() {
                                send.dispatch((content, true));
                            }
                        }
                    >
                        {t!(i18n, admin.import)}
                    </button>
                    <button type="button" on:click=move |_| open.set(false)>
                        {t!(i18n, admin.close)}
                    </button>
                </div>
            </div>
        </Modal>
    }
}

/// Reads the file chosen in the input of `ev` and gives its bytes, in base64, to `done`.
fn read_chosen_file(ev: leptos::ev::Event, done: impl FnOnce(String) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(chosen) = input.files().and_then(|files| files.get(0)) else { return };
        let Ok(reader) = web_sys::FileReader::new() else { return };
        let loaded = reader.clone();
        let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
            // A data URL: "data:<type>;base64,<the bytes>".
            let url = loaded.result().ok().and_then(|result| result.as_string()).unwrap_or_default();
            done(url.split_once(',').map(|(_, data)| data.to_owned()).unwrap_or_default());
        });
        reader.set_onload(Some(onload.unchecked_ref()));
        let _ = reader.read_as_data_url(&chosen);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, done);
}

#[component]
fn ImportReportView(report: ImportReport) -> impl IntoView {
    let i18n = use_i18n();
    let (create, update, unchanged) =
        (report.count(ImportAction::Create), report.count(ImportAction::Update), report.count(ImportAction::Unchanged));
    let outcome = if report.imported {
        view! { <p role="status" class="notice">{t!(i18n, admin.imported, create, update)}</p> }.into_any()
    } else if report.errors.is_empty() {
        view! { <p role="status">{t!(i18n, admin.import_summary, create, update, unchanged)}</p> }.into_any()
    } else {
        let count = report.errors.len() + report.unlisted_errors;
        let unlisted = report.unlisted_errors;
        let errors = report
            .errors
            .into_iter()
            .map(|error| {
                let place = match error.line {
                    Some(line) => view! { {t!(i18n, admin.import_line, line)} }.into_any(),
                    None => view! { {t!(i18n, admin.import_whole_file)} }.into_any(),
                };
                view! {
                    <li>
                        {place} ": " <ImportProblemText problem=error.problem />
                    </li>
                }
            })
            .collect_view();
        view! {
            <div role="alert" class="error">
                <p>{t!(i18n, admin.import_refused, count)}</p>
                <ul class="import-errors">{errors}</ul>
                {(unlisted > 0).then(|| view! { <p>{t!(i18n, admin.import_unlisted, count = unlisted)}</p> })}
            </div>
        }
        .into_any()
    };
    let shown = report.lines.len().min(PREVIEW_LINES);
    let more = report.lines.len() > PREVIEW_LINES;
    let rows = report
        .lines
        .into_iter()
        .take(PREVIEW_LINES)
        .map(|line| {
            let action = line.action;
            view! {
                <tr>
                    <td>{line.line}</td>
                    <th scope="row">{line.code}</th>
                    <td>{line.label}</td>
                    <td>
                        {move || match action {
                            ImportAction::Create => t_string!(i18n, admin.action_create),
                            ImportAction::Update => t_string!(i18n, admin.action_update),
                            ImportAction::Unchanged => t_string!(i18n, admin.action_unchanged),
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {outcome}
        {(shown > 0)
            .then(|| {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label=move || t_string!(i18n, admin.preview)>
                        <table class="import-preview">
                            <caption class="visually-hidden">{t!(i18n, admin.preview)}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, admin.line)}</th>
                                    <th scope="col">{t!(i18n, field.code)}</th>
                                    <th scope="col">{t!(i18n, field.name)}</th>
                                    <th scope="col">{t!(i18n, list.action)}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
            })}
        {more.then(|| view! { <p class="muted">{t!(i18n, admin.preview_more, shown)}</p> })}
    }
}

/// Why a file or a line is refused, in words.
#[component]
fn ImportProblemText(problem: ImportProblem) -> impl IntoView {
    let i18n = use_i18n();
    match problem {
        ImportProblem::Empty => view! { {t!(i18n, admin.import_empty)} }.into_any(),
        ImportProblem::NotUtf8 => view! { {t!(i18n, admin.import_not_utf8)} }.into_any(),
        ImportProblem::TooManyLines { max } => view! { {t!(i18n, admin.import_too_many, max)} }.into_any(),
        ImportProblem::WrongHeader { expected } => {
            view! { {t!(i18n, admin.import_wrong_header, expected = move || expected.clone())} }.into_any()
        }
        ImportProblem::WrongColumnCount { expected, found } => {
            view! { {t!(i18n, admin.import_column_count, expected, found)} }.into_any()
        }
        ImportProblem::Formula { column } => {
            view! { {t!(i18n, admin.import_formula, column = move || column.clone())} }.into_any()
        }
        ImportProblem::NotActiveFlag => view! { {t!(i18n, admin.import_active_flag)} }.into_any(),
        ImportProblem::RepeatedCode { first_line } => {
            view! { {t!(i18n, admin.import_repeated_code, first_line)} }.into_any()
        }
        ImportProblem::Field(error) => invalid_message(i18n, error),
        ImportProblem::Unreadable => view! { {t!(i18n, admin.import_unreadable)} }.into_any(),
    }
}
