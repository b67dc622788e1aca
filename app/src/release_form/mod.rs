//! The release form: open and capture the task, the Closure area, Options (save and
//! advance / save and keep), and registration of new releases.

#[cfg(feature = "ssr")]
pub mod db;
