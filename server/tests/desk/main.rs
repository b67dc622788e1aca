//! The server's tests, one test binary: the database and server-function tests over HTTP
//! on SQLite and PostgreSQL, and the tests that run the real binary. One binary links the
//! application once (not once per file) and starts one throw-away PostgreSQL cluster.

#[macro_use]
mod support;

mod actions;
mod administration;
mod api;
mod api_contract;
mod attachments;
mod authorization;
mod bad_input;
mod bulk;
mod catalogue_files;
mod concurrency;
mod editing;
mod execution;
mod foundation;
mod integrity;
mod lifecycle;
mod log;
mod notifications;
mod observe;
mod processes;
mod relations;
mod security;
mod sessions;
mod time_zones;
mod webhooks;
