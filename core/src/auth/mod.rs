//! Who is acting: password hashing, login throttling, the sessions' user store, and who
//! the client is behind a proxy.

pub mod client;
pub mod hashing;
pub mod sessions;
pub mod throttle;
pub mod watch;
