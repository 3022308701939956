//! The record a mirrored object keeps beside it (`root/meta/<scheme>/<bucket>/<key>`):
//! the ETag, last-modified time and size it was fetched at, and for an object
//! fetched in part, the byte ranges the mirror file holds (the rest are holes).
//!
//! ```text
//! etag "9b2cf535f27731c974343645a3985328"
//! last-modified 2026-11-20T10:00:00+00:00
//! size 5242880
//! ranges 0-4 1048576-2097152 5177344-5242880
//! ```
//!
//! No `ranges` line: the whole object is there.

use std::fs;
use std::path::Path;

use object_store::ObjectMeta;

use super::spans::Spans;

/// An object's recorded state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The first three lines: the object's identity.
    pub stamp: String,
    pub size: u64,
    /// `None`: the whole object.
    pub present: Option<Spans>,
}

/// The identity of an object as listed: ETag, last-modified and size.
pub fn stamp(m: &ObjectMeta) -> String {
    format!(
        "etag {}\nlast-modified {}\nsize {}\n",
        m.e_tag.as_deref().unwrap_or("-"),
        m.last_modified.to_rfc3339(),
        m.size
    )
}

impl Record {
    pub fn new(m: &ObjectMeta, present: Spans) -> Record {
        let whole = present.covers(&(0..m.size));
        Record {
            stamp: stamp(m),
            size: m.size,
            present: (!whole).then_some(present),
        }
    }

    pub fn text(&self) -> String {
        match &self.present {
            Some(p) => format!("{}ranges {p}\n", self.stamp),
            None => self.stamp.clone(),
        }
    }

    /// The record in `file`; `None` when there is none or it is malformed.
    pub fn read(file: &Path) -> Option<Record> {
        let text = fs::read_to_string(file).ok()?;
        let mut lines = text.lines();
        let stamp: Vec<&str> = lines.by_ref().take(3).collect();
        if stamp.len() != 3 || !stamp[0].starts_with("etag ") || !stamp[1].starts_with("last-modified ") {
            return None;
        }
        let size = stamp[2].strip_prefix("size ")?.parse().ok()?;
        let present = match lines.next() {
            Some(l) => Some(Spans::parse(l.strip_prefix("ranges ")?)?),
            None => None,
        };
        Some(Record {
            stamp: stamp.iter().map(|l| format!("{l}\n")).collect(),
            size,
            present,
        })
    }

    /// What of the object the mirror holds.
    pub fn present(&self) -> Spans {
        match &self.present {
            Some(p) => p.clone(),
            None => Spans::of(0..self.size),
        }
    }
}
