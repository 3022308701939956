//! Tests that kill or signal the real binary and watch what is left: crash
//! safety of imports killed at random moments, and the TUI in a real terminal
//! (tmux). Kept apart from `cli` and `api` so their timing does not share a test
//! run with a hundred other tests.
//!
//! A new test that depends on process timing, signals or a terminal goes here.

#[path = "../common/mod.rs"]
mod common;

mod crash_safety;
mod tui_e2e;
