//! "Administración": the pages of the users whose groups hold Administrar. The menu shows
//! them only to administrators; the server checks Administrar on every call all the same
//! (`releasedesk_core::commands::admin`).

pub mod api;
pub mod groups;
pub mod log;
pub mod users;

use crate::domain::GroupId;
use crate::error::AppError;
use api::GroupSummary;
use leptos::prelude::*;

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
