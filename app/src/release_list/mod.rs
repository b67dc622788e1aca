//! Processes > Release Management > Release: the list of releases (SPEC §3.1).
//! The filters live in the URL, so a reload, a bookmark or the back button keeps them.

pub mod api;
pub mod charts;
#[cfg(feature = "ssr")]
pub mod export;

use crate::domain::flow::Access;
use crate::domain::{GroupId, Permission, Status};
use crate::error::AppError;
use crate::i18n::*;
use crate::language::{localized, priority_label, status_label, ErrorAlert};
use crate::layout::{CurrentUser, FlashBanner};
use crate::release_actions::{ActionHost, ActionMenu};
use crate::release_form::capture::{CaptureDialog, CaptureTarget};
use crate::time_zone::use_zone;
use crate::widgets::Checkboxes;
use api::{
    join_numbers, list_releases, parse_numbers, DateRange, ListQuery, ReleasePage, ReleaseRow, Scope, Sort, SortColumn,
    PAGE_SIZE, PAGE_SIZES,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

pub const LIST_PATH: &str = "/releases";
pub const CHARTS_PATH: &str = "/releases/charts";
/// "Exportar CSV": every release the list's filters select (see `export`).
pub const EXPORT_PATH: &str = "/releases/export.csv";

/// The URL of the list showing `query`.
pub fn list_url(query: &ListQuery) -> String {
    view_url(LIST_PATH, query)
}

/// The URL of one of the list's views (the table or the charts) with `query`'s filters.
pub fn view_url(path: &str, query: &ListQuery) -> String {
    let mut params = ParamsMap::new();
    if !query.search.is_empty() {
        params.insert("q", query.search.clone());
    }
    if let Some(status) = query.status {
        params.insert("status", status.code().to_owned());
    }
    if query.scope != Scope::All {
        params.insert("scope", query.scope.code().to_owned());
    }
    if query.page > 0 {
        params.insert("page", query.page.to_string());
    }
    if let Some(after) = query.after {
        params.insert("after", after.to_string());
    }
    if let Some(before) = query.before {
        params.insert("before", before.to_string());
    }
    if !query.priorities.is_empty() {
        params.insert("priority", join_numbers(query.priorities.iter().copied()));
    }
    if !query.groups.is_empty() {
        params.insert("group", join_numbers(query.groups.iter().map(|g| g.0)));
    }
    if query.late_only {
        params.insert("late", "true".to_owned());
    }
    if query.page_size != PAGE_SIZE {
        params.insert("size", query.page_size.to_string());
    }
    if !query.requester.is_empty() {
        params.insert("requester", query.requester.clone());
    }
    for (name, day) in date_params(query) {
        if let Some(day) = day {
            params.insert(name, day.to_string());
        }
    }
    if query.sort != Sort::default() {
        params.insert("sort", query.sort.code());
    }
    format!("{path}{}", params.to_query_string())
}

/// The dates of the list's ranges and the address parameters that hold them (the API's names).
fn date_params(query: &ListQuery) -> [(&'static str, Option<chrono::NaiveDate>); 4] {
    [
        ("registered_from", query.registered.from),
        ("registered_to", query.registered.to),
        ("due_from", query.due.from),
        ("due_to", query.due.to),
    ]
}

pub(crate) fn query_from(params: &ParamsMap) -> ListQuery {
    let day = |name: &str| params.get(name).and_then(|day| day.parse().ok());
    ListQuery {
        search: params.get("q").unwrap_or_default(),
        status: params.get("status").and_then(|s| Status::from_code(&s)),
        scope: params.get("scope").map(|s| Scope::from_code(&s)).unwrap_or_default(),
        page: params.get("page").and_then(|p| p.parse().ok()).unwrap_or(0).max(0),
        after: params.get("after").and_then(|p| p.parse().ok()),
        before: params.get("before").and_then(|p| p.parse().ok()),
        // What cannot be read is left out, as a hand-edited address may hold anything.
        priorities: numbers(params, "priority").into_iter().filter(|p| (1..=5).contains(p)).collect(),
        groups: numbers(params, "group").into_iter().map(GroupId).collect(),
        late_only: params.get("late").is_some_and(|late| late == "true"),
        page_size: params
            .get("size")
            .and_then(|p| p.parse().ok())
            .filter(|s| PAGE_SIZES.contains(s))
            .unwrap_or(PAGE_SIZE),
        requester: params.get("requester").unwrap_or_default(),
        registered: DateRange { from: day("registered_from"), to: day("registered_to") },
        due: DateRange { from: day("due_from"), to: day("due_to") },
        sort: params.get("sort").and_then(|sort| Sort::parse(&sort)).unwrap_or_default(),
    }
}

/// Boxes for a set of numbers the list's address holds (`read` from a query, `write` into
/// one): they follow the address (back, a link) and change it, from the first page, when
/// ticked.
fn chosen_in_address(
    query: Memo<ListQuery>,
    go: impl Fn(ListQuery) + Clone + Send + Sync + 'static,
    read: fn(&ListQuery) -> Vec<i64>,
    write: fn(ListQuery, Vec<i64>) -> ListQuery,
) -> RwSignal<Vec<i64>> {
    let chosen = RwSignal::new(read(&query.get_untracked()));
    Effect::new(move |_| {
        let shown = query.with(read);
        if chosen.with_untracked(|chosen| sorted(chosen) != sorted(&shown)) {
            chosen.set(shown);
        }
    });
    Effect::new(move |_| {
        let wanted = sorted(&chosen.get());
        if query.with_untracked(|q| sorted(&read(q)) != wanted) {
            go(write(query.get_untracked().first_page(), wanted));
        }
    });
    chosen
}

fn sorted(numbers: &[i64]) -> Vec<i64> {
    let mut numbers = numbers.to_vec();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

fn numbers(params: &ParamsMap, name: &str) -> Vec<i64> {
    params.get(name).and_then(|text| parse_numbers(&text)).unwrap_or_default()
}

#[component]
pub fn ReleaseListPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(query_from));
    let releases = Resource::new(move || query.get(), list_releases);
    // Someone else changed a release on this page: show it without a reload.
    let refresh = crate::live::throttled(move || releases.refetch());
    crate::live::on_live_event(move |event| {
        let shown = releases.with_untracked(
            |page| matches!(page, Some(Ok(page)) if page.rows.iter().any(|row| row.id.0 == event.release)),
        );
        if shown {
            refresh();
        }
    });
    let navigate = use_navigate();
    let capture_target = RwSignal::new(None::<CaptureTarget>);
    provide_context(capture_target);
    let open_captured =
        Callback::new(move |id: crate::domain::ReleaseId| navigate(&format!("/releases/{}", id.0), Default::default()));
    let may_register = move || {
        use_context::<CurrentUser>()
            .and_then(|user| user.get())
            .and_then(Result::ok)
            .is_some_and(|actor| actor.may(Permission::Create))
    };

    // Loading a new page keeps the old rows on screen; say so to assistive technology.
    let loading = RwSignal::new(false);
    view! {
        <section class="release-list" aria-labelledby="list-title" aria-busy=move || loading.get().to_string()>
            <div class="page-head">
                <h1 id="list-title">{t!(i18n, list.title)}</h1>
                <Transition fallback=|| ()>
                    <Show when=may_register>
                        <a class="button primary" href="/releases/new">{t!(i18n, list.register)}</a>
                    </Show>
                </Transition>
            </div>
            <FlashBanner />
            <ViewTabs query current=ListView::Management />
            <ListFilters query path=LIST_PATH on_refresh=Callback::new(move |_| releases.refetch()) />
            <ActionHost on_done=Callback::new(move |_| releases.refetch())>
                <PendingTransition
                    fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }
                    pending=loading
                >
                    // The table stays from one page to the next, so a row still shown (and a menu
                    // open on it) is kept when a search, a page or a live update arrives.
                    <Show
                        when=move || releases.with(|result| matches!(result, Some(Ok(_))))
                        fallback=move || releases.get().and_then(Result::err).map(|error| view! { <ErrorAlert error /> })
                    >
                        <ReleaseTable releases query />
                    </Show>
                </PendingTransition>
            </ActionHost>
            <CaptureDialog target=capture_target on_captured=open_captured />
        </section>
    }
}

/// A `Transition` that sets `pending` while the browser loads the next page.
///
/// The server renders a page once and has nothing to report. There, Leptos's `set_pending`
/// would run an effect in a task of its own that reads the `Transition`'s set of tasks,
/// while the data's task writes it from another thread: `reactive_graph` 0.2 reads a signal
/// with `try_read`, takes a lock held elsewhere for a disposed signal, and panics
/// (BENCHMARKS.md, *The fifteenth pass*).
#[component]
fn PendingTransition<C>(
    #[prop(into)] fallback: ViewFnOnce,
    pending: RwSignal<bool>,
    children: TypedChildren<C>,
) -> impl IntoView
where
    C: IntoView + Send + 'static,
{
    let props = TransitionProps::builder().fallback(fallback).children(children);
    #[cfg(feature = "hydrate")]
    let props = props.set_pending(pending.write_only());
    #[cfg(not(feature = "hydrate"))]
    let _ = pending;
    Transition(props.build())
}

/// The rows of a page, each with a key that is kept while the row shows the same: the
/// table keeps those rows (and what is open on them) when the next page arrives.
type KeyedRows = Vec<(u64, ReleaseRow)>;

fn keyed_rows(rows: &[ReleaseRow], previous: Option<&KeyedRows>) -> KeyedRows {
    let previous = previous.map(Vec::as_slice).unwrap_or_default();
    let mut next_key = previous.iter().map(|(key, _)| key + 1).max().unwrap_or(0);
    rows.iter()
        .map(|row| {
            let shown = previous.iter().find(|(_, shown)| shown.id == row.id);
            let kept = shown.filter(|(_, shown)| shows_same(shown, row)).map(|(key, _)| *key);
            let key = kept.unwrap_or_else(|| {
                let key = next_key;
                next_key += 1;
                key
            });
            (key, row.clone())
        })
        .collect()
}

/// Whether the two rows look the same: the delay counts as it is shown, not to the second.
fn shows_same(shown: &ReleaseRow, row: &ReleaseRow) -> bool {
    shown_delay(shown.delay_seconds) == shown_delay(row.delay_seconds)
        && *shown == ReleaseRow { delay_seconds: shown.delay_seconds, ..row.clone() }
}

/// What the pager says about the page shown, and the releases its links continue from.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct PagerState {
    first: i64,
    last: i64,
    total: i64,
    total_is_lower_bound: bool,
    has_previous: bool,
    has_next: bool,
    newest: Option<i64>,
    oldest: Option<i64>,
}

impl PagerState {
    fn of(page: &ReleasePage) -> Self {
        let before = page.page * page.page_size;
        PagerState {
            first: if page.rows.is_empty() { 0 } else { before + 1 },
            last: before + page.rows.len() as i64,
            total: page.total,
            total_is_lower_bound: page.total_is_lower_bound,
            has_previous: page.page > 0,
            has_next: page.has_next,
            newest: page.rows.first().map(|row| row.id.0),
            oldest: page.rows.last().map(|row| row.id.0),
        }
    }
}

#[component]
fn ReleaseTable(releases: Resource<Result<ReleasePage, AppError>>, query: Memo<ListQuery>) -> impl IntoView {
    let i18n = use_i18n();
    // From the last page loaded: the table is shown only while there is one.
    let rows = Memo::new(move |previous: Option<&KeyedRows>| {
        releases.with(|result| match result {
            Some(Ok(page)) => keyed_rows(&page.rows, previous),
            _ => previous.cloned().unwrap_or_default(),
        })
    });
    let pager = Memo::new(move |previous: Option<&PagerState>| {
        releases.with(|result| match result {
            Some(Ok(page)) => PagerState::of(page),
            _ => previous.copied().unwrap_or_default(),
        })
    });
    let (first, last, total) = (move || pager.get().first, move || pager.get().last, move || pager.get().total);
    // The pager's links name the release they continue from: paging costs the same at any depth.
    let previous_url = move || {
        let query = query.get();
        let page = (query.page - 1).max(0);
        list_url(&ListQuery { page, after: None, before: pager.get().newest.filter(|_| page > 0), ..query })
    };
    let next_url = move || {
        list_url(&ListQuery { page: query.get().page + 1, after: pager.get().oldest, before: None, ..query.get() })
    };
    // The rows hydrate after the page around them: this marks when their buttons answer.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    // Under 640 px each row is a card, each field under its column's name: one custom property
    // per column (`--label-1` …) that the stylesheet shows before each cell, set once on the
    // table rather than on its 250 cells, and from the browser, since the
    // Content-Security-Policy refuses a style attribute written in the page.
    let table = NodeRef::<leptos::html::Table>::new();
    Effect::new(move |_| {
        let locale = i18n.get_locale();
        if let Some(table) = table.get() {
            let style = web_sys::HtmlElement::style(&table);
            for (i, label) in column_labels(locale).iter().enumerate() {
                let _ = style.set_property(&format!("--label-{}", i + 1), &css_string(label));
            }
        }
    });
    view! {
        <div class="table-wrap" data-live=move || live.get().then_some("true")>
            <table class="releases" node_ref=table>
                <caption class="visually-hidden">{t!(i18n, list.caption)}</caption>
                <thead>
                    <tr>
                        <SortHeader query column=SortColumn::Number>{t!(i18n, list.number)}</SortHeader>
                        <th scope="col">{t!(i18n, list.requester)}</th>
                        <SortHeader query column=SortColumn::Created>{t!(i18n, list.created)}</SortHeader>
                        <SortHeader query column=SortColumn::Priority>{t!(i18n, list.priority)}</SortHeader>
                        <SortHeader query column=SortColumn::Deadline>{t!(i18n, list.deadline)}</SortHeader>
                        <th scope="col">{t!(i18n, list.delay)}</th>
                        <th scope="col">{t!(i18n, list.status)}</th>
                        <th scope="col">{t!(i18n, list.current_task)}</th>
                        <th scope="col">{t!(i18n, list.executor_group)}</th>
                        <th scope="col">{t!(i18n, list.responsible)}</th>
                        <th scope="col">{t!(i18n, list.action)}</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|(key, _)| *key let((_, row))>
                        <ReleaseRowView row />
                    </For>
                </tbody>
            </table>
        </div>
        <Show when=move || rows.with(Vec::is_empty)>
            <p class="muted">{t!(i18n, list.empty)}</p>
        </Show>
        <nav class="pager" aria-label=move || t_string!(i18n, list.pages)>
            <span class="range" aria-live="polite">
                <Show
                    when=move || pager.get().total_is_lower_bound
                    fallback=move || t!(i18n, list.range, first, last, total)
                >
                    {t!(i18n, list.range_more, first, last, total)}
                </Show>
            </span>
            <Show when=move || pager.get().has_previous>
                <a class="button" href=previous_url rel="prev">{t!(i18n, list.previous)}</a>
            </Show>
            <Show when=move || pager.get().has_next>
                <a class="button" href=next_url rel="next">{t!(i18n, list.next)}</a>
            </Show>
        </nav>
    }
}

/// The header of a column the list can be sorted by: a link to the list sorted by it (the
/// other way when it is already), from the first page; `aria-sort` says the current order.
#[component]
fn SortHeader(query: Memo<ListQuery>, column: SortColumn, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let sorted = move || query.with(|q| (q.sort.column == column).then_some(q.sort.descending));
    let href = move || {
        let query = query.get().first_page();
        list_url(&ListQuery { sort: query.sort.clicked(column), ..query })
    };
    view! {
        <th
            scope="col"
            aria-sort=move || match sorted() {
                Some(true) => "descending",
                Some(false) => "ascending",
                None => "none",
            }
        >
            <a class="sort" href=href>
                {children()}
                <span class="sort-mark" aria-hidden="true">
                    {move || match sorted() {
                        Some(true) => "▼",
                        Some(false) => "▲",
                        None => "↕",
                    }}
                </span>
                <span class="visually-hidden">
                    {move || match sorted() {
                        Some(true) => t_string!(i18n, list.sorted_descending),
                        Some(false) => t_string!(i18n, list.sorted_ascending),
                        None => "",
                    }}
                </span>
            </a>
        </th>
    }
}

#[component]
fn ReleaseRowView(row: ReleaseRow) -> impl IntoView {
    let i18n = use_i18n();
    let zone = use_zone();
    let (created_at, planned_end) = (row.created_at, row.planned_end);
    let status = row.status;
    let priority = row.priority;
    let delay = row.delay_seconds;
    let current_task = row.current_task.clone();
    let responsible = row.responsible.clone();
    let id = row.id;
    let delay_class = if delay > 0 { "late" } else { "" };
    view! {
        <tr>
            <th scope="row">{id.0}</th>
            <td class="requester">{row.requester}</td>
            <td class="created">{move || zone.format(created_at)}</td>
            <td>
                <span class=format!("pill priority-{priority}")>{move || priority_label(i18n.get_locale(), priority)}</span>
            </td>
            <td>{move || zone.format(planned_end)}</td>
            <td class=delay_class><Delay seconds=delay /></td>
            <td>
                <span class=format!("status status-{}", status.code())>{move || status_label(i18n.get_locale(), status)}</span>
            </td>
            <td class="task">
                <span class="task-title">{row.title}</span>
                {move || current_task.as_ref().map(|task| view! { <span class="task-step">{localized(i18n.get_locale(), task)}</span> })}
            </td>
            <td class="group">{row.executor_group}</td>
            <td>
                {match responsible {
                    Some(name) => view! { <span>{name}</span> }.into_any(),
                    None => view! { <span class="muted">{t!(i18n, list.unassigned)}</span> }.into_any(),
                }}
            </td>
            <td class="actions">
                <div class="row-actions">
                    <OpenButton id access=row.access step=row.current_task.clone() />
                    <ActionMenu release=id actions=row.actions />
                </div>
            </td>
        </tr>
    }
}

/// The names of the list's columns that hold a release's fields, in their order (the
/// title shares "Tarea actual"; "Acción" holds buttons): the cards' labels and, with the
/// title, the CSV export's header.
pub(crate) fn column_labels(locale: Locale) -> [&'static str; 10] {
    [
        td_string!(locale, list.number),
        td_string!(locale, list.requester),
        td_string!(locale, list.created),
        td_string!(locale, list.priority),
        td_string!(locale, list.deadline),
        td_string!(locale, list.delay),
        td_string!(locale, list.status),
        td_string!(locale, list.current_task),
        td_string!(locale, list.executor_group),
        td_string!(locale, list.responsible),
    ]
}

/// `text` as a CSS string, quoted, its quotes and backslashes escaped.
fn css_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// "Prioridad, orden ascendente": an entry of the "Ordenar por" choice.
fn sort_label(locale: Locale, sort: Sort) -> String {
    let column = match sort.column {
        SortColumn::Number => td_string!(locale, list.number),
        SortColumn::Created => td_string!(locale, list.created),
        SortColumn::Priority => td_string!(locale, list.priority),
        SortColumn::Deadline => td_string!(locale, list.deadline),
    };
    let direction = if sort.descending {
        td_string!(locale, list.sorted_descending)
    } else {
        td_string!(locale, list.sorted_ascending)
    };
    format!("{column}, {direction}")
}

/// A delay as whole days, hours and minutes; `None` on time.
pub fn delay_parts(seconds: i64) -> Option<(i64, i64, i64)> {
    (seconds > 0).then_some((seconds / 86_400, (seconds % 86_400) / 3_600, (seconds % 3_600) / 60))
}

/// The parts of a delay the list shows: days and hours, or hours and minutes under a day.
fn shown_delay(seconds: i64) -> Option<(i64, i64, i64)> {
    delay_parts(seconds).map(|(days, hours, minutes)| if days > 0 { (days, hours, 0) } else { (0, hours, minutes) })
}

/// "3 d 4 h" late, or "En plazo".
#[component]
pub fn Delay(seconds: i64) -> impl IntoView {
    let i18n = use_i18n();
    match shown_delay(seconds) {
        None => view! { <span>{t!(i18n, list.on_time)}</span> }.into_any(),
        Some((days, hours, _)) if days > 0 => {
            view! { <span>{t!(i18n, list.delay_days, days, hours)}</span> }.into_any()
        }
        Some((_, hours, minutes)) => view! { <span>{t!(i18n, list.delay_hours, hours, minutes)}</span> }.into_any(),
    }
}

/// "Abrir": a task the user may take asks to confirm the assignment first; any other
/// release opens directly (editable if the task is theirs, read-only with the reason if not).
#[component]
fn OpenButton(id: crate::domain::ReleaseId, access: Access, step: Option<crate::domain::Localized>) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/releases/{}", id.0);
    match access {
        Access::Capture => {
            let target = use_context::<RwSignal<Option<CaptureTarget>>>();
            view! {
                <a
                    class="button"
                    role="button"
                    href=href
                    on:click=move |ev| {
                        if let Some(target) = target {
                            ev.prevent_default();
                            target.set(Some(CaptureTarget { id, step: step.clone() }));
                        }
                    }
                >
                    {t!(i18n, list.open)}
                </a>
            }
            .into_any()
        }
        _ => view! { <a class="button" role="button" href=href>{t!(i18n, list.open)}</a> }.into_any(),
    }
}

/// "Gestión" (the list itself) and "Gráficos": two views of the same filtered releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListView {
    Management,
    Charts,
}

#[component]
pub fn ViewTabs(query: Memo<ListQuery>, current: ListView) -> impl IntoView {
    let i18n = use_i18n();
    let link = move |view: ListView, path: &'static str| {
        let current_page = (view == current).then_some("page");
        view! {
            <a class="view-tab" href=move || view_url(path, &query.get().first_page()) aria-current=current_page>
                {move || match view {
                    ListView::Management => t_string!(i18n, list.management),
                    ListView::Charts => t_string!(i18n, list.charts),
                }}
            </a>
        }
    };
    view! {
        <nav class="view-tabs" aria-label=move || t_string!(i18n, list.views)>
            {link(ListView::Management, LIST_PATH)}
            {link(ListView::Charts, CHARTS_PATH)}
        </nav>
    }
}

/// The search box and the status and scope filters, kept in the URL of `path`.
#[component]
pub fn ListFilters(query: Memo<ListQuery>, path: &'static str, on_refresh: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let go = move |next: ListQuery| navigate(&view_url(path, &next), Default::default());
    // What is typed stays typed: the fields are bound to these signals, not re-rendered;
    // "Aplicar" applies them. The requester and the dates follow the address (back, a link).
    let search = RwSignal::new(query.get_untracked().search);
    let requester = RwSignal::new(String::new());
    let days = std::array::from_fn::<_, 4, _>(|_| RwSignal::new(String::new()));
    Effect::new(move |_| {
        query.with(|q| {
            requester.set(q.requester.clone());
            for (day, (_, shown)) in days.iter().zip(date_params(q)) {
                day.set(shown.map(|d| d.to_string()).unwrap_or_default());
            }
        })
    });
    let on_search = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let day = |index: usize| days[index].with_untracked(|day| day.parse().ok());
            go(ListQuery {
                search: search.get_untracked().trim().to_owned(),
                requester: requester.get_untracked().trim().to_owned(),
                registered: DateRange { from: day(0), to: day(1) },
                due: DateRange { from: day(2), to: day(3) },
                ..query.get_untracked().first_page()
            });
        }
    };
    // The filters beyond the first row are folded away until one is in use.
    let more_in_use = move || {
        query.with(|q| {
            !q.priorities.is_empty()
                || !q.groups.is_empty()
                || q.late_only
                || !q.requester.is_empty()
                || !q.registered.is_open()
                || !q.due.is_open()
        })
    };
    let open_at_first = more_in_use();
    let [registered_from, registered_to, due_from, due_to] = days;
    let on_status = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let status = Status::from_code(&event_target_value(&ev));
            go(ListQuery { status, ..query.get_untracked().first_page() });
        }
    };
    let on_scope = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let scope = Scope::from_code(&event_target_value(&ev));
            go(ListQuery { scope, ..query.get_untracked().first_page() });
        }
    };
    let on_late = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            go(ListQuery { late_only: event_target_checked(&ev), ..query.get_untracked().first_page() });
        }
    };
    let on_sort = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            if let Some(sort) = Sort::parse(&event_target_value(&ev)) {
                go(ListQuery { sort, ..query.get_untracked().first_page() });
            }
        }
    };
    let on_size = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let page_size = event_target_value(&ev).parse().unwrap_or(PAGE_SIZE);
            go(ListQuery { page_size, ..query.get_untracked().first_page() });
        }
    };
    let priorities =
        chosen_in_address(query, go.clone(), |q| q.priorities.clone(), |q, priorities| ListQuery { priorities, ..q });
    let groups = chosen_in_address(
        query,
        go,
        |q| q.groups.iter().map(|g| g.0).collect(),
        |q, groups| ListQuery { groups: groups.into_iter().map(GroupId).collect(), ..q },
    );
    let group_choices = Resource::new(|| (), |_| api::list_groups());
    let group_options = Signal::derive(move || {
        let loaded = group_choices.get().and_then(Result::ok).unwrap_or_default();
        loaded.into_iter().map(|group| (group.id.0, group.name)).collect::<Vec<_>>()
    });
    // The file of every release these filters select, in the page's language.
    let export_href = move || {
        let url = view_url(EXPORT_PATH, &query.get());
        let language = if i18n.get_locale() == Locale::pt { "pt" } else { "es" };
        format!("{url}{}lang={language}", if url.contains('?') { '&' } else { '?' })
    };
    let priority_options = Signal::derive(move || {
        let locale = i18n.get_locale();
        (1..=5).map(|priority| (priority, priority_label(locale, priority).to_owned())).collect::<Vec<_>>()
    });
    view! {
            <form class="filters" role="search" method="get" action=path on:submit=on_search>
                <div class="field grow">
                    <label for="search">{t!(i18n, list.search)}</label>
                    <input
                        id="search"
                        name="q"
                        type="search"
                        maxlength="200"
                        placeholder=move || t_string!(i18n, list.search_hint)
                        bind:value=search
                    />
                </div>
                <div class="field">
                    <label for="status-filter">{t!(i18n, list.status_filter)}</label>
                    <select id="status-filter" name="status" on:change=on_status>
                        <option value="" selected=move || query.with(|q| q.status.is_none())>
                            {t!(i18n, list.any_status)}
                        </option>
                        {Status::ALL
                            .iter()
                            .map(|status| {
                                let status = *status;
                                view! {
                                    <option value=status.code() selected=move || query.with(|q| q.status == Some(status))>
                                        {move || status_label(i18n.get_locale(), status)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="scope-filter">{t!(i18n, list.scope)}</label>
                    <select id="scope-filter" name="scope" on:change=on_scope>
                        <option value="all" selected=move || query.with(|q| q.scope == Scope::All)>
                            {t!(i18n, list.scope_all)}
                        </option>
                        <option value="groups" selected=move || query.with(|q| q.scope == Scope::MyGroups)>
                            {t!(i18n, list.scope_groups)}
                        </option>
                        <option value="mine" selected=move || query.with(|q| q.scope == Scope::Mine)>
                            {t!(i18n, list.scope_mine)}
                        </option>
                    </select>
                </div>
                <div class="field">
                    <label for="sort">{t!(i18n, list.sort_by)}</label>
                    <select id="sort" on:change=on_sort>
                        {SortColumn::ALL
                            .into_iter()
                            .flat_map(|column| [true, false].map(|descending| Sort { column, descending }))
                            .map(|sort| {
                                view! {
                                    <option value=sort.code() selected=move || query.with(|q| q.sort == sort)>
                                        {move || sort_label(i18n.get_locale(), sort)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="page-size">{t!(i18n, list.page_size)}</label>
                    <select id="page-size" on:change=on_size>
                        {PAGE_SIZES
                            .iter()
                            .map(|size| {
                                let size = *size;
                                view! {
                                    <option value=size selected=move || query.with(|q| q.page_size == size)>
                                        {size}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <details class="more-filters" open=open_at_first>
                    <summary>{t!(i18n, list.more_filters)}</summary>
                    <div class="more-filters-body">
                        <Checkboxes
                            legend=Signal::derive(move || t_string!(i18n, list.priorities).to_owned())
                            options=priority_options
                            chosen=priorities
                            id_of=|priority| format!("priority-filter-{priority}")
                        />
                        <Transition fallback=|| ()>
                            <Show when=move || group_options.with(|groups| groups.len() > 1)>
                                <Checkboxes
                                    legend=Signal::derive(move || t_string!(i18n, list.groups).to_owned())
                                    options=group_options
                                    chosen=groups
                                    id_of=|group| format!("group-filter-{group}")
                                />
                            </Show>
                        </Transition>
                        <div class="field checkbox">
                            <input
                                type="checkbox"
                                id="late-filter"
                                prop:checked=move || query.with(|q| q.late_only)
                                on:change=on_late
                            />
                            <label for="late-filter">{t!(i18n, list.late_only)}</label>
                        </div>
                        <div class="field">
                            <label for="requester-filter">{t!(i18n, list.requester)}</label>
                            <input id="requester-filter" type="search" maxlength="100" bind:value=requester />
                        </div>
                        <fieldset class="range">
                            <legend>{t!(i18n, list.registered_range)}</legend>
                            <label for="registered-from">{t!(i18n, list.date_from)}</label>
                            <input id="registered-from" type="date" bind:value=registered_from />
                            <label for="registered-to">{t!(i18n, list.date_to)}</label>
                            <input id="registered-to" type="date" bind:value=registered_to />
                        </fieldset>
                        <fieldset class="range">
                            <legend>{t!(i18n, list.due_range)}</legend>
                            <label for="due-from">{t!(i18n, list.date_from)}</label>
                            <input id="due-from" type="date" bind:value=due_from />
                            <label for="due-to">{t!(i18n, list.date_to)}</label>
                            <input id="due-to" type="date" bind:value=due_to />
                        </fieldset>
                    </div>
                </details>
                <div class="field actions">
                    <button type="submit" class="primary">{t!(i18n, list.apply)}</button>
                    <button type="button" on:click=move |_| on_refresh.run(())>
                        {t!(i18n, list.refresh)}
                    </button>
                    <a class="button" href=export_href download="">
                        {t!(i18n, list.export)}
                    </a>
                </div>
            </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ReleaseId;

    #[test]
    fn a_label_becomes_a_css_string() {
        assert_eq!(css_string("Número"), r#""Número""#);
        assert_eq!(css_string(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }

    fn row(id: i64, title: &str, delay_seconds: i64) -> ReleaseRow {
        ReleaseRow {
            id: ReleaseId(id),
            title: title.to_owned(),
            requester: "Ana".to_owned(),
            created_at: 0,
            priority: 3,
            planned_end: 0,
            delay_seconds,
            status: Status::Approved,
            current_task: None,
            executor_group: "Despliegue N1".to_owned(),
            responsible: None,
            access: Access::Capture,
            actions: Vec::new(),
        }
    }

    fn keys(rows: &KeyedRows) -> Vec<u64> {
        rows.iter().map(|(key, _)| *key).collect()
    }

    #[test]
    fn a_row_keeps_its_key_while_it_shows_the_same() {
        let first = keyed_rows(&[row(3, "a", 0), row(2, "b", 0), row(1, "c", 90_000)], None);
        assert_eq!(keys(&first), [0, 1, 2]);
        // A search that finds 2 again, a minute later: the day-long delay of 1 still shows alike.
        let searched = keyed_rows(&[row(2, "b", 0), row(1, "c", 90_060)], Some(&first));
        assert_eq!(keys(&searched), [1, 2]);
        assert_eq!(searched[1].1.delay_seconds, 90_060, "the row shown is the new one");
        // A row whose title changed, or whose delay shows otherwise, is new; so is one not shown before.
        let changed = keyed_rows(&[row(2, "b2", 0), row(1, "c", 93_600), row(5, "e", 0)], Some(&searched));
        assert_eq!(keys(&changed), [3, 4, 5]);
    }
}
