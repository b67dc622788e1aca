//! The Closure area ("Cierre" / "Fechamento") and the decision of steps without one.

use super::api::{CategoryChoice, OutcomeChoice};
use crate::domain::validation::MAX_TEXT_CHARS;
use crate::domain::{CategoryId, ClosureOutcome};
use crate::i18n::*;
use crate::language::localized;
use leptos::prelude::*;

/// What the user is filling in, kept across language switches and failed saves.
#[derive(Debug, Clone, Copy)]
pub struct Draft {
    pub outcome: RwSignal<Option<ClosureOutcome>>,
    pub category: RwSignal<Option<CategoryId>>,
    pub information: RwSignal<String>,
    pub decision: RwSignal<Option<String>>,
}

#[component]
pub fn ClosureArea(draft: Draft, categories: Vec<CategoryChoice>, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    let outcome_button = move |outcome: ClosureOutcome| {
        view! {
            <button
                type="button"
                class="choice"
                aria-pressed=move || (draft.outcome.get() == Some(outcome)).to_string()
                disabled=!editable
                on:click=move |_| draft.outcome.set(Some(outcome))
            >
                {move || match outcome {
                    ClosureOutcome::Resolved => t_string!(i18n, closure.resolved),
                    ClosureOutcome::NotResolved => t_string!(i18n, closure.not_resolved),
                }}
            </button>
        }
    };
    let length = move || draft.information.with(|t| t.chars().count());
    view! {
        <section class="card closure" aria-labelledby="closure-title">
            <h2 id="closure-title">{t!(i18n, closure.title)}</h2>
            <div class="choices" role="group" aria-label=move || t_string!(i18n, closure.outcome)>
                {outcome_button(ClosureOutcome::Resolved)}
                {outcome_button(ClosureOutcome::NotResolved)}
            </div>
            <div class="field">
                <label for="solution-category">{t!(i18n, field.solution_category)}</label>
                <select
                    id="solution-category"
                    disabled=!editable
                    on:change=move |ev| draft.category.set(event_target_value(&ev).parse().ok().map(CategoryId))
                >
                    <option value="" selected=move || draft.category.get().is_none()>
                        {t!(i18n, closure.choose)}
                    </option>
                    {categories
                        .into_iter()
                        .map(|category| {
                            let id = category.id;
                            view! {
                                <option value=id.0 selected=move || draft.category.get() == Some(id)>
                                    {move || localized(i18n.get_locale(), &category.name)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="useful-information">{t!(i18n, field.useful_information)}</label>
                <textarea
                    id="useful-information"
                    maxlength=MAX_TEXT_CHARS
                    disabled=!editable
                    aria-describedby="useful-information-count"
                    prop:value=move || draft.information.get()
                    on:input=move |ev| draft.information.set(event_target_value(&ev))
                >
                    {draft.information.get_untracked()}
                </textarea>
                <span id="useful-information-count" class="muted small">
                    {t!(i18n, closure.characters, count = length, max = MAX_TEXT_CHARS)}
                </span>
            </div>
        </section>
    }
}

/// The decision of a step finished without the Closure area: authorize, review…
#[component]
pub fn DecisionArea(draft: Draft, outcomes: Vec<OutcomeChoice>, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card decision" aria-labelledby="decision-title">
            <h2 id="decision-title">{t!(i18n, closure.decision)}</h2>
            <div class="choices" role="group" aria-labelledby="decision-title">
                {outcomes
                    .into_iter()
                    .map(|outcome| {
                        let code = outcome.code.clone();
                        let pressed = code.clone();
                        view! {
                            <button
                                type="button"
                                class="choice"
                                disabled=!editable
                                aria-pressed=move || draft.decision.with(|d| d.as_deref() == Some(pressed.as_str())).to_string()
                                on:click=move |_| draft.decision.set(Some(code.clone()))
                            >
                                {move || localized(i18n.get_locale(), &outcome.name)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}
