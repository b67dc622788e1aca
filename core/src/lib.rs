//! ReleaseDesk's core: the rules of the desk, its storage and its commands, with no Leptos.
//!
//! - `domain`: the rules as plain Rust, no I/O; shared with the browser.
//! - `model`: the data each page reads and sends, shared with the browser.
//! - `store` (server): every SQL statement of the project, one module per group of tables.
//! - `commands` (server): the use cases. Each takes a [`commands::Ctx`] (storage, flows,
//!   the acting user, the time) and a typed command, authorizes, validates, writes one
//!   transaction with its log entries, and returns a typed result or an [`Error`]. Server
//!   functions, the CLI and the seeders all call these; no rule is written twice.
//! - `auth` (server): password hashing, login throttling, sessions.
//! - `seed` (server): the demo world and the benchmark's bulk data.
//! - `maintenance` (server): backup, restore and integrity checks of a database.
//! - `webhooks` (server): the worker that delivers the webhooks' queued events.
//! - `mail` (server): the notifications' e-mail and the worker that sends it; `outbox`:
//!   the retries both workers share.

pub mod domain;
pub mod error;
pub mod model;
pub mod spreadsheet;

#[cfg(feature = "server")]
pub mod auth;
#[cfg(feature = "server")]
pub mod commands;
#[cfg(feature = "server")]
pub mod live;
#[cfg(feature = "server")]
pub mod mail;
#[cfg(feature = "server")]
pub mod maintenance;
#[cfg(feature = "server")]
pub mod outbox;
#[cfg(feature = "server")]
pub mod seed;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod webhooks;

pub use error::Error;
