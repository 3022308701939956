//! What reading one Parquet file under an import filter takes: which columns
//! play which part, which row groups are read and which the filter rules out,
//! and the byte ranges of the file those reads touch. The reader follows the
//! plan; the object-store mirror fetches exactly its byte ranges, so the two
//! cannot disagree about what is needed.

use std::ops::Range;

use ::parquet::arrow::arrow_reader::ArrowReaderMetadata;
use ::parquet::file::metadata::ParquetMetaData;

use super::columns::Roles;
use super::prune;
use crate::ingest::filter::Filter;
use crate::rules::FieldOverrides;

/// The length of the footer's tail: the metadata's length (4 bytes) and `PAR1`.
pub const TAIL: u64 = 8;

/// How a file is read.
pub struct Plan {
    pub roles: Roles,
    /// The file's row number (1-based) of each row group's first row.
    pub group_start: Vec<u64>,
    /// Row groups to read, in file order.
    pub groups: Vec<usize>,
    /// Row groups the filter rules out, and why.
    pub pruned: Vec<(usize, String)>,
}

/// The plan of a file with metadata `meta` and Hive partitions `parts`;
/// `Err` names why the mapping cannot use its schema.
pub fn plan(
    meta: &ArrowReaderMetadata,
    parts: &[(String, Option<String>)],
    fields: &FieldOverrides,
    filter: &Filter,
) -> Result<Plan, String> {
    let schema = meta.schema();
    let part_names: Vec<String> = parts.iter().map(|(k, _)| k.clone()).collect();
    let roles = Roles::of(schema, fields, &part_names)?;
    let mut group_start = Vec::with_capacity(meta.metadata().num_row_groups());
    let mut row = 1u64;
    for g in meta.metadata().row_groups() {
        group_start.push(row);
        row += u64::try_from(g.num_rows()).unwrap_or(0);
    }
    // Statistics describe a field only when its column is the field itself.
    let whole = |over: &Option<Vec<String>>, col: Option<usize>| match over {
        Some(tokens) if tokens.len() != 1 => None,
        _ => col,
    };
    let stats = prune::Stats::of(
        meta.metadata(),
        schema,
        whole(&fields.time, roles.time),
        whole(&fields.stream, roles.stream),
    );
    let mut groups = Vec::new();
    let mut pruned = Vec::new();
    for g in 0..group_start.len() {
        match stats.row_group(meta.metadata(), g, filter) {
            Some(why) => pruned.push((g, why)),
            None => groups.push(g),
        }
    }
    Ok(Plan {
        roles,
        group_start,
        groups,
        pruned,
    })
}

/// The byte ranges of the file that reading row group `g` touches: the chunks of
/// the leaf columns under `projection` (every column when `None`).
pub fn group_bytes(meta: &ParquetMetaData, g: usize, projection: Option<&[usize]>) -> Vec<Range<u64>> {
    let descr = meta.file_metadata().schema_descr();
    meta.row_group(g)
        .columns()
        .iter()
        .enumerate()
        .filter(|(leaf, _)| projection.is_none_or(|roots| roots.contains(&descr.get_column_root_idx(*leaf))))
        .map(|(_, c)| {
            let (start, len) = c.byte_range();
            start..start.saturating_add(len)
        })
        .collect()
}

/// The footer of a file of `size` bytes whose last 8 bytes are `tail`: the
/// metadata and the tail itself. `None` when the tail is not a Parquet one.
pub fn footer(size: u64, tail: &[u8]) -> Option<Range<u64>> {
    let tail: &[u8; 8] = tail.try_into().ok()?;
    if &tail[4..] != b"PAR1" || size < 12 {
        return None;
    }
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    let start = size.checked_sub(TAIL)?.checked_sub(len)?;
    Some(start..size)
}
