//! Generic JSON framing (JSON Lines, one array, concatenated values) in every mode.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rewind::ingest::framing::{Framer, Framing};

fuzz_target!(|data: &[u8]| {
    for mode in [
        None,
        Some(Framing::Lines),
        Some(Framing::Array),
        Some(Framing::Concatenated),
    ] {
        let Ok(mut f) = Framer::new(data, mode) else { continue };
        let mut n = 0;
        while let Ok(Some(_)) = f.next_frame() {
            n += 1;
            assert!(n <= data.len() + 1, "the framer does not advance");
        }
    }
});
