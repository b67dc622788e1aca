//! "Abrir" → confirm the task assignment → the task is the user's. One dialog per page.

use super::api::capture_task;
use crate::domain::{Localized, ReleaseId};
use crate::error::AppError;
use crate::i18n::*;
use crate::language::{localized, ErrorAlert};
use crate::widgets::Modal;
use leptos::prelude::*;

/// The release whose task the user is asked to take, and the step's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureTarget {
    pub id: ReleaseId,
    pub step: Option<Localized>,
}

#[component]
pub fn CaptureDialog(target: RwSignal<Option<CaptureTarget>>, on_captured: Callback<ReleaseId>) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    Effect::new(move |_| {
        if target.with(Option::is_some) {
            failure.set(None);
            open.set(true);
        }
    });
    Effect::new(move |_| {
        if !open.get() {
            target.set(None);
        }
    });
    let capture = Action::new(move |id: &ReleaseId| capture_task(*id));
    Effect::new(move |_| match capture.value().get() {
        Some(Ok(())) => {
            if let Some(t) = target.get_untracked() {
                open.set(false);
                on_captured.run(t.id);
            }
        }
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let number = move || target.with(|t| t.as_ref().map(|t| t.id.0).unwrap_or_default());
    let step = move || {
        target.with(|t| {
            t.as_ref().and_then(|t| t.step.as_ref()).map(|s| localized(i18n.get_locale(), s)).unwrap_or_default()
        })
    };
    view! {
        <Modal open labelled_by="capture-title">
            <h2 id="capture-title">{t!(i18n, capture.title)}</h2>
            <p>{t!(i18n, capture.question, number, step)}</p>
            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
            <div class="dialog-actions">
                <Show when=move || failure.with(Option::is_none)>
                    <button
                        type="button"
                        class="primary"
                        disabled=move || capture.pending().get()
                        on:click=move |_| {
                            if let Some(t) = target.get_untracked() {
                                capture.dispatch(t.id);
                            }
                        }
                    >
                        {t!(i18n, dialog.confirm)}
                    </button>
                </Show>
                <Show when=move || failure.with(Option::is_some)>
                    <a class="button" href=move || format!("/releases/{}", number())>
                        {t!(i18n, capture.view_read_only)}
                    </a>
                </Show>
                <button type="button" on:click=move |_| open.set(false)>{t!(i18n, dialog.cancel)}</button>
            </div>
        </Modal>
    }
}
