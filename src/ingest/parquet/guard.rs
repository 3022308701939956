//! The Parquet decoder can panic on a corrupt file (an index out of bounds in its
//! RLE decoder, an unwrap in its footer parser): such a panic is caught here and
//! becomes the file's read error, so a bad file is a reported skip like any other,
//! and its message is not printed as a crash.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Whether this thread is inside [`guarded`]: a panic hook installed after this
/// one's (the TUI's, which restores the terminal) must let such a panic pass.
pub fn containing() -> bool {
    QUIET.with(Cell::get)
}

/// Run `f`; a panic inside it is returned as `Err(its message)`.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let out = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    out.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown fault".to_string());
        format!("corrupt file (the Parquet decoder failed: {what})")
    })
}
