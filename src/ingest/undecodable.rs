//! Events whose envelope is sound but whose payload cannot be decoded (invalid
//! base64, a JSON content type over text that is not JSON, a payload the field
//! mapping rejects) stay in the timeline: their data keeps the raw payload and the
//! reason, and an [`Item::Warn`] naming the record follows them.

use std::collections::VecDeque;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::Result;
use base64::Engine;

use super::{BadRecord, Item, Order, Source};

/// The data of an undecodable payload: `{"$undecodable": <raw>, "$error": <why>}`,
/// the raw payload as text when it is UTF-8, else as base64.
pub fn data(raw: &[u8], why: &str) -> String {
    let raw = match std::str::from_utf8(raw) {
        Ok(text) => text.to_string(),
        Err(_) => base64::engine::general_purpose::STANDARD.encode(raw),
    };
    serde_json::json!({ "$undecodable": raw, "$error": why }).to_string()
}

/// Turns the `warning` of each record into an [`Item::Warn`] right after it.
pub struct Warnings {
    inner: Box<dyn Source>,
    /// Where records that name no file of their own come from.
    display: String,
    next: VecDeque<Item>,
}

impl Warnings {
    pub fn wrap(inner: Box<dyn Source>, display: String) -> Box<dyn Source> {
        Box::new(Warnings {
            inner,
            display,
            next: VecDeque::new(),
        })
    }
}

impl Source for Warnings {
    fn next_item(&mut self) -> Result<Option<Item>> {
        if let Some(item) = self.next.pop_front() {
            return Ok(Some(item));
        }
        let mut item = self.inner.next_item()?;
        if let Some(Item::Record(r)) = &mut item {
            // Taken, so that a source wrapped twice (a folder's file) warns once.
            if let Some(reason) = r.warning.take() {
                let (file, offset) = match &r.file {
                    Some(f) => (f.path.clone(), f.offsets),
                    None => (self.display.clone(), false),
                };
                self.next.push_back(Item::Warn(BadRecord {
                    file,
                    loc: r.loc,
                    offset,
                    reason,
                }));
            }
        }
        Ok(item)
    }

    fn format_name(&self) -> String {
        self.inner.format_name()
    }

    fn is_snapshot(&self) -> bool {
        self.inner.is_snapshot()
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.inner.bytes_read()
    }

    fn order(&self) -> Order {
        self.inner.order()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_text_or_base64_and_the_reason() {
        let v: serde_json::Value = serde_json::from_str(&data(b"... base64 ...", "invalid base64")).expect("json");
        assert_eq!(v["$undecodable"], "... base64 ...");
        assert_eq!(v["$error"], "invalid base64");
        let v: serde_json::Value = serde_json::from_str(&data(&[0xff, 0x00, 0x7f], "not JSON")).expect("json");
        assert_eq!(v["$undecodable"], "/wB/");
    }
}
