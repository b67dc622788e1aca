//! Everything the two languages need beyond the locale files: the provider with its
//! cookie, the ES | PT switch, and the translation of codes (statuses, errors, fields).

use crate::domain::flow::Refusal;
use crate::domain::validation::{Field, FieldError, Problem};
use crate::domain::{Localized, Permission, Status};
use crate::error::{AppError, Error};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::context::CookieOptions;
use leptos_i18n::I18nContext;

/// The cookie that keeps the chosen language, so the server renders the next page in it.
pub const LANGUAGE_COOKIE: &str = "releasedesk_lang";

/// Provides the language to everything below: from the cookie, else Accept-Language,
/// else Spanish. Sets `<html lang>` and keeps the choice for a year.
#[component]
pub fn LanguageProvider(children: Children) -> impl IntoView {
    const YEAR_MS: i64 = 365 * 24 * 60 * 60 * 1000;
    let cookie_options = CookieOptions::default().path("/").max_age(YEAR_MS);
    view! {
        <I18nContextProvider cookie_name=LANGUAGE_COOKIE cookie_options>
            {keep_language_cookie()}
            {children()}
        </I18nContextProvider>
    }
}

/// In the browser, writes the language cookie whenever the language changes (and once at the
/// start, as leptos_i18n did). The server writes it through leptos_i18n's "cookie" feature; the
/// wasm goes without that feature, which would bring a cookie parser, the `time` crate and a
/// cross-tab channel into the first download (see the workspace's Cargo.toml).
fn keep_language_cookie() {
    #[cfg(feature = "hydrate")]
    {
        let i18n = use_i18n();
        Effect::new(move |_| {
            const YEAR_S: i64 = 365 * 24 * 60 * 60;
            let locale = i18n.get_locale();
            let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/; Max-Age={YEAR_S}; SameSite=Lax", locale.as_str());
            // Fails only where cookies are disabled: the choice then lasts until a reload.
            let _ = web_sys::js_sys::Reflect::set(&document(), &"cookie".into(), &cookie.into());
        });
    }
}

/// The language the cookie holds now, in the browser: after a login, the user's own (set by
/// the login's answer), which the page then takes without a reload.
pub fn language_from_cookie() -> Option<Locale> {
    #[cfg(feature = "hydrate")]
    {
        let cookies = web_sys::js_sys::Reflect::get(&document(), &"cookie".into()).ok()?.as_string()?;
        let value = cookies
            .split(';')
            .filter_map(|cookie| cookie.trim().strip_prefix(LANGUAGE_COOKIE)?.strip_prefix('='))
            .next()?;
        match value {
            "es" => Some(Locale::es),
            "pt" => Some(Locale::pt),
            _ => None,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// ES | PT in the header: changes every label at once, keeps what is typed.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let choice = move |locale: Locale| {
        view! {
            <button
                type="button"
                class="lang-option"
                lang=locale.as_str()
                aria-pressed=move || (i18n.get_locale() == locale).to_string()
                on:click=move |_| i18n.set_locale(locale)
            >
                {move || match locale {
                    Locale::es => t_string!(i18n, header.lang_es),
                    Locale::pt => t_string!(i18n, header.lang_pt),
                }}
            </button>
        }
    };
    view! {
        <div class="lang-switch" role="group" aria-label=move || t_string!(i18n, header.language)>
            {choice(Locale::es)}
            <span aria-hidden="true">"|"</span>
            {choice(Locale::pt)}
        </div>
    }
}

/// A text held in both languages (flow steps, categories), in the current one.
pub fn localized(locale: Locale, text: &Localized) -> String {
    match locale {
        Locale::es => text.es.clone(),
        Locale::pt => text.pt.clone(),
    }
}

pub fn status_label(locale: Locale, status: Status) -> &'static str {
    match status {
        Status::Registered => td_string!(locale, status.registered),
        Status::Approved => td_string!(locale, status.approved),
        Status::InExecution => td_string!(locale, status.in_execution),
        Status::Resolved => td_string!(locale, status.resolved),
        Status::NotResolved => td_string!(locale, status.not_resolved),
        Status::Suspended => td_string!(locale, status.suspended),
        Status::Cancelled => td_string!(locale, status.cancelled),
        Status::Closed => td_string!(locale, status.closed),
    }
}

pub fn permission_label(locale: Locale, permission: Permission) -> &'static str {
    match permission {
        Permission::Create => td_string!(locale, permission.create),
        Permission::Execute => td_string!(locale, permission.execute),
        Permission::Delegate => td_string!(locale, permission.delegate),
        Permission::Suspend => td_string!(locale, permission.suspend),
        Permission::Reactivate => td_string!(locale, permission.reactivate),
        Permission::Reopen => td_string!(locale, permission.reopen),
        Permission::Cancel => td_string!(locale, permission.cancel),
        Permission::Administer => td_string!(locale, permission.administer),
    }
}

pub fn field_label(locale: Locale, field: Field) -> &'static str {
    match field {
        Field::Outcome => td_string!(locale, field.outcome),
        Field::SolutionCategory => td_string!(locale, field.solution_category),
        Field::UsefulInformation => td_string!(locale, field.useful_information),
        Field::Title => td_string!(locale, field.title),
        Field::Description => td_string!(locale, field.description),
        Field::VersionLabel => td_string!(locale, field.version_label),
        Field::PlannedStart => td_string!(locale, field.planned_start),
        Field::PlannedEnd => td_string!(locale, field.planned_end),
        Field::ReleaseType => td_string!(locale, field.release_type),
        Field::Risk => td_string!(locale, field.risk),
        Field::ExecutorGroup => td_string!(locale, field.executor_group),
        Field::Impact => td_string!(locale, field.impact),
        Field::Urgency => td_string!(locale, field.urgency),
        Field::Search => td_string!(locale, field.search),
        Field::Username => td_string!(locale, field.username),
        Field::Password => td_string!(locale, field.password),
        Field::FullName => td_string!(locale, field.full_name),
        Field::Responsibility => td_string!(locale, field.responsibility),
        Field::DelegateGroup => td_string!(locale, field.delegate_group),
        Field::DelegateUser => td_string!(locale, field.delegate_user),
        Field::Justification => td_string!(locale, field.justification),
        Field::Complement => td_string!(locale, field.complement),
        Field::Reason => td_string!(locale, field.reason),
        Field::OccurrenceCategory => td_string!(locale, field.occurrence_category),
        Field::OccurrenceOrigin => td_string!(locale, field.occurrence_origin),
        Field::TimeSpent => td_string!(locale, field.time_spent),
        Field::OccurrenceDescription => td_string!(locale, field.occurrence_description),
        Field::OccurrenceText => td_string!(locale, field.occurrence_text),
        Field::UserInformation => td_string!(locale, field.user_information),
        Field::GroupName => td_string!(locale, field.group_name),
        Field::Groups => td_string!(locale, field.groups),
        Field::Email => td_string!(locale, field.email),
        Field::TimeZone => td_string!(locale, time_zone.field),
        Field::Language => td_string!(locale, time_zone.language),
        Field::Code => td_string!(locale, field.code),
        Field::NameEs => td_string!(locale, field.name_es),
        Field::NamePt => td_string!(locale, field.name_pt),
        Field::NewPassword => td_string!(locale, field.new_password),
        Field::Page => td_string!(locale, field.page),
        Field::PasswordRepeat => td_string!(locale, field.password_repeat),
        Field::Status => td_string!(locale, field.status),
        Field::Body => td_string!(locale, field.body),
        Field::Name => td_string!(locale, field.name),
        Field::Version => td_string!(locale, field.version),
        Field::Location => td_string!(locale, field.location),
        Field::Sha256 => td_string!(locale, field.sha256),
        Field::Expiry => td_string!(locale, tokens.expires),
        Field::Priority => td_string!(locale, list.priority),
        Field::PageSize => td_string!(locale, list.page_size),
        Field::Requester => td_string!(locale, list.requester),
        Field::RegisteredRange => td_string!(locale, list.registered_range),
        Field::DueRange => td_string!(locale, list.due_range),
        Field::WebhookUrl => td_string!(locale, webhooks.url),
        Field::WebhookSecret => td_string!(locale, webhooks.secret),
        Field::WebhookEvents => td_string!(locale, webhooks.events),
        Field::FileName => td_string!(locale, field.file_name),
    }
}

pub fn priority_label(locale: Locale, priority: i64) -> &'static str {
    match priority {
        1 => td_string!(locale, priority.p1),
        2 => td_string!(locale, priority.p2),
        3 => td_string!(locale, priority.p3),
        4 => td_string!(locale, priority.p4),
        _ => td_string!(locale, priority.p5),
    }
}

/// Codes stored in catalogues (statuses, languages) in the current language.
pub fn catalogue_code_label(locale: Locale, code: &str) -> String {
    let label = match code {
        "registered" => td_string!(locale, catalogue.registered),
        "in_analysis" => td_string!(locale, catalogue.in_analysis),
        "known_error" => td_string!(locale, catalogue.known_error),
        "resolved" => td_string!(locale, catalogue.resolved),
        "closed" => td_string!(locale, catalogue.closed),
        "approved" => td_string!(locale, catalogue.approved),
        "in_progress" => td_string!(locale, catalogue.in_progress),
        "implemented" => td_string!(locale, catalogue.implemented),
        "cancelled" => td_string!(locale, catalogue.cancelled),
        "es" => td_string!(locale, catalogue.lang_es),
        "pt" => td_string!(locale, catalogue.lang_pt),
        // Anything else (a version, a user name) is data, shown as stored.
        other => return other.to_owned(),
    };
    label.to_owned()
}

/// An error as a sentence in the current language; never a debug string. When the server
/// gave the failed request's id, it follows as a reference code the user can report.
#[component]
pub fn ErrorMessage(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let reference = error.reference.map(|code| {
        view! {
            " "
            <span class="reference">{t!(i18n, error.reference)} ": " {code}</span>
        }
    });
    (error_sentence(i18n, error.error), reference)
}

fn error_sentence(i18n: I18nContext<Locale>, error: Error) -> AnyView {
    match error {
        Error::Unauthenticated => view! { {t!(i18n, error.unauthenticated)} }.into_any(),
        Error::BadCredentials => view! { {t!(i18n, error.bad_credentials)} }.into_any(),
        Error::PasswordChangeRequired => view! { {t!(i18n, error.password_change_required)} }.into_any(),
        Error::NotFound => view! { {t!(i18n, error.not_found)} }.into_any(),
        Error::Unavailable => view! { {t!(i18n, error.unavailable)} }.into_any(),
        Error::Request { .. } => view! { {t!(i18n, error.request)} }.into_any(),
        // A short wait (too fast from one address) in seconds, a lockout in minutes.
        Error::TooManyAttempts { retry_after_seconds: seconds } if seconds < 60 => {
            view! { {t!(i18n, error.too_many_attempts_seconds, seconds)} }.into_any()
        }
        Error::TooManyAttempts { retry_after_seconds } => {
            let minutes = retry_after_seconds.div_ceil(60).max(1);
            view! { {t!(i18n, error.too_many_attempts, minutes)} }.into_any()
        }
        Error::CrossSite => view! { {t!(i18n, error.cross_site)} }.into_any(),
        Error::TooLarge => view! { {t!(i18n, error.too_large)} }.into_any(),
        Error::EmptyFile => view! { {t!(i18n, error.empty_file)} }.into_any(),
        Error::FileTooLarge { max_bytes } => {
            let megabytes = megabytes(max_bytes);
            view! { {t!(i18n, error.file_too_large, megabytes)} }.into_any()
        }
        Error::Conflict => view! { {t!(i18n, error.conflict)} }.into_any(),
        Error::Internal => view! { {t!(i18n, error.internal)} }.into_any(),
        Error::Invalid(error) => invalid_message(i18n, error),
        Error::Refused { refusal } => match refusal {
            Refusal::FlowEnded => view! { {t!(i18n, error.flow_ended)} }.into_any(),
            Refusal::Suspended => view! { {t!(i18n, error.suspended)} }.into_any(),
            Refusal::NotInGroup { group } => view! { {t!(i18n, error.not_in_group, group)} }.into_any(),
            Refusal::GroupLacksPermission { permission } => {
                let permission = move || permission_label(i18n.get_locale(), permission);
                view! { {t!(i18n, error.group_lacks_permission, permission)} }.into_any()
            }
            Refusal::HeldByOther { holder } => view! { {t!(i18n, error.held_by_other, holder)} }.into_any(),
            Refusal::NotCaptured => view! { {t!(i18n, error.not_captured)} }.into_any(),
            Refusal::StaleVersion { .. } => view! { {t!(i18n, error.stale_version)} }.into_any(),
            Refusal::OutcomeNotAllowed { .. } => view! { {t!(i18n, error.outcome_not_allowed)} }.into_any(),
            Refusal::Invalid(error) => invalid_message(i18n, error),
            Refusal::AlreadyLinked => view! { {t!(i18n, error.already_linked)} }.into_any(),
            Refusal::ChangeNotLinkable { status } => {
                let status = move || catalogue_code_label(i18n.get_locale(), &status);
                view! { {t!(i18n, error.change_not_linkable, status)} }.into_any()
            }
            Refusal::NotAllowedInStatus { status } => {
                let status = move || status_label(i18n.get_locale(), status);
                view! { {t!(i18n, error.not_allowed_in_status, status)} }.into_any()
            }
            Refusal::LastAdministrator => view! { {t!(i18n, error.last_administrator)} }.into_any(),
        },
    }
}

/// An error shown where it happened, announced to screen readers.
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    view! {
        <p class="error" role="alert">
            <ErrorMessage error />
        </p>
    }
}

pub(crate) fn invalid_message(i18n: I18nContext<Locale>, error: FieldError) -> AnyView {
    let field = move || field_label(i18n.get_locale(), error.field);
    match error.problem {
        Problem::Required => view! { {t!(i18n, error.required, field)} }.into_any(),
        Problem::TooLong { max } => view! { {t!(i18n, error.too_long, field, max)} }.into_any(),
        Problem::OutOfRange => view! { {t!(i18n, error.out_of_range, field)} }.into_any(),
        Problem::EndBeforeStart => view! { {t!(i18n, error.end_before_start)} }.into_any(),
        Problem::TooShort { min } => view! { {t!(i18n, error.too_short, field, min)} }.into_any(),
        Problem::Mismatch => view! { {t!(i18n, error.mismatch, field)} }.into_any(),
        Problem::InvalidCharacters => view! { {t!(i18n, error.invalid_characters, field)} }.into_any(),
        Problem::Taken => view! { {t!(i18n, error.taken, field)} }.into_any(),
        Problem::Unknown => view! { {t!(i18n, error.unknown, field)} }.into_any(),
        Problem::ReversedRange => view! { {t!(i18n, error.reversed_range, field)} }.into_any(),
    }
}

/// A size in bytes as megabytes (of 1024 × 1024 bytes), with one decimal when it is not whole:
/// "20", "0.5".
pub fn megabytes(bytes: u64) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// A duration as "2 d 3 h", "4 h 10 min" or "25 min": the units read the same in es and pt.
pub fn format_duration(seconds: i64) -> String {
    let minutes = (seconds.max(0) + 59) / 60;
    let (days, hours, minutes) = (minutes / 1_440, (minutes % 1_440) / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} min"),
        (0, _) => format!("{hours} h {minutes} min"),
        _ => format!("{days} d {hours} h"),
    }
}

/// A stored time (Unix seconds) as dd/mm/yyyy HH:mm in `zone` (pages take theirs from
/// `time_zone::use_zone`).
pub fn format_datetime(zone: &crate::domain::time_zone::ZoneOffsets, seconds: i64) -> String {
    format_wall_clock(zone.to_local(seconds))
}

/// A stored time as a datetime-local field holds it in `zone`: `2026-03-05T14:07`; empty
/// out of the years such a field takes.
pub fn format_datetime_local(zone: &crate::domain::time_zone::ZoneOffsets, seconds: i64) -> String {
    let local = zone.to_local(seconds);
    let (days, time) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    match civil_from_days(days) {
        Some((year, month, day)) if (0..=9_999).contains(&year) => {
            format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}", time / 3_600, time % 3_600 / 60)
        }
        _ => String::new(),
    }
}

/// Wall-clock seconds (since 1970-01-01T00:00 of some zone) as dd/mm/yyyy HH:mm: what
/// chrono writes for `%d/%m/%Y %H:%M`, empty out of its range. Plain arithmetic rather than
/// chrono, which would weigh some 30 KB in the wasm for this and `parse_datetime_local`.
fn format_wall_clock(seconds: i64) -> String {
    let (days, time) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let Some((year, month, day)) = civil_from_days(days) else {
        return String::new();
    };
    let (hour, minute) = (time / 3_600, time % 3_600 / 60);
    if (0..=9_999).contains(&year) {
        format!("{day:02}/{month:02}/{year:04} {hour:02}:{minute:02}")
    } else {
        format!("{day:02}/{month:02}/{year:+05} {hour:02}:{minute:02}")
    }
}

/// The years chrono's dates hold.
const YEARS: std::ops::RangeInclusive<i64> = -262_143..=262_142;

/// Days since 1970-01-01 of a date of the proleptic Gregorian calendar; `None` if there is
/// no such date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !YEARS.contains(&year) || !(1..=month_days).contains(&day) {
        return None;
    }
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The date (year, month, day) `days` after 1970-01-01; `None` out of chrono's range
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> Option<(i64, i64, i64)> {
    let days = days.checked_add(719_468)?;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    YEARS.contains(&year).then_some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_field_shows_the_time_it_reads() {
        use crate::release_form::registration::read_datetime_local;
        let sao_paulo = ZoneOffsets { name: "America/Sao_Paulo".into(), initial: -10_800, transitions: vec![] };
        assert_eq!(format_datetime_local(&sao_paulo, 1_772_719_620), "2026-03-05T11:07");
        for seconds in [0, 1_772_719_620, 4_102_444_800] {
            let shown = format_datetime_local(&sao_paulo, seconds);
            assert_eq!(read_datetime_local(&sao_paulo, &shown), Some(seconds), "{shown}");
        }
    }
    use crate::domain::time_zone::ZoneOffsets;

    #[test]
    fn dates_read_day_month_year() {
        // 2026-03-05 14:07 UTC
        assert_eq!(format_datetime(&ZoneOffsets::utc(), 1_772_719_620), "05/03/2026 14:07");
    }

    #[test]
    fn dates_read_in_the_users_zone() {
        let sao_paulo = ZoneOffsets { name: "America/Sao_Paulo".into(), initial: -10_800, transitions: vec![] };
        assert_eq!(format_datetime(&sao_paulo, 1_772_719_620), "05/03/2026 11:07");
        assert_eq!(format_datetime(&sao_paulo, 1_772_668_800), "04/03/2026 21:00");
    }

    #[test]
    fn dates_read_as_chrono_writes_them() {
        let chrono = |seconds: i64| {
            chrono::DateTime::from_timestamp(seconds, 0)
                .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
                .unwrap_or_default()
        };
        let mut seconds: Vec<i64> =
            (-40_000..40_000).map(|day: i64| day * 86_400 + (day * 7_919).rem_euclid(86_400)).collect();
        seconds.extend([0, -1, 59, 60, 86_399, 951_782_400, 4_107_542_400, i64::MIN, i64::MAX, -62_135_596_801]);
        for day in [-95_000_000_000_i64, -2_932_897, 2_932_896] {
            seconds.extend((-3..3).map(|d| (day + d) * 86_400));
        }
        seconds.extend((-3..3).map(|d| 8_210_266_876_800 + d * 86_400));
        seconds.extend((-3..3).map(|d| -8_334_601_228_800 + d * 86_400));
        for seconds in seconds {
            assert_eq!(format_wall_clock(seconds), chrono(seconds), "{seconds}");
        }
    }

    #[test]
    fn durations_round_up_to_the_minute() {
        assert_eq!(format_duration(0), "0 min");
        assert_eq!(format_duration(61), "2 min");
        assert_eq!(format_duration(3 * 3_600 + 600), "3 h 10 min");
        assert_eq!(format_duration(2 * 86_400 + 3_600), "2 d 1 h");
    }

    #[test]
    fn every_status_has_a_label_in_both_languages() {
        for status in Status::ALL {
            assert!(!status_label(Locale::es, *status).is_empty());
            assert!(!status_label(Locale::pt, *status).is_empty());
        }
        assert_eq!(status_label(Locale::es, Status::InExecution), "En ejecución");
        assert_eq!(status_label(Locale::pt, Status::Suspended), "Suspensa");
    }
}
