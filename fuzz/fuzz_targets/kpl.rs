//! KPL aggregated records (magic, protobuf, MD5 trailer).
#![no_main]
use libfuzzer_sys::fuzz_target;
use md5::{Digest, Md5};
use rewind::ingest::aws::kpl;

fuzz_target!(|data: &[u8]| {
    if kpl::is_aggregated(data) {
        let _ = kpl::split(data);
    }
    // The same bytes behind the magic and with a valid digest, so the protobuf
    // itself is what the fuzzer explores.
    let mut whole = kpl::MAGIC.to_vec();
    whole.extend_from_slice(data);
    whole.extend_from_slice(Md5::digest(data).as_slice());
    let _ = kpl::split(&whole);
});
