//! `rewind export`: events as JSON Lines in rewind's normalized form, optionally
//! a slice of the recording or the fork a hypothesis makes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::args::{Common, ExportArgs, ExportFormat};
use super::export_parquet::ParquetSink;
use super::log::matching_ids;
use super::{checkpoints, edits, open};
use crate::cache::read::Filter;
use crate::hypothesis::Hypothesis;
use crate::json::write;
use crate::model::Event;

/// How the output is compressed, by its extension.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

fn compression_of(path: &Path) -> Compression {
    match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => Compression::Gzip,
        Some("zst" | "zstd") => Compression::Zstd,
        _ => Compression::None,
    }
}

pub(super) fn run(common: &Common, args: ExportArgs) -> Result<i32> {
    let hypothesis = edits::hypothesis(&args.edits)?.unwrap_or_default();
    let (mut rec, _) = open(common, &args.input.inputs)?;
    let rec = &mut rec;
    let from = args.from.as_deref().map(|p| rec.point(p)).transpose()?;
    let to = match args.to.as_deref() {
        Some(p) => rec.point(p)?,
        None => rec.len(),
    };
    checkpoints(rec)?;
    let fork = rec.fork(&hypothesis)?;
    let filter = Filter {
        streams: args
            .stream
            .as_deref()
            .map(|s| matching_ids(&fork.cat.streams, s))
            .transpose()?,
        types: args
            .ty
            .as_deref()
            .map(|t| matching_ids(&fork.cat.types, t))
            .transpose()?,
    };
    let to_stdout = args.output.as_os_str() == "-";
    // Written next to the target and renamed into place: a failed export leaves no half file.
    let tmp = args.output.with_extension(format!(
        "{}.partial",
        args.output.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let format = args
        .format
        .unwrap_or(match args.output.extension().and_then(|e| e.to_str()) {
            Some("parquet") => ExportFormat::Parquet,
            _ => ExportFormat::Jsonl,
        });
    if format == ExportFormat::Parquet && to_stdout {
        anyhow::bail!("Parquet is written to a file, not to stdout: give -o FILE.parquet");
    }
    let mut out = if format == ExportFormat::Parquet {
        let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Out::Parquet(Box::new(ParquetSink::new(file)?))
    } else if to_stdout {
        Out::Lines(Box::new(Sink::Stdout(BufWriter::with_capacity(
            256 * 1024,
            io::stdout().lock(),
        ))))
    } else {
        let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let buffered = BufWriter::with_capacity(256 * 1024, file);
        Out::Lines(Box::new(match compression_of(&args.output) {
            Compression::None => Sink::Plain(buffered),
            Compression::Gzip => Sink::Gzip(flate2::write::GzEncoder::new(buffered, flate2::Compression::default())),
            Compression::Zstd => Sink::Zstd(zstd::Encoder::new(buffered, 3)?),
        }))
    };
    let mut written = 0u64;
    let result = fork
        .each_event(from, to, &filter, false, &mut |fe| {
            match &mut out {
                Out::Lines(sink) => {
                    write::write_compact(&mut **sink, &normalized(&fe.event))?;
                    sink.write_all(b"\n")?;
                }
                Out::Parquet(sink) => sink.push(&fe.event)?,
            }
            written += 1;
            Ok(ControlFlow::Continue(()))
        })
        .and_then(|()| match out {
            Out::Lines(sink) => sink.finish(),
            Out::Parquet(sink) => sink.finish(),
        });
    if let Err(e) = result {
        if !to_stdout {
            let _ = std::fs::remove_file(&tmp);
        }
        return Err(e);
    }
    if !to_stdout {
        std::fs::rename(&tmp, &args.output).with_context(|| format!("cannot write {}", args.output.display()))?;
        if !common.quiet {
            eprintln!(
                "{}: {}{}",
                args.output.display(),
                super::render::count(written, "event"),
                describe(&hypothesis)
            );
        }
    }
    Ok(0)
}

/// The writer of the chosen format.
enum Out {
    Lines(Box<Sink>),
    Parquet(Box<ParquetSink>),
}

/// Where the events go; compressed ones are finished (their trailer written) explicitly.
enum Sink {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
            Sink::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> Result<()> {
        let mut file = match self {
            Sink::Stdout(mut w) => return Ok(w.flush()?),
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        file.flush()?;
        file.get_ref().sync_all()?;
        Ok(())
    }
}

fn describe(h: &Hypothesis) -> String {
    match h.edits.len() {
        0 => String::new(),
        n => format!(" under a hypothesis of {}", super::render::count(n as u64, "edit")),
    }
}

/// An event in rewind's normalized form: `stream, seq, id, type, time, kind,
/// data, meta`, the fields the generic JSON mapping reads back (docs/model.md §1).
/// A missing `seq` or `time` is left out: the mapping reads `null` there as a
/// bad value, not as none.
pub(crate) fn normalized(ev: &Event) -> Value {
    let mut m = Map::new();
    m.insert("stream".into(), Value::String(ev.stream.clone()));
    if let Some(seq) = ev.seq {
        m.insert("seq".into(), Value::from(seq));
    }
    m.insert("id".into(), Value::String(ev.id.clone()));
    m.insert("type".into(), Value::String(ev.ty.clone()));
    if let Some(t) = ev.time {
        m.insert("time".into(), Value::String(crate::time::format_micros(t)));
    }
    m.insert("kind".into(), Value::String(ev.kind.as_str().into()));
    m.insert("data".into(), ev.data.clone());
    m.insert("meta".into(), ev.meta.clone().unwrap_or(Value::Null));
    Value::Object(m)
}
