//! `--follow` and `-`: opening inputs that are still being written, and waiting
//! for what they gain. Each command prints what is new its own way.

use std::fs::{self, OpenOptions as FileOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::args::Common;
use super::{open_options, open_with};
use crate::ingest::Format;
use crate::live::stdin::{self, Spool};
use crate::live::{Live, Wake};
use crate::recording::{default_cache_path, OpenOptions, OpenReport, Recording};
use crate::sanitize::clean;

/// Standard input named `-` among the inputs, kept in a spool file; the cache of
/// such a recording is temporary unless `--cache` names one.
pub(super) struct Stdin {
    spool: Spool,
    temp_cache: Option<PathBuf>,
}

impl Drop for Stdin {
    fn drop(&mut self) {
        if let Some(c) = &self.temp_cache {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = c.clone().into_os_string();
                p.push(suffix);
                let _ = fs::remove_file(PathBuf::from(p));
            }
        }
    }
}

fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// Replace `-` by a spool file (whole when `follow` is false, filled as it comes
/// otherwise) and pick a temporary cache for it.
pub(super) fn take_stdin(
    common: &Common,
    inputs: &[PathBuf],
    live: Option<std::sync::mpsc::Sender<Wake>>,
) -> Result<(Vec<PathBuf>, Option<Stdin>, Option<PathBuf>)> {
    if !inputs.iter().any(|p| is_stdin(p)) {
        return Ok((inputs.to_vec(), None, common.cache.clone()));
    }
    if inputs.iter().filter(|p| is_stdin(p)).count() > 1 {
        anyhow::bail!("standard input (-) can be given once");
    }
    let dir = default_cache_path(&[PathBuf::from(".")])?
        .parent()
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    let (spool, file) = stdin::create(&dir)?;
    match live {
        Some(wake) => stdin::pump(file, wake)?,
        None => stdin::drain(file)?,
    }
    let replaced = inputs
        .iter()
        .map(|p| if is_stdin(p) { spool.path.clone() } else { p.clone() })
        .collect();
    let (cache, temp_cache) = match &common.cache {
        Some(c) => (c.clone(), None),
        None => {
            let mut c = spool.path.clone().into_os_string();
            c.push(".db");
            (PathBuf::from(&c), Some(PathBuf::from(c)))
        }
    };
    Ok((replaced, Some(Stdin { spool, temp_cache }), Some(cache)))
}

/// Open `inputs` for a command that reads them once, reading `-` to its end.
pub(super) fn open_once(common: &Common, inputs: &[PathBuf]) -> Result<(Recording, OpenReport, Option<Stdin>)> {
    let (inputs, stdin, cache) = take_stdin(common, inputs, None)?;
    let mut opts = options(common, &inputs)?;
    opts.cache = cache;
    let (rec, report) = open_with(&opts, !common.quiet)?;
    Ok((rec, report, stdin))
}

/// A recording being followed: what wakes it and how its inputs are read again.
pub(super) struct Follow {
    opts: OpenOptions,
    live: Live,
    stdin: Option<Stdin>,
    closed: bool,
    stopped: bool,
}

/// Open `inputs` to follow them: files up to their last complete record.
pub(super) fn open_follow(common: &Common, inputs: &[PathBuf]) -> Result<(Recording, Follow)> {
    for p in inputs.iter().filter(|p| p.is_dir()) {
        // Folders that receive whole files are read file by file, a database
        // folder up to writer.chk; an export read through its manifest is not.
        match crate::ingest::detect_layout(p)? {
            None | Some(Format::Firehose | Format::EventhubsCapture | Format::EventstoreDb) => {}
            Some(f) => anyhow::bail!(
                "{}: a {} folder can't be followed (it is read as a whole); open it without --follow",
                p.display(),
                f.name()
            ),
        }
    }
    let watched: Vec<PathBuf> = inputs.iter().filter(|p| !is_stdin(p)).cloned().collect();
    let live = Live::start(&watched, true)?;
    let (inputs, stdin, cache) = take_stdin(common, inputs, Some(live.sender()))?;
    let mut opts = options(common, &inputs)?;
    opts.cache = cache;
    opts.follow = true;
    let (rec, _) = open_with(&opts, !common.quiet)?;
    opts.keep_replaced = true;
    Ok((
        rec,
        Follow {
            opts,
            live,
            stdin,
            closed: false,
            stopped: false,
        },
    ))
}

fn options(common: &Common, inputs: &[PathBuf]) -> Result<OpenOptions> {
    let format = common.input_format.as_deref().map(Format::parse).transpose()?;
    open_options(common, inputs.to_vec(), format)
}

impl Follow {
    /// Wait until the inputs gain events and read them; the length of the
    /// recording before them. `None` when following ends: Ctrl-C, or standard
    /// input closed and read to its end.
    pub fn next(&mut self, rec: &mut Recording) -> Result<Option<u64>> {
        loop {
            if self.stopped {
                return Ok(None);
            }
            if self.closed {
                // What came before the close was read by the last refresh.
                self.stopped = true;
                return Ok(None);
            }
            match self.live.wait() {
                Wake::Signal(_) => return Ok(None),
                Wake::Closed => {
                    self.closed = true;
                    if let Some(s) = &self.stdin {
                        // A closed pipe's last line is whole even without its newline.
                        end_line(&s.spool.path)?;
                    }
                }
                Wake::Changed => {}
            }
            let before = rec.len();
            let reports = rec.refresh(&self.opts)?;
            for r in &reports {
                for note in &r.notes {
                    eprintln!("rewind: warning: {}", clean(note));
                }
                for bad in &r.outcome.skipped_sample {
                    eprintln!("rewind: warning: record skipped: {}", clean(bad));
                }
                let more = r.outcome.skipped.saturating_sub(r.outcome.skipped_sample.len() as u64);
                if more > 0 {
                    eprintln!("rewind: warning: {more} more records skipped in {}", clean(&r.display));
                }
            }
            if rec.len() > before {
                return Ok(Some(before));
            }
        }
    }
}

fn end_line(path: &Path) -> Result<()> {
    let mut f = FileOptions::new().read(true).append(true).open(path)?;
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    f.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    if last[0] != b'\n' {
        f.write_all(b"\n")?;
    }
    Ok(())
}
