//! A release on paper (for a change board, or as evidence): its header, data, closure,
//! relations, execution log and flow diagram on one page, which the print stylesheet
//! lays out without navigation or buttons, and with no row split across pages.

use super::api::{get_release, ReleaseView};
use super::{ReleaseData, ReleaseSummary, ReleaseTitle};
use crate::domain::ClosureOutcome;
use crate::domain::ReleaseId;
use crate::error::{AppError, Error};
use crate::execution_log::api::release_log;
use crate::flow_view::FlowDiagram;
use crate::i18n::*;
use crate::language::{localized, ErrorAlert};
use crate::log_entries::LogTable;
use crate::relations::api::release_relations;
use crate::relations::RelationsPrint;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The address of the release's print page.
pub fn print_url(id: ReleaseId) -> String {
    format!("/releases/{}/print", id.0)
}

#[component]
pub fn ReleasePrintPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).map(ReleaseId)));
    let found = |id: Option<ReleaseId>| id.ok_or_else(|| AppError::from(Error::NotFound));
    let release = Resource::new(move || id.get(), move |id| async move { get_release(found(id)?).await });
    let relations = Resource::new(move || id.get(), move |id| async move { release_relations(found(id)?).await });
    let log = Resource::new(move || id.get(), move |id| async move { release_log(found(id)?).await });
    let back = move || id.get().map(|id| format!("/releases/{}", id.0)).unwrap_or_else(|| "/releases".into());
    view! {
        <article class="print-page" aria-labelledby="release-heading">
            <div class="print-tools">
                <a class="button" href=back>{t!(i18n, print.back)}</a>
                <button type="button" class="primary" on:click=move |_| print()>{t!(i18n, print.print)}</button>
            </div>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    release
                        .get()
                        .map(|result| match result {
                            Ok(view) => view! { <PrintedRelease view /> }.into_any(),
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                        })
                }}
            </Transition>
            <section class="print-section" aria-labelledby="print-relations">
                <h2 id="print-relations">{t!(i18n, relations.title)}</h2>
                <Transition fallback=|| ()>
                    {move || {
                        relations
                            .get()
                            .map(|result| match result {
                                Ok(relations) => view! { <RelationsPrint relations /> }.into_any(),
                                Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            })
                    }}
                </Transition>
            </section>
            <section class="print-section" aria-labelledby="print-log">
                <h2 id="print-log">{t!(i18n, log.title)}</h2>
                <Transition fallback=|| ()>
                    {move || {
                        log.get()
                            .map(|result| match result {
                                Ok(entries) if entries.is_empty() => view! { <p class="muted">{t!(i18n, log.empty)}</p> }.into_any(),
                                Ok(entries) => {
                                    let caption = Signal::derive(move || t_string!(i18n, log.title).to_owned());
                                    view! { <LogTable entries caption /> }.into_any()
                                }
                                Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            })
                    }}
                </Transition>
            </section>
            <section class="print-section flow-print" aria-labelledby="print-flow">
                <h2 id="print-flow">{t!(i18n, flow.view)}</h2>
                {move || id.get().map(|release| view! { <FlowDiagram release /> })}
            </section>
        </article>
    }
}

/// The header, the data and the closure of the release, as read now.
#[component]
fn PrintedRelease(view: ReleaseView) -> impl IntoView {
    let i18n = use_i18n();
    let closure = view.closure.clone();
    let category = closure
        .solution_category
        .and_then(|chosen| view.categories.iter().find(|c| c.id == chosen).map(|c| c.name.clone()));
    let information = closure.useful_information.clone();
    // Printed, the data is read only: no correction from here.
    let current = RwSignal::new(ReleaseView { may_edit: false, ..view });
    view! {
        <header class="release-head">
            <ReleaseTitle current />
            <ReleaseSummary current />
        </header>
        <ReleaseData current correcting=RwSignal::new(false) />
        <section class="card print-section" aria-labelledby="print-closure">
            <h2 id="print-closure">{t!(i18n, closure.title)}</h2>
            <dl class="data-grid">
                <dt>{t!(i18n, closure.outcome)}</dt>
                <dd>
                    {move || match closure.outcome {
                        Some(ClosureOutcome::Resolved) => t_string!(i18n, closure.resolved),
                        Some(ClosureOutcome::NotResolved) => t_string!(i18n, closure.not_resolved),
                        None => "—",
                    }}
                </dd>
                <dt>{t!(i18n, field.solution_category)}</dt>
                <dd>{move || category.as_ref().map(|name| localized(i18n.get_locale(), name)).unwrap_or_else(|| "—".into())}</dd>
                <dt>{t!(i18n, field.useful_information)}</dt>
                <dd class="prewrap">{information}</dd>
            </dl>
        </section>
    }
}

/// The browser's print dialog.
fn print() {
    if let Err(error) = window().print() {
        leptos::logging::warn!("print: {error:?}");
    }
}
