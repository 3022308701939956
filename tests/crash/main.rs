//! Crash safety: imports killed at random moments must leave the previous or the
//! new cache, never a broken one. A binary of its own because its kill loop keeps
//! both cores busy for minutes, and the terminal tests in `process` time their
//! screens: cargo runs test binaries one after another, so the two never overlap.

#[path = "../common/mod.rs"]
mod common;

mod crash_safety;
