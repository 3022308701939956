//! Terminal-safe JSON serialization.
//!
//! Recorded states come from untrusted systems (and from LLM output). serde_json escapes C0
//! controls, but writes DEL, C1 controls (U+0080–U+009F; U+009B is a one-byte CSI to many
//! terminals), bidi overrides and other invisible format characters as they are. Printed to a
//! terminal they can move the cursor, recolour or reorder what the user sees ("Trojan
//! Source"), or hide text entirely. [`TerminalSafe`] wraps a serde_json formatter and writes
//! those characters as `\uXXXX` escapes instead: the output is still valid JSON and parses
//! back to exactly the same value.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter, Serializer};
use serde_json::Value;

/// Characters that must not reach a terminal raw.
///
/// C0 controls (serde_json already escapes them inside strings), DEL and C1 controls; bidi
/// marks, embeddings, overrides and isolates (U+061C, U+200E/F, U+202A–E, U+2066–9); and
/// invisible format characters that can hide or smuggle text: soft hyphen, U+180E, zero width
/// space, line/paragraph separators, word joiner and invisible operators, deprecated format
/// controls U+206A–F, BOM, interlinear annotations, and the tag block U+E0000–U+E007F
/// (invisible copies of ASCII, used to smuggle instructions into LLM text).
///
/// Deliberately *not* included: ZWNJ/ZWJ (U+200C/D) and variation selectors, which shape
/// visible text (emoji sequences, Indic and Persian scripts) and would make ordinary text
/// unreadable if escaped.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{ad}'
            | '\u{61c}'
            | '\u{180e}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

/// The bytes that can begin the UTF-8 encoding of an [unsafe character](is_unsafe_char):
/// C0 controls and DEL themselves, and the lead bytes of U+0080–U+00BF (C2), U+061C (D8),
/// U+180E (E1), U+2000–U+2FFF (E2), U+F000–U+FFFF (EF) and U+C0000–U+FFFFF (F3). Text
/// without them (most text, CJK and emoji included) needs no char-by-char check.
static SUSPECT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[0x7f] = true;
    t[0xc2] = true;
    t[0xd8] = true;
    t[0xe1] = true;
    t[0xe2] = true;
    t[0xef] = true;
    t[0xf3] = true;
    t
};

/// A serde_json [`Formatter`] that delegates everything to `F` but escapes
/// [unsafe characters](is_unsafe_char) inside strings and object keys.
#[derive(Debug, Clone, Default)]
pub struct TerminalSafe<F>(pub F);

/// Writes `text`, replacing each unsafe character by `\uXXXX` (a UTF-16 surrogate pair for
/// characters beyond the BMP, as JSON requires). With `keep_c0`, C0 controls pass through:
/// in raw JSON text they can only be whitespace between tokens.
fn write_escaped<W: ?Sized + io::Write>(w: &mut W, text: &str, keep_c0: bool) -> io::Result<()> {
    // Most text has no byte that can start an unsafe character: skip the char walk.
    if !text.bytes().any(|b| SUSPECT[b as usize]) {
        return w.write_all(text.as_bytes());
    }
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if !is_unsafe_char(c) || (keep_c0 && c < '\u{20}') {
            continue;
        }
        w.write_all(text.get(start..i).unwrap_or_default().as_bytes())?;
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            write!(w, "\\u{unit:04x}")?;
        }
        start = i + c.len_utf8();
    }
    w.write_all(text.get(start..).unwrap_or_default().as_bytes())
}

/// Forwards a `Formatter` method to the wrapped formatter.
macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            #[inline]
            fn $name<W>(&mut self, writer: &mut W $(, $arg: $ty)*) -> io::Result<()>
            where
                W: ?Sized + io::Write,
            {
                self.0.$name(writer $(, $arg)*)
            }
        )*
    };
}

impl<F: Formatter> Formatter for TerminalSafe<F> {
    // Every method is forwarded explicitly: relying on the trait defaults would silently drop
    // the wrapped formatter's own behaviour (PrettyFormatter overrides the array/object ones).
    delegate! {
        write_null();
        write_bool(value: bool);
        write_i8(value: i8);
        write_i16(value: i16);
        write_i32(value: i32);
        write_i64(value: i64);
        write_i128(value: i128);
        write_u8(value: u8);
        write_u16(value: u16);
        write_u32(value: u32);
        write_u64(value: u64);
        write_u128(value: u128);
        write_f32(value: f32);
        write_f64(value: f64);
        write_number_str(value: &str);
        begin_string();
        end_string();
        write_char_escape(char_escape: CharEscape);
        write_byte_array(value: &[u8]);
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        end_object_key();
        begin_object_value();
        end_object_value();
    }

    /// The runs between serde_json's own escapes; this is where unsafe characters would
    /// otherwise be written raw (keys go through here too).
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        write_escaped(writer, fragment, false)
    }

    /// Raw JSON (`RawValue`): in valid JSON, non-C0 unsafe characters can only occur inside
    /// string literals, so escaping them there keeps the text valid and the value the same.
    fn write_raw_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        write_escaped(writer, fragment, true)
    }
}

fn serialize<W: io::Write, F: Formatter, T: Serialize + ?Sized>(w: W, formatter: F, v: &T) -> io::Result<()> {
    let mut ser = Serializer::with_formatter(w, TerminalSafe(formatter));
    v.serialize(&mut ser).map_err(io::Error::from)
}

fn to_string_with<F: Formatter>(formatter: F, v: &Value) -> String {
    let mut buf = Vec::new();
    // Writing a Value into a Vec cannot fail (no I/O, keys are strings); if it somehow did,
    // returning what was written beats panicking in a UI path.
    let _ = serialize(&mut buf, formatter, v);
    // The serializer only writes valid UTF-8; the lossy conversion merely avoids an unwrap.
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Pretty JSON (2-space indent, like `serde_json::to_string_pretty`), terminal-safe.
pub fn to_string_pretty(v: &Value) -> String {
    to_string_with(PrettyFormatter::new(), v)
}

/// Compact JSON (like `serde_json::to_string`), terminal-safe.
pub fn to_string_compact(v: &Value) -> String {
    to_string_with(CompactFormatter, v)
}

/// Writes pretty, terminal-safe JSON to `w`.
pub fn write_pretty<W: io::Write, T: Serialize + ?Sized>(w: W, v: &T) -> io::Result<()> {
    serialize(w, PrettyFormatter::new(), v)
}

/// Writes compact, terminal-safe JSON to `w`.
pub fn write_compact<W: io::Write, T: Serialize + ?Sized>(w: W, v: &T) -> io::Result<()> {
    serialize(w, CompactFormatter, v)
}

/// Bytes a string writer must look at: what JSON escapes (`"`, `\\`, C0 controls) and
/// the [suspect](SUSPECT) lead bytes of unsafe characters.
static SPECIAL: [bool; 256] = {
    let mut t = SUSPECT;
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Writes `v` into `out` as terminal-safe JSON: exactly the bytes of [`write_pretty`]
/// (or [`write_compact`]), without going through serde's serializer. A world state is
/// megabytes of JSON printed on every `state`; this writer copies string runs whole
/// and takes about half the time.
pub fn write_value(out: &mut Vec<u8>, v: &Value, pretty: bool) {
    write_at(out, v, pretty, 0);
}

/// [`write_value`] of a value nested `depth` levels deep (its indent when pretty).
pub fn write_value_at(out: &mut Vec<u8>, v: &Value, pretty: bool, depth: usize) {
    write_at(out, v, pretty, depth);
}

/// Writes `members` as one JSON object, like [`write_value`] of an object holding them.
pub fn write_members<'v>(
    out: &mut Vec<u8>,
    members: impl ExactSizeIterator<Item = (&'v str, &'v Value)>,
    pretty: bool,
) {
    write_object(out, members, pretty, 0, |out, v, depth| write_at(out, v, pretty, depth));
}

/// Writes `members` as one JSON object whose values are JSON already written by
/// [`write_value_at`] at depth 1 (pretty or not, as `pretty` says): the same
/// bytes as [`write_members`] of the values they were written from.
pub fn write_written_members<'m>(
    out: &mut Vec<u8>,
    members: impl ExactSizeIterator<Item = (&'m str, &'m [u8])>,
    pretty: bool,
) {
    write_object(out, members, pretty, 0, |out, json, _| out.extend_from_slice(json));
}

fn write_at(out: &mut Vec<u8>, v: &Value, pretty: bool, depth: usize) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Numbers keep their source text (arbitrary_precision), as serde_json writes them.
        Value::Number(n) => out.extend_from_slice(n.as_str().as_bytes()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.extend_from_slice(b"[]");
                return;
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if pretty {
                    newline(out, depth + 1);
                }
                write_at(out, item, pretty, depth + 1);
            }
            if pretty {
                newline(out, depth);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(
            out,
            map.iter().map(|(k, v)| (k.as_str(), v)),
            pretty,
            depth,
            |out, v, d| write_at(out, v, pretty, d),
        ),
    }
}

/// An object's syntax around its members, each value written by `value` at the
/// depth it is nested at.
fn write_object<'k, V>(
    out: &mut Vec<u8>,
    members: impl ExactSizeIterator<Item = (&'k str, V)>,
    pretty: bool,
    depth: usize,
    mut value: impl FnMut(&mut Vec<u8>, V, usize),
) {
    if members.len() == 0 {
        out.extend_from_slice(b"{}");
        return;
    }
    out.push(b'{');
    for (i, (key, v)) in members.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if pretty {
            newline(out, depth + 1);
        }
        write_str(out, key);
        out.push(b':');
        if pretty {
            out.push(b' ');
        }
        value(out, v, depth + 1);
    }
    if pretty {
        newline(out, depth);
    }
    out.push(b'}');
}

/// A newline and `depth` levels of PrettyFormatter's two-space indent.
fn newline(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.resize(out.len() + 2 * depth, b' ');
}

/// A JSON string: serde_json's escapes (short forms for `\b \f \n \r \t`, `\u00xx` for
/// other C0 controls), and `\uxxxx` for the other unsafe characters.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !SPECIAL[b as usize] {
            i += 1;
            continue;
        }
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            _ => b"",
        };
        if !short.is_empty() || b < 0x20 {
            out.extend_from_slice(&bytes[start..i]);
            if short.is_empty() {
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
            } else {
                out.extend_from_slice(short);
            }
            i += 1;
            start = i;
            continue;
        }
        // A suspect lead byte: the character it starts decides.
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
            i += 1;
            continue;
        };
        let len = c.len_utf8();
        if is_unsafe_char(c) {
            out.extend_from_slice(&bytes[start..i]);
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let u = *unit;
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    HEX[(u >> 12) as usize & 0xf],
                    HEX[(u >> 8) as usize & 0xf],
                    HEX[(u >> 4) as usize & 0xf],
                    HEX[u as usize & 0xf],
                ]);
            }
            start = i + len;
        }
        i += len;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn every_unsafe_character_starts_with_a_suspect_byte() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10ffff).filter_map(char::from_u32).filter(|&c| is_unsafe_char(c)) {
            let lead = c.encode_utf8(&mut buf).as_bytes()[0];
            assert!(SUSPECT[lead as usize], "{c:?} starts with {lead:#x}");
        }
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or(Value::Null)
    }

    #[test]
    fn c1_csi_is_escaped() {
        let v = json!("\u{9b}31m");
        assert_eq!(to_string_compact(&v), "\"\\u009b31m\"");
        assert_eq!(parse(&to_string_compact(&v)), v);
    }

    #[test]
    fn escapes_all_listed_ranges_and_roundtrips() {
        let nasty = "a\u{1b}[2J\u{7f}\u{80}\u{9f}\u{200e}\u{200f}\u{202a}\u{202e}\u{2066}\u{2069}\
                     \u{200b}\u{2028}\u{feff}\u{ad}\u{e0041}z";
        let v = json!({ nasty: [nasty, {"k": nasty}] });
        for out in [to_string_compact(&v), to_string_pretty(&v)] {
            assert!(out.chars().all(|c| !is_unsafe_char(c) || c == '\n'), "{out:?}");
            assert_eq!(parse(&out), v);
        }
        let compact = to_string_compact(&json!("\u{202e}\u{7f}\u{e0041}"));
        assert_eq!(compact, "\"\\u202e\\u007f\\udb40\\udc41\"");
        // C0 escapes are still serde_json's own (short forms where they exist).
        assert_eq!(to_string_compact(&json!("\u{1b}\n")), "\"\\u001b\\n\"");
    }

    #[test]
    fn safe_text_is_unchanged_and_matches_serde_json() {
        let v = parse(
            r#"{"b": [1, 2.50, -0, 123456789012345678901234567890.5e-3], "a": {"x": null, "y": true},
                "s": "héllo 世界 👨‍👩‍👧 \" \\ /", "e": [], "o": {}}"#,
        );
        assert_eq!(to_string_compact(&v), serde_json::to_string(&v).unwrap_or_default());
        assert_eq!(
            to_string_pretty(&v),
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
        // Numbers keep their source text (arbitrary_precision).
        assert!(to_string_compact(&v).contains("123456789012345678901234567890.5e-3"));
        assert!(to_string_compact(&v).contains("2.50"));
    }

    #[test]
    fn writers_match_strings() {
        let v = json!({"k\u{85}": ["\u{2067}x"]});
        let mut pretty = Vec::new();
        let mut compact = Vec::new();
        assert!(write_pretty(&mut pretty, &v).is_ok());
        assert!(write_compact(&mut compact, &v).is_ok());
        assert_eq!(String::from_utf8_lossy(&pretty), to_string_pretty(&v));
        assert_eq!(String::from_utf8_lossy(&compact), to_string_compact(&v));
        assert_eq!(to_string_compact(&v), r#"{"k\u0085":["\u2067x"]}"#);
    }

    #[test]
    fn raw_values_are_escaped_inside_strings_only() {
        let raw = serde_json::value::RawValue::from_string("{\"a\":\n\"\u{202e}\"}".to_owned());
        let Ok(raw) = raw else {
            panic!("valid raw JSON rejected");
        };
        let mut buf = Vec::new();
        let mut ser = Serializer::with_formatter(&mut buf, TerminalSafe(CompactFormatter));
        assert!(raw.serialize(&mut ser).is_ok());
        let out = String::from_utf8_lossy(&buf).into_owned();
        assert_eq!(out, "{\"a\":\n\"\\u202e\"}");
        assert_eq!(parse(&out), json!({"a": "\u{202e}"}));
    }

    fn value_strategy() -> impl Strategy<Value = Value> {
        let text = prop::collection::vec(
            prop::sample::select(vec![
                "a",
                "é",
                "世",
                "😀",
                "\"",
                "\\",
                "/",
                "\u{0}",
                "\u{8}",
                "\u{c}",
                "\n",
                "\r",
                "\t",
                "\u{1b}",
                "\u{1f}",
                "\u{7f}",
                "\u{80}",
                "\u{9b}",
                "\u{a0}",
                "\u{ad}",
                "\u{61c}",
                "\u{180e}",
                "\u{200b}",
                "\u{200d}",
                "\u{2028}",
                "\u{202e}",
                "\u{2066}",
                "\u{2070}",
                "\u{fe0f}",
                "\u{feff}",
                "\u{fffd}",
                "\u{e0041}",
                "\u{f0000}",
                "\u{10ffff}",
            ]),
            0..6,
        )
        .prop_map(|parts| parts.concat());
        let number = prop::sample::select(vec![
            "0",
            "-0",
            "7",
            "2.50",
            "-1e-7",
            "1E+300",
            "123456789012345678901234567890",
        ])
        .prop_map(|n| serde_json::from_str::<Value>(n).unwrap_or(Value::Null));
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            number,
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((text.clone(), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// The direct writer is the serde path byte for byte, pretty and compact.
        #[test]
        fn direct_writer_is_the_serde_writer(v in value_strategy()) {
            for pretty in [false, true] {
                let mut want = Vec::new();
                if pretty {
                    prop_assert!(write_pretty(&mut want, &v).is_ok());
                } else {
                    prop_assert!(write_compact(&mut want, &v).is_ok());
                }
                let mut got = Vec::new();
                write_value(&mut got, &v, pretty);
                prop_assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want));
            }
        }
    }

    #[test]
    fn unsafe_set() {
        for c in [
            '\u{0}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9b}', '\u{9f}', '\u{200e}', '\u{202c}', '\u{2068}',
        ] {
            assert!(is_unsafe_char(c), "{c:?}");
        }
        for c in [' ', '~', '\u{a0}', 'é', '\u{200d}', '\u{fe0f}', '世', '😀'] {
            assert!(!is_unsafe_char(c), "{c:?}");
        }
    }
}
