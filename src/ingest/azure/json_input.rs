//! JSON values from one file or a folder of files (Cosmos document folders, Event
//! Grid deliveries, CloudEvents batches): every framing of docs/formats.md §0, with a
//! JSON array found inside JSON Lines or concatenated JSON (one delivery or batch)
//! read as its elements.

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::value::RawValue;

use crate::ingest::decompress::{self, Compression};
use crate::ingest::framing::{Framer, Framing};
use crate::ingest::mapping::describe_json_error;
use crate::ingest::BadRecord;
use crate::model::SourceFile;

/// One JSON value and where it came from.
pub struct Element {
    pub bytes: Vec<u8>,
    pub line: u64,
    /// The file inside a folder input; `None` when the input is one file.
    pub file: Option<Arc<SourceFile>>,
}

pub enum Next {
    Value(Element),
    Bad(BadRecord),
}

struct Current {
    framer: Framer<Box<dyn BufRead + Send>>,
    count: Arc<AtomicU64>,
    file: Option<Arc<SourceFile>>,
    name: String,
}

pub struct JsonInput {
    input: String,
    files: Vec<PathBuf>,
    next_file: usize,
    folder: bool,
    cur: Option<Current>,
    pending: VecDeque<Element>,
    /// Raw bytes of the files finished, plus the current file's counter.
    done: u64,
    count: Arc<AtomicU64>,
    /// Compression and framing of the first file, for the import summary.
    pub first: Option<(Compression, Framing)>,
}

/// The JSON files of a folder, recursively, in path order (hidden files skipped).
pub fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, &mut out, &json_name)?;
    Ok(out)
}

fn json_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [".json", ".jsonl", ".ndjson"].iter().any(|ext| n.contains(ext))
}

/// Whether a folder of deliveries reads this file ([`json_files`]).
pub fn is_json_name(path: &Path) -> bool {
    path.file_name().is_some_and(|n| json_name(&n.to_string_lossy()))
}

/// Files under `dir` whose name `want` accepts, sorted by path.
pub fn walk(dir: &Path, out: &mut Vec<PathBuf>, want: &dyn Fn(&str) -> bool) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| dir.display().to_string())?
        .collect::<std::io::Result<_>>()
        .with_context(|| dir.display().to_string())?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = e.path();
        let ty = e.file_type().with_context(|| path.display().to_string())?;
        if ty.is_dir() {
            walk(&path, out, want)?;
        } else if want(&name) {
            out.push(path);
        }
    }
    Ok(())
}

impl JsonInput {
    pub fn open(path: &Path) -> Result<JsonInput> {
        let folder = std::fs::metadata(path)
            .with_context(|| path.display().to_string())?
            .is_dir();
        let files = if folder {
            json_files(path)?
        } else {
            vec![path.to_path_buf()]
        };
        let mut input = JsonInput {
            input: path.display().to_string(),
            files,
            next_file: 0,
            folder,
            cur: None,
            pending: VecDeque::new(),
            done: 0,
            count: Arc::new(AtomicU64::new(0)),
            first: None,
        };
        // Open the first file now so the summary knows its framing from the start.
        input.open_next()?;
        Ok(input)
    }

    /// A skipped record at this element's place.
    pub fn bad(&self, el: &Element, reason: String) -> BadRecord {
        BadRecord {
            file: el.file.as_ref().map_or_else(|| self.input.clone(), |f| f.path.clone()),
            loc: el.line,
            offset: false,
            reason,
        }
    }

    pub fn bytes_read(&self) -> Arc<AtomicU64> {
        self.count.clone()
    }

    /// The first file's framing and compression as a summary suffix, e.g. `, jsonl+gzip`.
    pub fn describe(&self) -> String {
        match self.first {
            Some((comp, framing)) => format!("{}{}", framing.name(), comp.suffix()),
            None => "empty".to_string(),
        }
    }

    fn open_next(&mut self) -> Result<bool> {
        if let Some(cur) = self.cur.take() {
            self.done += cur.count.load(Ordering::Relaxed);
        }
        let Some(path) = self.files.get(self.next_file).cloned() else {
            return Ok(false);
        };
        self.next_file += 1;
        let name = path.display().to_string();
        let (reader, comp, count) = decompress::open(&path).with_context(|| name.clone())?;
        let framer = Framer::new(reader, None).with_context(|| name.clone())?;
        if self.first.is_none() {
            self.first = Some((comp, framer.mode()));
        }
        let file = self.folder.then(|| {
            Arc::new(SourceFile {
                path: name.clone(),
                offsets: false,
            })
        });
        self.cur = Some(Current {
            framer,
            count,
            file,
            name,
        });
        Ok(true)
    }

    /// The next value, a bad record, or `None` at the end of the last file.
    pub fn next(&mut self) -> Result<Option<Next>> {
        loop {
            if let Some(el) = self.pending.pop_front() {
                return Ok(Some(Next::Value(el)));
            }
            let Some(cur) = self.cur.as_mut() else {
                return Ok(None);
            };
            let frame = cur
                .framer
                .next_frame()
                .with_context(|| format!("{}: read failed", cur.name))?;
            self.count
                .store(self.done + cur.count.load(Ordering::Relaxed), Ordering::Relaxed);
            let frame = match frame {
                None => {
                    self.open_next()?;
                    continue;
                }
                Some(Err(bad)) => {
                    return Ok(Some(Next::Bad(BadRecord {
                        file: cur.name.clone(),
                        loc: bad.line,
                        offset: false,
                        reason: bad.reason,
                    })))
                }
                Some(Ok(f)) => f,
            };
            let starts_array = frame.bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
            if !starts_array {
                return Ok(Some(Next::Value(Element {
                    bytes: frame.bytes,
                    line: frame.line,
                    file: cur.file.clone(),
                })));
            }
            // A delivery or batch inside JSON Lines / concatenated JSON: its elements.
            match serde_json::from_slice::<Vec<&RawValue>>(&frame.bytes) {
                Ok(items) => {
                    for item in items {
                        self.pending.push_back(Element {
                            bytes: item.get().as_bytes().to_vec(),
                            line: frame.line,
                            file: cur.file.clone(),
                        });
                    }
                }
                Err(e) => {
                    return Ok(Some(Next::Bad(BadRecord {
                        file: cur.name.clone(),
                        loc: frame.line,
                        offset: false,
                        reason: describe_json_error(&e),
                    })))
                }
            }
        }
    }
}
