//! DynamoDB JSON: attribute values and items, export lines, numbers, base64.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rewind::ingest::aws::attr;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(item) = attr::convert_item(text) {
        let _ = item.member("pk");
    }
    let _ = attr::convert_export_line(text);
    let _ = attr::item_to_json(text);
    let _ = attr::json_number(text);
    let _ = attr::decode_base64(text);
    if let Some((a, b)) = text.split_once('\n') {
        let _ = attr::cmp_numbers(a, b);
    }
});
