//! Standard input as an input: its bytes are kept in a file (the spool) as they
//! come, so the reader of growing files reads them, the cache keys them, and a
//! record split across two writes is read once whole.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::thread;

use anyhow::{Context, Result};

use super::Wake;

/// The file standard input is kept in; removed when dropped.
pub struct Spool {
    pub path: PathBuf,
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// A new spool file in `dir`.
pub fn create(dir: &Path) -> Result<(Spool, File)> {
    fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = dir.join(format!("stdin-{}-{nanos}.jsonl", std::process::id()));
    let file = File::create(&path).with_context(|| path.display().to_string())?;
    Ok((Spool { path }, file))
}

/// Copy all of standard input into `file` (for a command that reads it whole).
pub fn drain(mut file: File) -> Result<()> {
    io::copy(&mut io::stdin().lock(), &mut file).context("reading standard input")?;
    file.flush()?;
    Ok(())
}

/// Copy standard input into `file` on a thread as it comes, waking the follower
/// after each write and once more when the input closes.
pub fn pump(mut file: File, wake: Sender<Wake>) -> Result<()> {
    thread::Builder::new().name("rewind-stdin".into()).spawn(move || {
        let mut stdin = io::stdin().lock();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if file.write_all(&buf[..n]).and_then(|()| file.flush()).is_err() {
                        break;
                    }
                    let _ = wake.send(Wake::Changed);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = wake.send(Wake::Closed);
    })?;
    Ok(())
}
