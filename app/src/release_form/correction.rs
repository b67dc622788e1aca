//! Correcting a release's registered data: its requester, or a user whose group may
//! register, while the release is open. The inputs are the registration's; a form loaded
//! before another change is refused with the "changed meanwhile" notice, never saved over it.

use super::api::{edit_release, RegisteredDraft, ReleaseView};
use super::registration::{DataFields, DataInputs};
use crate::domain::flow::Refusal;
use crate::domain::ReleaseId;
use crate::error::{AppError, Error};
use crate::i18n::*;
use crate::language::ErrorAlert;
use crate::time_zone::use_zone;
use crate::widgets::Modal;
use leptos::prelude::*;

/// The dialog, open while `open`; it starts from `current` each time it opens. `version` is
/// the release's version the page holds; `on_stale` brings the page up to date.
#[component]
pub fn CorrectionDialog(
    id: ReleaseId,
    current: RwSignal<ReleaseView>,
    version: RwSignal<i64>,
    open: RwSignal<bool>,
    on_saved: Callback<()>,
    on_stale: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let zone = use_zone();
    view! {
        <Modal open labelled_by="correction-title" class="wide">
            {move || {
                let fields = current.with_untracked(|release| DataFields::of(release, zone));
                let failure = RwSignal::new(None::<AppError>);
                let save = Action::new(move |data: &RegisteredDraft| {
                    let (data, expected) = (data.clone(), version.get_untracked());
                    async move { edit_release(id, expected, data).await }
                });
                Effect::new(move |_| match save.value().get() {
                    Some(Ok(saved)) => {
                        version.set(saved);
                        open.set(false);
                        on_saved.run(());
                    }
                    Some(Err(error)) => {
                        if matches!(error.error, Error::Refused { refusal: Refusal::StaleVersion { .. } }) {
                            on_stale.run(());
                        }
                        failure.set(Some(error));
                    }
                    None => {}
                });
                let submit = move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    match fields.read(zone) {
                        Ok(data) => {
                            failure.set(None);
                            save.dispatch(data);
                        }
                        Err(error) => failure.set(Some(error)),
                    }
                };
                view! {
                    <div class="dialog-head">
                        <h2 id="correction-title">{t!(i18n, form.correct)}</h2>
                    </div>
                    <form class="register-form" novalidate on:submit=submit>
                        <DataInputs fields />
                        <div class="wide" aria-live="polite">
                            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                        </div>
                        <div class="field wide form-actions">
                            <button type="submit" class="primary" disabled=move || save.pending().get()>
                                {t!(i18n, form.correct_save)}
                            </button>
                            <button type="button" on:click=move |_| open.set(false)>{t!(i18n, dialog.cancel)}</button>
                        </div>
                    </form>
                }
            }}
        </Modal>
    }
}
