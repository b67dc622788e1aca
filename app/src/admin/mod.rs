//! "Administración": the pages of the users whose groups hold Administrar. The menu shows
//! them only to administrators; the server checks Administrar on every call all the same
//! (`releasedesk_core::commands::admin`).

pub mod api;
pub mod catalogues;
pub mod groups;
pub mod log;
pub mod users;
pub mod webhooks;

use crate::domain::GroupId;
use crate::error::AppError;
use crate::i18n::*;
use crate::language::ErrorAlert;
use crate::widgets::Modal;
use api::GroupSummary;
use leptos::prelude::*;

/// A labelled text box of an administration form, bound to `value`, with the server's
/// length limit; required unless `optional`.
#[component]
fn TextField(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    max: usize,
    #[prop(optional)] optional: bool,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    view! {
        <label for=id>{move || label.get()}</label>
        <input
            id=id
            type=kind
            required=!optional
            maxlength=max
            autocomplete="off"
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

/// The dialog of an administration form: its title, its fields (`children`), the failure of
/// its last submission, and the buttons to submit (`submit_label`) and to cancel.
#[component]
fn FormDialog(
    open: RwSignal<bool>,
    /// The id of the dialog's heading.
    title_id: &'static str,
    title: ViewFn,
    failure: RwSignal<Option<AppError>>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] submit_label: Signal<String>,
    on_submit: Callback<()>,
    children: ChildrenFn,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Modal open labelled_by=title_id>
            <h2 id=title_id>
                {
                    let title = title.clone();
                    move || title.run()
                }
            </h2>
            <form
                class="stacked-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    on_submit.run(());
                }
            >
                {children()}
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                <div class="dialog-actions">
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || submit_label.get()}
                    </button>
                    <button type="button" on:click=move |_| open.set(false)>
                        {t!(i18n, dialog.cancel)}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// The names of the groups `ids`, as they are called now, comma-separated.
fn group_names(ids: &[GroupId], groups: &[GroupSummary]) -> String {
    ids.iter()
        .map(|id| groups.iter().find(|g| g.id == *id).map_or_else(|| format!("#{}", id.0), |g| g.name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `done` with the value of each call of `action` that succeeds, and puts the error of
/// each that fails in `failure`, for the form or dialog to show.
fn after_each<I, O>(
    action: Action<I, Result<O, AppError>>,
    failure: RwSignal<Option<AppError>>,
    done: impl Fn(O) + 'static,
) where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| match action.value().get() {
        Some(Ok(value)) => done(value),
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
}
