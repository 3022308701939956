//! LangGraph's serialized values: msgpack with its extension types, and JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rewind::fuzzing::langgraph_value(data));
