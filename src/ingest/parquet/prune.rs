//! What an import filter lets the Parquet reader skip without decoding: files whose
//! Hive partitions (a date, an hour, the stream) lie outside it, and row groups
//! whose statistics of the time or stream column do.

use ::parquet::file::metadata::ParquetMetaData;
use ::parquet::file::statistics::Statistics;
use arrow_schema::{DataType, Schema, TimeUnit};

use crate::ingest::filter::Filter;
use crate::ingest::mapping::STREAM;
use crate::rules::FieldOverrides;

use super::hive;

/// Why a file's partitions put all of its rows outside `filter`, if they do. A
/// `date`/`hour` partition is taken to be of the event time, as a table partitioned
/// by the time it holds is; a partition named like the stream field is the stream.
pub fn file(filter: &Filter, parts: &[(String, Option<String>)], fields: &FieldOverrides) -> Option<String> {
    if filter.has_time() {
        if let Some((lo, hi)) = hive::time_span(parts) {
            if !filter.time_may_match(Some(lo), Some(hi - 1)) {
                return Some(format!(
                    "not read: its partition ({} .. {}) is outside the import filter ({})",
                    crate::time::format_micros(lo),
                    crate::time::format_micros(hi),
                    filter.describe()
                ));
            }
        }
    }
    let is_stream = |k: &str| match &fields.stream {
        Some(tokens) => tokens.len() == 1 && tokens[0] == k,
        None => STREAM.contains(&k),
    };
    for (k, v) in parts {
        if let Some(v) = v {
            if is_stream(k) && !filter.stream_may_match(v) {
                return Some(format!(
                    "not read: its partition {k}={v} is outside the import filter ({})",
                    filter.describe()
                ));
            }
        }
    }
    None
}

/// The statistics pruning needs of one file: the leaf columns of the time and
/// stream columns, when they are plain top-level columns.
pub struct Stats {
    time: Option<(usize, TimeUnit)>,
    stream: Option<usize>,
}

impl Stats {
    pub fn of(meta: &ParquetMetaData, schema: &Schema, time: Option<usize>, stream: Option<usize>) -> Stats {
        let leaf = |root: usize| {
            let name = schema.field(root).name();
            meta.file_metadata()
                .schema_descr()
                .columns()
                .iter()
                .position(|c| c.path().parts() == [name.clone()])
        };
        let time = time.and_then(|t| match schema.field(t).data_type() {
            DataType::Timestamp(unit, _) => leaf(t).map(|l| (l, *unit)),
            _ => None,
        });
        let stream = stream.and_then(|s| match schema.field(s).data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => leaf(s),
            _ => None,
        });
        Stats { time, stream }
    }

    /// Why row group `g` holds no row `filter` keeps, if its statistics say so.
    pub fn row_group(&self, meta: &ParquetMetaData, g: usize, filter: &Filter) -> Option<String> {
        let group = meta.row_group(g);
        if let (Some((leaf, unit)), true) = (self.time, filter.has_time()) {
            if let Some(Statistics::Int64(s)) = group.column(leaf).statistics() {
                let micros = |v: i64| match unit {
                    TimeUnit::Second => v.saturating_mul(1_000_000),
                    TimeUnit::Millisecond => v.saturating_mul(1_000),
                    TimeUnit::Microsecond => v,
                    TimeUnit::Nanosecond => v.div_euclid(1_000),
                };
                let (lo, hi) = (s.min_opt().map(|v| micros(*v)), s.max_opt().map(|v| micros(*v)));
                if lo.is_some() && hi.is_some() && !filter.time_may_match(lo, hi) {
                    return Some(format!(
                        "row group {g} not read: its times ({} .. {}) are outside the import filter ({})",
                        lo.map_or_else(String::new, crate::time::format_micros),
                        hi.map_or_else(String::new, crate::time::format_micros),
                        filter.describe()
                    ));
                }
            }
        }
        if let Some(leaf) = self.stream {
            if let Some(Statistics::ByteArray(s)) = group.column(leaf).statistics() {
                let text =
                    |v: Option<&::parquet::data_type::ByteArray>| v.and_then(|b| b.as_utf8().ok().map(str::to_string));
                if let (Some(lo), Some(hi)) = (text(s.min_opt()), text(s.max_opt())) {
                    if lo == hi && s.null_count_opt() == Some(0) && !filter.stream_may_match(&lo) {
                        return Some(format!(
                            "row group {g} not read: its stream {lo} is outside the import filter ({})",
                            filter.describe()
                        ));
                    }
                }
            }
        }
        None
    }
}
