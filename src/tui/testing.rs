//! Drive the TUI without a terminal or threads: the app and the service talk
//! directly, and screens render into ratatui's `TestBackend`. Used by the
//! screen tests and by `examples/screenshots.rs`.

use std::collections::VecDeque;

use anyhow::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseEvent};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;

use super::app::{App, Effect, Msg};
use super::msg::Response;
use super::service::{info, Service};
use super::view;
use crate::recording::{OpenOptions, Recording};

pub struct Harness {
    pub app: App,
    pub service: Service,
    queue: VecDeque<Effect>,
    pub copied: Vec<String>,
    /// Prompt inputs the app asked to keep in the history file.
    pub remembered: Vec<(crate::tui::history::Kind, String)>,
    pub quit: bool,
}

impl Harness {
    /// Open a recording (importing if needed) and settle on the first screen.
    pub fn open(opts: &OpenOptions, width: u16, height: u16, color: bool) -> Result<Harness> {
        let (rec, report) = Recording::open(opts, &mut |_| {})?;
        let info = info(&rec, &report);
        let mut service = Service::new(rec);
        let mut replies = Vec::new();
        service.prepare(&mut |r| replies.push(r))?;
        let (app, fx) = App::new(info, width, height, color);
        let mut h = Harness {
            app,
            service,
            queue: fx.into(),
            copied: Vec::new(),
            remembered: Vec::new(),
            quit: false,
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
        let size = self.app.size;
        let mut terminal = match Terminal::new(TestBackend::new(size.width, size.height)) {
            Ok(t) => t,
            Err(e) => match e {},
        };
        // TestBackend cannot fail to draw.
        let _ = terminal.draw(|f| view::draw(&self.app, f));
        terminal.backend().buffer().clone()
    }

    /// The screen as text, one line per row, trailing spaces trimmed.
    pub fn screen(&self) -> String {
        buffer_text(&self.buffer())
    }
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
