//! DynamoDB Export to S3 folders (docs/formats.md §3): full exports (a snapshot of the
//! table at `exportTime`) and incremental exports (images and deletes at each
//! item's `WriteTimestampMicros`). One input may hold several exports of a table
//! (a full one and its incrementals): they are read in time order and the cache
//! orders the records by time, so the state at each export's time is the table's.
//!
//! Damage is reported, not hidden: an `itemCount` (per data file in
//! `manifest-files.json`, per export in `manifest-summary.json`) that differs from
//! the lines read, and a data file the manifest names but the folder lacks, are
//! reported skips at the manifest's line (errors under `--strict`): what was read
//! is still worth travelling through. A data file that cannot be decompressed
//! stops the import with its name.

use std::collections::VecDeque;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::files::{self, FileFrames, Next, Progress};
use super::{attr, item, stream_rec};
use crate::ingest::decompress;
use crate::ingest::framing::Framing;
use crate::ingest::{order, BadRecord, Item, Order, Source, SourceConfig};
use crate::model::{Kind, Record};
use crate::sanitize::quote;

const SUMMARY: &str = "manifest-summary.json";
const FILES: &str = "manifest-files.json";
/// How deep below the given folder export folders are looked for
/// (`<prefix>/AWSDynamoDB/<exportId>/manifest-summary.json` is three levels).
const MAX_DEPTH: usize = 4;

/// The export folders at or below `root`, in path order.
pub fn find_exports(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(root, 0, &mut found);
    found
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    if dir.join(SUMMARY).is_file() {
        found.push(dir.to_path_buf());
        return;
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "data"))
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, found);
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ExportType {
    Full,
    Incremental,
}

/// One export folder, its manifests read.
struct Export {
    kind: ExportType,
    table: String,
    /// Full: `exportTime`; incremental: `exportToTime`.
    time: Option<i64>,
    item_count: Option<u64>,
    summary_path: String,
    files: Vec<DataFile>,
    /// Key attribute names seen in an incremental export's `Keys`; lets a full
    /// export of the same input name its items' streams without `--key`.
    keys_seen: Vec<String>,
    view: Option<String>,
}

struct DataFile {
    key: String,
    path: Option<PathBuf>,
    manifest: String,
    manifest_line: u64,
    item_count: Option<u64>,
}

fn load(dir: &Path, root: &Path) -> Result<Export> {
    let summary_path = dir.join(SUMMARY);
    let shown = |p: &Path| p.display().to_string();
    let text = fs::read_to_string(&summary_path).with_context(|| shown(&summary_path))?;
    let s: Value = serde_json::from_str(&text).with_context(|| format!("{}: not JSON", shown(&summary_path)))?;
    let get = |k: &str| s.get(k).and_then(Value::as_str);
    let kind = match get("exportType") {
        None | Some("FULL_EXPORT") => ExportType::Full,
        Some("INCREMENTAL_EXPORT") => ExportType::Incremental,
        Some(other) => bail!("{}: unknown exportType {}", shown(&summary_path), quote(other)),
    };
    if let Some(f) = get("outputFormat") {
        if f != "DYNAMODB_JSON" {
            bail!(
                "{}: outputFormat {}: only DYNAMODB_JSON exports are read (export again with DynamoDB JSON)",
                shown(&summary_path),
                quote(f)
            );
        }
    }
    let time_of = |k: &str| get(k).and_then(crate::time::parse_rfc3339);
    let time = match kind {
        ExportType::Full => time_of("exportTime"),
        ExportType::Incremental => time_of("exportToTime").or_else(|| time_of("exportTime")),
    };
    let table = get("tableArn")
        .and_then(item::table_from_arn)
        .or_else(|| get("exportArn").and_then(item::table_from_arn))
        .map(str::to_string)
        .unwrap_or_else(|| folder_table_name(dir, root));
    let item_count = s.get("itemCount").and_then(Value::as_u64);
    let files_path = match get("manifestFilesS3Key").and_then(|k| resolve(dir, root, k)) {
        Some(p) => p,
        None => dir.join(FILES),
    };
    let files = read_manifest_files(dir, root, &files_path)?;
    let mut export = Export {
        kind,
        table,
        time,
        item_count,
        summary_path: shown(&summary_path),
        files,
        keys_seen: Vec::new(),
        view: get("outputView").map(str::to_string),
    };
    if kind == ExportType::Incremental {
        export.keys_seen = first_keys(&export).unwrap_or_default();
    }
    Ok(export)
}

/// The table name when the manifests do not give one: the first folder above
/// `AWSDynamoDB`, else the folder the user named.
fn folder_table_name(dir: &Path, root: &Path) -> String {
    let mut p = dir;
    while let Some(parent) = p.parent() {
        if p.file_name().is_some_and(|n| n == "AWSDynamoDB") {
            if let Some(n) = parent.file_name() {
                return n.to_string_lossy().into_owned();
            }
        }
        p = parent;
    }
    let base = if root.is_dir() { root } else { dir };
    base.file_name()
        .map_or_else(|| "table".to_string(), |n| n.to_string_lossy().into_owned())
}

fn read_manifest_files(dir: &Path, root: &Path, path: &Path) -> Result<Vec<DataFile>> {
    let shown = path.display().to_string();
    let f = fs::File::open(path).with_context(|| format!("{shown}: the export's list of data files"))?;
    let mut files = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line.with_context(|| format!("{shown}:{line_no}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line).with_context(|| format!("{shown}:{line_no}: not a JSON object"))?;
        let key = v
            .get("dataFileS3Key")
            .and_then(Value::as_str)
            .with_context(|| format!("{shown}:{line_no}: no dataFileS3Key"))?;
        files.push(DataFile {
            key: key.to_string(),
            path: resolve(dir, root, key),
            manifest: shown.clone(),
            manifest_line: line_no,
            item_count: v.get("itemCount").and_then(Value::as_u64),
        });
    }
    Ok(files)
}

/// Find an S3 key of the export on disk. Keys are relative to the bucket prefix
/// (`AWSDynamoDB/<exportId>/data/x.json.gz`); the user may have synced the prefix,
/// the export folder, or copied the folder elsewhere, so the longest suffix of the
/// key that exists below the export folder wins, then the whole key below one of
/// its parents up to `root`, the folder the user named: a key never reaches
/// past it (an absolute key such as `/etc/passwd` stays inside it).
fn resolve(dir: &Path, root: &Path, key: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = key.split('/').filter(|p| !p.is_empty()).collect();
    let safe = parts
        .iter()
        .all(|p| matches!(Path::new(p).components().next(), Some(Component::Normal(_))));
    if !safe || parts.is_empty() {
        return None;
    }
    let joined = |base: &Path, ps: &[&str]| ps.iter().fold(base.to_path_buf(), |acc, p| acc.join(p));
    (0..parts.len())
        .map(|start| joined(dir, &parts[start..]))
        .chain(
            dir.ancestors()
                .skip(1)
                .take_while(|a| a.starts_with(root))
                .map(|a| joined(a, &parts)),
        )
        .find(|p| p.is_file())
}

/// One data file given on its own (`data/<name>.json.gz`): the manifests of its
/// export folder, when they are there, still give the table and the time, but
/// only this file is read and no count is checked.
fn lone_data_file(path: &Path) -> Result<Export> {
    let dir = path
        .parent()
        .and_then(Path::parent)
        .filter(|d| d.join(SUMMARY).is_file());
    let mut export = match dir {
        Some(d) => load(d, d)?,
        None => {
            let (mut reader, _, _) = decompress::open(path).with_context(|| path.display().to_string())?;
            let mut line = String::new();
            // A broken first line is reported when the file is read.
            let _ = reader.read_line(&mut line);
            let incremental = serde_json::from_str::<Value>(&line).is_ok_and(|v| v.get("Keys").is_some());
            let base = path.parent().unwrap_or(path);
            let base = if base.file_name().is_some_and(|n| n == "data") {
                base.parent().unwrap_or(base)
            } else {
                base
            };
            Export {
                kind: if incremental {
                    ExportType::Incremental
                } else {
                    ExportType::Full
                },
                table: folder_table_name(base, base),
                time: None,
                item_count: None,
                summary_path: String::new(),
                files: Vec::new(),
                keys_seen: Vec::new(),
                view: None,
            }
        }
    };
    export.item_count = None;
    export.files = vec![DataFile {
        key: path.display().to_string(),
        path: Some(path.to_path_buf()),
        manifest: String::new(),
        manifest_line: 0,
        item_count: None,
    }];
    if export.kind == ExportType::Incremental {
        export.keys_seen = first_keys(&export).unwrap_or_default();
    }
    Ok(export)
}

/// The key attribute names of an incremental export's first record.
fn first_keys(export: &Export) -> Option<Vec<String>> {
    let path = export.files.iter().find_map(|f| f.path.clone())?;
    let (mut reader, _, _) = decompress::open(&path).ok()?;
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let v: Value = serde_json::from_str(&line).ok()?;
    Some(v.get("Keys")?.as_object()?.keys().cloned().collect())
}

#[derive(Deserialize)]
struct IncrementalLine<'a> {
    #[serde(rename = "Metadata", borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(rename = "Keys", borrow)]
    keys: Option<&'a RawValue>,
    #[serde(rename = "NewImage", borrow)]
    new_image: Option<&'a RawValue>,
    #[serde(rename = "OldImage", borrow)]
    old_image: Option<&'a RawValue>,
}

struct Reader {
    frames: FileFrames,
    manifest: String,
    manifest_line: u64,
    expected: Option<u64>,
}

pub struct ExportSource {
    cfg: SourceConfig,
    exports: VecDeque<Export>,
    current: Option<Export>,
    rank: i64,
    reader: Option<Reader>,
    /// Items read from the current export, for its `itemCount` check.
    export_items: u64,
    pending: VecDeque<Item>,
    progress: Progress,
    index: u64,
    name: String,
    /// Key names for full-export state items (`--key`, else learned from Keys).
    learned_key: Vec<String>,
}

impl ExportSource {
    /// `path` is an export folder, a folder above one or several, or a
    /// `manifest-summary.json` file.
    pub fn open(path: &Path, cfg: SourceConfig) -> Result<ExportSource> {
        let is_summary = path.file_name().is_some_and(|n| n == SUMMARY);
        let mut exports = if path.is_file() && !is_summary {
            vec![lone_data_file(path)?]
        } else {
            let root = if path.is_file() {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                path.to_path_buf()
            };
            let dirs = find_exports(&root);
            if dirs.is_empty() {
                bail!("{}: no {SUMMARY} found in this folder or below it", path.display());
            }
            dirs.iter().map(|d| load(d, &root)).collect::<Result<Vec<_>>>()?
        };
        // Full exports first at equal times: incremental changes follow the snapshot.
        exports.sort_by_key(|e| (e.time.unwrap_or(i64::MIN), e.kind == ExportType::Incremental));
        let full = exports.iter().filter(|e| e.kind == ExportType::Full).count();
        let incr = exports.len() - full;
        let name = match (full, incr) {
            (1, 0) => "dynamodb-export (full)".to_string(),
            (0, 1) => "dynamodb-export (incremental)".to_string(),
            _ => format!("dynamodb-export ({full} full, {incr} incremental)"),
        };
        let learned_key = if cfg.key.is_empty() {
            exports
                .iter()
                .find(|e| !e.keys_seen.is_empty())
                .map(|e| e.keys_seen.clone())
                .unwrap_or_default()
        } else {
            cfg.key.clone()
        };
        Ok(ExportSource {
            cfg,
            exports: exports.into(),
            current: None,
            rank: -1,
            reader: None,
            export_items: 0,
            pending: VecDeque::new(),
            progress: Progress::new(),
            index: 0,
            name,
            learned_key,
        })
    }

    /// Move to the next data file (reporting missing ones), or the next export.
    /// `Ok(false)` at the end of the input.
    fn advance(&mut self) -> Result<bool> {
        loop {
            if let Some(export) = self.current.as_mut() {
                if export.files.is_empty() {
                    let export = self.current.take();
                    if let Some(e) = export {
                        self.check_count(e.item_count, &e.summary_path, 1, self.export_items, "the export");
                    }
                    continue;
                }
                let f = export.files.remove(0);
                let Some(path) = f.path else {
                    self.pending.push_back(Item::Bad(BadRecord {
                        file: f.manifest,
                        loc: f.manifest_line,
                        offset: false,
                        reason: format!("data file {} is missing from the export folder", f.key),
                    }));
                    return Ok(true);
                };
                self.reader = Some(Reader {
                    frames: FileFrames::open(&path, Some(Framing::Lines))?,
                    manifest: f.manifest,
                    manifest_line: f.manifest_line,
                    expected: f.item_count,
                });
                return Ok(true);
            }
            match self.exports.pop_front() {
                Some(e) => {
                    self.current = Some(e);
                    self.rank += 1;
                    self.export_items = 0;
                }
                None => return Ok(false),
            }
        }
    }

    fn check_count(&mut self, expected: Option<u64>, file: &str, loc: u64, read: u64, what: &str) {
        if let Some(n) = expected {
            if n != read {
                self.pending.push_back(Item::Bad(BadRecord {
                    file: file.to_string(),
                    loc,
                    offset: false,
                    reason: format!("itemCount mismatch: the manifest says {what} holds {n} items, {read} were read"),
                }));
            }
        }
    }

    fn finish_file(&mut self) {
        if let Some(r) = self.reader.take() {
            self.progress.finish(&r.frames);
            self.export_items += r.frames.frames;
            let what = format!("data file {}", r.frames.file.path);
            self.check_count(r.expected, &r.manifest, r.manifest_line, r.frames.frames, &what);
        }
    }

    fn map_line(&mut self, bytes: &[u8]) -> Result<Record, String> {
        let Some(export) = self.current.as_ref() else {
            return Err("no export".into());
        };
        let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
        let index = self.index;
        self.index += 1;
        let mut rec = match export.kind {
            ExportType::Full => {
                let conv = attr::convert_export_line(text)?;
                if item::is_event(&conv, &self.cfg) {
                    item::event_record(&conv, &self.cfg, index, export.time)?
                } else {
                    let names = if self.learned_key.is_empty() {
                        item::guess_key(&conv, &self.cfg)?
                    } else {
                        self.learned_key.clone()
                    };
                    let mut keys = item::key_values(&conv, &names)?;
                    item::order_keys(&mut keys, &self.cfg);
                    let stream = item::stream_name(&export.table, &keys);
                    let mut r = item::image_record(stream, "export", conv.json, export.time);
                    r.id = Some(crate::ingest::mapping::generated_id(&self.cfg.mapper.input_name, index));
                    r
                }
            }
            ExportType::Incremental => {
                let l: IncrementalLine =
                    serde_json::from_str(text).map_err(|e| crate::ingest::mapping::describe_json_error(&e))?;
                let time = write_time(l.metadata)?;
                let keys = item::keys_of(
                    l.keys.ok_or("no \"Keys\" in this line of an incremental export")?.get(),
                    &self.cfg,
                )?;
                let stream = item::stream_name(&export.table, &keys);
                let new = l
                    .new_image
                    .map(|r| attr::convert_item(r.get()))
                    .transpose()
                    .map_err(|e| format!("NewImage: {e}"))?;
                let old = l
                    .old_image
                    .map(|r| attr::item_to_json(r.get()))
                    .transpose()
                    .map_err(|e| format!("OldImage: {e}"))?;
                let both = export.view.as_deref() == Some("NEW_AND_OLD_IMAGES");
                let ty = match (&new, &old) {
                    (Some(_), Some(_)) => "MODIFY",
                    (Some(_), None) if both => "INSERT",
                    (Some(_), None) => "PUT",
                    (None, _) => "REMOVE",
                };
                let mut r = match new {
                    Some(conv) if old.is_none() && item::is_event(&conv, &self.cfg) => {
                        item::event_record(&conv, &self.cfg, index, Some(time))?
                    }
                    Some(conv) => item::image_record(stream, ty, conv.json, Some(time)),
                    None => Record {
                        stream,
                        ty: ty.to_string(),
                        time: Some(time),
                        kind: Kind::Delete,
                        data: old.clone().unwrap_or_else(|| "null".into()),
                        ..Record::default()
                    },
                };
                if r.kind != Kind::Event {
                    r.id = Some(crate::ingest::mapping::generated_id(&self.cfg.mapper.input_name, index));
                    r.meta = Some(stream_rec::meta_of(&[
                        ("WriteTimestampMicros", Value::from(time)),
                        ("OldImage", parse_opt(old.as_deref())?),
                    ]));
                }
                r
            }
        };
        rec.okey = Some(order::int(self.rank));
        Ok(rec)
    }
}

fn parse_opt(text: Option<&str>) -> Result<Value, String> {
    match text {
        Some(t) => serde_json::from_str(t).map_err(|e| e.to_string()),
        None => Ok(Value::Null),
    }
}

/// `Metadata.WriteTimestampMicros`: `{"N": "…"}` or a plain number.
fn write_time(meta: Option<&RawValue>) -> Result<i64, String> {
    let meta = meta.ok_or("no \"Metadata\" in this line of an incremental export")?;
    let v: Value = serde_json::from_str(meta.get()).map_err(|e| e.to_string())?;
    let w = v
        .get("WriteTimestampMicros")
        .ok_or("Metadata has no WriteTimestampMicros")?;
    let text = match w {
        Value::Object(o) => o.get("N").and_then(Value::as_str).map(str::to_string),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    text.and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or_else(|| format!("WriteTimestampMicros is not an integer: {w}"))
}

impl Source for ExportSource {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Ok(Some(item));
            }
            let Some(reader) = self.reader.as_mut() else {
                // The last export's count check may have queued a report.
                if !self.advance()? && self.pending.is_empty() {
                    return Ok(None);
                }
                continue;
            };
            self.progress.update(&reader.frames);
            let file = reader.frames.file.clone();
            match reader.frames.next()? {
                Next::End => self.finish_file(),
                Next::Bad(bad) => return Ok(Some(Item::Bad(bad))),
                Next::Frame(f) => {
                    let mapped = self.map_line(&f.bytes);
                    return Ok(Some(files::item(&file, f.line, mapped)));
                }
            }
        }
    }

    fn format_name(&self) -> String {
        self.name.clone()
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.progress.total.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}
