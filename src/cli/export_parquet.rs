//! `rewind export --format parquet`: the events of the export as one Parquet file
//! (docs/formats.md §12) with the columns of rewind's normalized form, which every
//! lake tool reads and rewind reads back as it wrote them.

use std::fs::File;
use std::sync::Arc;

use anyhow::Result;
use arrow_array::builder::{Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::model::Event;

/// Rows per batch handed to the writer, and per row group: memory stays bounded
/// however long the export is, and readers can skip row groups by their statistics.
const BATCH_ROWS: usize = 8192;
const GROUP_ROWS: usize = 128 * 1024;

pub struct ParquetSink {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    rows: Columns,
}

#[derive(Default)]
struct Columns {
    stream: StringBuilder,
    seq: Int64Builder,
    id: StringBuilder,
    ty: StringBuilder,
    time: TimestampMicrosecondBuilder,
    kind: StringBuilder,
    data: StringBuilder,
    meta: StringBuilder,
    len: usize,
}

/// The columns: `data` and `meta` hold JSON text; `time` is UTC microseconds.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("stream", DataType::Utf8, false),
        Field::new("seq", DataType::Int64, true),
        Field::new("id", DataType::Utf8, false),
        Field::new("type", DataType::Utf8, false),
        Field::new(
            "time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("kind", DataType::Utf8, false),
        Field::new("data", DataType::Utf8, false),
        Field::new("meta", DataType::Utf8, true),
    ]))
}

impl ParquetSink {
    pub fn new(file: File) -> Result<ParquetSink> {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_size(GROUP_ROWS)
            .set_created_by(format!("rewind {}", env!("CARGO_PKG_VERSION")))
            .build();
        let schema = schema();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
        Ok(ParquetSink {
            writer,
            schema,
            rows: Columns::default(),
        })
    }

    pub fn push(&mut self, ev: &Event) -> Result<()> {
        let c = &mut self.rows;
        c.stream.append_value(&ev.stream);
        c.seq.append_option(ev.seq);
        c.id.append_value(&ev.id);
        c.ty.append_value(&ev.ty);
        c.time.append_option(ev.time);
        c.kind.append_value(ev.kind.as_str());
        c.data.append_value(ev.data.to_string());
        c.meta.append_option(ev.meta.as_ref().map(|m| m.to_string()));
        c.len += 1;
        if c.len >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows.len == 0 {
            return Ok(());
        }
        let c = &mut self.rows;
        let cols: Vec<ArrayRef> = vec![
            Arc::new(c.stream.finish()),
            Arc::new(c.seq.finish()),
            Arc::new(c.id.finish()),
            Arc::new(c.ty.finish()),
            Arc::new(c.time.finish().with_timezone("UTC")),
            Arc::new(c.kind.finish()),
            Arc::new(c.data.finish()),
            Arc::new(c.meta.finish()),
        ];
        c.len = 0;
        let batch = RecordBatch::try_new(self.schema.clone(), cols)?;
        self.writer.write(&batch)?;
        Ok(())
    }

    /// Write the footer and flush the file to disk.
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        let file = self.writer.into_inner()?;
        file.sync_all()?;
        Ok(())
    }
}
