//! Freeing large values off a latency-sensitive thread: a world of a thousand
//! JSON trees takes milliseconds to free, which the TUI's render loop and a
//! command's exit path should not wait for.

/// Drop `value` on a short-lived thread of its own (here, if no thread can be had).
pub fn drop_aside<T: Send + 'static>(value: T) {
    // On failure the closure, and `value` with it, is dropped right here.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}
