//! LangGraph's msgpack values as plain JSON (docs/formats.md §8).
//!
//! The wire format is MessagePack (markers from the `rmp` crate); LangGraph's
//! serializer wraps Python objects in extension types 0–7, each holding a msgpack
//! tuple `(module, class, payload, …)`. Nothing here runs or imports Python: every
//! object becomes the JSON its payload already is, and a class rewind does not
//! know keeps its name as `$class`.
//!
//! Input is untrusted: every length is checked against the bytes left before
//! anything is allocated, nesting (arrays, maps and extension payloads alike) is
//! bounded, and a malformed value is an error naming its byte offset.

use base64::Engine;
use rmp::Marker;
use serde_json::{Map, Number, Value};

/// Deeper values are refused: real states nest a few dozen levels at most, and
/// recursion must stay far from the stack's end.
pub const MAX_DEPTH: usize = 128;

const EXT_CONSTRUCTOR_SINGLE_ARG: i8 = 0;
const EXT_CONSTRUCTOR_POS_ARGS: i8 = 1;
const EXT_CONSTRUCTOR_KW_ARGS: i8 = 2;
const EXT_METHOD_SINGLE_ARG: i8 = 3;
const EXT_PYDANTIC_V1: i8 = 4;
const EXT_PYDANTIC_V2: i8 = 5;
const EXT_NUMPY_ARRAY: i8 = 6;
const EXT_DELTA_SNAPSHOT: i8 = 7;

/// Decode one complete msgpack value; trailing bytes are an error.
pub fn to_json(bytes: &[u8]) -> Result<Value, String> {
    let mut d = Decoder { buf: bytes, pos: 0 };
    let v = d.value(0)?;
    if d.pos != bytes.len() {
        return Err(format!("byte {}: {} bytes after the value", d.pos, bytes.len() - d.pos));
    }
    Ok(v)
}

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.left() {
            return Err(format!(
                "byte {}: a length of {n} bytes runs past the end ({} left)",
                self.pos,
                self.left()
            ));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn len8(&mut self) -> Result<usize, String> {
        Ok(usize::from(self.be::<1>()?[0]))
    }
    fn len16(&mut self) -> Result<usize, String> {
        Ok(usize::from(u16::from_be_bytes(self.be()?)))
    }
    fn len32(&mut self) -> Result<usize, String> {
        usize::try_from(u32::from_be_bytes(self.be()?)).map_err(|_| "length does not fit".to_string())
    }

    /// A count of items that each take at least `min` bytes: a count the bytes
    /// left cannot hold is a lie, refused before anything is reserved for it.
    fn count(&self, n: usize, min: usize, at: usize) -> Result<usize, String> {
        if n.saturating_mul(min) > self.left() {
            return Err(format!(
                "byte {at}: {n} items announced but only {} bytes left",
                self.left()
            ));
        }
        Ok(n)
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!("byte {}: nested deeper than {MAX_DEPTH} levels", self.pos));
        }
        let at = self.pos;
        let byte = self.be::<1>()?[0];
        Ok(match Marker::from_u8(byte) {
            Marker::FixPos(n) => Value::from(n),
            Marker::FixNeg(n) => Value::from(n),
            Marker::Null => Value::Null,
            Marker::True => Value::Bool(true),
            Marker::False => Value::Bool(false),
            Marker::U8 => Value::from(self.be::<1>()?[0]),
            Marker::U16 => Value::from(u16::from_be_bytes(self.be()?)),
            Marker::U32 => Value::from(u32::from_be_bytes(self.be()?)),
            Marker::U64 => Value::from(u64::from_be_bytes(self.be()?)),
            Marker::I8 => Value::from(i8::from_be_bytes(self.be()?)),
            Marker::I16 => Value::from(i16::from_be_bytes(self.be()?)),
            Marker::I32 => Value::from(i32::from_be_bytes(self.be()?)),
            Marker::I64 => Value::from(i64::from_be_bytes(self.be()?)),
            Marker::F32 => float(f64::from(f32::from_be_bytes(self.be()?))),
            Marker::F64 => float(f64::from_be_bytes(self.be()?)),
            Marker::FixStr(n) => self.str(usize::from(n))?,
            Marker::Str8 => {
                let n = self.len8()?;
                self.str(n)?
            }
            Marker::Str16 => {
                let n = self.len16()?;
                self.str(n)?
            }
            Marker::Str32 => {
                let n = self.len32()?;
                self.str(n)?
            }
            Marker::Bin8 => {
                let n = self.len8()?;
                self.bin(n)?
            }
            Marker::Bin16 => {
                let n = self.len16()?;
                self.bin(n)?
            }
            Marker::Bin32 => {
                let n = self.len32()?;
                self.bin(n)?
            }
            Marker::FixArray(n) => self.array(usize::from(n), depth, at)?,
            Marker::Array16 => {
                let n = self.len16()?;
                self.array(n, depth, at)?
            }
            Marker::Array32 => {
                let n = self.len32()?;
                self.array(n, depth, at)?
            }
            Marker::FixMap(n) => self.map(usize::from(n), depth, at)?,
            Marker::Map16 => {
                let n = self.len16()?;
                self.map(n, depth, at)?
            }
            Marker::Map32 => {
                let n = self.len32()?;
                self.map(n, depth, at)?
            }
            Marker::FixExt1 => self.ext(1, depth, at)?,
            Marker::FixExt2 => self.ext(2, depth, at)?,
            Marker::FixExt4 => self.ext(4, depth, at)?,
            Marker::FixExt8 => self.ext(8, depth, at)?,
            Marker::FixExt16 => self.ext(16, depth, at)?,
            Marker::Ext8 => {
                let n = self.len8()?;
                self.ext(n, depth, at)?
            }
            Marker::Ext16 => {
                let n = self.len16()?;
                self.ext(n, depth, at)?
            }
            Marker::Ext32 => {
                let n = self.len32()?;
                self.ext(n, depth, at)?
            }
            Marker::Reserved => return Err(format!("byte {at}: 0xc1 is not a msgpack marker")),
        })
    }

    fn str(&mut self, n: usize) -> Result<Value, String> {
        let s = self.take(n)?;
        // Invalid UTF-8 is damage that should still show rather than vanish.
        Ok(Value::String(String::from_utf8_lossy(s).into_owned()))
    }

    fn bin(&mut self, n: usize) -> Result<Value, String> {
        let s = self.take(n)?;
        Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(s)))
    }

    fn array(&mut self, n: usize, depth: usize, at: usize) -> Result<Value, String> {
        let n = self.count(n, 1, at)?;
        let mut a = Vec::with_capacity(n);
        for _ in 0..n {
            a.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(a))
    }

    fn map(&mut self, n: usize, depth: usize, at: usize) -> Result<Value, String> {
        let n = self.count(n, 2, at)?;
        let mut m = Map::new();
        for _ in 0..n {
            let key = match self.value(depth + 1)? {
                Value::String(s) => s,
                // A map or list key is not something ormsgpack writes, and its
                // text grows with every level of quoting: refused.
                Value::Array(_) | Value::Object(_) => {
                    return Err(format!("byte {at}: a map key is a list or map"));
                }
                // ormsgpack's OPT_NON_STR_KEYS: ints, floats, bools, None as keys.
                other => other.to_string(),
            };
            let v = self.value(depth + 1)?;
            m.insert(key, v);
        }
        Ok(Value::Object(m))
    }

    fn ext(&mut self, n: usize, depth: usize, at: usize) -> Result<Value, String> {
        let code = i8::from_be_bytes(self.be()?);
        let body = self.take(n)?;
        let mut inner = Decoder { buf: body, pos: 0 };
        let payload = inner
            .value(depth + 1)
            .map_err(|e| format!("byte {at}: extension {code}: {e}"))?;
        if inner.pos != body.len() {
            return Err(format!("byte {at}: extension {code}: bytes after its value"));
        }
        if code == EXT_DELTA_SNAPSHOT {
            return Ok(payload);
        }
        let Value::Array(parts) = payload else {
            return Err(format!(
                "byte {at}: extension {code}: expected a (module, class, …) tuple"
            ));
        };
        object(code, parts).map_err(|e| format!("byte {at}: extension {code}: {e}"))
    }
}

fn float(f: f64) -> Value {
    // NaN and infinities have no JSON number: keep them as Python spells them.
    Number::from_f64(f).map_or_else(|| Value::String(format!("{f}")), Value::Number)
}

/// The JSON of one serialized Python object: `parts` is `(module, class, payload, …)`.
fn object(code: i8, mut parts: Vec<Value>) -> Result<Value, String> {
    if code == EXT_NUMPY_ARRAY {
        return numpy(parts);
    }
    if parts.len() < 3 {
        return Err(format!("expected at least 3 parts, found {}", parts.len()));
    }
    let module = parts[0].as_str().unwrap_or_default().to_string();
    let class = parts[1].as_str().unwrap_or_default().to_string();
    let payload = std::mem::take(&mut parts[2]);
    let qual = format!("{module}.{class}");
    Ok(match code {
        EXT_CONSTRUCTOR_SINGLE_ARG => match (module.as_str(), class.as_str(), &payload) {
            ("uuid", "UUID", Value::String(hex)) => Value::String(uuid_text(hex)),
            // Sets, deques, Decimals, IP addresses, zones, enums: the argument is the value.
            _ => payload,
        },
        EXT_CONSTRUCTOR_POS_ARGS => positional(&module, &class, &qual, payload),
        EXT_CONSTRUCTOR_KW_ARGS => match (module.as_str(), class.as_str(), payload) {
            ("datetime", "time", Value::Object(f)) => Value::String(time_of_day(&f)),
            (_, _, Value::Object(fields)) => with_class(&qual, fields),
            (_, _, other) => with_class(&qual, Map::from_iter([("args".to_string(), other)])),
        },
        // datetime.fromisoformat and friends: the argument is the ISO text.
        EXT_METHOD_SINGLE_ARG => payload,
        // Pydantic models (LangChain messages among them): their model dump.
        EXT_PYDANTIC_V1 | EXT_PYDANTIC_V2 => payload,
        _ => return Err("unknown extension type".into()),
    })
}

fn with_class(qual: &str, fields: Map<String, Value>) -> Value {
    let mut m = Map::with_capacity(fields.len() + 1);
    m.insert("$class".into(), Value::String(qual.to_string()));
    m.extend(fields);
    Value::Object(m)
}

fn positional(module: &str, class: &str, qual: &str, args: Value) -> Value {
    let a = match &args {
        Value::Array(a) => a.as_slice(),
        _ => &[],
    };
    let int = |i: usize| a.get(i).and_then(Value::as_i64);
    match (module, class) {
        ("datetime", "date") => match (int(0), int(1), int(2)) {
            (Some(y), Some(m), Some(d)) => Value::String(format!("{y:04}-{m:02}-{d:02}")),
            _ => with_class(qual, Map::from_iter([("args".to_string(), args)])),
        },
        // A timedelta as its total seconds (days, seconds, microseconds).
        ("datetime", "timedelta") => match (int(0), int(1), int(2)) {
            (Some(d), Some(s), Some(us)) => {
                let micros = i128::from(d) * 86_400_000_000 + i128::from(s) * 1_000_000 + i128::from(us);
                float(micros as f64 / 1e6)
            }
            _ => with_class(qual, Map::from_iter([("args".to_string(), args)])),
        },
        ("re", "compile") => a.first().cloned().unwrap_or(Value::Null),
        (m, _) if m.starts_with("pathlib") => {
            let parts: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
            let joined = parts.join("/");
            Value::String(joined.replacen("//", "/", 1))
        }
        ("langgraph.types", "Send") => {
            let mut m = Map::new();
            m.insert("$class".into(), Value::String(qual.to_string()));
            m.insert("node".into(), a.first().cloned().unwrap_or(Value::Null));
            m.insert("arg".into(), a.get(1).cloned().unwrap_or(Value::Null));
            if let Some(t) = a.get(2) {
                m.insert("timeout".into(), t.clone());
            }
            Value::Object(m)
        }
        _ => with_class(qual, Map::from_iter([("args".to_string(), args)])),
    }
}

/// `0123…` (32 hex digits) as `01234567-89ab-…`; anything else as given.
fn uuid_text(hex: &str) -> String {
    if hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    } else {
        hex.to_string()
    }
}

fn time_of_day(f: &Map<String, Value>) -> String {
    let n = |k: &str| f.get(k).and_then(Value::as_i64).unwrap_or(0);
    let mut s = format!("{:02}:{:02}:{:02}", n("hour"), n("minute"), n("second"));
    if n("microsecond") != 0 {
        s.push_str(&format!(".{:06}", n("microsecond")));
    }
    s
}

/// A numpy array `(dtype, shape, order, buffer)` as nested lists when its dtype
/// is a plain number type; otherwise its description with the bytes in base64.
fn numpy(parts: Vec<Value>) -> Result<Value, String> {
    let [dtype, shape, order, buf]: [Value; 4] = parts
        .try_into()
        .map_err(|p: Vec<Value>| format!("numpy array: expected 4 parts, found {}", p.len()))?;
    let bytes = match &buf {
        Value::String(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| "numpy array: buffer is not bytes".to_string())?,
        _ => return Err("numpy array: buffer is not bytes".into()),
    };
    let dims: Option<Vec<usize>> = shape
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok()))
                .collect()
        })
        .unwrap_or(None);
    let described = || {
        let mut m = Map::new();
        m.insert("$class".into(), Value::String("numpy.ndarray".into()));
        m.insert("dtype".into(), dtype.clone());
        m.insert("shape".into(), shape.clone());
        m.insert("order".into(), order.clone());
        m.insert("bytes".into(), buf.clone());
        Ok(Value::Object(m))
    };
    let (Some(dt), Some(dims)) = (dtype.as_str(), dims) else {
        return described();
    };
    let Some(scalar) = Scalar::parse(dt) else {
        return described();
    };
    let count = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if count.and_then(|c| c.checked_mul(scalar.size)) != Some(bytes.len()) {
        return Err(format!(
            "numpy array: shape {shape} of {dt} does not match {} bytes",
            bytes.len()
        ));
    }
    // A zero among the dims makes the array empty whatever the others say; a
    // shape like [10^12, 0] would otherwise build 10^12 empty lists. numpy
    // itself stops at 64 dims; more would only deepen the recursion below.
    if dims.len() > 64 || (dims.contains(&0) && dims.iter().any(|&d| d > 1)) {
        return described();
    }
    let flat: Vec<Value> = bytes.chunks_exact(scalar.size).map(|c| scalar.read(c)).collect();
    let fortran = order.as_str() == Some("F");
    Ok(nest(&flat, &dims, fortran))
}

/// Row-major (C) or column-major (Fortran) flat values as nested lists.
fn nest(flat: &[Value], dims: &[usize], fortran: bool) -> Value {
    if dims.is_empty() {
        return flat.first().cloned().unwrap_or(Value::Null);
    }
    fn build(flat: &[Value], dims: &[usize], strides: &[usize], base: usize, axis: usize) -> Value {
        if axis == dims.len() {
            return flat.get(base).cloned().unwrap_or(Value::Null);
        }
        Value::Array(
            (0..dims[axis])
                .map(|i| build(flat, dims, strides, base + i * strides[axis], axis + 1))
                .collect(),
        )
    }
    let mut strides = vec![1usize; dims.len()];
    if fortran {
        for i in 1..dims.len() {
            strides[i] = strides[i - 1] * dims[i - 1];
        }
    } else {
        for i in (0..dims.len() - 1).rev() {
            strides[i] = strides[i + 1] * dims[i + 1];
        }
    }
    build(flat, dims, &strides, 0, 0)
}

struct Scalar {
    kind: u8,
    size: usize,
    big: bool,
}

impl Scalar {
    fn parse(dtype: &str) -> Option<Scalar> {
        let b = dtype.as_bytes();
        if b.len() < 3 {
            return None;
        }
        let big = match b[0] {
            b'<' | b'|' | b'=' => false,
            b'>' => true,
            _ => return None,
        };
        // Byte slicing: the kind byte may be the start of a wider character.
        let size: usize = std::str::from_utf8(&b[2..]).ok()?.parse().ok()?;
        let ok = match b[1] {
            b'f' => matches!(size, 4 | 8),
            b'i' | b'u' => matches!(size, 1 | 2 | 4 | 8),
            b'b' => size == 1,
            _ => false,
        };
        ok.then_some(Scalar { kind: b[1], size, big })
    }

    fn read(&self, c: &[u8]) -> Value {
        let mut a = [0u8; 8];
        if self.big {
            a[8 - self.size..].copy_from_slice(c);
        } else {
            a[..self.size].copy_from_slice(c);
        }
        let raw = if self.big {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        };
        let sign = |bits: u32| ((raw << (64 - bits)) as i64) >> (64 - bits);
        match (self.kind, self.size) {
            (b'f', 4) => float(f64::from(f32::from_bits(raw as u32))),
            (b'f', _) => float(f64::from_bits(raw)),
            (b'b', _) => Value::Bool(raw != 0),
            (b'i', n) => Value::from(sign(8 * n as u32)),
            (_, _) => Value::from(raw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// msgpack of an extension value wrapping `tuple`.
    fn ext(code: i8, tuple: &[u8]) -> Vec<u8> {
        let mut v = vec![0xc7, tuple.len() as u8, code as u8];
        v.extend_from_slice(tuple);
        v
    }

    fn s(t: &str) -> Vec<u8> {
        let mut v = if t.len() < 32 {
            vec![0xa0 | t.len() as u8]
        } else {
            vec![0xd9, t.len() as u8]
        };
        v.extend_from_slice(t.as_bytes());
        v
    }

    #[test]
    fn plain_values() {
        // {"a": [1, -1, 1.5, null, true], 7: "x"}
        let mut b = vec![0x82];
        b.extend(s("a"));
        b.extend([0x95, 0x01, 0xff, 0xcb]);
        b.extend(1.5f64.to_be_bytes());
        b.extend([0xc0, 0xc3, 0x07]);
        b.extend(s("x"));
        assert_eq!(
            to_json(&b).expect("decodes"),
            json!({"a": [1, -1, 1.5, null, true], "7": "x"})
        );
    }

    #[test]
    fn objects_become_plain_json() {
        let mut uuid = vec![0x93];
        uuid.extend(s("uuid"));
        uuid.extend(s("UUID"));
        uuid.extend(s("0000000000000000000000000002093a"));
        assert_eq!(
            to_json(&ext(0, &uuid)).expect("decodes"),
            json!("00000000-0000-0000-0000-00000002093a")
        );
        let mut dc = vec![0x93];
        dc.extend(s("app.model"));
        dc.extend(s("Order"));
        dc.extend([0x81]);
        dc.extend(s("id"));
        dc.push(0x07);
        assert_eq!(
            to_json(&ext(2, &dc)).expect("decodes"),
            json!({"$class": "app.model.Order", "id": 7})
        );
        let mut date = vec![0x93];
        date.extend(s("datetime"));
        date.extend(s("date"));
        date.extend([0x93, 0xcd, 0x07, 0xea, 0x0b, 0x14]);
        assert_eq!(to_json(&ext(1, &date)).expect("decodes"), json!("2026-11-20"));
    }

    #[test]
    fn numpy_arrays_nest() {
        let mut t = vec![0x94];
        t.extend(s("<i2"));
        t.extend([0x92, 0x02, 0x02]);
        t.extend(s("C"));
        t.extend([0xc4, 0x08, 1, 0, 2, 0, 3, 0, 0xff, 0xff]);
        assert_eq!(to_json(&ext(6, &t)).expect("decodes"), json!([[1, 2], [3, -1]]));
    }

    #[test]
    fn empty_numpy_arrays_with_huge_dims_stay_described() {
        // shape [2^32-1, 0]: no elements, and no four billion empty lists.
        let mut t = vec![0x94];
        t.extend(s("<i2"));
        t.extend([0x92, 0xce, 0xff, 0xff, 0xff, 0xff, 0x00]);
        t.extend(s("C"));
        t.extend([0xc4, 0x00]);
        let v = to_json(&ext(6, &t)).expect("decodes");
        assert_eq!(v["$class"], "numpy.ndarray");
        assert_eq!(v["shape"], json!([4294967295u64, 0]));
        // 200 dims of 1: one element, described rather than nested 200 deep.
        let mut t = vec![0x94];
        t.extend(s("<i1"));
        t.extend([0xdc, 0x00, 200]);
        t.extend([0x01; 200]);
        t.extend(s("C"));
        t.extend([0xc4, 0x01, 0x05]);
        assert_eq!(to_json(&ext(6, &t)).expect("decodes")["$class"], "numpy.ndarray");
    }

    #[test]
    fn lies_and_depth_are_errors() {
        // An array of 2^32-1 items in 5 bytes.
        let e = to_json(&[0xdd, 0xff, 0xff, 0xff, 0xff]).expect_err("refused");
        assert!(e.contains("items announced"), "{e}");
        let e = to_json(&[0xdb, 0x7f, 0xff, 0xff, 0xff, b'a']).expect_err("refused");
        assert!(e.contains("runs past the end"), "{e}");
        let deep = vec![0x91; MAX_DEPTH + 2];
        assert!(to_json(&deep).expect_err("refused").contains("deeper"));
        // Extensions nested inside extensions count toward the same depth.
        let mut v = vec![0xc0];
        for _ in 0..(MAX_DEPTH + 2) {
            let mut outer = vec![0xc9];
            outer.extend((v.len() as u32).to_be_bytes());
            outer.push(EXT_DELTA_SNAPSHOT as u8);
            outer.extend(&v);
            v = outer;
        }
        assert!(to_json(&v).expect_err("refused").contains("deeper"));
        assert!(to_json(&[0xc1]).is_err());
        // {{{...}: 1}: 1}: a key that is itself a map is refused, not quoted.
        let e = to_json(&[0x81, 0x81, 0x80, 0x01, 0x01]).expect_err("refused");
        assert!(e.contains("map key"), "{e}");
        assert!(to_json(&[0x01, 0x02]).expect_err("refused").contains("after the value"));
    }
}
