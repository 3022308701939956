//! Following inputs while they are written: what wakes a follower (a change on
//! disk, new bytes on standard input, Ctrl-C) and standard input kept as a file.
//! The reading itself is the cache's append (see `recording::sync`).

pub mod stdin;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher};

/// Why a follower woke up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Something under a followed path changed (or the safety tick passed).
    Changed,
    /// Standard input was closed: read what is left, then stop.
    Closed,
    /// SIGINT, SIGTERM or SIGHUP: stop.
    Signal(i32),
}

/// How often inputs are looked at when no change notice came: a safety net for
/// file systems that send none (network mounts), cheap enough to idle at ~0% CPU.
pub const TICK: Duration = Duration::from_millis(500);

/// Wakes a follower when its inputs change.
pub struct Live {
    tx: Sender<Wake>,
    rx: Receiver<Wake>,
    _watcher: Option<notify::RecommendedWatcher>,
}

impl Live {
    /// Watch `paths` (a file through its folder, so a rotation that replaces it is
    /// seen; a folder with everything below it) and, with `signals`, the stop
    /// signals (a front end that handles them itself passes false).
    pub fn start(paths: &[PathBuf], signals: bool) -> Result<Live> {
        let (tx, rx) = channel();
        let notices = tx.clone();
        let watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
            if ev.is_ok_and(|e| !e.kind.is_access()) {
                let _ = notices.send(Wake::Changed);
            }
        });
        // Without change notices the tick alone drives the follower.
        let watcher = watcher.ok().and_then(|mut w| {
            for p in paths {
                let (target, mode) = if p.is_dir() {
                    (p.clone(), RecursiveMode::Recursive)
                } else {
                    (folder_of(p), RecursiveMode::NonRecursive)
                };
                w.watch(&target, mode).ok()?;
            }
            Some(w)
        });
        if signals {
            spawn_signals(tx.clone())?;
        }
        Ok(Live {
            tx,
            rx,
            _watcher: watcher,
        })
    }

    /// A sender for other sources of wake-ups (standard input).
    pub fn sender(&self) -> Sender<Wake> {
        self.tx.clone()
    }

    /// The next reason to look at the inputs; notices that came together count once,
    /// and a stop wins over a change.
    pub fn wait(&self) -> Wake {
        let first = match self.rx.recv_timeout(TICK) {
            Ok(w) => w,
            Err(RecvTimeoutError::Timeout) => Wake::Changed,
            Err(RecvTimeoutError::Disconnected) => return Wake::Signal(0),
        };
        let mut wake = first;
        while let Ok(w) = self.rx.try_recv() {
            wake = match (wake, w) {
                (Wake::Signal(n), _) | (_, Wake::Signal(n)) => Wake::Signal(n),
                (Wake::Closed, _) | (_, Wake::Closed) => Wake::Closed,
                _ => Wake::Changed,
            };
        }
        wake
    }
}

fn folder_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn spawn_signals(tx: Sender<Wake>) -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("signal handling")?;
    let (mut term, mut hup, mut int) = {
        let _in_rt = rt.enter();
        (
            signal(SignalKind::terminate()).context("SIGTERM handler")?,
            signal(SignalKind::hangup()).context("SIGHUP handler")?,
            signal(SignalKind::interrupt()).context("SIGINT handler")?,
        )
    };
    thread::Builder::new()
        .name("rewind-follow-signals".into())
        .spawn(move || {
            let number = rt.block_on(async {
                tokio::select! {
                    _ = term.recv() => 15,
                    _ = hup.recv() => 1,
                    _ = int.recv() => 2,
                }
            });
            let _ = tx.send(Wake::Signal(number));
        })?;
    Ok(())
}
