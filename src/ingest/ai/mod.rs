//! What AI frameworks record (docs/formats.md §8): LangGraph's checkpoint
//! databases.

pub mod blob;
pub mod langgraph;
pub mod msgpack;
pub mod store;

use std::path::Path;

use anyhow::Result;

use crate::ingest::{Family, Format, Peek, Source, SourceConfig};

pub struct Ai;

pub static FAMILY: Ai = Ai;

impl Family for Ai {
    fn detect(&self, peek: &Peek) -> Option<Format> {
        if peek.is_dir || !peek.head.starts_with(store::SQLITE_MAGIC) {
            return None;
        }
        let conn = store::open_read_only(peek.path).ok()?;
        langgraph::is_store(&conn).then_some(Format::LanggraphSqlite)
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::LanggraphSqlite]
    }

    fn open(&self, path: &Path, _format: Format, _cfg: SourceConfig) -> Result<Box<dyn Source>> {
        Ok(Box::new(langgraph::LangGraphSqlite::open(path)?))
    }
}
