//! A progress line on stderr while objects are fetched: bytes and objects.

use std::io::IsTerminal;
use std::time::Instant;

pub struct Bar {
    show: bool,
    shown: bool,
    last: Instant,
    started: Instant,
    objects: u64,
    bytes: u64,
}

impl Bar {
    /// Drawn only when asked for and stderr is a terminal.
    pub fn new(show: bool, objects: u64, bytes: u64) -> Bar {
        let now = Instant::now();
        Bar {
            show: show && std::io::stderr().is_terminal(),
            shown: false,
            last: now,
            started: now,
            objects,
            bytes,
        }
    }

    pub fn update(&mut self, name: &str, objects: u64, bytes: u64) {
        if !self.show || self.last.elapsed().as_millis() < 200 {
            return;
        }
        self.last = Instant::now();
        self.shown = true;
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r\x1b[Kfetching {}: {objects}/{} objects, {:.1}/{:.1} MB ({:.1} MB/s)",
            crate::sanitize::clean(name),
            self.objects,
            bytes as f64 / 1e6,
            self.bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs
        );
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
        }
    }
}
