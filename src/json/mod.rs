//! JSON building blocks the engine needs and serde_json does not give:
//! RFC 6901 pointers, RFC 6902 patches, RFC 7386 merge patches, semantic equality,
//! the structural diff of docs/model.md §7, and terminal-safe serialization.

pub mod depth;
pub mod diff;
pub mod eq;
pub mod merge;
pub mod patch;
pub mod pointer;
pub mod write;
