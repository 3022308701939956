//! A streaming reader of Avro object container files (the Avro 1.x spec,
//! "Object Container Files"): header, writer schema (parsed by `apache-avro`),
//! blocks with codec `null` or `deflate`, sync markers. Records are decoded by
//! walking the writer schema over borrowed block bytes, so a Capture event costs
//! no tree of values. Every length is checked against what the block holds.

use std::collections::HashMap;
use std::io::{self, Read};

use apache_avro::Schema;
use flate2::{Decompress, FlushDecompress, Status};
use serde_json::Value;

/// The largest block (compressed or not) and header value we hold in memory.
pub const MAX_BLOCK: usize = 64 * 1024 * 1024;

const MAGIC: &[u8; 4] = b"Obj\x01";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Null,
    Deflate,
}

pub struct OcfReader<R> {
    r: R,
    /// Bytes consumed from `r`: block offsets for error messages.
    pos: u64,
    pub schema: Schema,
    pub codec: Codec,
    sync: [u8; 16],
    /// The current block, inflated; reused from block to block like `raw`.
    block: Vec<u8>,
    /// The current block as stored (deflate codec only).
    raw: Vec<u8>,
    /// One inflate state for the whole file, reset per block.
    inflate: Option<Decompress>,
    /// Read position in `block`.
    at: usize,
    /// Records left in `block`.
    left: u64,
    /// File offset where the current block starts.
    pub block_start: u64,
}

/// A failure with the file offset it applies to.
#[derive(Debug)]
pub struct OcfError {
    pub offset: u64,
    pub reason: String,
}

impl OcfError {
    fn at(offset: u64, reason: impl Into<String>) -> OcfError {
        OcfError {
            offset,
            reason: reason.into(),
        }
    }
}

impl<R: Read> OcfReader<R> {
    /// Read the header: magic, metadata (schema, codec), sync marker.
    pub fn open(r: R) -> Result<OcfReader<R>, OcfError> {
        let mut me = OcfReader {
            r,
            pos: 0,
            schema: Schema::Null,
            codec: Codec::Null,
            sync: [0; 16],
            block: Vec::new(),
            raw: Vec::new(),
            inflate: None,
            at: 0,
            left: 0,
            block_start: 0,
        };
        let mut magic = [0u8; 4];
        me.read_exact(&mut magic)
            .map_err(|e| OcfError::at(0, format!("not an Avro file: {e}")))?;
        if &magic != MAGIC {
            return Err(OcfError::at(0, "not an Avro file: no Obj\\x01 magic"));
        }
        let meta = me
            .read_metadata()
            .map_err(|e| OcfError::at(me.pos, format!("unreadable Avro header: {e}")))?;
        let schema = meta
            .get("avro.schema")
            .ok_or_else(|| OcfError::at(0, "Avro header without avro.schema"))?;
        let text = std::str::from_utf8(schema).map_err(|_| OcfError::at(0, "avro.schema is not UTF-8"))?;
        check_names(text).map_err(|e| OcfError::at(0, format!("invalid writer schema: {e}")))?;
        me.schema = Schema::parse_str(text).map_err(|e| OcfError::at(0, format!("invalid writer schema: {e}")))?;
        me.codec = match meta.get("avro.codec").map(|c| c.as_slice()) {
            None | Some(b"null") => Codec::Null,
            Some(b"deflate") => Codec::Deflate,
            Some(other) => {
                return Err(OcfError::at(
                    0,
                    format!(
                        "unsupported Avro codec {}",
                        crate::sanitize::quote(&String::from_utf8_lossy(other))
                    ),
                ))
            }
        };
        let mut sync = [0u8; 16];
        me.read_exact(&mut sync)
            .map_err(|e| OcfError::at(me.pos, format!("truncated header: {e}")))?;
        me.sync = sync;
        me.block_start = me.pos;
        Ok(me)
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.r.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    /// A zig-zag varint from the stream; `Ok(None)` at a clean end of file.
    fn read_long_or_eof(&mut self) -> Result<Option<i64>, String> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let mut b = [0u8; 1];
            match self.r.read(&mut b) {
                Ok(0) if i == 0 => return Ok(None),
                Ok(0) => return Err("truncated: the file ends inside a number".to_string()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("read error: {e}")),
            }
            self.pos += 1;
            value |= u64::from(b[0] & 0x7f) << (7 * i);
            if b[0] & 0x80 == 0 {
                return Ok(Some(((value >> 1) as i64) ^ -((value & 1) as i64)));
            }
        }
        Err("invalid Avro number (more than 10 bytes)".to_string())
    }

    fn read_long(&mut self) -> Result<i64, String> {
        self.read_long_or_eof()?
            .ok_or_else(|| "truncated: the file ends inside a number".to_string())
    }

    fn read_bytes(&mut self) -> Result<Vec<u8>, String> {
        let len = self.read_long()?;
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= MAX_BLOCK)
            .ok_or_else(|| format!("invalid length {len} in the header"))?;
        let mut buf = Vec::new();
        (&mut self.r)
            .take(len as u64)
            .read_to_end(&mut buf)
            .map_err(|e| e.to_string())?;
        if buf.len() != len {
            return Err("truncated header".to_string());
        }
        self.pos += len as u64;
        Ok(buf)
    }

    fn read_metadata(&mut self) -> Result<HashMap<String, Vec<u8>>, String> {
        let mut meta = HashMap::new();
        loop {
            let mut count = self.read_long()?;
            if count == 0 {
                return Ok(meta);
            }
            if count < 0 {
                count = count.checked_neg().ok_or("invalid map block count")?;
                self.read_long()?;
            }
            for _ in 0..count {
                let key = String::from_utf8_lossy(&self.read_bytes()?).into_owned();
                let value = self.read_bytes()?;
                meta.insert(key, value);
            }
        }
    }

    /// Read the next block; `Ok(false)` at a clean end of file.
    fn next_block(&mut self) -> Result<bool, OcfError> {
        self.block_start = self.pos;
        let start = self.pos;
        let err = |reason: String| OcfError::at(start, reason);
        let Some(count) = self.read_long_or_eof().map_err(err)? else {
            return Ok(false);
        };
        let size = self.read_long().map_err(err)?;
        let count = u64::try_from(count).map_err(|_| err(format!("invalid block count {count}")))?;
        let size = usize::try_from(size)
            .ok()
            .filter(|s| *s <= MAX_BLOCK)
            .ok_or_else(|| err(format!("invalid block size {size}")))?;
        // A null-codec block is decoded where it is read; a deflate one is inflated
        // from `raw` into `block`. Both buffers keep their capacity across blocks.
        let mut into = match self.codec {
            Codec::Null => std::mem::take(&mut self.block),
            Codec::Deflate => std::mem::take(&mut self.raw),
        };
        into.clear();
        into.reserve(size.min(1 << 20));
        let read = (&mut self.r).take(size as u64).read_to_end(&mut into);
        self.pos += into.len() as u64;
        let got = into.len();
        match self.codec {
            Codec::Null => self.block = into,
            Codec::Deflate => self.raw = into,
        }
        read.map_err(|e| err(format!("read error: {e}")))?;
        if got != size {
            return Err(err(format!(
                "truncated block: {got} of its {size} bytes are in the file"
            )));
        }
        let mut sync = [0u8; 16];
        self.read_exact(&mut sync)
            .map_err(|_| err("truncated block: the file ends before its sync marker".to_string()))?;
        if sync != self.sync {
            return Err(err("corrupt block: wrong sync marker".to_string()));
        }
        if self.codec == Codec::Deflate {
            let inflate = self.inflate.get_or_insert_with(|| Decompress::new(false));
            inflate.reset(false);
            inflate_block(inflate, &self.raw, &mut self.block).map_err(err)?;
        }
        // Every record of a Capture schema takes at least one byte, so a count
        // past the block's size is a lie; trusting it would yield records of zero
        // bytes forever (a count of 2^62 over a record schema of nulls).
        if count > self.block.len() as u64 {
            return Err(err(format!(
                "corrupt block: it claims {count} records but holds {} bytes",
                self.block.len()
            )));
        }
        self.at = 0;
        self.left = count;
        Ok(true)
    }

    /// The next record's bytes decoded by `decode` over the block, or `None` at
    /// the end of the file.
    pub fn next<T>(
        &mut self,
        decode: impl FnOnce(&Schema, &mut &[u8]) -> Result<T, String>,
    ) -> Result<Option<T>, OcfError> {
        while self.left == 0 {
            if !self.next_block()? {
                return Ok(None);
            }
        }
        let mut rest = self.block.get(self.at..).unwrap_or_default();
        let before = rest.len();
        let value = decode(&self.schema, &mut rest).map_err(|e| OcfError::at(self.block_start, e))?;
        self.at += before - rest.len();
        self.left -= 1;
        Ok(Some(value))
    }
}

/// Inflate one raw-deflate block into `out` (cleared first; its capacity is
/// reused). Bounded, so a small block cannot inflate into gigabytes.
fn inflate_block(inflate: &mut Decompress, raw: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    loop {
        if out.len() == out.capacity() {
            if out.len() > MAX_BLOCK {
                return Err(format!("deflate block inflates beyond {MAX_BLOCK} bytes"));
            }
            // Text-like Avro records inflate about 4 to 10 times.
            let more = raw.len().saturating_mul(4).clamp(64 * 1024, MAX_BLOCK + 1 - out.len());
            out.reserve_exact(more);
        }
        let used = usize::try_from(inflate.total_in()).unwrap_or(usize::MAX);
        let input = raw.get(used..).unwrap_or_default();
        let before = (inflate.total_in(), inflate.total_out());
        let status = inflate
            .decompress_vec(input, out, FlushDecompress::Finish)
            .map_err(|e| format!("corrupt deflate block: {e}"))?;
        match status {
            Status::StreamEnd => break,
            _ if before == (inflate.total_in(), inflate.total_out()) && out.len() < out.capacity() => {
                return Err("corrupt deflate block: incomplete deflate stream".to_string());
            }
            _ => {}
        }
    }
    if out.len() > MAX_BLOCK {
        return Err(format!("deflate block inflates beyond {MAX_BLOCK} bytes"));
    }
    Ok(())
}

/// Decoding of single values over a byte slice.
pub mod datum {
    use apache_avro::Schema;

    pub fn long(b: &mut &[u8]) -> Result<i64, String> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let (&byte, rest) = b.split_first().ok_or("record ends inside a number")?;
            *b = rest;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(((value >> 1) as i64) ^ -((value & 1) as i64));
            }
        }
        Err("invalid Avro number (more than 10 bytes)".to_string())
    }

    fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
        if b.len() < n {
            return Err(format!(
                "record ends inside a value ({n} bytes wanted, {} left)",
                b.len()
            ));
        }
        let (head, rest) = b.split_at(n);
        *b = rest;
        Ok(head)
    }

    pub fn bytes<'a>(b: &mut &'a [u8]) -> Result<&'a [u8], String> {
        let n = long(b)?;
        let n = usize::try_from(n).map_err(|_| format!("negative length {n}"))?;
        take(b, n)
    }

    pub fn string<'a>(b: &mut &'a [u8]) -> Result<&'a str, String> {
        std::str::from_utf8(bytes(b)?).map_err(|_| "string is not UTF-8".to_string())
    }

    /// Follow unions to the branch written: `(schema of the value)`.
    pub fn branch<'s>(schema: &'s Schema, b: &mut &[u8]) -> Result<&'s Schema, String> {
        match schema {
            Schema::Union(u) => {
                let i = long(b)?;
                let s = usize::try_from(i)
                    .ok()
                    .and_then(|i| u.variants().get(i))
                    .ok_or_else(|| format!("union branch {i} out of range"))?;
                branch(s, b)
            }
            other => Ok(other),
        }
    }

    /// The most JSON text one value may decode to: nested blocks of zero-byte
    /// items still expand a few bytes a lot; every item writes at least one
    /// character, so this bounds time too.
    pub const MAX_JSON: usize = super::MAX_BLOCK;

    /// The most items of zero bytes one array or map block may hold.
    pub const MAX_EMPTY_ITEMS: i64 = 1 << 16;

    /// Blocks of an array or map: calls `item` for each item.
    fn blocks(b: &mut &[u8], mut item: impl FnMut(&mut &[u8]) -> Result<(), String>) -> Result<(), String> {
        loop {
            let mut count = long(b)?;
            if count == 0 {
                return Ok(());
            }
            if count < 0 {
                count = count.checked_neg().ok_or("invalid block count")?;
                long(b)?;
            }
            for i in 0..count {
                let before = b.len();
                item(b)?;
                // An item of zero bytes (null, a record of nulls) means its schema
                // makes every item of the block zero bytes: a count of 2^62 costs
                // the writer nothing and would take forever to expand.
                if i == 0 && b.len() == before && count > MAX_EMPTY_ITEMS {
                    return Err(format!(
                        "a block of {count} items of zero bytes each (more than {MAX_EMPTY_ITEMS})"
                    ));
                }
            }
        }
    }

    /// Write the value as JSON text (bytes as `{"$bytes": base64}`).
    pub fn json(schema: &Schema, b: &mut &[u8], out: &mut String) -> Result<(), String> {
        use std::fmt::Write;
        let push_str = json_string;
        match branch(schema, b)? {
            Schema::Null => out.push_str("null"),
            Schema::Boolean => out.push_str(if take(b, 1)?.first() == Some(&1) {
                "true"
            } else {
                "false"
            }),
            // Logical types over int and long are kept as their numbers.
            Schema::Int
            | Schema::Long
            | Schema::Date
            | Schema::TimeMillis
            | Schema::TimeMicros
            | Schema::TimestampMillis
            | Schema::TimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampMillis
            | Schema::LocalTimestampMicros
            | Schema::LocalTimestampNanos => {
                let _ = write!(out, "{}", long(b)?);
            }
            Schema::Float => {
                let raw: [u8; 4] = take(b, 4)?.try_into().map_err(|_| "float")?;
                number(out, f64::from(f32::from_le_bytes(raw)));
            }
            Schema::Double => {
                let raw: [u8; 8] = take(b, 8)?.try_into().map_err(|_| "double")?;
                number(out, f64::from_le_bytes(raw));
            }
            Schema::String | Schema::Uuid => push_str(out, string(b)?),
            Schema::Bytes | Schema::BigDecimal => dollar_bytes(out, bytes(b)?),
            Schema::Fixed(f) => dollar_bytes(out, take(b, f.size)?),
            Schema::Duration => dollar_bytes(out, take(b, 12)?),
            Schema::Decimal(d) => json(&d.inner, b, out)?,
            Schema::Enum(e) => {
                let i = long(b)?;
                let sym = usize::try_from(i)
                    .ok()
                    .and_then(|i| e.symbols.get(i))
                    .ok_or_else(|| format!("enum index {i} out of range"))?;
                push_str(out, sym);
            }
            Schema::Array(a) => {
                out.push('[');
                let mut first = true;
                blocks(b, |b| {
                    too_long(out)?;
                    if !std::mem::take(&mut first) {
                        out.push(',');
                    }
                    json(&a.items, b, out)
                })?;
                out.push(']');
            }
            Schema::Map(m) => {
                out.push('{');
                let mut first = true;
                blocks(b, |b| {
                    too_long(out)?;
                    if !std::mem::take(&mut first) {
                        out.push(',');
                    }
                    push_str(out, string(b)?);
                    out.push(':');
                    json(&m.types, b, out)
                })?;
                out.push('}');
            }
            Schema::Record(r) => {
                out.push('{');
                for (i, f) in r.fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_str(out, &f.name);
                    out.push(':');
                    json(&f.schema, b, out)?;
                }
                out.push('}');
            }
            Schema::Union(_) => return Err("nested union".to_string()),
            Schema::Ref { name } => return Err(format!("named type reference {} is not supported here", name.name)),
        }
        Ok(())
    }

    /// `s` as a JSON string, escaped as serde_json does; most strings need no escape
    /// and are copied as they are.
    pub fn json_string(out: &mut String, s: &str) {
        if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "null".to_string()));
        } else {
            out.reserve(s.len() + 2);
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
    }

    fn too_long(out: &str) -> Result<(), String> {
        if out.len() > MAX_JSON {
            return Err(format!("value decodes to over {MAX_JSON} bytes of JSON"));
        }
        Ok(())
    }

    fn dollar_bytes(out: &mut String, v: &[u8]) {
        use base64::Engine;
        out.push_str("{\"$bytes\":\"");
        out.push_str(&base64::engine::general_purpose::STANDARD.encode(v));
        out.push_str("\"}");
    }

    fn number(out: &mut String, f: f64) {
        match serde_json::Number::from_f64(f) {
            Some(n) => out.push_str(&n.to_string()),
            None => out.push_str("null"),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn longs_are_zigzag_varints() {
            let mut b: &[u8] = &[0x00, 0x01, 0x02, 0x7f, 0x80, 0x01];
            assert_eq!(long(&mut b), Ok(0));
            assert_eq!(long(&mut b), Ok(-1));
            assert_eq!(long(&mut b), Ok(1));
            assert_eq!(long(&mut b), Ok(-64));
            assert_eq!(long(&mut b), Ok(64));
            assert!(long(&mut b).is_err());
            let mut over: &[u8] = &[0xff; 11];
            assert!(long(&mut over).is_err());
        }

        #[test]
        fn lengths_past_the_block_are_errors() {
            let mut b: &[u8] = &[0x10, b'a'];
            assert!(bytes(&mut b).expect_err("short").contains("8 bytes wanted"));
            let mut neg: &[u8] = &[0x01];
            assert!(bytes(&mut neg).is_err());
        }

        #[test]
        fn maps_of_unions_become_json() {
            let schema =
                Schema::parse_str(r#"{"type":"map","values":["long","string","bytes","null"]}"#).expect("schema");
            // 3 items: a -> long 5, b -> null, c -> bytes [1]; then end.
            let mut b: &[u8] = &[
                0x06, 0x02, b'a', 0x00, 0x0a, 0x02, b'b', 0x06, 0x02, b'c', 0x04, 0x02, 0x01, 0x00,
            ];
            let mut out = String::new();
            json(&schema, &mut b, &mut out).expect("json");
            assert_eq!(out, r#"{"a":5,"b":null,"c":{"$bytes":"AQ=="}}"#);
            assert!(b.is_empty());
        }
    }
}

/// apache-avro 0.21 panics (`unwrap`s on `Name::new` and `Alias::new`) where a
/// schema's names break the spec's grammar: the name of a named type or of any
/// type object, a `type` that names another type, an alias joined to its
/// namespace. Those are checked here first, so a bad header is an error.
/// Found by `tests/api/fuzz.rs`.
fn check_names(schema: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(schema).map_err(|e| format!("not JSON: {e}"))?;
    let bad = |what: &str, name: &str| format!("{what} {} is not a valid Avro name", crate::sanitize::quote(name));
    // (node, whether it is the value of a `type` key)
    let mut stack = vec![(&v, false)];
    while let Some((node, is_type)) = stack.pop() {
        match node {
            Value::Object(m) => {
                let ty = m.get("type");
                let named = matches!(ty.and_then(Value::as_str), Some("record" | "error" | "enum" | "fixed"));
                if named || is_type {
                    if let Some(name) = m.get("name").and_then(Value::as_str) {
                        if !is_fullname(name) {
                            return Err(bad("type name", name));
                        }
                    }
                }
                if let Some(t) = ty.and_then(Value::as_str) {
                    if !is_keyword(t) && !is_fullname(t) {
                        return Err(bad("type", t));
                    }
                }
                if named {
                    let ns = m.get("namespace").and_then(Value::as_str);
                    if let Some(ns) = ns.filter(|ns| !ns.is_empty()) {
                        if !is_fullname(ns) || ns.starts_with('.') {
                            return Err(bad("namespace", ns));
                        }
                    }
                    for alias in m.get("aliases").and_then(Value::as_array).into_iter().flatten() {
                        if let Some(a) = alias.as_str() {
                            if !is_fullname(a) {
                                return Err(bad("alias", a));
                            }
                        }
                    }
                }
                for (k, child) in m {
                    stack.push((child, k == "type"));
                }
            }
            Value::Array(a) => stack.extend(a.iter().map(|c| (c, false))),
            _ => {}
        }
    }
    Ok(())
}

/// The spec's primitive and complex type keywords.
fn is_keyword(t: &str) -> bool {
    matches!(
        t,
        "null"
            | "boolean"
            | "int"
            | "long"
            | "float"
            | "double"
            | "bytes"
            | "string"
            | "record"
            | "error"
            | "enum"
            | "array"
            | "map"
            | "fixed"
    )
}

/// `[namespace.]name` per the Avro spec: dot-separated `[A-Za-z_][A-Za-z0-9_]*`;
/// a leading dot (the null namespace) only before a simple name.
fn is_fullname(name: &str) -> bool {
    let simple = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match name.strip_prefix('.') {
        Some(rest) => simple(rest),
        None => name.split('.').all(simple),
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_outside_the_grammar_are_errors_not_panics() {
        assert!(is_fullname("Microsoft.ServiceBus.Messaging.EventData"));
        assert!(is_fullname(".EventData"));
        assert!(!is_fullname("Microsoft.ServiceBus/Messaging.EventData"));
        assert!(!is_fullname("a..b"));
        assert!(!is_fullname("1a"));
        let bad = r#"{"type":"record","name":"Microsoft.ServiceBus/Messaging.EventData","fields":[]}"#;
        assert!(check_names(bad).is_err());
        let nested =
            r#"{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"fixed","name":"x-y","size":2}}]}"#;
        assert!(check_names(nested).is_err());
        assert!(check_names(r#"{"type":"record","name":"R","fields":[]}"#).is_ok());
        // A leading dot only before a simple name (what the library's grammar takes).
        assert!(!is_fullname(".a.EventData"));
        let dotted = r#"{"type":"record","name":".icrosoft.ServiceBus.EventData","fields":[]}"#;
        assert!(check_names(dotted).is_err());
        let type_ref = r#"{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"x y"}}]}"#;
        assert!(check_names(type_ref).expect_err("refused").contains("type"));
        let alias = r#"{"type":"record","name":"R","aliases":["a b"],"fields":[]}"#;
        assert!(check_names(alias).is_err());
        let ns = r#"{"type":"record","name":"R","namespace":"a..b","aliases":["x"],"fields":[]}"#;
        assert!(check_names(ns).is_err());
        let array_name =
            r#"{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"array","name":"-","items":"int"}}]}"#;
        assert!(check_names(array_name).is_err());
        // The Capture schema's own shape passes.
        let ok = r#"{"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[{"name":"Body","type":["null","bytes"]},{"name":"P","type":{"type":"map","values":["long","string"]}}]}"#;
        assert!(check_names(ok).is_ok());
    }
}
