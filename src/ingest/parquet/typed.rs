//! Rows mapped straight from typed columns, for the common shape of a Parquet
//! event table: string stream/id/type columns, an integer seq, a timestamp time,
//! and JSON text data and meta. The general mapping ([`super::OpenFile::row`])
//! turns every cell into JSON text and maps that like a JSON record; here the
//! same fields are read from the columns as they are, which is most of the
//! decoder's work saved. A file of another shape, or a row whose mapping is out
//! of the ordinary (its data not JSON, a time that has no canonical text, no data
//! cell), goes the general way, so both give the same record for every row.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema, TimeUnit};

use crate::ingest::mapping::{self, DATA, ID, META, SEQ, STREAM, TIME, TYPE};
use crate::model::{Kind, Record};
use crate::rules::FieldOverrides;

/// For each field, the batch's columns it may come from, in the order the
/// mapping looks for them: a row takes the first one that is not null there.
pub struct Typed {
    stream: Vec<usize>,
    seq: Vec<usize>,
    id: Vec<usize>,
    ty: Vec<usize>,
    time: Vec<usize>,
    meta: Vec<usize>,
    data: Vec<usize>,
    kind: Option<usize>,
}

/// The candidate columns of one field; `None` when the field points inside a column.
fn candidates(schema: &Schema, over: &Option<Vec<String>>, names: &[&str]) -> Option<Vec<usize>> {
    Some(match over {
        Some(tokens) if tokens.len() > 1 => return None,
        Some(tokens) => tokens.iter().filter_map(|c| schema.index_of(c).ok()).collect(),
        None => names.iter().filter_map(|n| schema.index_of(n).ok()).collect(),
    })
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_int(t: &DataType) -> bool {
    use DataType::*;
    matches!(t, Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32)
}

impl Typed {
    /// The typed mapping of batches with `schema`, when their shape allows it.
    /// `partitions`: the Hive partition fields the row also has.
    pub fn of(schema: &Schema, f: &FieldOverrides, partitions: &[(String, String)]) -> Option<Typed> {
        // A partition field that could be read as one of the event's fields, or a
        // numeric `sk` taken as the seq, is the general mapping's business.
        let names_of = |over: &Option<Vec<String>>, names: &[&str]| -> Vec<String> {
            match over {
                Some(tokens) => tokens.first().cloned().into_iter().collect(),
                None => names.iter().map(|n| n.to_string()).collect(),
            }
        };
        let mut field_names: Vec<String> = ["kind", "sk"].iter().map(|n| n.to_string()).collect();
        for (over, names) in [
            (&f.stream, STREAM),
            (&f.seq, SEQ),
            (&f.id, ID),
            (&f.ty, TYPE),
            (&f.time, TIME),
            (&f.meta, META),
            (&f.data, DATA),
        ] {
            field_names.extend(names_of(over, names));
        }
        if partitions.iter().any(|(k, _)| field_names.contains(k)) {
            return None;
        }
        if f.seq.is_none() && schema.index_of("sk").is_ok() {
            return None;
        }
        let typed = Typed {
            stream: candidates(schema, &f.stream, STREAM)?,
            seq: candidates(schema, &f.seq, SEQ)?,
            id: candidates(schema, &f.id, ID)?,
            ty: candidates(schema, &f.ty, TYPE)?,
            time: candidates(schema, &f.time, TIME)?,
            meta: candidates(schema, &f.meta, META)?,
            data: candidates(schema, &f.data, DATA)?,
            kind: schema.index_of("kind").ok(),
        };
        let all = |cols: &[usize], ok: fn(&DataType) -> bool| cols.iter().all(|&c| ok(schema.field(c).data_type()));
        // The general mapping reads one data and one meta column as JSON text.
        let shaped = typed.data.len() == 1
            && typed.meta.len() <= 1
            && typed.kind.is_none_or(|c| is_string(schema.field(c).data_type()))
            && all(&typed.stream, is_string)
            && all(&typed.id, is_string)
            && all(&typed.ty, is_string)
            && all(&typed.meta, is_string)
            && all(&typed.data, is_string)
            && all(&typed.seq, is_int)
            && all(&typed.time, |t| matches!(t, DataType::Timestamp(..)));
        shaped.then_some(typed)
    }

    /// Row `i` of `rows` as a record, or `None` when the general mapping must map it.
    pub fn row(&self, rows: &RecordBatch, i: usize, mapper: &mapping::Mapper, loc: u64, index: u64) -> Option<Record> {
        let cols = rows.columns();
        let first = |cands: &[usize]| cands.iter().copied().find(|&c| !cols[c].is_null(i));
        let data = json_at(&cols[first(&self.data)?], i)?.to_string();
        let meta = match first(&self.meta) {
            Some(c) => Some(json_at(&cols[c], i)?.to_string()),
            None => None,
        };
        let time = match first(&self.time) {
            Some(c) => Some(micros_at(&cols[c], i)?),
            None => None,
        };
        let id_col = first(&self.id);
        let id = match id_col {
            Some(c) => str_at(&cols[c], i)?.to_string(),
            None => mapping::generated_id(&mapper.input_name, index),
        };
        let stream = match first(&self.stream) {
            Some(c) => str_at(&cols[c], i)?.to_string(),
            None => "default".to_string(),
        };
        let ty = match first(&self.ty) {
            Some(c) => str_at(&cols[c], i)?.to_string(),
            None => "event".to_string(),
        };
        let seq = match first(&self.seq) {
            Some(c) => Some(int_at(&cols[c], i)?),
            None => None,
        };
        let kind = Kind::from_export_name(
            self.kind
                .filter(|&c| !cols[c].is_null(i))
                .and_then(|c| str_at(&cols[c], i)),
        );
        Some(Record {
            stream,
            seq,
            id: Some(id),
            ty,
            time,
            kind,
            data,
            meta,
            loc,
            dedupe: id_col.map(|_| String::new()),
            ..Record::default()
        })
    }
}

fn str_at(col: &ArrayRef, i: usize) -> Option<&str> {
    Some(match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(i),
        DataType::LargeUtf8 => col.as_string::<i64>().value(i),
        DataType::Utf8View => col.as_string_view().value(i),
        _ => return None,
    })
}

/// The cell's text when it is one JSON value (trimmed, as the general mapping keeps it).
fn json_at(col: &ArrayRef, i: usize) -> Option<&str> {
    let text = str_at(col, i)?;
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    Some(text.trim())
}

fn int_at(col: &ArrayRef, i: usize) -> Option<i64> {
    Some(match col.data_type() {
        DataType::Int8 => col.as_primitive::<Int8Type>().value(i).into(),
        DataType::Int16 => col.as_primitive::<Int16Type>().value(i).into(),
        DataType::Int32 => col.as_primitive::<Int32Type>().value(i).into(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i),
        DataType::UInt8 => col.as_primitive::<UInt8Type>().value(i).into(),
        DataType::UInt16 => col.as_primitive::<UInt16Type>().value(i).into(),
        DataType::UInt32 => col.as_primitive::<UInt32Type>().value(i).into(),
        _ => return None,
    })
}

/// A timestamp cell in microseconds, when its RFC 3339 text is the canonical one
/// (the general mapping writes that text and reads the same microseconds back).
fn micros_at(col: &ArrayRef, i: usize) -> Option<i64> {
    let DataType::Timestamp(unit, _) = col.data_type() else {
        return None;
    };
    let v = match unit {
        TimeUnit::Second => col.as_primitive::<TimestampSecondType>().value(i),
        TimeUnit::Millisecond => col.as_primitive::<TimestampMillisecondType>().value(i),
        TimeUnit::Microsecond => col.as_primitive::<TimestampMicrosecondType>().value(i),
        TimeUnit::Nanosecond => col.as_primitive::<TimestampNanosecondType>().value(i),
    };
    super::values::to_micros(v, *unit).filter(|&us| crate::time::formats_canonically(us))
}
