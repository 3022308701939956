//! Drive the TUI without a terminal: [`Harness`] has the app and the service talk
//! directly (no threads), [`Live`] runs the worker thread as the TUI does (for
//! timing); screens render into ratatui's `TestBackend`. Used by the screen
//! tests, the bench suite and `examples/screenshots.rs`.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseEvent};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;

use super::app::{App, Effect, Msg};
use super::msg::{Request, Response};
use super::saved_marks;
use super::service::{info, Service};
use super::view;
use super::worker;
use crate::recording::{OpenOptions, Recording};

pub struct Harness {
    pub app: App,
    pub service: Service,
    queue: VecDeque<Effect>,
    pub copied: Vec<String>,
    /// Prompt inputs the app asked to keep in the history file.
    pub remembered: Vec<(crate::tui::history::Kind, String)>,
    /// Where marks are kept across runs, as the runner keeps them; `None`: not kept.
    pub marks_file: Option<PathBuf>,
    pub quit: bool,
    /// Where `W` writes the hypothesis (the runner: the current directory).
    pub write_dir: std::path::PathBuf,
    /// The editor command `e` and `i` run (the runner: `$VISUAL`/`$EDITOR`);
    /// `false` by default, so a test that means no editor cannot start one.
    pub editor: String,
}

impl Harness {
    /// Open a recording (importing if needed) and settle on the first screen.
    pub fn open(opts: &OpenOptions, width: u16, height: u16, color: bool) -> Result<Harness> {
        Harness::open_keeping_marks(opts, width, height, color, None)
    }

    /// Like [`Harness::open`], restoring and saving marks in `marks_file` as
    /// the TUI does in its data directory.
    pub fn open_keeping_marks(
        opts: &OpenOptions,
        width: u16,
        height: u16,
        color: bool,
        marks_file: Option<PathBuf>,
    ) -> Result<Harness> {
        let (rec, report) = Recording::open(opts, &mut |_| {})?;
        let info = info(&rec, &report);
        let mut service = Service::new(rec);
        if opts.follow {
            service.follow = Some(OpenOptions {
                keep_replaced: true,
                ..opts.clone()
            });
        }
        let mut replies = Vec::new();
        service.prepare(&mut |r| replies.push(r))?;
        let (mut app, fx) = App::new(info, width, height, color);
        if opts.follow {
            app.live = super::app::live::Live::following();
        }
        if let Some(path) = &marks_file {
            let saved = saved_marks::load(path, &app.info.identity);
            app.restore_marks(saved);
        }
        let mut h = Harness {
            app,
            service,
            queue: fx.into(),
            copied: Vec::new(),
            remembered: Vec::new(),
            marks_file,
            quit: false,
            write_dir: std::env::temp_dir(),
            editor: "false".to_string(),
        };
        for r in replies {
            h.reply(r);
        }
        h.settle();
        Ok(h)
    }

    fn reply(&mut self, r: Response) {
        let fx = self.app.update(Msg::Reply(r));
        self.queue.extend(fx);
    }

    /// Answer every request until nothing is left to do.
    pub fn settle(&mut self) {
        while let Some(e) = self.queue.pop_front() {
            match e {
                Effect::Send(req) => {
                    let mut replies = Vec::new();
                    self.service.handle(req, &mut |r| replies.push(r));
                    for r in replies {
                        self.reply(r);
                    }
                }
                Effect::Copy(t) => self.copied.push(t),
                Effect::Remember(kind, text) => self.remembered.push((kind, text)),
                Effect::Edit(job) => {
                    // The editor as the runner runs it, without a terminal to hand over.
                    let result = super::editor::edit(&job, &self.editor).map_err(|e| format!("{e:#}"));
                    let fx = self.app.update(Msg::Edited(job, result));
                    self.queue.extend(fx);
                }
                Effect::WriteWhatif(text) => {
                    let result = super::editor::write_whatif(&self.write_dir, &text)
                        .map(|p| p.display().to_string())
                        .map_err(|e| format!("{e:#}"));
                    let fx = self.app.update(Msg::Wrote(result));
                    self.queue.extend(fx);
                }
                Effect::SaveMarks(saved) => {
                    if let Some(path) = &self.marks_file {
                        saved_marks::save(path, &self.app.info.identity, &saved);
                    }
                }
                Effect::Quit => self.quit = true,
            }
        }
    }

    pub fn send(&mut self, msg: Msg) {
        let fx = self.app.update(msg);
        self.queue.extend(fx);
        self.settle();
    }

    pub fn key(&mut self, code: KeyCode) {
        self.key_mod(code, KeyModifiers::NONE);
    }

    pub fn key_mod(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.send(Msg::Key(KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }));
    }

    /// Press a key but leave its requests unanswered, to see the screen while they
    /// are in flight; [`Harness::settle`] answers them.
    pub fn key_in_flight(&mut self, code: KeyCode) {
        let fx = self.app.update(Msg::Key(KeyEvent {
            code,
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }));
        self.queue.extend(fx);
    }

    /// Press each character as a key (`"jjj"`, `":652"`).
    pub fn keys(&mut self, chars: &str) {
        for c in chars.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Type into a prompt and press Enter.
    pub fn submit(&mut self, text: &str) {
        self.keys(text);
        self.key(KeyCode::Enter);
    }

    pub fn mouse(&mut self, m: MouseEvent) {
        self.send(Msg::Mouse(m));
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.send(Msg::Resize(w, h));
    }

    pub fn buffer(&self) -> Buffer {
        draw(&self.app)
    }

    /// The screen as text, one line per row, trailing spaces trimmed.
    pub fn screen(&self) -> String {
        buffer_text(&self.buffer())
    }
}

/// The TUI as it runs, minus the terminal: the worker answers on its own thread
/// while this one updates the app and draws a frame (on a `TestBackend`) after
/// each batch of replies, as the real loop does. For timing what a user sees.
pub struct Live {
    pub app: App,
    worker: Sender<Request>,
    replies: Receiver<Response>,
}

impl Live {
    /// Open a recording on a worker thread and wait until it is opened.
    pub fn open(opts: &OpenOptions, width: u16, height: u16) -> Result<Live> {
        let (tx, replies) = mpsc::channel();
        // Dropping the sender stops the worker; nothing waits for it.
        let (worker, _) = worker::spawn(opts.clone(), move |r| {
            let _ = tx.send(r);
        })?;
        let info = loop {
            match replies.recv() {
                Ok(Response::Opened(info)) => break info,
                Ok(Response::Fatal(e)) => bail!("{e}"),
                Ok(_) => {}
                Err(_) => bail!("the worker stopped"),
            }
        };
        let (mut app, fx) = App::new(*info, width, height, false);
        if opts.follow {
            app.live = super::app::live::Live::following();
        }
        let mut live = Live { app, worker, replies };
        live.apply(fx)?;
        Ok(live)
    }

    fn apply(&mut self, fx: Vec<Effect>) -> Result<()> {
        for e in fx {
            if let Effect::Send(r) = e {
                self.worker.send(r).map_err(|_| anyhow!("the worker stopped"))?;
            }
        }
        Ok(())
    }

    pub fn key(&mut self, code: KeyCode) -> Result<()> {
        let fx = self.app.update(Msg::Key(KeyEvent {
            code,
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }));
        self.apply(fx)
    }

    /// Press each character as a key.
    pub fn keys(&mut self, chars: &str) -> Result<()> {
        chars.chars().try_for_each(|c| self.key(KeyCode::Char(c)))
    }

    /// Deliver a message as the event loop would (a follow wake, a tick).
    pub fn send(&mut self, msg: Msg) -> Result<()> {
        let fx = self.app.update(msg);
        self.apply(fx)
    }

    /// Handle replies, drawing a frame after each batch, until a drawn frame
    /// satisfies `done` (given the app and the frame's text); that text. Fails
    /// after `timeout`, with the last frame.
    pub fn until(&mut self, timeout: Duration, done: impl Fn(&App, &str) -> bool) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = buffer_text(&draw(&self.app));
            if done(&self.app, &screen) {
                return Ok(screen);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!("timed out after {timeout:?}; the screen:\n{screen}");
            }
            match self.replies.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(first) => {
                    let mut batch = vec![first];
                    batch.extend(self.replies.try_iter());
                    for r in batch {
                        let fx = self.app.update(Msg::Reply(r));
                        self.apply(fx)?;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.app.update(Msg::Tick);
                }
                Err(RecvTimeoutError::Disconnected) => bail!("the worker stopped"),
            }
        }
    }
}

/// One frame of `app` on a `TestBackend` of its size.
fn draw(app: &App) -> Buffer {
    let size = app.size;
    let mut terminal = match Terminal::new(TestBackend::new(size.width, size.height)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    // TestBackend cannot fail to draw.
    let _ = terminal.draw(|f| view::draw(app, f));
    terminal.backend().buffer().clone()
}

/// A buffer's text; wide characters count once.
pub fn buffer_text(buf: &Buffer) -> String {
    let w = buf.area.width as usize;
    let mut out = String::new();
    for row in buf.content().chunks(w.max(1)) {
        let mut line = String::new();
        let mut skip = 0usize;
        for cell in row {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = cell.symbol();
            line.push_str(s);
            skip = ratatui::text::Span::raw(s).width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
