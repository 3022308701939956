//! Field mapping (docs/model.md §1) of one record as an event and as a snapshot.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let m = rewind_fuzz::mapper();
    let _ = m.map_event(data, 1, 0);
    let _ = m.map_snapshot(data, 1, 0);
    let _ = rewind::ingest::mapping::TopLevel::parse(data);
});
