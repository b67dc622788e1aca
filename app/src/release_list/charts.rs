//! "Gráficos": the releases the list's filters select, counted by status, priority,
//! executor group and deadline, as accessible SVG bar charts with their numbers in a table.

use super::api::{release_charts, ChartCounts, Deadline};
use super::{query_from, ListFilters, ListView, ViewTabs, CHARTS_PATH};
use crate::i18n::*;
use crate::language::{priority_label, status_label, ErrorAlert};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const LABEL_W: i64 = 190;
const BAR_W: i64 = 300;
const ROW_H: i64 = 30;

/// One bar: its label in the current language, its count, and a CSS class for its colour.
type Bar = (Signal<String>, i64, String);

fn deadline_label(locale: Locale, deadline: Deadline) -> &'static str {
    match deadline {
        Deadline::OnTime => td_string!(locale, charts.on_time),
        Deadline::DueSoon => td_string!(locale, charts.due_soon),
        Deadline::Late => td_string!(locale, charts.late),
        Deadline::Finished => td_string!(locale, charts.finished),
    }
}

#[component]
pub fn ReleaseChartsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(query_from));
    let counts = Resource::new(move || query.get(), release_charts);
    view! {
        <section class="release-list" aria-labelledby="charts-title">
            <div class="page-head">
                <h1 id="charts-title">{t!(i18n, list.title)}</h1>
            </div>
            <ViewTabs query current=ListView::Charts />
            <ListFilters query path=CHARTS_PATH on_refresh=Callback::new(move |_| counts.refetch()) />
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    counts
                        .get()
                        .map(|result| match result {
                            Ok(counts) => view! { <Charts counts /> }.into_any(),
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

/// Bars whose labels follow the current language; `class` gives each its colour.
fn translated_bars<K: Copy + Send + Sync + 'static>(
    counts: Vec<(K, i64)>,
    label: fn(Locale, K) -> &'static str,
    class: fn(K) -> String,
) -> Vec<Bar> {
    let i18n = use_i18n();
    counts
        .into_iter()
        .map(|(key, n)| (Signal::derive(move || label(i18n.get_locale(), key).to_owned()), n, class(key)))
        .collect()
}

#[component]
fn Charts(counts: ChartCounts) -> impl IntoView {
    let i18n = use_i18n();
    let total = counts.total;
    let by_status = translated_bars(counts.by_status, status_label, |s| format!("status-{}", s.code()));
    let by_priority = translated_bars(counts.by_priority, priority_label, |p| format!("priority-{p}"));
    let by_group: Vec<Bar> =
        counts.by_group.into_iter().map(|(g, n)| (Signal::stored(g), n, "group".to_owned())).collect();
    let by_deadline = translated_bars(counts.by_deadline, deadline_label, |d| format!("deadline-{}", d.code()));
    view! {
        <p class="chart-total">{t!(i18n, charts.total, total)}</p>
        <div class="charts">
            <BarChart id="chart-status" title=Signal::derive(move || t_string!(i18n, charts.by_status).to_owned()) bars=by_status total />
            <BarChart id="chart-priority" title=Signal::derive(move || t_string!(i18n, charts.by_priority).to_owned()) bars=by_priority total />
            <BarChart id="chart-group" title=Signal::derive(move || t_string!(i18n, charts.by_group).to_owned()) bars=by_group total />
            <BarChart id="chart-deadline" title=Signal::derive(move || t_string!(i18n, charts.by_deadline).to_owned()) bars=by_deadline total />
        </div>
    }
}

/// A horizontal bar chart with a title and description for screen readers, and the same
/// numbers as a table beside it.
#[component]
fn BarChart(id: &'static str, title: Signal<String>, bars: Vec<Bar>, total: i64) -> impl IntoView {
    let i18n = use_i18n();
    let max = bars.iter().map(|(_, n, _)| *n).max().unwrap_or(0).max(1);
    let height = ROW_H * bars.len().max(1) as i64 + 8;
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let rows = bars
        .iter()
        .enumerate()
        .map(|(i, (label, n, class))| {
            let y = 4 + i as i64 * ROW_H;
            let width = (BAR_W * n / max).max(2);
            let label = *label;
            view! {
                <g class=format!("bar {class}")>
                    <text x=LABEL_W - 8 y=y + 19 text-anchor="end">{move || label.get()}</text>
                    <rect x=LABEL_W y=y + 4 width=width height=ROW_H - 10 rx="3" />
                    <text x=LABEL_W + width + 6 y=y + 19 class="value">{*n}</text>
                </g>
            }
        })
        .collect_view();
    let table_rows = bars
        .into_iter()
        .map(|(label, n, _)| {
            view! {
                <tr>
                    <th scope="row">{move || label.get()}</th>
                    <td>{n}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" aria-labelledby=title_id.clone()>
            <figcaption id=title_id.clone()>{move || title.get()}</figcaption>
            <svg
                viewBox=format!("0 0 {} {height}", LABEL_W + BAR_W + 60)
                role="img"
                aria-labelledby=format!("{title_id}-svg {desc_id}")
            >
                <title id=format!("{title_id}-svg")>{move || title.get()}</title>
                <desc id=desc_id.clone()>{t!(i18n, charts.total, total)}</desc>
                {rows}
            </svg>
            <table class="chart-numbers">
                <caption class="visually-hidden">{move || title.get()}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || title.get()}</th>
                        <th scope="col">{t!(i18n, charts.count)}</th>
                    </tr>
                </thead>
                <tbody>{table_rows}</tbody>
            </table>
        </figure>
    }
}
