//! The source for Event Grid and CloudEvents inputs: at-least-once deliveries,
//! ordered by event time then file order, duplicates skipped by the cache.

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::Result;

use super::json_input::{JsonInput, Next};
use super::{cloudevents, eventgrid};
use crate::ingest::{Item, Order, Source};
use crate::model::Record;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    EventGrid,
    CloudEvents,
}

pub struct Deliveries {
    input: JsonInput,
    schema: Schema,
    /// Event Grid only: events read from dead-letter blobs.
    dead_letters: u64,
}

impl Deliveries {
    pub fn open(path: &Path, schema: Schema) -> Result<Deliveries> {
        Ok(Deliveries {
            input: JsonInput::open(path)?,
            schema,
            dead_letters: 0,
        })
    }

    fn map(&mut self, bytes: &[u8], line: u64) -> Result<Record, String> {
        match self.schema {
            Schema::EventGrid => {
                let (rec, dead) = eventgrid::map(bytes, line)?;
                self.dead_letters += u64::from(dead);
                Ok(rec)
            }
            Schema::CloudEvents => cloudevents::map(bytes, line),
        }
    }
}

impl Source for Deliveries {
    fn next_item(&mut self) -> Result<Option<Item>> {
        let el = match self.input.next()? {
            None => return Ok(None),
            Some(Next::Bad(bad)) => return Ok(Some(Item::Bad(bad))),
            Some(Next::Value(el)) => el,
        };
        Ok(Some(match self.map(&el.bytes, el.line) {
            Ok(mut rec) => {
                rec.file = el.file.clone();
                Item::Record(rec)
            }
            Err(reason) => Item::Bad(self.input.bad(&el, reason)),
        }))
    }

    fn format_name(&self) -> String {
        match self.schema {
            Schema::EventGrid if self.dead_letters > 0 => format!(
                "eventgrid ({}; {} from dead-letter blobs)",
                self.input.describe(),
                self.dead_letters
            ),
            Schema::EventGrid => format!("eventgrid ({})", self.input.describe()),
            Schema::CloudEvents => format!("cloudevents ({})", self.input.describe()),
        }
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.input.bytes_read()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}
