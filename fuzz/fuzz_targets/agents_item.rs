//! OpenAI Agents SDK session items (`agent_messages.message_data`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rewind::fuzzing::agents_item(data));
