//! The execution log of a release: every action's entry, newest first.

#[cfg(feature = "ssr")]
pub mod db;
