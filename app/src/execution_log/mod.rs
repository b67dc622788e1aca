//! The execution log of a release ("Registro de Ejecución" / "Registro de Execução"): an
//! occurrence register of every entry, automatic and manual, newest first, filtered by
//! kind; each advance with what it changed; a form for manual occurrences; CSV export.

pub mod api;
#[cfg(feature = "ssr")]
pub(crate) mod csv;

use crate::attachments::OccurrenceAttachments;
use crate::domain::occurrence::OccurrenceDraft;
use crate::domain::validation::Field;
use crate::domain::ReleaseId;
use crate::error::{AppError, Error};
use crate::export::CsvExportButton;
use crate::i18n::*;
use crate::language::{field_label, localized, ErrorAlert};
use crate::log_entries::{kind_label, LogTable};
use api::{add_occurrence, export_log, occurrence_options, release_log, NamedChoice};
use leptos::prelude::*;

pub use releasedesk_core::domain::log::LogKind;

/// The log dialog's content: filter, table, export and (when `may_record`) the form for a
/// manual occurrence. `refresh` reloads it after an action elsewhere on the page.
#[component]
pub fn ExecutionLog(release: ReleaseId, #[prop(into)] refresh: Signal<usize>, may_record: bool) -> impl IntoView {
    let i18n = use_i18n();
    let added = RwSignal::new(0usize);
    let entries = Resource::new(move || (release, refresh.get(), added.get()), |(id, _, _)| release_log(id));
    // The files of the occurrences, shown in their rows; an upload or removal reloads the log.
    let files = Resource::new(
        move || (release, refresh.get(), added.get()),
        |(id, _, _)| crate::attachments::api::list_attachments(id),
    );
    let files_changed = Callback::new(move |_: ()| added.update(|n| *n += 1));
    let beside_occurrence = Callback::new(move |entry: i64| {
        view! { <OccurrenceAttachments release occurrence=entry files changed=files_changed /> }.into_any()
    });
    let kind_filter = RwSignal::new(None::<LogKind>);
    let shown = Memo::new(move |_| {
        let kind = kind_filter.get();
        entries.with(|answer| match answer {
            Some(Ok(all)) => all.iter().filter(|e| kind.is_none_or(|k| e.kind == k)).cloned().collect(),
            _ => Vec::new(),
        })
    });
    let loaded = move || entries.with(|answer| matches!(answer, Some(Ok(_))));
    let caption = Signal::derive(move || t_string!(i18n, log.title).to_owned());
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
            <CsvExportButton
                fetch=move |language: &'static str| export_log(release, language.to_owned())
                file_name=Signal::derive(move || format!("{}-{}.csv", t_string!(i18n, log.file_name), release.0))
            />
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
                entries.with(|answer| match answer {
                    Some(Err(error)) => Some(view! { <ErrorAlert error=error.clone() /> }),
                    _ => None,
                })
            }}
            // The table stays while the log reloads, and its rows with it (see `LogTable`).
            <Show
                when=move || !shown.with(Vec::is_empty)
                fallback=move || loaded().then(|| view! { <p class="muted">{t!(i18n, log.empty)}</p> })
            >
                <LogTable entries=shown caption beside_occurrence />
            </Show>
        </Transition>
    }
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
    // Made when the form opens, in the browser: no part of the page's hydration.
    let choices = Resource::new(|| (), |_| occurrence_options());
    let save = Action::new(move |draft: &OccurrenceDraft| add_occurrence(release, draft.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => on_added.run(()),
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(minutes) = minutes.get_untracked().trim().parse::<i64>() else {
            failure.set(Some(AppError::from(Error::Invalid(crate::domain::validation::FieldError {
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
                <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                    {move || {
                        choices
                            .get()
                            .map(|result| match result {
                                Ok(loaded) => {
                                    view! {
                                        <ChoiceField id="occurrence-category" label=label(Field::OccurrenceCategory) choices=loaded.categories chosen=category />
                                        <ChoiceField id="occurrence-origin" label=label(Field::OccurrenceOrigin) choices=loaded.origins chosen=origin />
                                    }
                                        .into_any()
                                }
                                Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            })
                    }}
                </Transition>
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

/// A required choice among a catalogue's offered items.
#[component]
fn ChoiceField(
    id: &'static str,
    label: impl Fn() -> String + Send + Sync + 'static,
    choices: Vec<NamedChoice>,
    chosen: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id aria-required="true" on:change=move |ev| chosen.set(event_target_value(&ev)) prop:value=move || chosen.get()>
                <option value="">{t!(i18n, action.choose)}</option>
                {choices
                    .into_iter()
                    .map(|choice| {
                        let name = choice.name;
                        view! { <option value=choice.code>{move || localized(i18n.get_locale(), &name)}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
