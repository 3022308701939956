//! Tests that drive the `rewind` binary on files: every input family, the
//! fixtures' commands, bad and hostile input, rules, terminal safety and
//! concurrent imports. One binary, so the crate is linked once for all of them.
//!
//! A new test of a command goes in the module of its input family or concern
//! here; a new concern gets a module of its own (`mod NAME;` below). Run one
//! module with `cargo test --test cli aws::`.

#[path = "../common/mod.rs"]
mod common;

mod ai;
mod aws;
mod azure;
mod concurrency;
mod eventstore;
mod filters;
mod fixtures;
mod hostile_input;
mod input;
mod ledger;
mod objstore;
mod parquet;
mod postgres;
mod rule_ops;
mod shapes;
mod surface;
mod terminal_safety;
mod whatif;
