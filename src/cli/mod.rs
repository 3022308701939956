//! The headless front end: commands of docs/cli.md over a [`Recording`].

pub mod args;
mod compare;
mod completions;
mod diff;
mod edits;
mod export;
mod export_parquet;
mod follow;
mod history;
mod import;
pub mod ledger;
mod log;
mod man;
mod open;
pub mod render;
mod state;
mod suggest;
mod verify;
mod whatif;

pub use ledger::summary_text;

use std::io::{self, BufWriter, IsTerminal};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::Parser;

use crate::ingest::filter::{self, Filter};
use crate::ingest::{Format, RecordsMode};
use crate::recording::{OpenOptions, OpenProgress, OpenReport, Recording};
use crate::sanitize::clean;
use args::{Cli, Command, Common, NoOutputFormat, RecordsArg, SliceArgs};
use render::Style;

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if let Some(hint) = input_format_hint(&e) {
                eprintln!("rewind: {hint}");
                return 2;
            }
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let started = Instant::now();
    let verbose = cli.common.verbose;
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return 0;
            }
            eprintln!("rewind: {}", clean(&message(&e)));
            2
        }
    };
    if verbose {
        eprintln!(
            "rewind: {:.3}s, peak RSS {}",
            started.elapsed().as_secs_f64(),
            peak_rss().unwrap_or_else(|| "unknown".into())
        );
    }
    code
}

/// `--format NAME` where NAME is an input format: the spelling from when
/// `--format` chose the input, answered with the option that does.
fn input_format_hint(e: &clap::Error) -> Option<String> {
    if e.kind() != ErrorKind::InvalidValue {
        return None;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let Some(ContextValue::String(value)) = e.get(ContextKind::InvalidValue) else {
        return None;
    };
    if !arg.starts_with("--format") || Format::parse(value).is_err() {
        return None;
    }
    let valid = match e.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(v)) => v.join("|"),
        _ => return None,
    };
    Some(format!(
        "--format is the output format ({valid}); use --input-format {} to force the input format",
        clean(value)
    ))
}

/// `--format` on a command that has no output format.
fn reject_format(command: &str, no_output: &NoOutputFormat) -> Result<()> {
    match &no_output.format {
        Some(f) => bail!(
            "{command} has no output format; use --input-format {} to force the input format",
            clean(f)
        ),
        None => Ok(()),
    }
}

/// Keep a command's result when its reader went away: `rewind diff … | head -1`
/// still exits 1 when there are differences.
fn finish(code: i32, written: Result<()>) -> Result<i32> {
    match written {
        Err(e) if is_broken_pipe(&e) => Ok(code),
        other => other.map(|()| code),
    }
}

/// The error and its causes, `: `-separated, with OS errors in plain words and
/// a cause that repeats the end of the message before it said once.
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = match cause.downcast_ref::<io::Error>() {
            Some(io) => crate::ioerr::describe(io),
            None => crate::ingest::remote::shown(&cause.to_string()).into_owned(),
        };
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Peak resident memory from /proc (Linux); used by `-v` and the benchmarks.
pub fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
}

fn run(cli: Cli) -> Result<i32> {
    let mut common = cli.common.clone();
    let style = Style::detect(common.color);
    match cli.command {
        None => {
            if cli.inputs.is_empty() && common.pg.is_empty() {
                bail!("no input given (try `rewind --help`)");
            }
            suggest::check_inputs(&cli.inputs)?;
            reject_format("rewind INPUT...", &cli.no_output)?;
            add_slice(&mut common, cli.slice);
            open::run(&common, cli.inputs, cli.follow, &style)
        }
        Some(Command::Open(args)) => {
            reject_format("open", &args.no_output)?;
            add_slice(&mut common, args.slice);
            open::run(&common, args.input.inputs, args.follow, &style)
        }
        Some(Command::Import(args)) => {
            reject_format("import", &args.no_output)?;
            add_slice(&mut common, args.slice.clone());
            import::run(&common, args)
        }
        Some(Command::Log(args)) => log::run(&common, args, &style),
        Some(Command::State(args)) => state::run(&common, args),
        Some(Command::Diff(args)) => diff::run(&common, args, &style),
        Some(Command::Compare(args)) => compare::run(&common, args, &style),
        Some(Command::History(args)) => history::run(&common, args, &style),
        Some(Command::Verify(args)) => verify::run(&common, args, &style),
        Some(Command::Whatif(args)) => whatif::run(&common, args, &style),
        Some(Command::Export(args)) => export::run(&common, args),
        Some(Command::Completions(args)) => completions::run(args),
        Some(Command::Man) => man::run(),
    }
}

/// `--stream`/`--type` of import and open are the import filter's.
fn add_slice(common: &mut Common, slice: SliceArgs) {
    common.import_stream.extend(slice.stream);
    common.import_type.extend(slice.ty);
}

/// The import filter of `--since`, `--until`, `--import-stream`, `--import-type`;
/// relative times are taken from now, once per run.
fn filter_of(common: &Common) -> Result<Filter> {
    let now = chrono::Utc::now().timestamp_micros();
    let since = common
        .since
        .as_deref()
        .map(|t| filter::parse_time("--since", t, now))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let until = common
        .until
        .as_deref()
        .map(|t| filter::parse_time("--until", t, now))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let mut f = Filter::new(since, until, &common.import_stream, &common.import_type).map_err(anyhow::Error::msg)?;
    f.set_typed(common.since.as_deref(), common.until.as_deref());
    Ok(f)
}

/// The options of an open: the inputs named, then the `--pg` databases.
fn open_options(common: &Common, inputs: Vec<PathBuf>, format: Option<Format>) -> Result<OpenOptions> {
    Ok(OpenOptions {
        inputs: inputs.into_iter().chain(common.pg.iter().map(PathBuf::from)).collect(),
        cache: common.cache.clone(),
        format,
        rules: common.rules.clone(),
        strict: common.strict,
        records: match common.records {
            None => RecordsMode::Auto,
            Some(RecordsArg::Events) => RecordsMode::Events,
            Some(RecordsArg::States) => RecordsMode::States,
        },
        key: common.key.clone(),
        system_streams: common.system_streams,
        follow: false,
        keep_replaced: false,
        filter: filter_of(common)?,
    })
}

/// Open the recording for a command that reads it; say on stderr when records
/// are missing from it (or kept with a problem). `-` is standard input, read to its end.
fn open(common: &Common, inputs: &[PathBuf]) -> Result<(Recording, OpenReport)> {
    let (rec, report, stdin) = follow::open_once(common, inputs)?;
    // The events are in the cache: the spool and a temporary cache can go now.
    drop(stdin);
    Ok((rec, report))
}

/// Open per `opts`, showing progress on a terminal and warning about records
/// missing from the recording.
fn open_with(opts: &OpenOptions, show: bool) -> Result<(Recording, OpenReport)> {
    let (rec, report) = open_progress(opts, show)?;
    for note in report.inputs.iter().flat_map(|i| &i.notes) {
        eprintln!("rewind: warning: {}", clean(note));
    }
    for line in ledger::warnings(&rec, &report, &opts.inputs)? {
        eprintln!("rewind: warning: {line}");
    }
    Ok((rec, report))
}

/// Open the recording, showing progress on a terminal.
fn open_quietly(common: &Common, inputs: &[PathBuf]) -> Result<(Recording, OpenReport)> {
    let format = match common.input_format.as_deref() {
        Some(f) => Some(Format::parse(f)?),
        None => None,
    };
    let opts = open_options(common, inputs.to_vec(), format)?;
    open_progress(&opts, !common.quiet)
}

fn open_progress(opts: &OpenOptions, show: bool) -> Result<(Recording, OpenReport)> {
    let quiet = !show;
    let show = show && io::stderr().is_terminal();
    let mut last = Instant::now();
    let started = Instant::now();
    let mut progress = |p: OpenProgress| {
        if !show || last.elapsed().as_millis() < 200 {
            return;
        }
        last = Instant::now();
        let secs = started.elapsed().as_secs_f64().max(0.001);
        match p {
            OpenProgress::Importing { input, progress, size } => eprint!(
                "\r\x1b[Kimporting {}: {} records, {:.0}% ({:.1} MB/s)",
                clean(&input),
                progress.records,
                100.0 * progress.bytes as f64 / size.max(1) as f64,
                progress.bytes as f64 / 1e6 / secs
            ),
            OpenProgress::Checkpoints { pos, len } => eprint!("\r\x1b[Kreplaying: {pos}/{len}"),
        }
    };
    let result = Recording::open(opts, &mut progress);
    if show && started.elapsed().as_millis() >= 200 {
        eprint!("\r\x1b[K");
    }
    if let Ok((_, report)) = &result {
        for f in report.fetched.iter().filter(|_| !quiet) {
            eprintln!("rewind: {}", clean(&f.summary()));
        }
    }
    result
}

/// Make sure derived data exists, then read one snapshot of the cache (see `Recording::pin_snapshot`).
fn checkpoints(rec: &mut Recording) -> Result<()> {
    let show = io::stderr().is_terminal();
    let mut last = Instant::now();
    let started = Instant::now();
    rec.pin_snapshot(&mut |p| {
        if let OpenProgress::Checkpoints { pos, len } = p {
            if show && last.elapsed().as_millis() >= 200 {
                last = Instant::now();
                eprint!("\r\x1b[Kreplaying to build checkpoints: {pos}/{len}");
            }
        }
    })?;
    if show && started.elapsed().as_millis() >= 200 {
        eprint!("\r\x1b[K");
    }
    Ok(())
}

fn out() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}
