//! Who is acting: password hashing, login throttling and the sessions' user store.

pub mod hashing;
pub mod sessions;
pub mod throttle;
