//! The TUI: open a recording, scrub the timeline, watch state change,
//! diff any two moments.
//!
//! Elm architecture: [`app::App`] is the model, [`app::App::update`] turns a
//! message into effects, [`view::draw`] only draws. Everything that touches the
//! cache runs on the worker thread ([`worker`], [`service`]); the UI thread never
//! waits for it. Keys, footer and help come from one table ([`keys`]).

pub mod app;
pub mod editor;
pub mod history;
pub mod keys;
pub mod layout;
pub mod line_edit;
pub mod msg;
pub mod query;
pub mod reader;
pub mod saved_marks;
pub mod service;
mod term;
#[doc(hidden)]
pub mod testing;
pub mod theme;
pub mod timeline;
pub mod transcript;
pub mod tree;
pub mod unified;
pub mod view;
pub mod worker;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};

use app::{App, Effect, Msg};
use msg::{Request, Response};
use term::{Incoming, Term};

use crate::recording::OpenOptions;

/// What the CLI hands over: what to open, and whether to use colour.
#[derive(Debug, Clone)]
pub struct Config {
    pub open: OpenOptions,
    pub color: bool,
}

/// How often the spinner turns while work is in flight.
const TICK: Duration = Duration::from_millis(100);
/// At most this many queued inputs are handled before a redraw.
const BATCH: usize = 256;

/// Run the TUI until the user quits; the terminal is restored however it ends.
pub fn run(cfg: Config) -> Result<i32> {
    let (tx, rx) = mpsc::channel::<Incoming>();
    let replies = tx.clone();
    let (worker, handle) = worker::spawn(cfg.open.clone(), move |r| {
        let _ = replies.send(Incoming::Reply(r));
    })
    .context("could not start the worker thread")?;
    term::spawn_signals(tx.clone())?;
    if cfg.open.follow {
        spawn_follow(&cfg.open, tx.clone())?;
    }
    let mut term = Term::enter()?;
    let stop = term::spawn_input(tx, term.pause.clone())?;
    let result = session(&mut term, &rx, &worker, &cfg);
    stop.store(true, Ordering::Relaxed);
    drop(term);
    close_worker(worker, &handle);
    result
}

/// Wake the UI when a followed input changes (and every [`crate::live::TICK`]).
fn spawn_follow(open: &OpenOptions, tx: Sender<Incoming>) -> Result<()> {
    let live = crate::live::Live::start(&open.inputs, false)?;
    std::thread::Builder::new()
        .name("rewind-follow".into())
        .spawn(move || loop {
            match live.wait() {
                crate::live::Wake::Signal(_) => return,
                _ => {
                    if tx.send(Incoming::Wake).is_err() {
                        return;
                    }
                }
            }
        })?;
    Ok(())
}

/// Hang up on the worker and give it a moment to close the cache, so SQLite
/// checkpoints its write-ahead log and removes the `-wal` and `-shm` files.
/// A worker deep in an import is not waited for: the cache is crash-safe.
fn close_worker(worker: Sender<Request>, handle: &std::thread::JoinHandle<()>) {
    const PATIENCE: Duration = Duration::from_secs(3);
    drop(worker);
    let started = std::time::Instant::now();
    while !handle.is_finished() && started.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn describe(open: &OpenOptions) -> String {
    open.inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_interrupt(ev: &Event) -> bool {
    matches!(ev, Event::Key(k) if k.kind != KeyEventKind::Release
        && (k.code == KeyCode::Char('q') || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL))))
}

fn session(term: &mut Term, rx: &Receiver<Incoming>, worker: &Sender<Request>, cfg: &Config) -> Result<i32> {
    // Phase 1: the worker imports and opens; show its progress.
    let what = describe(&cfg.open);
    let mut loading = None;
    let mut tick = 0u64;
    let info = loop {
        term.terminal
            .draw(|f| view::draw_loading(&what, loading.as_ref(), tick, cfg.color, f))?;
        match rx.recv_timeout(TICK) {
            Ok(Incoming::Reply(Response::Opened(info))) => break info,
            Ok(Incoming::Reply(Response::Loading(l))) => loading = Some(l),
            Ok(Incoming::Reply(Response::Fatal(e))) => bail!("{e}"),
            Ok(Incoming::Reply(_)) => {}
            Ok(Incoming::Term(ev)) if is_interrupt(&ev) => return Ok(0),
            Ok(Incoming::Term(_) | Incoming::Wake) => {}
            Ok(Incoming::InputFailed(e)) => bail!("terminal input failed: {e}"),
            Ok(Incoming::Signal(n)) => return Ok(128 + n),
            Err(RecvTimeoutError::Timeout) => tick += 1,
            Err(RecvTimeoutError::Disconnected) => bail!("the worker stopped"),
        }
    };

    // Phase 2: the debugger.
    let size = term.terminal.size()?;
    let (mut app, fx) = App::new(*info, size.width, size.height, cfg.color);
    if cfg.open.follow {
        app.live = app::live::Live::following();
    }
    app.rules_file = cfg.open.rules.as_ref().map(|p| p.display().to_string());
    let files = Files {
        history: history::default_path(),
        marks: saved_marks::default_path(),
    };
    if let Some(path) = &files.history {
        app.history = history::load(path);
    }
    if let Some(path) = &files.marks {
        let saved = saved_marks::load(path, &app.info.identity);
        app.restore_marks(saved);
    }
    apply(&mut app, fx, term, worker, &files)?;
    loop {
        term.terminal.draw(|f| view::draw(&app, f))?;
        let first = if app.busy() {
            match rx.recv_timeout(TICK) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => bail!("the worker stopped"),
            }
        } else {
            Some(rx.recv().map_err(|_| anyhow!("the worker stopped"))?)
        };
        let mut batch: Vec<Incoming> = first.into_iter().collect();
        if batch.is_empty() {
            let fx = app.update(Msg::Tick);
            if apply(&mut app, fx, term, worker, &files)? {
                break;
            }
            continue;
        }
        // Drain what queued up (a held key, replies) and draw once.
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut quit = false;
        for m in batch {
            let msg = match m {
                Incoming::Term(Event::Key(k)) => Msg::Key(k),
                Incoming::Term(Event::Mouse(mo)) => Msg::Mouse(mo),
                Incoming::Term(Event::Resize(w, h)) => Msg::Resize(w, h),
                Incoming::Term(_) => continue,
                Incoming::Reply(r) => Msg::Reply(r),
                Incoming::InputFailed(e) => bail!("terminal input failed: {e}"),
                Incoming::Signal(n) => return Ok(128 + n),
                Incoming::Wake => Msg::Wake,
            };
            let fx = app.update(msg);
            if apply(&mut app, fx, term, worker, &files)? {
                quit = true;
                break;
            }
        }
        if quit {
            break;
        }
    }
    match app.fatal {
        Some(e) => bail!("{e}"),
        None => Ok(0),
    }
}

/// Where what the TUI keeps across runs goes (no data directory: nowhere).
struct Files {
    history: Option<PathBuf>,
    marks: Option<PathBuf>,
}

/// Carry out effects; true when the app wants to quit.
fn apply(app: &mut App, fx: Vec<Effect>, term: &mut Term, worker: &Sender<Request>, files: &Files) -> Result<bool> {
    let mut quit = false;
    for e in fx {
        match e {
            Effect::Send(r) => worker.send(r).map_err(|_| anyhow!("the worker stopped"))?,
            Effect::Copy(text) => {
                if let Err(e) = term::osc52(&text) {
                    app.error_msg(format!("copy failed: {e}"));
                }
            }
            Effect::Remember(kind, text) => {
                if let Some(path) = &files.history {
                    history::append(path, kind, &text);
                }
            }
            Effect::Edit(job) => {
                let result = term.suspended(|| editor::edit(&job, &editor::command()))?;
                let fx = app.update(Msg::Edited(job, result.map_err(|e| format!("{e:#}"))));
                quit |= apply(app, fx, term, worker, files)?;
            }
            Effect::WriteWhatif(text) => {
                let written = std::env::current_dir()
                    .map_err(anyhow::Error::from)
                    .and_then(|dir| editor::write_whatif(&dir, &text));
                let result = written
                    .map(|p| {
                        p.file_name()
                            .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
                    })
                    .map_err(|e| format!("{e:#}"));
                let fx = app.update(Msg::Wrote(result));
                quit |= apply(app, fx, term, worker, files)?;
            }
            Effect::SaveMarks(saved) => {
                if let Some(path) = &files.marks {
                    saved_marks::save(path, &app.info.identity, &saved);
                }
            }
            Effect::Quit => quit = true,
        }
    }
    Ok(quit)
}
