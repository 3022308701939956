//! Avro object container files: header and writer schema (apache-avro's schema
//! parser behind rewind's name check), blocks (null and deflate), records to JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rewind::fuzzing::avro_ocf(data);
});
