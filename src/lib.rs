//! rewind: a time-travel debugger for event-sourced systems.
//!
//! Data flows one way: source files → [`ingest`] → [`cache`] → [`replay`] →
//! [`json::diff`] → front ends (`cli`, `tui`). [`recording`] ties the first
//! three together for front ends: open inputs, import what changed, answer
//! questions about points in time.

pub mod aside;
pub mod cache;
pub mod cli;
#[doc(hidden)]
pub mod fuzzing;
pub mod hash;
pub mod ingest;
pub mod ioerr;
pub mod json;
pub mod live;
pub mod model;
pub mod natural;
pub mod plural;
pub mod points;
pub mod recording;
pub mod replay;
pub mod rules;
pub mod sanitize;
pub mod time;
pub mod tui;
