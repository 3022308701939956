//! Whole files through detection, gzip/zstd and every family: the first byte
//! picks the file name (name-based detection), the rest is the content.
#![no_main]
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "events.jsonl",
    "events.json",
    "events.jsonl.gz",
    "events.jsonl.zst",
    "data/a.json.gz",
    "stream.json",
    "capture/0/2024/01/02/03/04/05.avro",
    "chunk-000000.000000",
];

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = rewind_fuzz::split(data, NAMES.len()) else {
        return;
    };
    let path = rewind_fuzz::write(&format!("in/{which}/{}", NAMES[which]), rest);
    rewind_fuzz::drain(&path, None);
});
