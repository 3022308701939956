//! Tests that signal the real binary and watch what is left: the TUI in a real
//! terminal (tmux). Kept apart from `cli` and `api` (and from `crash`) so their
//! timing does not share a test run with other busy tests.
//!
//! A new test that depends on process timing, signals or a terminal goes here.

#[path = "../common/mod.rs"]
mod common;

mod follow;
mod tui_e2e;
#[path = "../cli/eventstore/writer.rs"]
mod writer;
