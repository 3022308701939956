//! EventStoreDB chunk files: header, footer, log records at every offset, and the
//! bytes as the only chunk of a database folder read by the chunk reader.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rewind::ingest::eventstore::chunk;
use rewind::ingest::Format;

const HEADER: usize = chunk::HEADER_SIZE as usize;
const FOOTER: usize = chunk::FOOTER_SIZE as usize;

fuzz_target!(|data: &[u8]| {
    if let Some(h) = data.get(..HEADER).and_then(|h| <&[u8; HEADER]>::try_from(h).ok()) {
        let _ = chunk::ChunkHeader::parse(h);
    }
    if let Some(f) = data
        .get(data.len().saturating_sub(FOOTER)..)
        .and_then(|f| <&[u8; FOOTER]>::try_from(f).ok())
    {
        let _ = chunk::ChunkFooter::parse(f);
    }
    for start in 0..data.len().min(512) {
        let _ = chunk::parse_record(&data[start..]);
    }
    let path = rewind_fuzz::write("db/chunk-000000.000000", data);
    if let Some(db) = path.parent() {
        rewind_fuzz::drain(db, Some(Format::EventstoreDb));
    }
});
