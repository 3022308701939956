//! The real terminal: enter and leave it on every exit path, read input on a
//! thread, and write the OSC 52 clipboard sequence.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use ratatui::DefaultTerminal;

/// Owns the terminal while the TUI runs; dropping it restores the terminal
/// (on quit, on error). A panic hook restores it on panic.
pub struct Term {
    pub terminal: DefaultTerminal,
    /// Holds the input thread while another program has the terminal.
    pub pause: Pause,
}

/// Lets the UI thread stop the input thread reading the terminal (while an
/// editor runs, every key is the editor's) and wait until it has stopped.
#[derive(Clone, Default)]
pub struct Pause {
    paused: Arc<AtomicBool>,
    idle: Arc<AtomicBool>,
}

impl Pause {
    fn hold(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let started = std::time::Instant::now();
        // The input thread polls in 50 ms steps: it notices within one.
        while !self.idle.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(1) {
            thread::sleep(Duration::from_millis(5));
        }
    }

    fn release(&self) {
        self.idle.store(false, Ordering::SeqCst);
        self.paused.store(false, Ordering::SeqCst);
    }
}

impl Term {
    pub fn enter() -> Result<Term> {
        // try_init installs ratatui's restoring panic hook first; ours runs before it
        // to switch off mouse reporting, which ratatui does not know about.
        let terminal = match ratatui::try_init() {
            Ok(t) => t,
            Err(e) => {
                ratatui::restore();
                return Err(e).context("could not set up the terminal");
            }
        };
        let ratatui_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A decoder fault caught and reported as a read error is no crash.
            if crate::ingest::parquet::guard::containing() {
                return;
            }
            let _ = execute!(io::stdout(), DisableMouseCapture);
            ratatui_hook(info);
        }));
        let term = Term {
            terminal,
            pause: Pause::default(),
        };
        execute!(io::stdout(), EnableMouseCapture).context("could not enable the mouse")?;
        Ok(term)
    }
}

impl Term {
    /// Run `f` with the terminal handed back to the shell: input not read, mouse
    /// reporting off, raw mode and the alternate screen left; then take it back
    /// and redraw everything.
    pub fn suspended<T>(&mut self, f: impl FnOnce() -> T) -> Result<T> {
        self.pause.hold();
        let _ = execute!(io::stdout(), DisableMouseCapture);
        ratatui::restore();
        let out = f();
        let back = (|| -> Result<()> {
            crossterm::terminal::enable_raw_mode().context("could not take the terminal back")?;
            execute!(
                io::stdout(),
                crossterm::terminal::EnterAlternateScreen,
                EnableMouseCapture
            )
            .context("could not take the terminal back")?;
            self.terminal.clear()?;
            Ok(())
        })();
        self.pause.release();
        back.map(|()| out)
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        ratatui::restore();
        let _ = self.terminal.show_cursor();
    }
}

/// What the UI thread waits for.
pub enum Incoming {
    Term(Event),
    Reply(super::msg::Response),
    InputFailed(String),
    /// SIGTERM, SIGHUP or SIGINT arrived: leave as on quit, exit 128 + the number.
    Signal(i32),
    /// A followed input may have changed.
    Wake,
}

/// Deliver SIGTERM, SIGHUP and SIGINT as [`Incoming::Signal`], so a killed or
/// hung-up session still leaves through the path that restores the terminal
/// (their default action would exit with the terminal in raw mode).
pub fn spawn_signals(tx: Sender<Incoming>) -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("signal handling")?;
    // Registered before the UI starts, so an early signal is not lost.
    let (mut term, mut hup, mut int) = {
        let _in_rt = rt.enter();
        (
            signal(SignalKind::terminate()).context("SIGTERM handler")?,
            signal(SignalKind::hangup()).context("SIGHUP handler")?,
            signal(SignalKind::interrupt()).context("SIGINT handler")?,
        )
    };
    thread::Builder::new().name("rewind-signals".into()).spawn(move || {
        let number = rt.block_on(async {
            tokio::select! {
                _ = term.recv() => 15,
                _ = hup.recv() => 1,
                _ = int.recv() => 2,
            }
        });
        let _ = tx.send(Incoming::Signal(number));
    })?;
    Ok(())
}

/// Read terminal input on a thread until `stop` is set (not while `pause` holds it).
pub fn spawn_input(tx: Sender<Incoming>, pause: Pause) -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    thread::Builder::new().name("rewind-input".into()).spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            if pause.paused.load(Ordering::SeqCst) {
                pause.idle.store(true, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(10));
                continue;
            }
            // Poll with a timeout so the thread notices `stop` and never eats a key
            // meant for the shell after we quit.
            match event::poll(Duration::from_millis(50)) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => {
                    let _ = tx.send(Incoming::InputFailed(e.to_string()));
                    return;
                }
            }
            match event::read() {
                Ok(ev) => {
                    if tx.send(Incoming::Term(ev)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Incoming::InputFailed(e.to_string()));
                    return;
                }
            }
        }
    })?;
    Ok(stop)
}

/// Ask the terminal to put `text` on the system clipboard (OSC 52). Terminals
/// that do not support it ignore the sequence.
pub fn osc52(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()))?;
    out.flush()
}

pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let idx = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, x) in idx.iter().enumerate() {
            if i <= chunk.len() {
                out.push(T[*x as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }
}
