//! "Exportar CSV" of the list: `GET /releases/export.csv` with the list's own address
//! parameters (`q`, `status`, `scope`, `priority`, `group`, `late`) and `lang` (es, pt).
//! Every release the filters select, not only the page, read from the database a batch at
//! a time and sent as it is read; columns as the list's, in the language asked for and the
//! user's time zone; what users typed can never run as a spreadsheet formula.

use super::{column_labels, delay_parts, query_from, EXPORT_PATH};
use crate::api::{text, Problem};
use crate::i18n::*;
use crate::language::{format_datetime, localized, priority_label, status_label};
use crate::session::Session;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos_router::params::ParamsMap;
use releasedesk_core::commands::list::export_batch;
use releasedesk_core::commands::{Ctx, Desk};
use releasedesk_core::domain::time_zone::ZoneOffsets;
use releasedesk_core::model::list::{ListQuery, ReleaseRow};
use releasedesk_core::spreadsheet::inert;
use releasedesk_core::Error;
use std::sync::Arc;

/// The export's route, for a router of any state.
pub fn routes<S: Clone + Send + Sync + 'static>(desk: Desk) -> Router<S> {
    Router::new().route(EXPORT_PATH, get(export)).with_state(desk)
}

/// One file being written: who reads, what, and where the last batch ended.
struct Export {
    ctx: Ctx,
    query: ListQuery,
    locale: Locale,
    zone: Arc<ZoneOffsets>,
    /// The next batch starts below this release; `None` before the first.
    after: Option<i64>,
    done: bool,
}

async fn export(State(desk): State<Desk>, session: Session, Query(pairs): Query<Vec<(String, String)>>) -> Response {
    let mut params = ParamsMap::new();
    for (name, value) in pairs {
        params.insert(name, value);
    }
    let locale = if params.get("lang").as_deref() == Some("pt") { Locale::pt } else { Locale::es };
    let Some(user) = session.user.clone() else {
        return Problem::from_error(locale, Error::Unauthenticated).into_response();
    };
    if user.must_change_password {
        return Problem::from_error(locale, Error::PasswordChangeRequired).into_response();
    }
    let query = ListQuery { page: 0, after: None, before: None, ..query_from(&params) };
    if let Err(invalid) = query.check() {
        return Problem::from_error(locale, invalid.into()).into_response();
    }
    let zone = desk.time_zone(user.time_zone.as_deref());
    let file = Export { ctx: desk.acting(user.actor), query, locale, zone, after: None, done: false };
    let header_line = csv_lines(&[header(locale)]);
    let rows = futures_util::stream::unfold(file, |mut file| async move {
        if file.done {
            return None;
        }
        match export_batch(&file.ctx, &file.query, &file.zone, file.after).await {
            Ok((rows, more)) => {
                file.after = rows.last().map(|row| row.id.0);
                file.done = !more || file.after.is_none();
                let lines: Vec<[String; 11]> = rows.iter().map(|row| line(file.locale, &file.zone, row)).collect();
                Some((Ok(Bytes::from(csv_lines(&lines))), file))
            }
            Err(error) => {
                // The download breaks off rather than ending as if the file were whole.
                tracing::error!(%error, "cannot read the list for its export");
                file.done = true;
                Some((Err(std::io::Error::other("the list could not be read")), file))
            }
        }
    });
    let body = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(header_line)) }),
        rows,
    );
    let file_name = format!("{}.csv", td_string!(locale, list.export_file));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The columns' names, as the list heads them, with the title after the number.
fn header(locale: Locale) -> [String; 11] {
    let (labels, title) = (column_labels(locale), td_string!(locale, field.title));
    std::array::from_fn(|column| match column {
        0 => labels[0],
        1 => title,
        column => labels[column - 1],
    })
    .map(str::to_owned)
}

/// A release as the list shows it.
fn line(locale: Locale, zone: &ZoneOffsets, row: &ReleaseRow) -> [String; 11] {
    [
        row.id.0.to_string(),
        inert(&row.title),
        inert(&row.requester),
        format_datetime(zone, row.created_at),
        priority_label(locale, row.priority).to_owned(),
        format_datetime(zone, row.planned_end),
        delay_text(locale, row.delay_seconds),
        status_label(locale, row.status).to_owned(),
        row.current_task.as_ref().map(|task| localized(locale, task)).unwrap_or_default(),
        inert(&row.executor_group),
        match &row.responsible {
            Some(name) => inert(name),
            None => td_string!(locale, list.unassigned).to_owned(),
        },
    ]
}

/// "3 d 4 h" late, or "En plazo", as the list's column says it.
fn delay_text(locale: Locale, seconds: i64) -> String {
    match delay_parts(seconds) {
        None => td_string!(locale, list.on_time).to_owned(),
        Some((days, hours, _)) if days > 0 => {
            text(locale, "list.delay_days", &[("days", days.to_string()), ("hours", hours.to_string())])
        }
        Some((_, hours, minutes)) => {
            text(locale, "list.delay_hours", &[("hours", hours.to_string()), ("minutes", minutes.to_string())])
        }
    }
}

/// `lines` as CSV text.
fn csv_lines(lines: &[[String; 11]]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for line in lines {
        if let Err(error) = writer.write_record(line) {
            tracing::error!(%error, "cannot write a line of the list's export");
        }
    }
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
}
