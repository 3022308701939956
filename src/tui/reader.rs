//! Reading the followed inputs off the worker thread. Appending what a busy
//! writer adds takes tens of milliseconds a batch, and the worker must stay free
//! to answer steps meanwhile: the reader has its own connection to the cache,
//! and the worker picks up what it appended by reading the catalog again.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread;

use crate::recording::{InputReport, OpenOptions, Recording, Status};

/// What one read found, or why it failed.
pub type ReadResult = Result<Vec<InputReport>, String>;

pub struct Reader {
    wake: Sender<()>,
    done: Receiver<ReadResult>,
}

impl Reader {
    /// Start the reader; `appended` is called after each read that found
    /// something (events, notes, an error), so the front end asks for it.
    pub fn spawn(opts: OpenOptions, appended: impl Fn() + Send + 'static) -> std::io::Result<Reader> {
        let (wake, wake_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        thread::Builder::new()
            .name("rewind-reader".into())
            .spawn(move || run(opts, wake_rx, done_tx, appended))?;
        Ok(Reader { wake, done })
    }

    /// Ask for a read; wakes that come while one runs are served by one more read.
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }

    /// The reads finished since the last call.
    pub fn finished(&self) -> Vec<ReadResult> {
        self.done.try_iter().collect()
    }
}

fn run(opts: OpenOptions, wake: Receiver<()>, done: Sender<ReadResult>, appended: impl Fn()) {
    let mut rec: Option<Recording> = None;
    while wake.recv().is_ok() {
        loop {
            match wake.try_recv() {
                Ok(()) => {}
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        let result = read(&opts, &mut rec);
        let found = match &result {
            // A cached input's report repeats what was read before: nothing new.
            Ok(reports) => reports.iter().any(|r| {
                r.status != Status::Cached
                    && (r.outcome.events + r.outcome.snapshots > 0 || !r.notes.is_empty() || r.outcome.skipped > 0)
            }),
            Err(_) => true,
        };
        if !found {
            continue;
        }
        if done.send(result).is_err() {
            return;
        }
        appended();
    }
}

fn read(opts: &OpenOptions, rec: &mut Option<Recording>) -> ReadResult {
    let mut reports = Vec::new();
    let r = match rec {
        Some(r) => r,
        None => {
            // Opening reads what the inputs gained since the worker opened them.
            let (r, report) = Recording::open(opts, &mut |_| {}).map_err(|e| format!("{e:#}"))?;
            reports = report.inputs;
            rec.insert(r)
        }
    };
    reports.extend(r.read_more(opts).map_err(|e| format!("{e:#}"))?);
    Ok(reports)
}
