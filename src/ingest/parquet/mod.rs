//! Parquet (docs/formats.md §12): one file, or a folder of them as Spark, Athena,
//! Glue, Firehose, DuckDB and pyarrow write them (Hive `key=value` partition folders,
//! `_SUCCESS` and `.crc` sidecars ignored). Each row maps like a JSON record whose
//! members are the columns ([`values`]), read one row group at a time so memory
//! stays flat, and only the columns the mapping needs when a data column exists.

pub mod columns;
pub mod guard;
pub mod hive;
pub mod plan;
pub mod prune;
pub mod typed;
pub mod values;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ::parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use ::parquet::arrow::ProjectionMask;
use anyhow::{bail, Context, Result};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};

use super::folder;
use super::mapping::{Mapper, Raw, TopLevel};
use super::{BadRecord, Family, Format, Item, Order, Peek, Source, SourceConfig};
use crate::model::SourceFile;
use columns::Roles;

const MAGIC: &[u8] = b"PAR1";
/// Rows decoded at a time: small enough that a batch of wide rows stays small.
const BATCH_ROWS: usize = 4096;

pub struct ParquetFamily;
pub static FAMILY: ParquetFamily = ParquetFamily;

impl Family for ParquetFamily {
    fn detect(&self, peek: &Peek) -> Option<Format> {
        if peek.is_dir {
            let listing = folder::list(peek.path, false).ok()?;
            let all = !listing.members.is_empty() && listing.members.iter().all(|m| is_parquet(m.path()));
            return all.then_some(Format::Parquet);
        }
        peek.head.starts_with(MAGIC).then_some(Format::Parquet)
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Parquet]
    }

    fn open(&self, path: &Path, _format: Format, cfg: SourceConfig) -> Result<Box<dyn Source>> {
        Ok(Box::new(Parquet::open(path, cfg)?))
    }

    fn covers(&self, dir: &Path, _format: Format) -> bool {
        folder::all_files(dir, is_parquet)
    }
}

/// A name (a file's, an object's key) that says Parquet.
pub fn named_parquet(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".parquet") || n.ends_with(".parq")
}

/// A Parquet file by its name, or by its magic number when its name says nothing.
fn is_parquet(path: &Path) -> bool {
    if path.file_name().is_some_and(|n| named_parquet(&n.to_string_lossy())) {
        return true;
    }
    let mut magic = [0u8; 4];
    File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && magic == MAGIC
}

/// The Parquet input: its files in path order, one open at a time.
pub struct Parquet {
    root: PathBuf,
    folder: bool,
    files: Vec<PathBuf>,
    next_file: usize,
    pending: VecDeque<Item>,
    cfg: SourceConfig,
    cur: Option<OpenFile>,
    /// Bytes of the files done, and the progress shown.
    done: u64,
    bytes: Arc<AtomicU64>,
    general_only: bool,
}

/// The file being read.
struct OpenFile {
    file: File,
    meta: ArrowReaderMetadata,
    roles: Roles,
    mapper: Mapper,
    shown: Arc<SourceFile>,
    /// Part of a folder: records name their file (a single file is the input itself).
    in_folder: bool,
    /// Every row through the general mapping (to check the typed one against it).
    general_only: bool,
    /// Hive partition fields as JSON strings, and the columns they do not shadow.
    partitions: Vec<(String, String)>,
    /// Row groups still to read, and the file's row number of each one's first row.
    groups: VecDeque<usize>,
    group_start: Vec<u64>,
    /// Row groups the filter rules out, reported before the file's rows.
    pruned: Vec<Item>,
    reader: Option<ParquetRecordBatchReader>,
    batch: Option<Batch>,
    /// The file's row number (1-based) of the next row of `batch`.
    next_row: u64,
    /// Bytes of the row groups read so far.
    read: u64,
    size: u64,
}

/// A decoded batch and what each of its columns is to the mapping.
struct Batch {
    rows: RecordBatch,
    at: usize,
    names: Vec<String>,
    /// Columns whose text is JSON (the data and meta columns).
    json: Vec<Json>,
    cells: Vec<String>,
    /// The batch's rows mapped from their typed columns, when its shape allows.
    typed: Option<typed::Typed>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Json {
    No,
    Data,
    Meta,
}

impl Parquet {
    pub fn open(path: &Path, cfg: SourceConfig) -> Result<Parquet> {
        Parquet::open_as(path, cfg, false)
    }

    fn open_as(path: &Path, cfg: SourceConfig, general_only: bool) -> Result<Parquet> {
        let folder = std::fs::metadata(path)
            .with_context(|| path.display().to_string())?
            .is_dir();
        let (files, pending) = if folder {
            let listing = folder::list(path, false)?;
            let ignored = folder::ignored_items(listing.ignored);
            (
                listing.members.into_iter().map(|m| m.path().to_path_buf()).collect(),
                ignored,
            )
        } else {
            (vec![path.to_path_buf()], VecDeque::new())
        };
        if files.is_empty() {
            bail!("{}: the folder holds no Parquet files", path.display());
        }
        let mut source = Parquet {
            root: path.to_path_buf(),
            folder,
            files,
            next_file: 0,
            pending,
            cfg,
            cur: None,
            done: 0,
            bytes: Arc::new(AtomicU64::new(0)),
            general_only,
        };
        // The first file's schema is checked before the import starts, so an
        // unmappable dataset fails at once, naming its columns.
        source.open_next()?;
        Ok(source)
    }

    /// Open the next file; `Ok(false)` when none is left. A file that cannot be read
    /// is a reported skip in a folder and an error for a single file; a schema the
    /// mapping cannot use is an error either way.
    fn open_next(&mut self) -> Result<bool> {
        while let Some(path) = self.files.get(self.next_file).cloned() {
            self.next_file += 1;
            if self.folder {
                let parts = hive::partitions(&self.root, &path);
                if let Some(why) = prune::file(&self.cfg.filter, &parts, &self.cfg.mapper.fields) {
                    self.done += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                    self.pending.push_back(Item::Pruned(BadRecord {
                        file: path.display().to_string(),
                        loc: 0,
                        offset: true,
                        reason: why,
                    }));
                    continue;
                }
            }
            match self.open_file(&path) {
                Ok(mut f) => {
                    self.pending.extend(f.pruned.drain(..));
                    self.cur = Some(f);
                    return Ok(true);
                }
                Err(Unreadable::Schema(why)) => bail!("{}: {why}", path.display()),
                Err(Unreadable::Mirror(why)) => bail!(
                    "{}: {why}: the object was fetched in part, for another import filter or field \
                     mapping; import it again (with the same --rules), or clear the mirror (docs/remote.md)",
                    path.display()
                ),
                Err(Unreadable::Io(why)) if self.folder => self.pending.push_back(Item::Bad(BadRecord {
                    file: path.display().to_string(),
                    loc: 0,
                    offset: true,
                    reason: format!("cannot read as Parquet: {why}"),
                })),
                Err(Unreadable::Io(why)) => bail!("{}: cannot read as Parquet: {why}", path.display()),
            }
        }
        Ok(false)
    }

    fn open_file(&self, path: &Path) -> std::result::Result<OpenFile, Unreadable> {
        let io = |e: &dyn std::fmt::Display| Unreadable::Io(e.to_string());
        let mut file = File::open(path).map_err(|e| io(&e))?;
        let size = file.metadata().map_err(|e| io(&e))?.len();
        // An object mirrored in part: only what its record holds may be read.
        let present = super::remote::coverage(path);
        if let Some(p) = &present {
            check_footer(&mut file, size, p).map_err(Unreadable::Mirror)?;
        }
        let meta = guard::guarded(|| ArrowReaderMetadata::load(&file, Default::default()))
            .map_err(Unreadable::Io)?
            .map_err(|e| io(&e))?;
        let meta = guard::guarded(|| as_views(meta))
            .map_err(Unreadable::Io)?
            .map_err(|e| io(&e))?;
        let parts: Vec<(String, Option<String>)> = match self.folder {
            true => hive::partitions(&self.root, path),
            false => Vec::new(),
        };
        let fields = &self.cfg.mapper.fields;
        let plan = plan::plan(&meta, &parts, fields, &self.cfg.filter).map_err(Unreadable::Schema)?;
        if let Some(p) = &present {
            for &g in &plan.groups {
                let bytes = plan::group_bytes(meta.metadata(), g, plan.roles.projection.as_deref());
                if let Some(r) = bytes.iter().find(|r| !p.covers(r)) {
                    return Err(Unreadable::Mirror(format!(
                        "row group {g} (bytes {}..{}) is not in the mirror",
                        r.start, r.end
                    )));
                }
            }
        }
        let schema = meta.schema();
        let partitions = parts
            .into_iter()
            .filter(|(k, _)| schema.index_of(k).is_err())
            .filter_map(|(k, v)| {
                let mut text = String::new();
                values::string(&mut text, &v?);
                Some((k, text))
            })
            .collect();
        let shown = path.display().to_string();
        let mapper = Mapper {
            fields: fields.clone(),
            input_name: match self.folder {
                true => format!("{}/{}", self.cfg.mapper.input_name, path.display()),
                false => self.cfg.mapper.input_name.clone(),
            },
        };
        let pruned = plan
            .pruned
            .into_iter()
            .map(|(g, why)| {
                Item::Pruned(BadRecord {
                    file: path.display().to_string(),
                    loc: plan.group_start[g],
                    offset: false,
                    reason: why,
                })
            })
            .collect();
        let (roles, group_start, groups) = (plan.roles, plan.group_start, plan.groups.into());
        Ok(OpenFile {
            file,
            groups,
            pruned,
            group_start,
            meta,
            roles,
            mapper,
            shown: Arc::new(SourceFile {
                path: shown,
                offsets: false,
            }),
            partitions,
            in_folder: self.folder,
            general_only: self.general_only,
            reader: None,
            batch: None,
            next_row: 1,
            read: 0,
            size,
        })
    }

    fn close(&mut self) {
        if let Some(f) = self.cur.take() {
            self.done += f.size;
            self.bytes.store(self.done, Ordering::Relaxed);
        }
    }
}

/// `meta` reading top-level string and binary columns as views: a view points into
/// the decompressed page instead of copying each value, and the data column is most
/// of the bytes of a row.
fn as_views(meta: ArrowReaderMetadata) -> ::parquet::errors::Result<ArrowReaderMetadata> {
    let viewed = |t: &DataType| match t {
        DataType::Utf8 | DataType::LargeUtf8 => Some(DataType::Utf8View),
        DataType::Binary | DataType::LargeBinary => Some(DataType::BinaryView),
        _ => None,
    };
    let schema = meta.schema();
    if !schema.fields().iter().any(|f| viewed(f.data_type()).is_some()) {
        return Ok(meta);
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match viewed(f.data_type()) {
            Some(t) => f.as_ref().clone().with_data_type(t),
            None => f.as_ref().clone(),
        })
        .collect();
    let hinted = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let options = ArrowReaderOptions::new().with_schema(hinted);
    ArrowReaderMetadata::try_new(meta.metadata().clone(), options)
}

enum Unreadable {
    Io(String),
    Schema(String),
    /// Parts of a partly mirrored object the read needs are not there.
    Mirror(String),
}

/// Check that the footer of a partly mirrored file (its last 8 bytes, and the
/// metadata they point to) is among the bytes `present`.
fn check_footer(file: &mut File, size: u64, present: &super::remote::Spans) -> std::result::Result<(), String> {
    use std::io::{Seek, SeekFrom};
    let missing = |r: std::ops::Range<u64>| format!("its footer (bytes {}..{}) is not in the mirror", r.start, r.end);
    let last = size.saturating_sub(plan::TAIL)..size;
    if size < plan::TAIL || !present.covers(&last) {
        return Err(missing(last));
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::Start(last.start))
        .and_then(|_| file.read_exact(&mut tail))
        .map_err(|e| e.to_string())?;
    match plan::footer(size, &tail) {
        Some(footer) if !present.covers(&footer) => Err(missing(footer)),
        _ => Ok(()),
    }
}

impl OpenFile {
    /// The next decoded batch with rows left, or `None` at the end of the file.
    fn fill(&mut self) -> Result<bool, String> {
        loop {
            if self.batch.as_ref().is_some_and(|b| b.at < b.rows.num_rows()) {
                return Ok(true);
            }
            self.batch = None;
            if let Some(reader) = self.reader.as_mut() {
                match reader.next() {
                    Some(Ok(rows)) => {
                        self.batch = Some(self.describe(rows));
                        continue;
                    }
                    Some(Err(e)) => return Err(e.to_string()),
                    None => self.reader = None,
                }
            }
            let Some(g) = self.groups.pop_front() else {
                return Ok(false);
            };
            self.next_row = self.group_start[g];
            self.read += u64::try_from(self.meta.metadata().row_group(g).compressed_size()).unwrap_or(0);
            let file = self.file.try_clone().map_err(|e| e.to_string())?;
            let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone());
            let builder = match &self.roles.projection {
                Some(cols) => {
                    let mask = ProjectionMask::roots(builder.parquet_schema(), cols.iter().copied());
                    builder.with_projection(mask)
                }
                None => builder,
            };
            let reader = builder
                .with_batch_size(BATCH_ROWS)
                .with_row_groups(vec![g])
                .build()
                .map_err(|e| e.to_string())?;
            self.reader = Some(reader);
        }
    }

    fn describe(&self, rows: RecordBatch) -> Batch {
        let schema = self.meta.schema();
        let name_of = |i: Option<usize>| i.map(|i| schema.field(i).name().as_str());
        let (data, meta) = (name_of(self.roles.data), name_of(self.roles.meta));
        let names: Vec<String> = rows.schema().fields().iter().map(|f| f.name().clone()).collect();
        let json = names
            .iter()
            .map(|n| match Some(n.as_str()) {
                n if n == data => Json::Data,
                n if n == meta => Json::Meta,
                _ => Json::No,
            })
            .collect();
        let typed = match self.general_only {
            true => None,
            false => typed::Typed::of(&rows.schema(), &self.mapper.fields, &self.partitions),
        };
        Batch {
            typed,
            cells: vec![String::new(); names.len()],
            names,
            json,
            rows,
            at: 0,
        }
    }

    /// The next row as an item, with `batch` filled.
    fn row(&mut self) -> Option<Item> {
        let Batch {
            rows,
            at,
            names,
            json,
            cells,
            typed,
        } = self.batch.as_mut()?;
        let i = *at;
        *at += 1;
        let row = self.next_row;
        self.next_row += 1;
        if let Some(mut r) = typed.as_ref().and_then(|t| t.row(rows, i, &self.mapper, row, row - 1)) {
            if self.in_folder {
                r.file = Some(self.shown.clone());
            }
            return Some(Item::Record(r));
        }
        let mut warning = None;
        // Each present column: its JSON text borrowed from the batch when the cell is
        // JSON text already (the data, usually most of the row), else written to `cells`.
        let mut present: Vec<(usize, Option<&str>)> = Vec::with_capacity(names.len());
        for (c, col) in rows.columns().iter().enumerate() {
            if col.is_null(i) {
                continue;
            }
            let cell = &mut cells[c];
            cell.clear();
            match (json[c], values::text(col.as_ref(), i)) {
                (Json::No, _) | (_, None) => values::write(col.as_ref(), i, cell),
                (role, Some(cell_text)) => match json_text(cell_text) {
                    Ok(text) => {
                        present.push((c, Some(text)));
                        continue;
                    }
                    Err(why) if role == Json::Data => {
                        let raw = match cell_text {
                            Ok(s) => s.as_bytes(),
                            Err(b) => b,
                        };
                        cell.push_str(&super::undecodable::data(raw, &why));
                        warning = Some(format!("data is not JSON ({why}); kept raw"));
                    }
                    Err(_) => values::write(col.as_ref(), i, cell),
                },
            }
            present.push((c, None));
        }
        let mut len = 2;
        let mut top = Vec::with_capacity(present.len() + self.partitions.len());
        for (c, text) in present {
            let text = text.unwrap_or(cells[c].as_str());
            len += names[c].len() + text.len() + 4;
            top.push((Cow::Borrowed(names[c].as_str()), Raw::new(text)));
        }
        for (k, v) in &self.partitions {
            len += k.len() + v.len() + 4;
            top.push((Cow::Borrowed(k.as_str()), Raw::new(v)));
        }
        let index = row - 1;
        Some(match self.mapper.map_top_identified(&TopLevel(top), len, row, index) {
            Ok(mut r) => {
                if self.in_folder {
                    r.file = Some(self.shown.clone());
                }
                r.warning = warning;
                Item::Record(r)
            }
            Err(reason) => Item::Bad(BadRecord {
                file: self.shown.path.clone(),
                loc: row,
                offset: false,
                reason,
            }),
        })
    }
}

/// The text of a JSON-text cell, when it is one valid JSON value.
fn json_text<'a>(cell: std::result::Result<&'a str, &'a [u8]>) -> std::result::Result<&'a str, String> {
    let text = match cell {
        Ok(text) => text,
        Err(bytes) => std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?,
    };
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| text.trim())
        .map_err(|e| super::mapping::describe_json_error(&e))
}

impl Source for Parquet {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Ok(Some(item));
            }
            let Some(cur) = self.cur.as_mut() else {
                if self.open_next()? {
                    continue;
                }
                return Ok(None);
            };
            let filled = guard::guarded(|| cur.fill()).and_then(|r| r);
            match filled {
                Ok(true) => {
                    let item = cur.row();
                    self.bytes.store(self.done + cur.read.min(cur.size), Ordering::Relaxed);
                    if item.is_some() {
                        return Ok(item);
                    }
                }
                Ok(false) => self.close(),
                Err(why) if self.folder => {
                    let item = Item::Bad(BadRecord {
                        file: cur.shown.path.clone(),
                        loc: cur.next_row,
                        offset: false,
                        reason: format!("read failed, the rest of the file is left out: {why}"),
                    });
                    self.close();
                    return Ok(Some(item));
                }
                Err(why) => bail!("{}: row {}: read failed: {why}", cur.shown.path, cur.next_row),
            }
        }
    }

    fn format_name(&self) -> String {
        match self.folder {
            true => format!(
                "parquet folder ({})",
                crate::plural::count(self.files.len() as u64, "file", "files")
            ),
            false => "parquet".to_string(),
        }
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.bytes.clone()
    }

    fn order(&self) -> Order {
        match self.folder {
            true => Order::Time,
            false => Order::File,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, RecordBatch, StringArray, TimestampNanosecondArray, TimestampSecondArray, UInt32Array,
    };
    use arrow_schema::{DataType, Field, Schema, TimeUnit};

    use super::*;
    use crate::ingest::mapping::Mapper;

    fn cfg() -> SourceConfig {
        SourceConfig {
            mapper: Mapper {
                fields: Default::default(),
                input_name: "input".into(),
            },
            records: Default::default(),
            key: Vec::new(),
            system_streams: false,
            filter: Default::default(),
        }
    }

    fn shown(item: Item) -> String {
        match item {
            Item::Record(r) => format!("record {r:?}"),
            Item::Bad(b) => format!("bad {b}"),
            Item::Warn(b) => format!("warn {b}"),
            Item::Filtered(b) => format!("filtered {b}"),
            Item::Ignored(b) => format!("ignored {b}"),
            Item::Pruned(b) => format!("pruned {b}"),
        }
    }

    /// Every item of `path` read both ways, and how many rows were mapped typed.
    fn both_ways(path: &Path) -> (Vec<String>, Vec<String>, usize) {
        let mut typed_rows = 0;
        let mut read = |general_only: bool| {
            let mut items = Vec::new();
            let mut source = Parquet::open_as(path, cfg(), general_only).expect("open");
            while let Some(item) = source.next_item().expect("read") {
                let typed = source
                    .cur
                    .as_ref()
                    .and_then(|f| f.batch.as_ref())
                    .is_some_and(|b| b.typed.is_some());
                if typed && !general_only && matches!(item, Item::Record(_)) {
                    typed_rows += 1;
                }
                items.push(shown(item));
            }
            items
        };
        let general = read(true);
        let typed = read(false);
        (general, typed, typed_rows)
    }

    #[test]
    fn typed_rows_map_as_the_general_mapping_does_on_every_fixture() {
        let lake = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lake");
        let mut inputs: Vec<PathBuf> = vec![lake.join("agents-hive"), lake.join("agents-spark")];
        for dir in [lake.clone(), lake.join("types"), lake.join("bad")] {
            for e in std::fs::read_dir(&dir).expect("fixtures").flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "parquet") && p.is_file() {
                    inputs.push(p);
                }
            }
        }
        let mut typed_total = 0;
        for input in inputs {
            if Parquet::open(&input, cfg()).is_err() {
                continue;
            }
            let (general, typed, typed_rows) = both_ways(&input);
            assert_eq!(general, typed, "{}", input.display());
            typed_total += typed_rows;
        }
        assert!(typed_total > 100, "the typed mapping took {typed_total} fixture rows");
    }

    #[test]
    fn rows_out_of_the_ordinary_map_as_the_general_mapping_does() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("edge.parquet");
        let text = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let columns: Vec<(&str, ArrayRef)> = vec![
            (
                "stream",
                text(vec![
                    Some("s/1"),
                    None,
                    Some("quote\"s\\and\u{1}ctl"),
                    Some("s/2"),
                    Some("s/3"),
                    Some("s/4"),
                ]),
            ),
            (
                "seq",
                Arc::new(UInt32Array::from(vec![
                    Some(1),
                    Some(u32::MAX),
                    None,
                    Some(4),
                    Some(5),
                    Some(6),
                ])),
            ),
            (
                "id",
                text(vec![Some("a"), None, Some("c"), Some("d"), Some("e"), Some("f")]),
            ),
            (
                "type",
                text(vec![Some("T"), Some("T"), None, Some("T"), Some("T"), Some("T")]),
            ),
            (
                "time",
                Arc::new(
                    TimestampNanosecondArray::from(vec![
                        Some(1_795_000_000_123_456_789),
                        None,
                        Some(-5),
                        Some(i64::MAX),
                        Some(i64::MIN),
                        Some(0),
                    ])
                    .with_timezone("+02:00"),
                ),
            ),
            (
                "ts",
                Arc::new(TimestampSecondArray::from(vec![
                    Some(1),
                    Some(568_971_820_800),
                    None,
                    None,
                    None,
                    None,
                ])),
            ),
            (
                "kind",
                text(vec![
                    Some("image"),
                    Some("delete"),
                    Some("snapshot"),
                    Some("other"),
                    None,
                    Some("image"),
                ]),
            ),
            (
                "data",
                text(vec![
                    Some(" {\"a\": 1} "),
                    Some("{\"b\":[1,2]}"),
                    Some("not json"),
                    None,
                    Some("3"),
                    Some("\"s\""),
                ]),
            ),
            (
                "meta",
                text(vec![
                    Some("{\"m\":1}"),
                    Some("{bad"),
                    None,
                    Some("[]"),
                    Some("null"),
                    Some("{}"),
                ]),
            ),
        ];
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
                .collect::<Vec<_>>(),
        ));
        let batch = RecordBatch::try_new(schema.clone(), columns.into_iter().map(|(_, a)| a).collect()).expect("batch");
        let file = File::create(&path).expect("create");
        let mut w = ::parquet::arrow::ArrowWriter::try_new(file, schema, None).expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
        assert!(matches!(
            batch.schema().field(4).data_type(),
            DataType::Timestamp(TimeUnit::Nanosecond, Some(_))
        ));

        let (general, typed, typed_rows) = both_ways(&path);
        assert_eq!(general, typed);
        assert!(typed_rows >= 2, "typed rows: {typed_rows}");
    }
}
