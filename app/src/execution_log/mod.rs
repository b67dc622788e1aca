//! The execution log of a release ("Registro de Ejecución" / "Registro de Execução"): an
//! occurrence register of every entry, automatic and manual, newest first, filtered by
//! kind; each advance with what it changed; a form for manual occurrences; CSV export.

pub mod api;
#[cfg(feature = "ssr")]
mod csv;

use crate::domain::occurrence::{OccurrenceCategory, OccurrenceDraft, OccurrenceOrigin};
use crate::domain::validation::Field;
use crate::domain::ReleaseId;
use crate::error::{AppError, Error};
use crate::i18n::*;
use crate::language::{field_label, format_datetime, localized, priority_label, status_label, ErrorAlert};
use api::{add_occurrence, export_log, release_log, LogEntryView};
use leptos::prelude::*;
use releasedesk_core::domain::changes::{FieldChange, ShownValue, TrackedField};

pub use releasedesk_core::domain::log::LogKind;

pub fn kind_label(locale: Locale, kind: LogKind) -> &'static str {
    match kind {
        LogKind::Registered => td_string!(locale, log.registered),
        LogKind::Captured => td_string!(locale, log.captured),
        LogKind::Saved => td_string!(locale, log.saved),
        LogKind::Advanced => td_string!(locale, log.advanced),
        LogKind::Resolved => td_string!(locale, log.resolved),
        LogKind::SentBack => td_string!(locale, log.sent_back),
        LogKind::Linked => td_string!(locale, log.linked),
        LogKind::Unlinked => td_string!(locale, log.unlinked),
        LogKind::Manual => td_string!(locale, log.manual),
        LogKind::Delegated => td_string!(locale, log.delegated),
        LogKind::Suspended => td_string!(locale, log.suspended),
        LogKind::Reactivated => td_string!(locale, log.reactivated),
        LogKind::Reopened => td_string!(locale, log.reopened),
        LogKind::Cancelled => td_string!(locale, log.cancelled),
    }
}

/// A stored category code as the current language names it (the code itself if unknown).
pub fn occurrence_category_label(locale: Locale, code: &str) -> String {
    match OccurrenceCategory::from_code(code) {
        Some(category) => category_name(locale, category).to_owned(),
        None => code.to_owned(),
    }
}

fn category_name(locale: Locale, category: OccurrenceCategory) -> &'static str {
    match category {
        OccurrenceCategory::Scheduling => td_string!(locale, occurrence.scheduling),
        OccurrenceCategory::Diagnosis => td_string!(locale, occurrence.diagnosis),
        OccurrenceCategory::Execution => td_string!(locale, occurrence.execution),
        OccurrenceCategory::FollowUp => td_string!(locale, occurrence.follow_up),
        OccurrenceCategory::Information => td_string!(locale, occurrence.information),
        OccurrenceCategory::Feedback => td_string!(locale, occurrence.feedback),
    }
}

pub fn occurrence_origin_label(locale: Locale, code: &str) -> String {
    match OccurrenceOrigin::from_code(code) {
        Some(origin) => origin_name(locale, origin).to_owned(),
        None => code.to_owned(),
    }
}

fn origin_name(locale: Locale, origin: OccurrenceOrigin) -> &'static str {
    match origin {
        OccurrenceOrigin::Email => td_string!(locale, occurrence.email),
        OccurrenceOrigin::Phone => td_string!(locale, occurrence.phone),
        OccurrenceOrigin::InPerson => td_string!(locale, occurrence.in_person),
        OccurrenceOrigin::Chat => td_string!(locale, occurrence.chat),
        OccurrenceOrigin::System => td_string!(locale, occurrence.system),
        OccurrenceOrigin::Other => td_string!(locale, occurrence.other),
    }
}

fn tracked_field_label(locale: Locale, field: TrackedField) -> &'static str {
    match field {
        TrackedField::Status => td_string!(locale, list.status),
        TrackedField::Step => td_string!(locale, list.current_task),
        TrackedField::Title => td_string!(locale, field.title),
        TrackedField::Priority => td_string!(locale, list.priority),
        TrackedField::PlannedEnd => td_string!(locale, list.deadline),
        TrackedField::VersionLabel => td_string!(locale, field.version_label),
        TrackedField::Outcome => td_string!(locale, field.outcome),
        TrackedField::SolutionCategory => td_string!(locale, field.solution_category),
        TrackedField::UsefulInformation => td_string!(locale, field.useful_information),
    }
}

fn shown_value(locale: Locale, value: Option<&ShownValue>) -> String {
    match value {
        None => "—".to_owned(),
        Some(ShownValue::Status(status)) => status_label(locale, *status).to_owned(),
        Some(ShownValue::Outcome(crate::domain::ClosureOutcome::Resolved)) => {
            td_string!(locale, closure.resolved).to_owned()
        }
        Some(ShownValue::Outcome(crate::domain::ClosureOutcome::NotResolved)) => {
            td_string!(locale, closure.not_resolved).to_owned()
        }
        Some(ShownValue::Name(name)) => localized(locale, name),
        Some(ShownValue::Time(at)) => format_datetime(*at),
        Some(ShownValue::Number(priority)) => priority_label(locale, *priority).to_owned(),
        Some(ShownValue::Text(text)) => text.clone(),
    }
}

/// "Estado: Aprobada → Resuelta".
pub fn change_summary(locale: Locale, change: &FieldChange) -> String {
    format!(
        "{}: {} → {}",
        tracked_field_label(locale, change.field),
        shown_value(locale, change.before.as_ref()),
        shown_value(locale, change.after.as_ref())
    )
}

/// The log dialog's content: filter, table, export and (when `may_record`) the form for a
/// manual occurrence. `refresh` reloads it after an action elsewhere on the page.
#[component]
pub fn ExecutionLog(release: ReleaseId, #[prop(into)] refresh: Signal<usize>, may_record: bool) -> impl IntoView {
    let i18n = use_i18n();
    let added = RwSignal::new(0usize);
    let entries = Resource::new(move || (release, refresh.get(), added.get()), |(id, _, _)| release_log(id));
    let kind_filter = RwSignal::new(None::<LogKind>);
    let form_open = RwSignal::new(false);
    view! {
        <div class="log-tools">
            <div class="field">
                <label for="log-kind">{t!(i18n, log.filter)}</label>
                <select id="log-kind" on:change=move |ev| kind_filter.set(LogKind::from_code(&event_target_value(&ev)))>
                    <option value="">{t!(i18n, log.all_kinds)}</option>
                    {LogKind::ALL
                        .iter()
                        .map(|kind| {
                            let kind = *kind;
                            view! { <option value=kind.code()>{move || kind_label(i18n.get_locale(), kind)}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <ExportButton release />
            {may_record
                .then(|| {
                    view! {
                        <button type="button" aria-expanded=move || form_open.get().to_string() on:click=move |_| form_open.update(|o| *o = !*o)>
                            {t!(i18n, log.add)}
                        </button>
                    }
                })}
        </div>
        <Show when=move || form_open.get()>
            <OccurrenceForm release on_added=Callback::new(move |_| {
                form_open.set(false);
                added.update(|n| *n += 1);
            }) />
        </Show>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
            {move || {
                entries
                    .get()
                    .map(|result| match result {
                        Ok(entries) => {
                            let shown: Vec<_> = entries
                                .into_iter()
                                .filter(|e| kind_filter.get().is_none_or(|k| e.kind == k))
                                .collect();
                            if shown.is_empty() {
                                view! { <p class="muted">{t!(i18n, log.empty)}</p> }.into_any()
                            } else {
                                let caption = Signal::derive(move || t_string!(i18n, log.title).to_owned());
                                view! { <LogTable entries=shown caption /> }.into_any()
                            }
                        }
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// "Exportar CSV": the log in the current language, saved as a file.
#[component]
fn ExportButton(release: ReleaseId) -> impl IntoView {
    let i18n = use_i18n();
    let failure = RwSignal::new(None::<AppError>);
    let export = Action::new(move |language: &&'static str| {
        let language = *language;
        async move {
            let csv = export_log(release, language.to_owned()).await?;
            let name = format!("{}-{}.csv", t_string!(i18n, log.file_name), release.0);
            save_file(&name, &csv);
            Ok::<(), AppError>(())
        }
    });
    Effect::new(move |_| {
        if let Some(result) = export.value().get() {
            failure.set(result.err());
        }
    });
    view! {
        <button
            type="button"
            disabled=move || export.pending().get()
            on:click=move |_| {
                export.dispatch(match i18n.get_locale() {
                    Locale::pt => "pt",
                    Locale::es => "es",
                });
            }
        >
            {t!(i18n, log.export)}
        </button>
        {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
    }
}

/// Offers `content` to the browser as a download named `name`.
fn save_file(name: &str, content: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys_array(content);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/csv;charset=utf-8");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
        if let Some(link) =
            document().create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            link.set_href(&url);
            link.set_download(name);
            link.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (name, content);
}

#[cfg(feature = "hydrate")]
fn js_sys_array(content: &str) -> wasm_bindgen::JsValue {
    // A byte-order mark first, so spreadsheets read the accents as UTF-8.
    let parts = web_sys::js_sys::Array::new();
    parts.push(&wasm_bindgen::JsValue::from_str(&format!("\u{feff}{content}")));
    parts.into()
}

/// A manual occurrence, as CITSmart's form: every field required, "Registrado por" filled in.
#[component]
fn OccurrenceForm(release: ReleaseId, on_added: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let user = use_context::<crate::layout::CurrentUser>();
    let recorder =
        move || user.and_then(|u| u.get()).and_then(Result::ok).map(|actor| actor.full_name).unwrap_or_default();
    let category = RwSignal::new(String::new());
    let origin = RwSignal::new(String::new());
    let minutes = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let occurrence = RwSignal::new(String::new());
    let user_information = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let save = Action::new(move |draft: &OccurrenceDraft| add_occurrence(release, draft.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => on_added.run(()),
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(minutes) = minutes.get_untracked().trim().parse::<i64>() else {
            failure.set(Some(AppError(Error::Invalid(crate::domain::validation::FieldError {
                field: Field::TimeSpent,
                problem: crate::domain::validation::Problem::Required,
            }))));
            return;
        };
        failure.set(None);
        save.dispatch(OccurrenceDraft {
            category: category.get_untracked(),
            origin: origin.get_untracked(),
            minutes,
            description: description.get_untracked(),
            occurrence: occurrence.get_untracked(),
            user_information: user_information.get_untracked(),
        });
    };
    let label = move |field: Field| move || format!("{} *", field_label(i18n.get_locale(), field));
    view! {
        <form class="occurrence-form" novalidate on:submit=submit aria-labelledby="occurrence-title">
            <h3 id="occurrence-title">{t!(i18n, log.new_occurrence)}</h3>
            <div class="form-grid">
                <div class="field">
                    <label for="occurrence-category">{label(Field::OccurrenceCategory)}</label>
                    <select id="occurrence-category" aria-required="true" on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="">{t!(i18n, action.choose)}</option>
                        {OccurrenceCategory::ALL
                            .iter()
                            .map(|c| {
                                let c = *c;
                                view! { <option value=c.code()>{move || category_name(i18n.get_locale(), c)}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="occurrence-origin">{label(Field::OccurrenceOrigin)}</label>
                    <select id="occurrence-origin" aria-required="true" on:change=move |ev| origin.set(event_target_value(&ev))>
                        <option value="">{t!(i18n, action.choose)}</option>
                        {OccurrenceOrigin::ALL
                            .iter()
                            .map(|o| {
                                let o = *o;
                                view! { <option value=o.code()>{move || origin_name(i18n.get_locale(), o)}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="occurrence-minutes">{label(Field::TimeSpent)}</label>
                    <input id="occurrence-minutes" type="number" min="0" max="10080" step="1" inputmode="numeric" aria-required="true" bind:value=minutes />
                </div>
                <div class="field">
                    <label for="occurrence-recorder">{t!(i18n, field.recorded_by)}</label>
                    <input id="occurrence-recorder" type="text" readonly prop:value=recorder />
                </div>
            </div>
            <div class="field">
                <label for="occurrence-description">{label(Field::OccurrenceDescription)}</label>
                <input id="occurrence-description" type="text" maxlength="200" aria-required="true" bind:value=description />
            </div>
            <div class="field">
                <label for="occurrence-text">{label(Field::OccurrenceText)}</label>
                <textarea id="occurrence-text" rows="3" maxlength="5000" aria-required="true" bind:value=occurrence></textarea>
            </div>
            <div class="field">
                <label for="occurrence-user-information">{label(Field::UserInformation)}</label>
                <textarea id="occurrence-user-information" rows="2" maxlength="5000" aria-required="true" bind:value=user_information></textarea>
            </div>
            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
            <div class="dialog-actions">
                <button type="submit" class="primary" disabled=move || save.pending().get()>{t!(i18n, log.record)}</button>
            </div>
        </form>
    }
}

/// Log entries as a table, newest first as given; `caption` names it for screen readers.
#[component]
pub fn LogTable(entries: Vec<LogEntryView>, #[prop(into)] caption: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table class="log">
                <caption class="visually-hidden">{move || caption.get()}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, log.when)}</th>
                        <th scope="col">{t!(i18n, log.who)}</th>
                        <th scope="col">{t!(i18n, log.what)}</th>
                        <th scope="col">{t!(i18n, log.task)}</th>
                        <th scope="col">{t!(i18n, log.time_spent)}</th>
                        <th scope="col">{t!(i18n, log.detail)}</th>
                    </tr>
                </thead>
                <tbody>{entries.into_iter().map(|entry| view! { <LogRow entry /> }).collect_view()}</tbody>
            </table>
        </div>
    }
}

#[component]
fn LogRow(entry: LogEntryView) -> impl IntoView {
    let i18n = use_i18n();
    let kind = entry.kind;
    let LogEntryView { step, outcome, to_step, label, changes, occurrence, text, .. } = entry;
    view! {
        <tr class=format!("log-{}", kind.code())>
            <td>{format_datetime(entry.at)}</td>
            <td>{entry.user}</td>
            <td>{move || kind_label(i18n.get_locale(), kind)}</td>
            <td>{move || step.as_ref().map(|s| localized(i18n.get_locale(), s))}</td>
            <td>{entry.time_spent_minutes.map(|minutes| view! { {t!(i18n, log.minutes, minutes)} })}</td>
            <td>
                {move || outcome.as_ref().map(|o| localized(i18n.get_locale(), o))}
                {move || to_step.as_ref().map(|s| format!(" → {}", localized(i18n.get_locale(), s)))}
                {move || label.as_ref().map(|l| format!("{}: ", localized(i18n.get_locale(), l)))}
                {occurrence
                    .map(|o| {
                        let (category, origin) = (o.category.clone(), o.origin.clone());
                        view! {
                            <span class="occurrence-meta">
                                {move || occurrence_category_label(i18n.get_locale(), &category)} " · "
                                {move || occurrence_origin_label(i18n.get_locale(), &origin)}
                            </span>
                            <strong class="occurrence-description">{o.description}</strong>
                            {text.clone()}
                            <span class="occurrence-user-info">
                                {move || field_label(i18n.get_locale(), Field::UserInformation)} ": " {o.user_information.clone()}
                            </span>
                        }
                    })}
                {(kind != LogKind::Manual).then(|| text.clone())}
                {(!changes.is_empty())
                    .then(|| {
                        view! {
                            <ul class="changes" aria-label=move || t_string!(i18n, log.changes)>
                                {changes
                                    .into_iter()
                                    .map(|change| view! { <li>{move || change_summary(i18n.get_locale(), &change)}</li> })
                                    .collect_view()}
                            </ul>
                        }
                    })}
            </td>
        </tr>
    }
}
