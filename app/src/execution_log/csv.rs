//! The execution log as CSV, in one language: headers and names translated, what users
//! typed kept as typed (but never able to run as a spreadsheet formula).

use crate::domain::time_zone::ZoneOffsets;
use crate::export::inert;
use crate::i18n::*;
use crate::language::{format_datetime, localized};
use crate::log_entries::{change_summary, kind_label};
use releasedesk_core::model::log::LogEntryView;

/// Times in `zone`, the user's. A failure to write is logged here and answered as internal.
pub fn log_csv(
    locale: Locale,
    zone: &ZoneOffsets,
    entries: &[LogEntryView],
) -> Result<String, releasedesk_core::Error> {
    write_log(locale, zone, entries).map_err(|error| {
        tracing::error!(%error, "cannot write the log as CSV");
        releasedesk_core::Error::Internal
    })
}

fn write_log(locale: Locale, zone: &ZoneOffsets, entries: &[LogEntryView]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        td_string!(locale, log.when),
        td_string!(locale, log.who),
        td_string!(locale, log.what),
        td_string!(locale, log.task),
        td_string!(locale, log.time_spent),
        td_string!(locale, log.detail),
        td_string!(locale, field.occurrence_category),
        td_string!(locale, field.occurrence_origin),
        td_string!(locale, field.occurrence_description),
        td_string!(locale, field.occurrence_text),
        td_string!(locale, field.user_information),
    ])?;
    for entry in entries {
        let mut detail: Vec<String> = Vec::new();
        if let Some(outcome) = &entry.outcome {
            detail.push(localized(locale, outcome));
        }
        if let Some(step) = &entry.to_step {
            detail.push(format!("→ {}", localized(locale, step)));
        }
        if let Some(label) = &entry.label {
            detail.push(localized(locale, label));
        }
        detail.extend(entry.changes.iter().map(|change| change_summary(locale, zone, change)));
        let occurrence = entry.occurrence.as_ref();
        writer.write_record([
            format_datetime(zone, entry.at),
            inert(&entry.user),
            kind_label(locale, entry.kind).to_owned(),
            entry.step.as_ref().map(|s| localized(locale, s)).unwrap_or_default(),
            entry.time_spent_minutes.map(|m| m.to_string()).unwrap_or_default(),
            inert(&detail.join("; ")),
            inert(&occurrence.map(|o| localized(locale, &o.category.name)).unwrap_or_default()),
            inert(&occurrence.map(|o| localized(locale, &o.origin.name)).unwrap_or_default()),
            inert(occurrence.map(|o| o.description.as_str()).unwrap_or_default()),
            inert(entry.text.as_deref().unwrap_or_default()),
            inert(occurrence.map(|o| o.user_information.as_str()).unwrap_or_default()),
        ])?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
