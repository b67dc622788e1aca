//! "Registro de administración" / "Registro de administração": every change made through
//! the administration, newest first, filterable by kind, read-only, exportable as CSV.

use super::api::*;
use super::catalogues::{catalogue_label, offered_label, shown_value};
use super::group_names;
use super::webhooks::event_label;
use crate::domain::{GroupId, Permission};
use crate::export::CsvExportButton;
use crate::i18n::*;
use crate::language::{field_label, permission_label, ErrorAlert};
use crate::time_zone::use_zone;
use leptos::prelude::*;

pub fn kind_label(locale: Locale, kind: AdminChangeKind) -> &'static str {
    match kind {
        AdminChangeKind::UserCreated => td_string!(locale, admin.kind_user_created),
        AdminChangeKind::UserUpdated => td_string!(locale, admin.kind_user_updated),
        AdminChangeKind::UserDeactivated => td_string!(locale, admin.kind_user_deactivated),
        AdminChangeKind::UserReactivated => td_string!(locale, admin.kind_user_reactivated),
        AdminChangeKind::PasswordReset => td_string!(locale, admin.kind_password_reset),
        AdminChangeKind::GroupCreated => td_string!(locale, admin.kind_group_created),
        AdminChangeKind::GroupUpdated => td_string!(locale, admin.kind_group_updated),
        AdminChangeKind::ItemCreated => td_string!(locale, admin.kind_item_created),
        AdminChangeKind::ItemUpdated => td_string!(locale, admin.kind_item_updated),
        AdminChangeKind::WebhookCreated => td_string!(locale, admin.kind_webhook_created),
        AdminChangeKind::WebhookEventsChanged => td_string!(locale, admin.kind_webhook_events_changed),
        AdminChangeKind::WebhookDeactivated => td_string!(locale, admin.kind_webhook_deactivated),
        AdminChangeKind::WebhookReactivated => td_string!(locale, admin.kind_webhook_reactivated),
        AdminChangeKind::WebhookDeleted => td_string!(locale, admin.kind_webhook_deleted),
    }
}

/// What a change did, in words: the fields it set, or each field it changed as
/// "Campo: antes → después". Groups are named as they are called now.
pub fn change_detail(locale: Locale, change: &AdminChange, groups: &[GroupSummary]) -> String {
    let group_names = |ids: &[GroupId]| group_names(ids, groups);
    let permissions =
        |list: &[Permission]| list.iter().map(|p| permission_label(locale, *p)).collect::<Vec<_>>().join(", ");
    let (full_name, email, in_groups, name, granted) = (
        td_string!(locale, field.full_name),
        td_string!(locale, field.email),
        td_string!(locale, field.groups),
        td_string!(locale, field.group_name),
        td_string!(locale, admin.permissions),
    );
    let (zone, language) = (td_string!(locale, time_zone.field), td_string!(locale, time_zone.language));
    let events = |list: &[WebhookEvent]| list.iter().map(|e| event_label(locale, *e)).collect::<Vec<_>>().join(", ");
    let language_name = |code: &Option<String>| {
        code.as_deref().map(|c| crate::language::catalogue_code_label(locale, c)).unwrap_or_default()
    };
    let mut parts = Vec::new();
    let mut differ = |label: &str, before: String, after: String| {
        if before != after {
            parts.push(format!("{label}: {before} → {after}"));
        }
    };
    match change {
        AdminChange::UserCreated { after } => {
            differ(full_name, String::new(), after.full_name.clone());
            differ(email, String::new(), after.email.clone());
            differ(in_groups, String::new(), group_names(&after.groups));
            differ(zone, String::new(), after.time_zone.clone().unwrap_or_default());
            differ(language, String::new(), language_name(&after.language));
        }
        AdminChange::UserUpdated { before, after } => {
            differ(full_name, before.full_name.clone(), after.full_name.clone());
            differ(email, before.email.clone(), after.email.clone());
            differ(in_groups, group_names(&before.groups), group_names(&after.groups));
            differ(zone, before.time_zone.clone().unwrap_or_default(), after.time_zone.clone().unwrap_or_default());
            differ(language, language_name(&before.language), language_name(&after.language));
        }
        AdminChange::GroupCreated { after } => differ(granted, String::new(), permissions(&after.permissions)),
        AdminChange::GroupUpdated { before, after } => {
            differ(name, before.name.clone(), after.name.clone());
            differ(granted, permissions(&before.permissions), permissions(&after.permissions));
        }
        AdminChange::ItemCreated { catalogue, after } => {
            differ(td_string!(locale, admin.catalogue), String::new(), catalogue_label(locale, *catalogue).to_owned());
            for column in catalogue.columns() {
                let label = field_label(locale, column.field());
                differ(label, String::new(), shown_value(locale, *catalogue, &after.fields, *column));
            }
            differ(td_string!(locale, admin.state), String::new(), offered_label(locale, after.active).to_owned());
        }
        AdminChange::ItemUpdated { catalogue, before, after } => {
            for column in catalogue.columns() {
                let shown = |item: &CatalogueItem| shown_value(locale, *catalogue, &item.fields, *column);
                differ(field_label(locale, column.field()), shown(before), shown(after));
            }
            let state = |active| offered_label(locale, active).to_owned();
            differ(td_string!(locale, admin.state), state(before.active), state(after.active));
        }
        AdminChange::WebhookCreated { events: after, .. } => {
            differ(td_string!(locale, webhooks.events), String::new(), events(after));
        }
        AdminChange::WebhookEventsChanged { before, after, .. } => {
            differ(td_string!(locale, webhooks.events), events(before), events(after));
        }
        AdminChange::UserDeactivated { .. }
        | AdminChange::UserReactivated { .. }
        | AdminChange::PasswordReset { .. }
        | AdminChange::WebhookDeactivated { .. }
        | AdminChange::WebhookReactivated { .. }
        | AdminChange::WebhookDeleted { .. } => {}
    }
    parts.join("; ")
}

/// The page's entries as CSV in one language.
#[cfg(feature = "ssr")]
pub fn log_csv(
    locale: Locale,
    zone: &crate::domain::time_zone::ZoneOffsets,
    page: &AdminLogPage,
) -> Result<String, csv::Error> {
    use crate::export::inert;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        td_string!(locale, log.when),
        td_string!(locale, log.who),
        td_string!(locale, log.what),
        td_string!(locale, admin.subject),
        td_string!(locale, log.detail),
    ])?;
    for entry in &page.entries {
        writer.write_record([
            crate::language::format_datetime(zone, entry.occurred_at),
            inert(&entry.by),
            kind_label(locale, entry.change.kind()).to_owned(),
            inert(entry.change.subject()),
            inert(&change_detail(locale, &entry.change, &page.groups)),
        ])?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[component]
pub fn AdministrationLogPage() -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(None::<AdminChangeKind>);
    let log = Resource::new(move || kind.get(), admin_log);
    view! {
        <section class="admin-page">
            <h1>{t!(i18n, admin.log_title)}</h1>
            <div class="admin-toolbar">
                <div class="field">
                    <label for="admin-log-kind">{t!(i18n, admin.kind)}</label>
                    <select
                        id="admin-log-kind"
                        on:change=move |ev| kind.set(AdminChangeKind::from_code(&event_target_value(&ev)))
                    >
                        <option value="" selected=move || kind.get().is_none()>{t!(i18n, log.all_kinds)}</option>
                        {AdminChangeKind::ALL
                            .iter()
                            .map(|option| {
                                let option = *option;
                                view! {
                                    <option value=option.code() selected=move || kind.get() == Some(option)>
                                        {move || kind_label(i18n.get_locale(), option)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <CsvExportButton
                    fetch=move |language: &'static str| admin_log_csv(kind.get_untracked(), language.to_owned())
                    file_name=Signal::derive(move || format!("{}.csv", t_string!(i18n, admin.log_file_name)))
                />
            </div>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
                {move || {
                    log.get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            Ok(page) if page.entries.is_empty() => {
                                view! { <p class="muted">{t!(i18n, admin.log_empty)}</p> }.into_any()
                            }
                            Ok(page) => view! { <LogTable page /> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn LogTable(page: AdminLogPage) -> impl IntoView {
    let i18n = use_i18n();
    let zone = use_zone();
    let more = page.more;
    let groups = page.groups;
    let rows = page
        .entries
        .into_iter()
        .map(|entry| {
            let kind = entry.change.kind();
            let subject = entry.change.subject().to_owned();
            let change = entry.change;
            let groups = groups.clone();
            view! {
                <tr>
                    <td>{move || zone.format(entry.occurred_at)}</td>
                    <td>{entry.by}</td>
                    <td>{move || kind_label(i18n.get_locale(), kind)}</td>
                    <th scope="row">{subject}</th>
                    <td>{move || change_detail(i18n.get_locale(), &change, &groups)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        // Nothing in it takes the focus: the region itself does, so that a keyboard can scroll it.
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || t_string!(i18n, admin.log_title)>
            <table class="admin-log">
                <caption class="visually-hidden">{t!(i18n, admin.log_title)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, log.when)}</th>
                        <th scope="col">{t!(i18n, log.who)}</th>
                        <th scope="col">{t!(i18n, log.what)}</th>
                        <th scope="col">{t!(i18n, admin.subject)}</th>
                        <th scope="col">{t!(i18n, log.detail)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {more.then(|| view! { <p class="muted">{t!(i18n, admin.log_more)}</p> })}
    }
}
