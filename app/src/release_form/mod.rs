//! The release form (SPEC §3 steps 2–6): the header with the execution log and flow
//! icons, the release's data, the Closure area or the step's decision, and Options
//! ("Guardar y avanzar flujo" / "Guardar y mantener la tarea actual").

pub mod api;
pub mod capture;
pub mod closure;
mod correction;
pub mod print;
pub mod registration;

use crate::domain::flow::{Access, Refusal};
use crate::domain::validation::ClosureDraft;
use crate::domain::ReleaseId;
use crate::error::{AppError, Error};
use crate::execution_log::ExecutionLog;
use crate::flow_view::FlowDiagram;
use crate::i18n::*;
use crate::language::{localized, priority_label, status_label, ErrorAlert, ErrorMessage};
use crate::layout::{Flash, FlashMessage};
use crate::relations::{relations_resource, RelationTabs, RelationsResource};
use crate::release_actions::{ActionHost, ActionMenu};
use crate::widgets::{MenuButton, MenuEntry, Modal};
use api::{advance_release, get_release, save_release, ReleaseView};
use capture::{CaptureDialog, CaptureTarget};
use closure::{ClosureArea, DecisionArea, Draft};
use correction::CorrectionDialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn ReleasePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).map(ReleaseId)));
    let release = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_release(id).await,
                None => Err(Error::NotFound.into()),
            }
        },
    );
    let reload = Callback::new(move |_: ()| release.refetch());
    let relations_version = RwSignal::new(0usize);
    let relations = relations_resource(id, relations_version);
    // Someone else changed this release: its header and log follow at once. The form itself
    // is not rebuilt, so nothing typed is lost and an open dialog stays open.
    let changed_elsewhere = RwSignal::new(0usize);
    let user = use_context::<crate::layout::CurrentUser>();
    let show_change = crate::live::throttled(move || changed_elsewhere.update(|n| *n += 1));
    let show_relations = crate::live::throttled(move || relations_version.update(|n| *n += 1));
    crate::live::on_live_event(move |event| {
        let me = user.and_then(|u| u.get_untracked()).and_then(Result::ok).map(|actor| actor.user.0);
        if Some(event.release) == id.get_untracked().map(|id| id.0) && Some(event.user) != me {
            show_change();
            use releasedesk_core::domain::log::LogKind;
            if matches!(LogKind::from_code(&event.kind), Some(LogKind::Linked | LogKind::Unlinked)) {
                show_relations();
            }
        }
    });
    view! {
        <ActionHost on_done=Callback::new(move |_| release.refetch())>
        <Transition fallback=move || view! { <p class="muted">{t!(i18n, list.loading)}</p> }>
            {move || {
                release
                    .get()
                    .map(|result| match result {
                        Ok(view) => {
                            view! { <ReleaseForm view reload changed_elsewhere relations relations_version /> }.into_any()
                        }
                        Err(error) => {
                            view! {
                                <ErrorAlert error />
                                <p><a href="/releases">{t!(i18n, form.back)}</a></p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
        </ActionHost>
    }
}

/// What the last save told the user.
#[derive(Debug, Clone, PartialEq)]
enum Notice {
    Saved,
    Failed(AppError),
    /// Someone else changed the release: what changed, as field labels' keys.
    ChangedMeanwhile(Vec<ChangedPart>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangedPart {
    Status,
    Phase,
    Responsible,
    Closure,
    Data,
}

fn changed_parts(before: &ReleaseView, after: &ReleaseView) -> Vec<ChangedPart> {
    let mut parts = Vec::new();
    if before.status != after.status {
        parts.push(ChangedPart::Status);
    }
    if before.step.as_ref().map(|s| &s.code) != after.step.as_ref().map(|s| &s.code) {
        parts.push(ChangedPart::Phase);
    }
    if before.responsible != after.responsible {
        parts.push(ChangedPart::Responsible);
    }
    if before.closure != after.closure {
        parts.push(ChangedPart::Closure);
    }
    if (&before.title, &before.description, before.priority, before.planned_end, &before.version_label)
        != (&after.title, &after.description, after.priority, after.planned_end, &after.version_label)
    {
        parts.push(ChangedPart::Data);
    }
    parts
}

#[component]
fn ReleaseForm(
    view: ReleaseView,
    reload: Callback<()>,
    changed_elsewhere: RwSignal<usize>,
    relations: RelationsResource,
    relations_version: RwSignal<usize>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = view.id;
    let current = RwSignal::new(view.clone());
    let version = RwSignal::new(view.row_version);
    let draft = Draft {
        outcome: RwSignal::new(view.closure.outcome),
        category: RwSignal::new(view.closure.solution_category),
        information: RwSignal::new(view.closure.useful_information.clone()),
        decision: RwSignal::new(None),
    };
    let editable = matches!(view.access, Access::Execute);
    let notice = RwSignal::new(None::<Notice>);
    let log_open = RwSignal::new(false);
    let flow_open = RwSignal::new(false);
    let log_refresh = RwSignal::new(0usize);
    let correcting = RwSignal::new(false);
    Effect::new(move |previous: Option<usize>| {
        let tick = changed_elsewhere.get();
        if previous.is_some() {
            spawn_local(async move {
                if let Ok(latest) = get_release(id).await {
                    current.set(latest);
                    log_refresh.update(|n| *n += 1);
                }
            });
        }
        tick
    });
    let capture_target = RwSignal::new(None::<CaptureTarget>);
    let flash = use_context::<Flash>();
    let navigate = use_navigate();

    let closure_now = move || ClosureDraft {
        outcome: draft.outcome.get_untracked(),
        solution_category: draft.category.get_untracked(),
        useful_information: draft.information.get_untracked(),
    };
    // A stale save overwrote nothing: show what changed and take the new version, keeping
    // what the user typed so they can look and save again.
    let on_stale = move || {
        spawn_local(async move {
            if let Ok(fresh) = get_release(id).await {
                let parts = current.with_untracked(|before| changed_parts(before, &fresh));
                version.set(fresh.row_version);
                current.set(fresh);
                notice.set(Some(Notice::ChangedMeanwhile(parts)));
                log_refresh.update(|n| *n += 1);
            }
        });
    };
    let save = Action::new(move |closure: &ClosureDraft| {
        let closure = closure.clone();
        let expected = version.get_untracked();
        async move { save_release(id, expected, closure).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(new_version)) => {
            version.set(new_version);
            notice.set(Some(Notice::Saved));
            log_refresh.update(|n| *n += 1);
        }
        Some(Err(AppError { error: Error::Refused { refusal: Refusal::StaleVersion { .. } }, .. })) => on_stale(),
        Some(Err(error)) => notice.set(Some(Notice::Failed(error))),
        None => {}
    });
    let advance = Action::new(move |(decision, closure): &(Option<String>, ClosureDraft)| {
        let (decision, closure) = (decision.clone(), closure.clone());
        let expected = version.get_untracked();
        async move { advance_release(id, expected, decision, closure).await }
    });
    Effect::new(move |_| match advance.value().get() {
        Some(Ok(result)) => {
            if let Some(flash) = flash {
                flash.set(Some(FlashMessage::Advanced(result)));
            }
            navigate("/releases", Default::default());
        }
        Some(Err(AppError { error: Error::Refused { refusal: Refusal::StaleVersion { .. } }, .. })) => on_stale(),
        Some(Err(error)) => notice.set(Some(Notice::Failed(error))),
        None => {}
    });
    let busy = Signal::derive(move || save.pending().get() || advance.pending().get());

    let step = view.step.clone();
    let needs_closure = step.as_ref().is_some_and(|s| s.needs_closure);
    let outcomes = step.as_ref().map(|s| s.outcomes.clone()).unwrap_or_default();
    let categories = view.categories.clone();
    let access = view.access.clone();
    let capture_step = step.as_ref().map(|s| s.name.clone());

    let options = vec![
        MenuEntry {
            label: Signal::derive(move || t_string!(i18n, options.save_advance).to_owned()),
            on_select: Callback::new(move |_| {
                notice.set(None);
                advance.dispatch((draft.decision.get_untracked(), closure_now()));
            }),
        },
        MenuEntry {
            label: Signal::derive(move || t_string!(i18n, options.save_keep).to_owned()),
            on_select: Callback::new(move |_| {
                notice.set(None);
                save.dispatch(closure_now());
            }),
        },
    ];

    // The form lives inside a Transition and hydrates after the page around it; effects run
    // only once it is live in the browser, so this marks when its buttons answer.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));

    view! {
        <article
            class="release-form"
            aria-labelledby="release-heading"
            data-live=move || live.get().then_some("true")
        >
            <ReleaseHeader current log_open flow_open actions=view.actions.clone() />
            {match access {
                Access::Execute => ().into_any(),
                Access::Capture => {
                    view! {
                        <div class="notice" role="note">
                            <p>{t!(i18n, form.free_task)}</p>
                            <button
                                type="button"
                                class="primary"
                                on:click=move |_| capture_target.set(Some(CaptureTarget { id, step: capture_step.clone() }))
                            >
                                {t!(i18n, form.take_task)}
                            </button>
                        </div>
                    }
                        .into_any()
                }
                Access::ReadOnly { reason } => {
                    let error = AppError::from(reason);
                    view! {
                        <p class="notice" role="note">
                            <strong>{t!(i18n, form.read_only)}</strong>
                            " "
                            <ErrorMessage error />
                        </p>
                    }
                        .into_any()
                }
            }}
            <div class="form-columns">
                <ReleaseData current correcting />
                <div class="work-area">
                    {if needs_closure {
                        view! { <ClosureArea draft categories editable /> }.into_any()
                    } else if !outcomes.is_empty() {
                        view! { <DecisionArea draft outcomes editable /> }.into_any()
                    } else {
                        ().into_any()
                    }}
                    {editable
                        .then(|| {
                            view! {
                                <div class="options-bar">
                                    <MenuButton
                                        id="options"
                                        label=Signal::derive(move || t_string!(i18n, options.title).to_owned())
                                        entries=options
                                        disabled=busy
                                    />
                                    <Show when=move || busy.get()>
                                        <span class="muted" role="status">{t!(i18n, options.saving)}</span>
                                    </Show>
                                </div>
                            }
                        })}
                    <div aria-live="polite">{move || notice.get().map(|notice| view! { <NoticeView notice /> })}</div>
                </div>
            </div>
            <RelationTabs release=id relations version=relations_version on_change=Callback::new(move |_| log_refresh.update(|n| *n += 1)) />
        </article>
        <CorrectionDialog
            id
            current
            version
            open=correcting
            on_saved=Callback::new(move |_| {
                spawn_local(async move {
                    if let Ok(latest) = get_release(id).await {
                        current.set(latest);
                    }
                });
                notice.set(Some(Notice::Saved));
                log_refresh.update(|n| *n += 1);
            })
            on_stale=Callback::new(move |_| on_stale())
        />
        <Modal open=log_open labelled_by="log-title" class="wide">
            <div class="dialog-head">
                <h2 id="log-title">{t!(i18n, log.title)}</h2>
                <button type="button" on:click=move |_| log_open.set(false)>{t!(i18n, dialog.close)}</button>
            </div>
            <ExecutionLog release=id refresh=log_refresh may_record=view.may_record />
        </Modal>
        <Modal open=flow_open labelled_by="flow-title" class="wide">
            <div class="dialog-head">
                <h2 id="flow-title">{t!(i18n, flow.title)}</h2>
                <button type="button" on:click=move |_| flow_open.set(false)>{t!(i18n, dialog.close)}</button>
            </div>
            <FlowDiagram release=id />
        </Modal>
        <CaptureDialog target=capture_target on_captured=Callback::new(move |_| reload.run(())) />
    }
}

/// Number, Phase, Priority, Current group, Current responsible, and the two icon buttons.
#[component]
fn ReleaseHeader(
    current: RwSignal<ReleaseView>,
    log_open: RwSignal<bool>,
    flow_open: RwSignal<bool>,
    /// The "Acción" menu's entries, as loaded with the form.
    actions: Vec<crate::domain::actions::ReleaseAction>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="release-head">
            <ReleaseTitle current />
            <div class="icon-buttons">
                <ActionMenu release=current.with_untracked(|r| r.id) actions />
                <IconButton
                    label=Signal::derive(move || t_string!(i18n, log.title).to_owned())
                    open=log_open
                    path="M6 3h9l4 4v14H6z M14 3v5h5 M9 12h7 M9 16h7"
                />
                <IconButton
                    label=Signal::derive(move || t_string!(i18n, flow.view).to_owned())
                    open=flow_open
                    path="M3 5h6v5H3z M15 14h6v5h-6z M9 7.5h3v9h3"
                />
                <a
                    class="button icon-button"
                    href=move || print::print_url(current.with(|r| r.id))
                    aria-label=move || t_string!(i18n, print.open)
                    title=move || t_string!(i18n, print.open)
                >
                    <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
                        <path d="M7 8V3h10v5 M7 17H4v-8h16v8h-3 M7 14h10v7H7z" fill="none" stroke="currentColor" stroke-width="1.8" />
                    </svg>
                </a>
            </div>
            <ReleaseSummary current />
        </header>
    }
}

/// "Liberación 53" and the title: the header's heading, on the page and on its print.
#[component]
fn ReleaseTitle(current: RwSignal<ReleaseView>) -> impl IntoView {
    let i18n = use_i18n();
    let number = move || current.with(|r| r.id.0);
    view! {
        <div class="release-title">
            <h1 id="release-heading">{t!(i18n, form.heading, number)}</h1>
            <p class="subtitle">{move || current.with(|r| r.title.clone())}</p>
        </div>
    }
}

/// Number, Phase, Priority, Current group, Current responsible and Status: the header's
/// summary, on the page and on its print.
#[component]
fn ReleaseSummary(current: RwSignal<ReleaseView>) -> impl IntoView {
    let i18n = use_i18n();
    let number = move || current.with(|r| r.id.0);
    view! {
        <dl class="summary">
            <div>
                <dt>{t!(i18n, list.number)}</dt>
                <dd>{number}</dd>
            </div>
            <div>
                <dt>{t!(i18n, form.phase)}</dt>
                <dd>
                    {move || {
                        current.with(|r| match &r.step {
                            Some(step) => localized(i18n.get_locale(), &step.name),
                            None => status_label(i18n.get_locale(), r.status).to_owned(),
                        })
                    }}
                </dd>
            </div>
            <div>
                <dt>{t!(i18n, list.priority)}</dt>
                <dd>
                    {move || {
                        let priority = current.with(|r| r.priority);
                        view! { <span class=format!("pill priority-{priority}")>{priority_label(i18n.get_locale(), priority)}</span> }
                    }}
                </dd>
            </div>
            <div>
                <dt>{t!(i18n, form.current_group)}</dt>
                <dd>{move || current.with(|r| r.task_group.clone().unwrap_or_else(|| "—".into()))}</dd>
            </div>
            <div>
                <dt>{t!(i18n, list.responsible)}</dt>
                <dd>
                    {move || match current.with(|r| r.responsible.clone()) {
                        Some(name) => view! { <span>{name}</span> }.into_any(),
                        None => view! { <span class="muted">{t!(i18n, list.unassigned)}</span> }.into_any(),
                    }}
                </dd>
            </div>
            <div>
                <dt>{t!(i18n, list.status)}</dt>
                <dd>{move || status_label(i18n.get_locale(), current.with(|r| r.status))}</dd>
            </div>
        </dl>
    }
}

/// A button whose accessible name is its label, shown as an icon; it opens a dialog.
#[component]
fn IconButton(label: Signal<String>, open: RwSignal<bool>, path: &'static str) -> impl IntoView {
    view! {
        <button
            type="button"
            class="icon-button"
            aria-label=move || label.get()
            title=move || label.get()
            on:click=move |_| open.set(true)
        >
            <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
                <path d=path fill="none" stroke="currentColor" stroke-width="1.8" />
            </svg>
        </button>
    }
}

/// The release's data, read-only: the execution step does not change it. Its requester or
/// a user with Create may open its correction (`correcting`).
#[component]
fn ReleaseData(current: RwSignal<ReleaseView>, correcting: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let text = move |f: fn(&ReleaseView) -> String| move || current.with(f);
    let zone = crate::time_zone::use_zone();
    let time = move |f: fn(&ReleaseView) -> i64| move || zone.format(current.with(f));
    let level = move |value: i64| level_label(i18n.get_locale(), value);
    view! {
        <section class="card release-data" aria-labelledby="data-title">
            <div class="section-head">
                <h2 id="data-title">{t!(i18n, form.data)}</h2>
                <Show when=move || current.with(|r| r.may_edit)>
                    <button type="button" aria-haspopup="dialog" on:click=move |_| correcting.set(true)>
                        {t!(i18n, form.correct)}
                    </button>
                </Show>
            </div>
            <dl class="data-grid">
                <dt>{t!(i18n, field.title)}</dt>
                <dd>{text(|r| r.title.clone())}</dd>
                <dt>{t!(i18n, field.description)}</dt>
                <dd class="prewrap">{text(|r| r.description.clone())}</dd>
                <dt>{t!(i18n, list.requester)}</dt>
                <dd>{text(|r| r.requester.clone())}</dd>
                <dt>{t!(i18n, field.executor_group)}</dt>
                <dd>{text(|r| r.executor_group.clone())}</dd>
                <dt>{t!(i18n, field.release_type)}</dt>
                <dd>{move || release_type_label(i18n.get_locale(), &current.with(|r| r.release_type.clone()))}</dd>
                <dt>{t!(i18n, field.risk)}</dt>
                <dd>{move || risk_label(i18n.get_locale(), &current.with(|r| r.risk.clone()))}</dd>
                <dt>{t!(i18n, field.impact)}</dt>
                <dd>{move || level(current.with(|r| r.impact))}</dd>
                <dt>{t!(i18n, field.urgency)}</dt>
                <dd>{move || level(current.with(|r| r.urgency))}</dd>
                <dt>{t!(i18n, field.planned_start)}</dt>
                <dd>{time(|r| r.planned_start)}</dd>
                <dt>{t!(i18n, field.planned_end)}</dt>
                <dd>{time(|r| r.planned_end)}</dd>
                <dt>{t!(i18n, field.version_label)}</dt>
                <dd>{text(|r| r.version_label.clone())}</dd>
                <dt>{t!(i18n, list.created)}</dt>
                <dd>{time(|r| r.created_at)}</dd>
                <dt>{t!(i18n, form.updated)}</dt>
                <dd>{time(|r| r.updated_at)}</dd>
            </dl>
        </section>
    }
}

/// An impact or urgency: 1 high, 2 medium, 3 low.
pub fn level_label(locale: Locale, level: i64) -> &'static str {
    match level {
        1 => td_string!(locale, level.high),
        2 => td_string!(locale, level.medium),
        _ => td_string!(locale, level.low),
    }
}

pub fn release_type_label(locale: Locale, code: &str) -> &'static str {
    match code {
        "standard" => td_string!(locale, release_type.standard),
        "emergency" => td_string!(locale, release_type.emergency),
        _ => td_string!(locale, release_type.normal),
    }
}

pub fn risk_label(locale: Locale, code: &str) -> &'static str {
    match code {
        "high" => td_string!(locale, risk.high),
        "medium" => td_string!(locale, risk.medium),
        _ => td_string!(locale, risk.low),
    }
}

#[component]
fn NoticeView(notice: Notice) -> impl IntoView {
    let i18n = use_i18n();
    match notice {
        Notice::Saved => view! { <p class="success" role="status">{t!(i18n, options.saved)}</p> }.into_any(),
        Notice::Failed(error) => view! { <ErrorAlert error /> }.into_any(),
        Notice::ChangedMeanwhile(parts) => {
            let parts = move || {
                parts
                    .iter()
                    .map(|part| match part {
                        ChangedPart::Status => t_string!(i18n, list.status),
                        ChangedPart::Phase => t_string!(i18n, form.phase),
                        ChangedPart::Responsible => t_string!(i18n, list.responsible),
                        ChangedPart::Closure => t_string!(i18n, closure.title),
                        ChangedPart::Data => t_string!(i18n, form.data),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            view! {
                <div class="error" role="alert">
                    <p>{t!(i18n, error.stale_version)}</p>
                    <p>{t!(i18n, form.changed, parts)}</p>
                </div>
            }
            .into_any()
        }
    }
}
