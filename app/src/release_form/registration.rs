//! "Registrar liberación" / "Cadastrar liberação": the form for users whose group has Create.

use super::api::{executor_groups, register_release, RegisteredDraft, Registration, ReleaseView};
use crate::domain::priority::{priority, Level};
use crate::domain::validation::{Field, FieldError, Problem, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
use crate::domain::{GroupId, ReleaseType, Risk};
use crate::error::{AppError, Error};
use crate::i18n::*;
use crate::language::{priority_label, ErrorAlert};
use crate::layout::{Flash, FlashMessage};
use crate::time_zone::Zone;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// `2026-03-05T14:07` from a datetime-local field, as seconds since 1970-01-01T00:00 of the
/// same clock (UTC seconds if the field is in UTC: `time_zone::Zone::parse_local` reads it
/// in the user's zone). Reads exactly what
/// chrono reads for `%Y-%m-%dT%H:%M`: numbers of one or two digits (up to four for the year,
/// any with a sign), each maybe after spaces, and nothing after the minutes.
pub fn parse_datetime_local(value: &str) -> Option<i64> {
    let (year, rest) = number(value, 4, true)?;
    let (month, rest) = number(rest.strip_prefix('-')?, 2, false)?;
    let (day, rest) = number(rest.strip_prefix('-')?, 2, false)?;
    let (hour, rest) = number(rest.strip_prefix('T')?, 2, false)?;
    let (minute, rest) = number(rest.strip_prefix(':')?, 2, false)?;
    if !rest.is_empty() || !(0..24).contains(&hour) || !(0..60).contains(&minute) {
        return None;
    }
    Some(crate::language::days_from_civil(year, month, day)? * 86_400 + hour * 3_600 + minute * 60)
}

/// A datetime-local field's value read in `zone`, the user's, as Unix seconds (UTC). A time
/// the clock skipped or showed twice reads as `ZoneOffsets::to_utc` says.
pub fn read_datetime_local(zone: &crate::domain::time_zone::ZoneOffsets, value: &str) -> Option<i64> {
    parse_datetime_local(value).map(|local| zone.to_utc(local))
}

/// A number at the start of `text` (after any spaces) and what follows it: one to `width`
/// digits, or, if `signed`, any number of them after a `+` or `-`.
fn number(text: &str, width: usize, signed: bool) -> Option<(i64, &str)> {
    let text = text.trim_start();
    let (negative, text, width) =
        match text.strip_prefix('-').map(|t| (true, t)).or(text.strip_prefix('+').map(|t| (false, t))) {
            Some((negative, text)) if signed => (negative, text, usize::MAX),
            _ => (false, text, width),
        };
    let digits = text.bytes().take(width).take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let value =
        text[..digits].bytes().try_fold(0i64, |n, digit| n.checked_mul(10)?.checked_add(i64::from(digit - b'0')))?;
    Some((if negative { -value } else { value }, &text[digits..]))
}

/// The registered data as a form holds it: the registration and its correction share it.
#[derive(Debug, Clone, Copy)]
pub struct DataFields {
    title: RwSignal<String>,
    description: RwSignal<String>,
    release_type: RwSignal<ReleaseType>,
    risk: RwSignal<Risk>,
    impact: RwSignal<i64>,
    urgency: RwSignal<i64>,
    start: RwSignal<String>,
    end: RwSignal<String>,
    version: RwSignal<String>,
    /// The planned start and end as stored, when the form starts from a release: a field
    /// left as shown keeps its stored time (a field shows minutes, not seconds).
    stored: RwSignal<Option<(i64, i64)>>,
}

impl DataFields {
    /// An empty registration.
    pub fn empty() -> DataFields {
        DataFields {
            title: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            release_type: RwSignal::new(ReleaseType::Normal),
            risk: RwSignal::new(Risk::Low),
            impact: RwSignal::new(2),
            urgency: RwSignal::new(2),
            start: RwSignal::new(String::new()),
            end: RwSignal::new(String::new()),
            version: RwSignal::new(String::new()),
            stored: RwSignal::new(None),
        }
    }

    /// The release's data as registered, its dates in the user's zone.
    pub fn of(release: &ReleaseView, zone: Zone) -> DataFields {
        DataFields {
            title: RwSignal::new(release.title.clone()),
            description: RwSignal::new(release.description.clone()),
            release_type: RwSignal::new(ReleaseType::from_code(&release.release_type).unwrap_or(ReleaseType::Normal)),
            risk: RwSignal::new(Risk::from_code(&release.risk).unwrap_or(Risk::Low)),
            impact: RwSignal::new(release.impact),
            urgency: RwSignal::new(release.urgency),
            start: RwSignal::new(zone.format_local(release.planned_start)),
            end: RwSignal::new(zone.format_local(release.planned_end)),
            version: RwSignal::new(release.version_label.clone()),
            stored: RwSignal::new(Some((release.planned_start, release.planned_end))),
        }
    }

    /// What the fields hold, the dates read in the user's zone; a date that does not read
    /// is refused by its field.
    pub fn read(&self, zone: Zone) -> Result<RegisteredDraft, AppError> {
        let date = |value: RwSignal<String>, stored: Option<i64>, field| {
            let typed = value.get_untracked();
            match stored {
                Some(stored) if zone.format_local(stored) == typed => Ok(stored),
                _ => zone
                    .parse_local(&typed)
                    .ok_or_else(|| AppError::from(Error::Invalid(FieldError { field, problem: Problem::Required }))),
            }
        };
        let stored = self.stored.get_untracked();
        Ok(RegisteredDraft {
            title: self.title.get_untracked(),
            description: self.description.get_untracked(),
            release_type: self.release_type.get_untracked().code().to_owned(),
            risk: self.risk.get_untracked().code().to_owned(),
            impact: self.impact.get_untracked(),
            urgency: self.urgency.get_untracked(),
            planned_start: date(self.start, stored.map(|(start, _)| start), Field::PlannedStart)?,
            planned_end: date(self.end, stored.map(|(_, end)| end), Field::PlannedEnd)?,
            version_label: self.version.get_untracked(),
        })
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let groups = Resource::new(|| (), |_| executor_groups());
    let fields = DataFields::empty();
    let group = RwSignal::new(None::<GroupId>);
    let failure = RwSignal::new(None::<AppError>);
    let register = Action::new(move |registration: &Registration| register_release(registration.clone()));
    let flash = use_context::<Flash>();
    let navigate = use_navigate();
    Effect::new(move |_| match register.value().get() {
        Some(Ok(id)) => {
            if let Some(flash) = flash {
                flash.set(Some(FlashMessage::Registered(id)));
            }
            navigate(&format!("/releases/{}", id.0), Default::default());
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let zone = crate::time_zone::use_zone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let data = match fields.read(zone) {
            Ok(data) => data,
            Err(error) => return failure.set(Some(error)),
        };
        let Some(executor_group) = group.get_untracked() else {
            let missing = FieldError { field: Field::ExecutorGroup, problem: Problem::Required };
            return failure.set(Some(AppError::from(Error::Invalid(missing))));
        };
        failure.set(None);
        register.dispatch(Registration {
            title: data.title,
            description: data.description,
            executor_group,
            release_type: data.release_type,
            risk: data.risk,
            impact: data.impact,
            urgency: data.urgency,
            planned_start: data.planned_start,
            planned_end: data.planned_end,
            version_label: data.version_label,
        });
    };
    view! {
        <section class="register" aria-labelledby="register-title">
            <h1 id="register-title">{t!(i18n, register.title)}</h1>
            <form class="card register-form" on:submit=on_submit novalidate>
                <DataInputs fields>
                    <div class="field">
                        <label for="executor-group">{t!(i18n, field.executor_group)}</label>
                        <select
                            id="executor-group"
                            required
                            on:change=move |ev| group.set(event_target_value(&ev).parse().ok().map(GroupId))
                        >
                            <option value="">{t!(i18n, closure.choose)}</option>
                            <Transition fallback=|| ()>
                                {move || {
                                    groups
                                        .get()
                                        .and_then(Result::ok)
                                        .map(|groups| {
                                            groups
                                                .into_iter()
                                                .map(|g| view! { <option value=g.id.0>{g.name}</option> })
                                                .collect_view()
                                        })
                                }}
                            </Transition>
                        </select>
                    </div>
                </DataInputs>
                <div class="field wide form-actions">
                    <button type="submit" class="primary" disabled=move || register.pending().get()>
                        {t!(i18n, register.submit)}
                    </button>
                    <a class="button" href="/releases">{t!(i18n, dialog.cancel)}</a>
                </div>
                <div class="wide" aria-live="polite">
                    {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                </div>
            </form>
        </section>
    }
}

/// The registered data's inputs; `children` (the registration's executor group) come after
/// the description.
#[component]
pub fn DataInputs(fields: DataFields, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let i18n = use_i18n();
    let DataFields { title, description, release_type, risk, impact, urgency, start, end, version, .. } = fields;
    let computed_priority = move || {
        priority(Level::new(impact.get()).unwrap_or(Level::MEDIUM), Level::new(urgency.get()).unwrap_or(Level::MEDIUM))
    };
    let level_options = move |selected: RwSignal<i64>| {
        [1i64, 2, 3]
            .into_iter()
            .map(|value| {
                view! {
                    <option value=value selected=move || selected.get() == value>
                        {move || super::level_label(i18n.get_locale(), value)}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <div class="field wide">
            <label for="title">{t!(i18n, field.title)}</label>
            <input id="title" required maxlength=MAX_TITLE_CHARS bind:value=title />
        </div>
        <div class="field wide">
            <label for="description">{t!(i18n, field.description)}</label>
            <textarea
                id="description"
                maxlength=MAX_TEXT_CHARS
                prop:value=move || description.get()
                on:input=move |ev| description.set(event_target_value(&ev))
            ></textarea>
        </div>
        {children.map(|children| children())}
        <div class="field">
            <label for="release-type">{t!(i18n, field.release_type)}</label>
            <select
                id="release-type"
                on:change=move |ev| {
                    release_type.set(ReleaseType::from_code(&event_target_value(&ev)).unwrap_or(ReleaseType::Normal))
                }
            >
                {ReleaseType::ALL
                    .iter()
                    .map(|t| {
                        let t = *t;
                        view! {
                            <option value=t.code() selected=move || release_type.get() == t>
                                {move || super::release_type_label(i18n.get_locale(), t.code())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="risk">{t!(i18n, field.risk)}</label>
            <select id="risk" on:change=move |ev| risk.set(Risk::from_code(&event_target_value(&ev)).unwrap_or(Risk::Low))>
                {Risk::ALL
                    .iter()
                    .map(|r| {
                        let r = *r;
                        view! {
                            <option value=r.code() selected=move || risk.get() == r>
                                {move || super::risk_label(i18n.get_locale(), r.code())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="impact">{t!(i18n, field.impact)}</label>
            <select id="impact" on:change=move |ev| impact.set(event_target_value(&ev).parse().unwrap_or(2))>
                {level_options(impact)}
            </select>
        </div>
        <div class="field">
            <label for="urgency">{t!(i18n, field.urgency)}</label>
            <select id="urgency" on:change=move |ev| urgency.set(event_target_value(&ev).parse().unwrap_or(2))>
                {level_options(urgency)}
            </select>
        </div>
        <div class="field">
            <span class="label" id="priority-label">{t!(i18n, register.priority)}</span>
            <output aria-labelledby="priority-label" class=move || format!("pill priority-{}", computed_priority())>
                {move || priority_label(i18n.get_locale(), computed_priority())}
            </output>
        </div>
        <div class="field">
            <label for="planned-start">{t!(i18n, field.planned_start)}</label>
            <input id="planned-start" type="datetime-local" required bind:value=start />
        </div>
        <div class="field">
            <label for="planned-end">{t!(i18n, field.planned_end)}</label>
            <input id="planned-end" type="datetime-local" required bind:value=end />
        </div>
        <div class="field">
            <label for="version-label">{t!(i18n, field.version_label)}</label>
            <input id="version-label" required maxlength="50" bind:value=version />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_values_become_unix_seconds() {
        assert_eq!(parse_datetime_local("2026-03-05T14:07"), Some(1_772_719_620));
        assert_eq!(parse_datetime_local(""), None);
        assert_eq!(parse_datetime_local("05/03/2026"), None);
    }

    #[test]
    fn datetime_local_values_are_read_in_the_users_zone() {
        use crate::domain::time_zone::ZoneOffsets;
        let sao_paulo = ZoneOffsets { name: "America/Sao_Paulo".into(), initial: -10_800, transitions: vec![] };
        // 11:07 in São Paulo is 14:07 UTC.
        assert_eq!(read_datetime_local(&sao_paulo, "2026-03-05T11:07"), Some(1_772_719_620));
        assert_eq!(read_datetime_local(&ZoneOffsets::utc(), "2026-03-05T14:07"), Some(1_772_719_620));
        // Madrid on 2026-03-29: 02:30 does not exist and is read as 03:30 (01:30 UTC).
        let madrid = ZoneOffsets {
            name: "Europe/Madrid".into(),
            initial: 3_600,
            transitions: vec![(1_774_746_000, 7_200), (1_792_890_000, 3_600)],
        };
        assert_eq!(read_datetime_local(&madrid, "2026-03-29T02:30"), Some(1_774_747_800));
        assert_eq!(read_datetime_local(&madrid, "2026-07-01T12:00"), Some(1_782_900_000));
        assert_eq!(read_datetime_local(&madrid, "mañana"), None);
    }

    #[test]
    fn datetime_local_values_read_as_chrono_reads_them() {
        let chrono = |value: &str| {
            chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").ok().map(|t| t.and_utc().timestamp())
        };
        let values = [
            "2026-03-05T14:07",
            "2026-03-05T14:07:00",
            "2026-03-05 14:07",
            "2026-3-5T4:7",
            " 2026- 03-05T 14:07",
            "2026-03-05T14:07 ",
            "2024-02-29T00:00",
            "2025-02-29T00:00",
            "2026-04-31T10:00",
            "2026-13-01T10:00",
            "2026-00-10T10:00",
            "2026-01-00T10:00",
            "2026-01-01T24:00",
            "2026-01-01T23:60",
            "2026-01-01T23:59",
            "0000-01-01T00:00",
            "0001-01-01T00:00",
            "+2026-01-01T00:00",
            "-0001-12-31T23:59",
            "+262142-12-31T23:59",
            "+262143-01-01T00:00",
            "-262143-01-01T00:00",
            "-262144-12-31T23:59",
            "+99999999999999999999-01-01T00:00",
            "20260-01-01T00:00",
            "2026-001-01T00:00",
            "2026-01-01t00:00",
            "+ 2026-01-01T00:00",
            "2026--1-01T00:00",
            "2026-+1-01T00:00",
            "2026-01-01T00:",
            "2026-01-01T",
            "2026",
            "",
            "T",
            "1900-02-29T12:30",
            "2000-02-29T12:30",
            "\u{a0}2026-01-01T00:00",
            "２０２６-01-01T00:00",
        ];
        for value in values {
            assert_eq!(parse_datetime_local(value), chrono(value), "{value:?}");
        }
    }
}
