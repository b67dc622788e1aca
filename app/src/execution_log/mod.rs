//! The execution log of a release ("Registro de Ejecución" / "Registro de Execução"):
//! every action's entry, newest first, stamped with date, time and user.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;

use crate::domain::ReleaseId;
use crate::i18n::*;
use crate::language::{format_datetime, localized, ErrorAlert};
use api::{release_log, LogEntryView};
use leptos::prelude::*;

crate::domain::code_enum!(
    /// What happened, as stored in `execution_log.kind`.
    LogKind {
        Registered = "registered",
        Captured = "captured",
        Saved = "saved",
        Advanced = "advanced",
        Resolved = "resolved",
        SentBack = "sent_back",
        Linked = "linked",
        Unlinked = "unlinked",
        Manual = "manual",
        Delegated = "delegated",
        Suspended = "suspended",
        Reactivated = "reactivated",
        Reopened = "reopened",
        Cancelled = "cancelled",
    }
);

impl LogKind {
    /// The entries of the "Acción" menu's actions, which the flow view's history also shows.
    pub fn is_release_action(self) -> bool {
        matches!(
            self,
            LogKind::Delegated | LogKind::Suspended | LogKind::Reactivated | LogKind::Reopened | LogKind::Cancelled
        )
    }
}

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

/// The log as a table, loaded when shown; `refresh` reloads it after an action.
#[component]
pub fn ExecutionLog(release: ReleaseId, #[prop(into)] refresh: Signal<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let entries = Resource::new(move || (release, refresh.get()), |(id, _)| release_log(id));
    view! {
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
            {move || {
                entries
                    .get()
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
                <tbody>
                    {entries
                        .into_iter()
                        .map(|entry| {
                            let kind = entry.kind;
                            let step = entry.step.clone();
                            let outcome = entry.outcome.clone();
                            let to_step = entry.to_step.clone();
                            let label = entry.label.clone();
                            view! {
                                <tr class=format!("log-{}", kind.code())>
                                    <td>{format_datetime(entry.at)}</td>
                                    <td>{entry.user}</td>
                                    <td>{move || kind_label(i18n.get_locale(), kind)}</td>
                                    <td>{move || step.as_ref().map(|s| localized(i18n.get_locale(), s))}</td>
                                    <td>
                                        {entry.time_spent_minutes.map(|minutes| view! { {t!(i18n, log.minutes, minutes)} })}
                                    </td>
                                    <td>
                                        {move || outcome.as_ref().map(|o| localized(i18n.get_locale(), o))}
                                        {move || to_step.as_ref().map(|s| format!(" → {}", localized(i18n.get_locale(), s)))}
                                        {move || label.as_ref().map(|l| format!("{}: ", localized(i18n.get_locale(), l)))}
                                        {entry.text.clone()}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
