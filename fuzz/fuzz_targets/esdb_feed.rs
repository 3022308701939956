//! EventStoreDB HTTP/Atom feed pages and JSON dumps.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rewind::ingest::Format;

fuzz_target!(|data: &[u8]| {
    rewind_fuzz::drain(&rewind_fuzz::write("feed.json", data), Some(Format::Eventstore));
});
