//! One Arrow cell as JSON text, for the field mapping (docs/formats.md §12):
//! strings, numbers and booleans as themselves, decimals with their exact digits,
//! timestamps of any unit and zone as RFC 3339 UTC with microseconds, dates and
//! times of day as ISO 8601 text, structs and maps as objects (a null struct field
//! is an absent member), lists as arrays, bytes as text when they are UTF-8 and
//! `{"$bytes": base64}` otherwise.

use std::fmt::Write as _;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use base64::Engine;

/// Append the JSON text of row `i` of `arr` (which must not be null there) to `out`.
pub fn write(arr: &dyn Array, i: usize, out: &mut String) {
    if arr.is_null(i) {
        out.push_str("null");
        return;
    }
    match arr.data_type() {
        DataType::Null => out.push_str("null"),
        DataType::Boolean => out.push_str(if arr.as_boolean().value(i) { "true" } else { "false" }),
        DataType::Int8 => int(out, arr.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => int(out, arr.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => int(out, arr.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => int(out, arr.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => int(out, arr.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => int(out, arr.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => int(out, arr.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => int(out, arr.as_primitive::<UInt64Type>().value(i)),
        DataType::Float32 => float(out, f64::from(arr.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => float(out, arr.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => string(out, arr.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => string(out, arr.as_string::<i64>().value(i)),
        DataType::Utf8View => string(out, arr.as_string_view().value(i)),
        DataType::Binary => bytes(out, arr.as_binary::<i32>().value(i)),
        DataType::LargeBinary => bytes(out, arr.as_binary::<i64>().value(i)),
        DataType::BinaryView => bytes(out, arr.as_binary_view().value(i)),
        DataType::FixedSizeBinary(_) => bytes(out, arr.as_fixed_size_binary().value(i)),
        DataType::Decimal32(..) => out.push_str(&arr.as_primitive::<Decimal32Type>().value_as_string(i)),
        DataType::Decimal64(..) => out.push_str(&arr.as_primitive::<Decimal64Type>().value_as_string(i)),
        DataType::Decimal128(..) => out.push_str(&arr.as_primitive::<Decimal128Type>().value_as_string(i)),
        DataType::Decimal256(..) => out.push_str(&arr.as_primitive::<Decimal256Type>().value_as_string(i)),
        DataType::Timestamp(unit, _) => {
            let v = match unit {
                TimeUnit::Second => arr.as_primitive::<TimestampSecondType>().value(i),
                TimeUnit::Millisecond => arr.as_primitive::<TimestampMillisecondType>().value(i),
                TimeUnit::Microsecond => arr.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => arr.as_primitive::<TimestampNanosecondType>().value(i),
            };
            match to_micros(v, *unit) {
                Some(us) => string(out, &crate::time::format_micros(us)),
                None => fallback(arr, i, out),
            }
        }
        DataType::Date32 => {
            let days = arr.as_primitive::<Date32Type>().value(i);
            match chrono::NaiveDate::from_epoch_days(days) {
                Some(d) => string(out, &d.format("%Y-%m-%d").to_string()),
                None => int(out, days),
            }
        }
        DataType::Date64 => {
            let ms = arr.as_primitive::<Date64Type>().value(i);
            match chrono::DateTime::from_timestamp_millis(ms) {
                Some(d) => string(out, &d.date_naive().format("%Y-%m-%d").to_string()),
                None => int(out, ms),
            }
        }
        DataType::Struct(fields) => {
            let s = arr.as_struct();
            out.push('{');
            let mut first = true;
            for (f, col) in fields.iter().zip(s.columns()) {
                if col.is_null(i) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                string(out, f.name());
                out.push(':');
                write(col.as_ref(), i, out);
            }
            out.push('}');
        }
        DataType::Map(..) => {
            let m = arr.as_map();
            let (keys, values) = (m.keys(), m.values());
            let offsets = m.value_offsets();
            let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
            out.push('{');
            let mut key = String::new();
            for j in start..end {
                if j > start {
                    out.push(',');
                }
                key.clear();
                write_key(keys.as_ref(), j, &mut key);
                string(out, &key);
                out.push(':');
                write(values.as_ref(), j, out);
            }
            out.push('}');
        }
        DataType::List(_) => list(out, &arr.as_list::<i32>().value(i)),
        DataType::LargeList(_) => list(out, &arr.as_list::<i64>().value(i)),
        DataType::FixedSizeList(..) => list(out, &arr.as_fixed_size_list().value(i)),
        DataType::Dictionary(key, _) => match key.as_ref() {
            DataType::Int8 => dict::<Int8Type>(arr, i, out),
            DataType::Int16 => dict::<Int16Type>(arr, i, out),
            DataType::Int32 => dict::<Int32Type>(arr, i, out),
            DataType::Int64 => dict::<Int64Type>(arr, i, out),
            DataType::UInt8 => dict::<UInt8Type>(arr, i, out),
            DataType::UInt16 => dict::<UInt16Type>(arr, i, out),
            DataType::UInt32 => dict::<UInt32Type>(arr, i, out),
            DataType::UInt64 => dict::<UInt64Type>(arr, i, out),
            _ => fallback(arr, i, out),
        },
        // Times of day, durations, intervals, half floats: Arrow's own text.
        _ => fallback(arr, i, out),
    }
}

/// The text of a string cell (already UTF-8), or the bytes of a binary one: a
/// `data` or `meta` column written as JSON text. `None` for other types.
pub fn text(arr: &dyn Array, i: usize) -> Option<Result<&str, &[u8]>> {
    Some(match arr.data_type() {
        DataType::Utf8 => Ok(arr.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => Ok(arr.as_string::<i64>().value(i)),
        DataType::Utf8View => Ok(arr.as_string_view().value(i)),
        DataType::Binary => Err(arr.as_binary::<i32>().value(i)),
        DataType::LargeBinary => Err(arr.as_binary::<i64>().value(i)),
        DataType::BinaryView => Err(arr.as_binary_view().value(i)),
        _ => return None,
    })
}

pub(super) fn to_micros(v: i64, unit: TimeUnit) -> Option<i64> {
    match unit {
        TimeUnit::Second => v.checked_mul(1_000_000),
        TimeUnit::Millisecond => v.checked_mul(1_000),
        TimeUnit::Microsecond => Some(v),
        TimeUnit::Nanosecond => Some(v.div_euclid(1_000)),
    }
}

fn dict<K: ArrowDictionaryKeyType>(arr: &dyn Array, i: usize, out: &mut String) {
    let d = arr.as_dictionary::<K>();
    match d.key(i) {
        Some(k) if k < d.values().len() => write(d.values().as_ref(), k, out),
        _ => out.push_str("null"),
    }
}

fn list(out: &mut String, items: &ArrayRef) {
    out.push('[');
    for j in 0..items.len() {
        if j > 0 {
            out.push(',');
        }
        write(items.as_ref(), j, out);
    }
    out.push(']');
}

/// A map key as text: a string as it is, anything else as its JSON text.
fn write_key(arr: &dyn Array, j: usize, out: &mut String) {
    match text(arr, j) {
        Some(Ok(s)) => out.push_str(s),
        _ => write(arr, j, out),
    }
}

fn int(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

/// A finite float as the shortest text that reads back the same; NaN and the
/// infinities, which JSON cannot hold, as strings.
fn float(out: &mut String, v: f64) {
    if v.is_finite() {
        out.push_str(
            &serde_json::Number::from_f64(v)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        );
    } else {
        string(out, &v.to_string());
    }
}

fn bytes(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => string(out, s),
        Err(_) => {
            out.push_str(r#"{"$bytes":""#);
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            out.push_str(r#""}"#);
        }
    }
}

/// A JSON string literal.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    // Most cells (ids, names, times) need no escape: one scan, one copy.
    // (`fold`, not `any`: no early exit, so the scan vectorizes.)
    let plain = !s
        .bytes()
        .fold(false, |esc, b| esc | (b == b'"') | (b == b'\\') | (b < 0x20));
    if plain {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn fallback(arr: &dyn Array, i: usize, out: &mut String) {
    let options = arrow_cast::display::FormatOptions::default();
    match arrow_cast::display::ArrayFormatter::try_new(arr, &options) {
        Ok(f) => string(out, &f.value(i).to_string()),
        Err(_) => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Decimal128Array, StringArray, TimestampNanosecondArray};

    fn json(arr: &dyn Array, i: usize) -> String {
        let mut s = String::new();
        write(arr, i, &mut s);
        s
    }

    #[test]
    fn cells_are_json_text() {
        let d = Decimal128Array::from(vec![123_450, -5])
            .with_precision_and_scale(12, 4)
            .expect("decimal");
        assert_eq!(json(&d, 0), "12.3450");
        assert_eq!(json(&d, 1), "-0.0005");
        let t = TimestampNanosecondArray::from(vec![1_763_629_200_123_456_789]).with_timezone("+09:00");
        assert_eq!(json(&t, 0), r#""2025-11-20T09:00:00.123456Z""#);
        let s = StringArray::from(vec!["a\"b\\\u{1}\n"]);
        let text = json(&s, 0);
        assert_eq!(serde_json::from_str::<String>(&text).expect("valid"), "a\"b\\\u{1}\n");
    }
}
