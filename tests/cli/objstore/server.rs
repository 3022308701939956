//! A store server a test starts on 127.0.0.1 at a free port (moto, Azurite,
//! fake-gcs-server), found on PATH or in .ci/venv/bin, and killed when the
//! test ends.

use std::ffi::OsString;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

pub fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .or_else(|| Some(common::root().join(".ci/venv/bin").join(program)).filter(|p| p.is_file()))
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

pub struct Server {
    child: Child,
    pub port: u16,
    /// The server's executable, beside which its venv's python lives.
    pub bin: PathBuf,
}

impl Server {
    /// Start `program` with `args(port)` and wait until it listens. Missing, it
    /// fails the test naming `install`, or with REWIND_SKIP_OBJSTORE set says
    /// "skipped" and gives `None`.
    pub fn start(program: &str, install: &str, args: impl FnOnce(u16) -> Vec<OsString>) -> Option<Server> {
        let Some(bin) = find(program) else {
            if std::env::var_os("REWIND_SKIP_OBJSTORE").is_some() {
                eprintln!("skipped: no {program} (REWIND_SKIP_OBJSTORE is set)");
                return None;
            }
            panic!("no {program} on PATH: install it with `{install}` (or set REWIND_SKIP_OBJSTORE=1 to skip)");
        };
        let port = free_port();
        let child = Command::new(&bin)
            .args(args(port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let mut server = Server { child, port, bin };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("{program} exited ({status}) before listening on {port}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{program} did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The python of the server's venv (it has the server's client
    /// libraries), else `python3` on PATH.
    pub fn python(&self) -> PathBuf {
        let python = self.bin.with_file_name("python3");
        if python.is_file() {
            python
        } else {
            PathBuf::from("python3")
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
