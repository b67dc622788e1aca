//! The relation tabs of the release form (seed step 4): Problemas, Conocimiento, Media
//! definitiva, Papeles/Responsabilidades, Cambios, and Relacionados with the help articles.

pub mod api;
mod help;

use crate::domain::ReleaseId;
use crate::error::{AppError, Error};
use crate::i18n::*;
use crate::language::{catalogue_code_label, ErrorAlert};
use crate::widgets::{ConfirmDialog, Modal};
use api::{
    knowledge_article, link_item, release_relations, search_catalogue, unlink_item, RelationKind, Relations,
    MAX_RESPONSIBILITY_CHARS,
};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Relation(RelationKind),
    /// "Adjuntos": the release's files (`attachments`).
    Attachments,
    Related,
}

const TABS: [Tab; 7] = [
    Tab::Relation(RelationKind::Problem),
    Tab::Relation(RelationKind::Knowledge),
    Tab::Relation(RelationKind::Media),
    Tab::Relation(RelationKind::Role),
    Tab::Relation(RelationKind::Change),
    Tab::Attachments,
    Tab::Related,
];

fn tab_id(tab: Tab) -> String {
    match tab {
        Tab::Relation(kind) => format!("tab-{}", kind.code()),
        Tab::Attachments => "tab-attachments".into(),
        Tab::Related => "tab-related".into(),
    }
}

fn tab_label(locale: Locale, tab: Tab) -> &'static str {
    match tab {
        Tab::Relation(RelationKind::Problem) => td_string!(locale, relations.problems),
        Tab::Relation(RelationKind::Knowledge) => td_string!(locale, relations.knowledge),
        Tab::Relation(RelationKind::Media) => td_string!(locale, relations.media),
        Tab::Relation(RelationKind::Role) => td_string!(locale, relations.roles),
        Tab::Relation(RelationKind::Change) => td_string!(locale, relations.changes),
        Tab::Attachments => td_string!(locale, attachments.title),
        Tab::Related => td_string!(locale, relations.related),
    }
}

fn count(relations: &Relations, kind: RelationKind) -> usize {
    match kind {
        RelationKind::Problem => relations.problems.len(),
        RelationKind::Knowledge => relations.knowledge.len(),
        RelationKind::Media => relations.media.len(),
        RelationKind::Role => relations.roles.len(),
        RelationKind::Change => relations.changes.len(),
    }
}

/// The relations of a release, reloaded when `version` changes.
pub type RelationsResource = Resource<Result<api::Relations, AppError>>;

/// Made by the page, not inside the form's Transition: a resource created there is created
/// in the browser at a moment that depends on timing, and then now and then took another
/// resource's server data in hydration (the tabs showed an error and the page went dead).
pub fn relations_resource(release: Memo<Option<ReleaseId>>, version: RwSignal<usize>) -> RelationsResource {
    Resource::new(
        move || (release.get(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => release_relations(id).await,
                None => Err(Error::NotFound.into()),
            }
        },
    )
}

#[component]
pub fn RelationTabs(
    release: ReleaseId,
    relations: RelationsResource,
    version: RwSignal<usize>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let selected = RwSignal::new(TABS[0]);
    let changed = Callback::new(move |_: ()| {
        version.update(|v| *v += 1);
        on_change.run(());
    });
    let focus_tab = move |tab: Tab| {
        selected.set(tab);
        if let Some(element) = document().get_element_by_id(&tab_id(tab)) {
            use wasm_bindgen::JsCast;
            if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let index = TABS.iter().position(|t| *t == selected.get_untracked()).unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (index + 1) % TABS.len(),
            "ArrowLeft" => (index + TABS.len() - 1) % TABS.len(),
            "Home" => 0,
            "End" => TABS.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        focus_tab(TABS[next]);
    };
    // Everything that reads the relations waits for them inside the Transition: a resource
    // read outside one while rendering on the server locks the render.
    view! {
        <section class="card relations" aria-labelledby="relations-title">
            <h2 id="relations-title">{t!(i18n, relations.title)}</h2>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
            <div role="tablist" class="tabs" aria-labelledby="relations-title" on:keydown=on_keydown>
                {TABS
                    .iter()
                    .map(|tab| {
                        let tab = *tab;
                        let badge = move || match tab {
                            Tab::Relation(kind) => relations
                                .get()
                                .and_then(Result::ok)
                                .map(|r| count(&r, kind).to_string())
                                .unwrap_or_default(),
                            Tab::Attachments | Tab::Related => String::new(),
                        };
                        view! {
                            <button
                                type="button"
                                role="tab"
                                id=tab_id(tab)
                                aria-controls=format!("{}-panel", tab_id(tab))
                                aria-selected=move || (selected.get() == tab).to_string()
                                tabindex=move || if selected.get() == tab { "0" } else { "-1" }
                                on:click=move |_| selected.set(tab)
                            >
                                <span>{move || tab_label(i18n.get_locale(), tab)}</span>
                                <Show when=move || matches!(tab, Tab::Relation(_))>
                                    <span class="count" aria-hidden="true" data-count=badge>{badge}</span>
                                </Show>
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {TABS
                .iter()
                .map(|tab| {
                    let tab = *tab;
                    view! {
                        <div
                            role="tabpanel"
                            id=format!("{}-panel", tab_id(tab))
                            aria-labelledby=tab_id(tab)
                            tabindex="0"
                            hidden=move || selected.get() != tab
                        >
                            {match tab {
                                Tab::Relation(kind) => view! { <RelationPanel release kind relations changed /> }.into_any(),
                                Tab::Attachments => {
                                    view! { <crate::attachments::ReleaseAttachmentsPanel release on_change /> }.into_any()
                                }
                                Tab::Related => view! { <help::HelpArticles /> }.into_any(),
                            }}
                        </div>
                    }
                })
                .collect_view()}
            </Transition>
        </section>
    }
}

/// Every relation of a release as printed: a table per kind, its codes translated.
#[component]
pub fn RelationsPrint(relations: Relations) -> impl IntoView {
    let i18n = use_i18n();
    TABS.into_iter()
        .filter_map(|tab| match tab {
            Tab::Relation(kind) => Some(kind),
            Tab::Related | Tab::Attachments => None,
        })
        .map(|kind| {
            let rows = linked_rows(&relations, kind);
            let heading = format!("print-{}", kind.code());
            let body = if rows.is_empty() {
                view! { <p class="muted">{t!(i18n, relations.none)}</p> }.into_any()
            } else {
                view! {
                    <table class="linked" aria-labelledby=heading.clone()>
                        <thead>
                            <tr>
                                <ColumnHeads kind />
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|row| {
                                    let coded = row.coded;
                                    let cells = row.cells.into_iter().enumerate().map(|(i, cell)| {
                                        let coded = coded.contains(&i);
                                        view! {
                                            <td>
                                                {move || if coded { catalogue_code_label(i18n.get_locale(), &cell) } else { cell.clone() }}
                                            </td>
                                        }
                                    });
                                    view! { <tr>{cells.collect_view()}</tr> }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            };
            view! {
                <h3 id=heading>{move || tab_label(i18n.get_locale(), Tab::Relation(kind))}</h3>
                {body}
            }
        })
        .collect_view()
}

/// One row of a linked-items table: its cells and how to unlink it.
struct Linked {
    item: i64,
    cells: Vec<String>,
    /// Cells that hold codes to translate (statuses, languages).
    coded: Vec<usize>,
    name: String,
}

fn linked_rows(relations: &Relations, kind: RelationKind) -> Vec<Linked> {
    match kind {
        RelationKind::Problem => relations
            .problems
            .iter()
            .map(|p| Linked {
                item: p.id,
                cells: vec![p.id.to_string(), p.title.clone(), p.status.clone()],
                coded: vec![2],
                name: p.title.clone(),
            })
            .collect(),
        RelationKind::Knowledge => relations
            .knowledge
            .iter()
            .map(|k| Linked {
                item: k.id,
                cells: vec![k.title.clone(), k.language.clone()],
                coded: vec![1],
                name: k.title.clone(),
            })
            .collect(),
        RelationKind::Media => relations
            .media
            .iter()
            .map(|m| Linked {
                item: m.id,
                cells: vec![m.name.clone(), m.version.clone(), m.location.clone(), m.sha256.clone()],
                coded: vec![],
                name: format!("{} {}", m.name, m.version),
            })
            .collect(),
        RelationKind::Role => relations
            .roles
            .iter()
            .map(|r| Linked {
                item: r.user.0,
                cells: vec![r.name.clone(), r.responsibility.clone()],
                coded: vec![],
                name: r.name.clone(),
            })
            .collect(),
        RelationKind::Change => relations
            .changes
            .iter()
            .map(|c| Linked {
                item: c.id,
                cells: vec![c.id.to_string(), c.title.clone(), c.status.clone()],
                coded: vec![2],
                name: c.title.clone(),
            })
            .collect(),
    }
}

/// The header cells of a kind's linked-items table, in the current language.
#[component]
fn ColumnHeads(kind: RelationKind) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        column_labels(i18n.get_locale(), kind)
            .into_iter()
            .map(|label| view! { <th scope="col">{label}</th> })
            .collect_view()
    }
}

fn column_labels(locale: Locale, kind: RelationKind) -> Vec<&'static str> {
    match kind {
        RelationKind::Problem | RelationKind::Change => {
            vec![td_string!(locale, list.number), td_string!(locale, field.title), td_string!(locale, list.status)]
        }
        RelationKind::Knowledge => vec![td_string!(locale, field.title), td_string!(locale, relations.language)],
        RelationKind::Media => vec![
            td_string!(locale, relations.name),
            td_string!(locale, field.version_label),
            td_string!(locale, relations.location),
            td_string!(locale, relations.checksum),
        ],
        RelationKind::Role => vec![td_string!(locale, relations.person), td_string!(locale, relations.responsibility)],
    }
}

#[component]
fn RelationPanel(
    release: ReleaseId,
    kind: RelationKind,
    relations: Resource<Result<Relations, AppError>>,
    changed: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let to_unlink = RwSignal::new(None::<(i64, String)>);
    let confirm_open = RwSignal::new(false);
    let reading = RwSignal::new(None::<i64>);
    let reader_open = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    // Owned here, outside the refetched region: a search and its message survive a link.
    let picker = PickerState {
        text: RwSignal::new(String::new()),
        page: RwSignal::new(0),
        responsibility: RwSignal::new(String::new()),
        outcome: RwSignal::new(None),
    };
    let unlink = Action::new(move |item: &i64| unlink_item(release, kind, *item));

    Effect::new(move |_| match unlink.value().get() {
        Some(Ok(())) => {
            confirm_open.set(false);
            changed.run(());
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    view! {
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
            {move || {
                relations
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                        Ok(relations) => {
                            let may_edit = relations.may_edit;
                            // The picker makes its own resource (the search results), so it
                            // exists only in the browser, added once this content has hydrated:
                            // a resource created inside this Transition during hydration can
                            // take another resource's server data (see `relations_resource`).
                            let hydrated = RwSignal::new(false);
                            Effect::new(move |_| hydrated.set(true));

                            let rows = linked_rows(&relations, kind);
                            let empty = rows.is_empty();
                            view! {
                                <table class="linked">
                                    <thead>
                                        <tr>
                                            <ColumnHeads kind />
                                            <th scope="col">{t!(i18n, list.action)}</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {rows
                                            .into_iter()
                                            .map(|row| {
                                                let item = row.item;
                                                let name = row.name.clone();
                                                view! {
                                                    <tr>
                                                        {row
                                                            .cells
                                                            .into_iter()
                                                            .enumerate()
                                                            .map(|(i, cell)| {
                                                                let coded = row.coded.contains(&i);
                                                                let is_title = kind == RelationKind::Knowledge && i == 0;
                                                                view! {
                                                                    <td class:mono=kind == RelationKind::Media && i == 3>
                                                                        {if is_title {
                                                                            view! {
                                                                                <button
                                                                                    type="button"
                                                                                    class="link-button"
                                                                                    on:click=move |_| {
                                                                                        reading.set(Some(item));
                                                                                        reader_open.set(true);
                                                                                    }
                                                                                >
                                                                                    {cell}
                                                                                </button>
                                                                            }
                                                                                .into_any()
                                                                        } else if coded {
                                                                            view! { <span>{move || catalogue_code_label(i18n.get_locale(), &cell)}</span> }.into_any()
                                                                        } else {
                                                                            view! { <span>{cell}</span> }.into_any()
                                                                        }}
                                                                    </td>
                                                                }
                                                            })
                                                            .collect_view()}
                                                        <td>
                                                            <Show when=move || may_edit>
                                                                {
                                                                    let name = name.clone();
                                                                    view! {
                                                                        <button
                                                                            type="button"
                                                                            on:click=move |_| {
                                                                                failure.set(None);
                                                                                to_unlink.set(Some((item, name.clone())));
                                                                                confirm_open.set(true);
                                                                            }
                                                                        >
                                                                            {t!(i18n, relations.unlink)}
                                                                        </button>
                                                                    }
                                                                }
                                                            </Show>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                                <Show when=move || empty>
                                    <p class="muted">{t!(i18n, relations.none)}</p>
                                </Show>
                                <Show when=move || may_edit && hydrated.get()>
                                    <Picker release kind changed state=picker />
                                </Show>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
        <ConfirmDialog
            open=confirm_open
            title_id="unlink-title"
            title=move || t!(i18n, relations.unlink_title)
            question=move || {
                t!(i18n, relations.unlink_question, item = move || to_unlink.get().map(|(_, name)| name).unwrap_or_default())
            }
            failure
            pending=unlink.pending()
            on_confirm=move |()| {
                if let Some((item, _)) = to_unlink.get_untracked() {
                    unlink.dispatch(item);
                }
            }
        />
        <Modal open=reader_open labelled_by="article-title" class="wide">
            <ArticleReader article=reading close=reader_open />
        </Modal>
    }
}

/// A knowledge article's text, shown as text: whatever it contains is never HTML.
#[component]
fn ArticleReader(article: RwSignal<Option<i64>>, close: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let text = Resource::new(
        move || article.get(),
        |id| async move {
            match id {
                Some(id) => knowledge_article(id).await,
                None => Err(Error::NotFound.into()),
            }
        },
    );
    view! {
        <div class="dialog-head">
            <h2 id="article-title">
                {move || text.get().and_then(Result::ok).map(|a| a.title).unwrap_or_default()}
            </h2>
            <button type="button" on:click=move |_| close.set(false)>{t!(i18n, dialog.close)}</button>
        </div>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
            {move || {
                text.get()
                    .map(|result| match result {
                        Ok(article) => view! { <div class="article-body prewrap">{article.body}</div> }.into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// What the picker holds between renders.
#[derive(Debug, Clone, Copy)]
struct PickerState {
    text: RwSignal<String>,
    page: RwSignal<i64>,
    responsibility: RwSignal<String>,
    outcome: RwSignal<Option<Result<(), AppError>>>,
}

/// Search a catalogue and link what is found.
#[component]
fn Picker(release: ReleaseId, kind: RelationKind, changed: Callback<()>, state: PickerState) -> impl IntoView {
    let i18n = use_i18n();
    let PickerState { text, page, responsibility, outcome } = state;
    let hits = Resource::new(move || (text.get(), page.get()), move |(text, page)| search_catalogue(kind, text, page));
    let link = Action::new(move |item: &i64| {
        let responsibility = (kind == RelationKind::Role).then(|| responsibility.get_untracked());
        link_item(release, kind, *item, responsibility)
    });
    Effect::new(move |_| {
        if let Some(result) = link.value().get() {
            if result.is_ok() {
                changed.run(());
            }
            outcome.set(Some(result));
        }
    });
    let field_id = format!("picker-{}", kind.code());
    view! {
        <div class="picker">
            <div class="field">
                <label for=field_id.clone()>{t!(i18n, relations.search)}</label>
                <input
                    id=field_id
                    type="search"
                    maxlength="200"
                    autocomplete="off"
                    placeholder=move || t_string!(i18n, list.search_hint)
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        page.set(0);
                        text.set(event_target_value(&ev));
                    }
                />
            </div>
            <Show when=move || kind == RelationKind::Role>
                <div class="field">
                    <label for="responsibility">{t!(i18n, relations.responsibility)}</label>
                    <input
                        id="responsibility"
                        maxlength=MAX_RESPONSIBILITY_CHARS
                        prop:value=move || responsibility.get()
                        on:input=move |ev| responsibility.set(event_target_value(&ev))
                    />
                </div>
            </Show>
            <div aria-live="polite">
                {move || {
                    outcome.get().map(|result| match result {
                        Ok(()) => view! { <p class="success" role="status">{t!(i18n, relations.linked)}</p> }.into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    })
                }}
            </div>
            <Transition fallback=|| ()>
                {move || {
                    hits.get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            Ok(found) => {
                                let has_more = found.has_more;
                                view! {
                                    <table class="hits">
                                        <caption class="visually-hidden">{t!(i18n, relations.results)}</caption>
                                        <tbody>
                                            {found
                                                .hits
                                                .into_iter()
                                                .map(|hit| {
                                                    let id = hit.id;
                                                    let detail = hit.detail.clone();
                                                    view! {
                                                        <tr>
                                                            <th scope="row">{hit.id}</th>
                                                            <td>{hit.label}</td>
                                                            <td>{move || catalogue_code_label(i18n.get_locale(), &detail)}</td>
                                                            <td>
                                                                <button
                                                                    type="button"
                                                                    disabled=move || link.pending().get()
                                                                    on:click=move |_| {
                                                                        outcome.set(None);
                                                                        link.dispatch(id);
                                                                    }
                                                                >
                                                                    {t!(i18n, relations.link)}
                                                                </button>
                                                            </td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                    <div class="pager">
                                        <Show when=move || { page.get() > 0 }>
                                            <button type="button" on:click=move |_| page.update(|p| *p -= 1)>
                                                {t!(i18n, list.previous)}
                                            </button>
                                        </Show>
                                        <Show when=move || has_more>
                                            <button type="button" on:click=move |_| page.update(|p| *p += 1)>
                                                {t!(i18n, list.next)}
                                            </button>
                                        </Show>
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </div>
    }
}
