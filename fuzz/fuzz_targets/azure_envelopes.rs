//! Cosmos DB documents and change feed, Event Grid deliveries and events,
//! CloudEvents (structured and batch). The first byte picks the decoder.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rewind::ingest::azure::{cloudevents, eventgrid};
use rewind::ingest::Format;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = rewind_fuzz::split(data, 5) else {
        return;
    };
    match which {
        0 => {
            let _ = cloudevents::map(rest, 1);
        }
        1 => {
            let _ = eventgrid::map(rest, 1);
        }
        2 => rewind_fuzz::drain(&rewind_fuzz::write("cosmos.json", rest), Some(Format::Cosmos)),
        3 => rewind_fuzz::drain(&rewind_fuzz::write("eventgrid.json", rest), Some(Format::Eventgrid)),
        _ => rewind_fuzz::drain(&rewind_fuzz::write("cloudevents.json", rest), Some(Format::Cloudevents)),
    }
});
