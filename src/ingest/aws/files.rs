//! The files of a folder input read one after another: their JSON frames, each
//! tagged with its file, and one progress counter over all of them.

use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::ingest::decompress;
use crate::ingest::framing::{Frame, Framer, Framing};
use crate::ingest::{BadRecord, Item};
use crate::model::{Record, SourceFile};

pub struct FileFrames {
    framer: Framer<Box<dyn BufRead + Send>>,
    pub file: Arc<SourceFile>,
    count: Arc<AtomicU64>,
    /// Frames read so far, good or bad.
    pub frames: u64,
}

pub enum Next {
    Frame(Frame),
    Bad(BadRecord),
    End,
}

impl FileFrames {
    pub fn open(path: &Path, framing: Option<Framing>) -> Result<FileFrames> {
        let shown = path.display().to_string();
        let (reader, _, count) = decompress::open(path).with_context(|| shown.clone())?;
        let framer = Framer::new(reader, framing).with_context(|| shown.clone())?;
        Ok(FileFrames {
            framer,
            file: Arc::new(SourceFile {
                path: shown,
                offsets: false,
            }),
            count,
            frames: 0,
        })
    }

    /// The next frame, a bad one as a skip, or the end. `Err` (the input stops)
    /// when the file cannot be read, e.g. a damaged gzip stream.
    pub fn next(&mut self) -> Result<Next> {
        let frame = match self.framer.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(Next::End),
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "{}: read failed after record {} (a damaged or truncated compressed file?)",
                    self.file.path, self.frames
                )))
            }
        };
        self.frames += 1;
        Ok(match frame {
            Ok(f) => Next::Frame(f),
            Err(bad) => Next::Bad(BadRecord {
                file: self.file.path.clone(),
                loc: bad.line,
                offset: false,
                reason: bad.reason,
            }),
        })
    }
}

/// Raw bytes consumed over all files of the input.
pub struct Progress {
    pub total: Arc<AtomicU64>,
    done: u64,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            total: Arc::new(AtomicU64::new(0)),
            done: 0,
        }
    }

    pub fn update(&self, current: &FileFrames) {
        self.total
            .store(self.done + current.count.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    pub fn finish(&mut self, file: &FileFrames) {
        self.done += file.count.load(Ordering::Relaxed);
        self.total.store(self.done, Ordering::Relaxed);
    }
}

pub fn bad_item(file: &SourceFile, loc: u64, reason: String) -> Item {
    Item::Bad(BadRecord {
        file: file.path.clone(),
        loc,
        offset: false,
        reason,
    })
}

/// A mapped record of `file` at line `loc`, or its skip.
pub fn item(file: &Arc<SourceFile>, loc: u64, mapped: Result<Record, String>) -> Item {
    match mapped {
        Ok(mut r) => {
            r.loc = loc;
            r.file = Some(file.clone());
            Item::Record(r)
        }
        Err(reason) => bad_item(file, loc, reason),
    }
}
