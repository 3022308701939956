//! OpenTelemetry spans in OTLP/JSON: export request lines, one document, arrays.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rewind::fuzzing::otel_spans(data));
