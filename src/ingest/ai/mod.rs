//! What AI frameworks record (docs/formats.md §8–§10): LangGraph's checkpoint
//! databases (SQLite files, PostgreSQL through a URL), OpenAI Agents SDK sessions, OpenTelemetry GenAI spans.

pub mod agents;
pub mod blob;
pub mod langgraph;
pub mod langgraph_pg;
pub mod msgpack;
pub mod otel;
pub mod store;

use std::path::Path;

use anyhow::Result;

use crate::ingest::{Family, Format, Peek, Source, SourceConfig};

pub struct Ai;

pub static FAMILY: Ai = Ai;

impl Family for Ai {
    fn detect(&self, peek: &Peek) -> Option<Format> {
        if peek.is_dir {
            return None;
        }
        if peek.first.as_ref().is_some_and(otel::is_export) {
            return Some(Format::OtelJson);
        }
        if !peek.head.starts_with(store::SQLITE_MAGIC) {
            return None;
        }
        let conn = store::open_read_only(peek.path).ok()?;
        if langgraph::is_store(&conn) {
            Some(Format::LanggraphSqlite)
        } else {
            agents::is_store(&conn).then_some(Format::AgentsSqlite)
        }
    }

    fn formats(&self) -> &'static [Format] {
        &[
            Format::LanggraphSqlite,
            Format::LanggraphPostgres,
            Format::AgentsSqlite,
            Format::OtelJson,
        ]
    }

    fn open(&self, path: &Path, format: Format, _cfg: SourceConfig) -> Result<Box<dyn Source>> {
        Ok(match format {
            Format::AgentsSqlite => Box::new(agents::AgentsSqlite::open(path)?),
            Format::OtelJson => Box::new(otel::OtelJson::open(path)?),
            Format::LanggraphPostgres => Box::new(langgraph_pg::LangGraphPg::open(&path.to_string_lossy())?),
            _ => Box::new(langgraph::LangGraphSqlite::open(path)?),
        })
    }

    fn rules(&self, format: Format) -> Option<&'static str> {
        match format {
            Format::AgentsSqlite => Some(agents::RULES),
            Format::OtelJson => Some(otel::RULES),
            _ => None,
        }
    }
}
