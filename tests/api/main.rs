//! Tests through the library API: JSON conformance suites, replay properties
//! (proptest), TUI screens on a test backend, and the stable mutation fuzzer.
//! One binary, so the crate is linked once for all of them.
//!
//! A new test that calls the library (not the binary) goes in a module here.
//! Run one module with `cargo test --test api tui_screens::`.

#[path = "../common/mod.rs"]
mod common;

mod changes;
mod fuzz;
mod json_conformance;
mod replay_props;
mod tui_live;
mod tui_marks;
mod tui_screens;
mod tui_transcript;
mod whatif_props;
