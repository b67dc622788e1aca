//! Data that is loaded rather than typed: the demo world (`serve --demo`) and the
//! benchmark's generated releases. Both write through the commands or the store.

pub mod bulk;
pub mod demo;
