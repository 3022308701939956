//! Event Hubs Capture records: EventData decoded by the writer schema and mapped,
//! in memory and as a file through the Capture source.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rewind::ingest::Format;

fuzz_target!(|data: &[u8]| {
    rewind::fuzzing::capture(data, &rewind_fuzz::mapper());
    let path = rewind_fuzz::write("ns/hub/0/2024/01/02/03/04/05.avro", data);
    rewind_fuzz::drain(&path, Some(Format::EventhubsCapture));
});
