//! Execution-log entries in words and as a table: what each kind and tracked change reads
//! as in the current language, and [`LogTable`]. Shared by the log dialog and its CSV
//! export (`execution_log`) and the flow view (`flow_view`).

use crate::domain::time_zone::ZoneOffsets;
use crate::domain::validation::Field;
use crate::i18n::*;
use crate::language::{field_label, format_datetime, localized, priority_label, status_label};
use crate::time_zone::use_zone;
use leptos::prelude::*;
use releasedesk_core::domain::changes::{FieldChange, ShownValue, TrackedField};
use releasedesk_core::domain::log::LogKind;
use releasedesk_core::model::log::LogEntryView;

/// What a log entry's kind reads as in the current language.
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
        LogKind::Edited => td_string!(locale, log.edited),
        LogKind::AttachmentAdded => td_string!(locale, log.attachment_added),
        LogKind::AttachmentRemoved => td_string!(locale, log.attachment_removed),
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
        TrackedField::Description => td_string!(locale, field.description),
        TrackedField::ReleaseType => td_string!(locale, field.release_type),
        TrackedField::Risk => td_string!(locale, field.risk),
        TrackedField::Impact => td_string!(locale, field.impact),
        TrackedField::Urgency => td_string!(locale, field.urgency),
        TrackedField::PlannedStart => td_string!(locale, field.planned_start),
    }
}

fn shown_value(locale: Locale, zone: &ZoneOffsets, value: Option<&ShownValue>) -> String {
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
        Some(ShownValue::Time(at)) => format_datetime(zone, *at),
        Some(ShownValue::Number(priority)) => priority_label(locale, *priority).to_owned(),
        Some(ShownValue::Text(text)) => text.clone(),
        Some(ShownValue::ReleaseType(release_type)) => {
            crate::release_form::release_type_label(locale, release_type.code()).to_owned()
        }
        Some(ShownValue::Risk(risk)) => crate::release_form::risk_label(locale, risk.code()).to_owned(),
        Some(ShownValue::Level(level)) => crate::release_form::level_label(locale, *level).to_owned(),
    }
}

/// "Estado: Aprobada → Resuelta"; times in `zone`.
pub fn change_summary(locale: Locale, zone: &ZoneOffsets, change: &FieldChange) -> String {
    format!(
        "{}: {} → {}",
        tracked_field_label(locale, change.field),
        shown_value(locale, zone, change.before.as_ref()),
        shown_value(locale, zone, change.after.as_ref())
    )
}

/// Log entries as a table, newest first as given; `caption` names it for screen readers.
/// `beside_occurrence`, when given, renders what follows a manual occurrence's text (its
/// attachments, in the release's log), from the entry's id.
#[component]
pub fn LogTable(
    #[prop(into)] entries: Signal<Vec<LogEntryView>>,
    #[prop(into)] caption: Signal<String>,
    #[prop(optional)] beside_occurrence: Option<Callback<i64, AnyView>>,
) -> impl IntoView {
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
                // Keyed by entry: an entry never changes, so a reload keeps the rows already
                // shown and what is under way in them (a file being chosen for an occurrence).
                <tbody>
                    <For each=move || entries.get() key=|entry| entry.id let(entry)>
                        <LogRow entry beside_occurrence />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn LogRow(entry: LogEntryView, beside_occurrence: Option<Callback<i64, AnyView>>) -> impl IntoView {
    let i18n = use_i18n();
    let zone = use_zone();
    let (kind, at, id) = (entry.kind, entry.at, entry.id);
    let LogEntryView { step, outcome, to_step, label, changes, occurrence, text, .. } = entry;
    view! {
        <tr class=format!("log-{}", kind.code())>
            <td>{move || zone.format(at)}</td>
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
                        let (category, origin) = (o.category.name, o.origin.name);
                        view! {
                            <span class="occurrence-meta">
                                {move || localized(i18n.get_locale(), &category)} " · "
                                {move || localized(i18n.get_locale(), &origin)}
                            </span>
                            <strong class="occurrence-description">{o.description}</strong>
                            {text.clone()}
                            <span class="occurrence-user-info">
                                {move || field_label(i18n.get_locale(), Field::UserInformation)} ": " {o.user_information.clone()}
                            </span>
                            {beside_occurrence.map(|beside| beside.run(id))}
                        }
                    })}
                {(kind != LogKind::Manual).then(|| text.clone())}
                {(!changes.is_empty())
                    .then(|| {
                        view! {
                            <ul class="changes" aria-label=move || t_string!(i18n, log.changes)>
                                {changes
                                    .into_iter()
                                    .map(|change| view! { <li>{move || zone.with(|z| change_summary(i18n.get_locale(), z, &change))}</li> })
                                    .collect_view()}
                            </ul>
                        }
                    })}
            </td>
        </tr>
    }
}
