//! Point expressions (`--at`, `diff A B`): one per line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for line in text.lines().take(64) {
        let _ = rewind::points::parse(line);
    }
});
