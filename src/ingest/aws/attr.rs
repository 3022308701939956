//! DynamoDB JSON attribute values → plain JSON text (docs/formats.md §3), written while
//! parsing so no tree is built: `S` string, `N` number token with every digit kept,
//! `B` base64 string, `BOOL`, `NULL` → null, `M` object, `L` array, `SS`/`NS`/`BS`
//! sorted arrays. Null-padded values (every tag present, unused ones `null`) and
//! empty sets are accepted.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::ops::Range;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::ingest::mapping::{Raw, TopLevel};
use crate::sanitize::quote;

/// Standard alphabet; padding optional on input (some writers drop it).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decode base64 (standard alphabet, padding optional).
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    LENIENT.decode(text.trim()).map_err(|e| format!("invalid base64 ({e})"))
}

pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Convert an item (a JSON object of attribute name → attribute value) to plain JSON.
pub fn item_to_json(text: &str) -> Result<String, String> {
    convert_item(text).map(|c| c.json)
}

/// An item as plain JSON, with where each top-level attribute's value lies in it.
#[derive(Debug)]
pub struct Converted {
    pub json: String,
    pub members: Vec<(String, Range<usize>)>,
}

impl Converted {
    /// The plain JSON text of top-level attribute `name`.
    pub fn member(&self, name: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, r)| self.json.get(r.clone()))
    }

    pub fn has(&self, name: &str) -> bool {
        self.members.iter().any(|(n, _)| n == name)
    }

    /// The item split at its top level, for the field mapping, without parsing
    /// the converted text again.
    pub fn top(&self) -> TopLevel<'_> {
        TopLevel(
            self.members
                .iter()
                .filter_map(|(n, r)| Some((Cow::Borrowed(n.as_str()), Raw::new(self.json.get(r.clone())?))))
                .collect(),
        )
    }
}

pub fn convert_item(text: &str) -> Result<Converted, String> {
    let mut out = String::with_capacity(text.len());
    let mut members = Vec::with_capacity(16);
    let mut de = serde_json::Deserializer::from_str(text);
    ItemSeed {
        out: &mut out,
        members: Some(&mut members),
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|e| describe(&e))?;
    Ok(Converted { json: out, members })
}

/// The error text without serde_json's "at line 1 column N" suffix when the
/// message is ours (the column of a record inside a file helps little).
fn describe(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match e.classify() {
        serde_json::error::Category::Data => full
            .rsplit_once(" at line ")
            .map_or(full.clone(), |(m, _)| m.to_string()),
        _ => crate::ingest::mapping::describe_json_error(e),
    }
}

/// A map key, borrowed from the input unless it had escapes.
#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

/// A line of a full export, `{"Item": {...}}`, converted in one pass.
pub fn convert_export_line(text: &str) -> Result<Converted, String> {
    let mut out = String::with_capacity(text.len());
    let mut members = Vec::with_capacity(16);
    let mut de = serde_json::Deserializer::from_str(text);
    let found = LineSeed {
        out: &mut out,
        members: &mut members,
    }
    .deserialize(&mut de)
    .and_then(|found| de.end().map(|()| found))
    .map_err(|e| describe(&e))?;
    if !found {
        return Err("no \"Item\" in this line of a full export".into());
    }
    Ok(Converted { json: out, members })
}

struct LineSeed<'o> {
    out: &'o mut String,
    members: &'o mut Vec<(String, Range<usize>)>,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object {\"Item\": {...}}")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<bool, M::Error> {
        let mut found = false;
        while let Some(k) = m.next_key::<Key<'de>>()? {
            if k.0 == "Item" && !found {
                found = true;
                m.next_value_seed(ItemSeed {
                    out: self.out,
                    members: Some(&mut *self.members),
                })?;
            } else {
                m.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct ItemSeed<'o> {
    out: &'o mut String,
    /// Collects the top-level members (only the outermost item asks for them).
    members: Option<&'o mut Vec<(String, Range<usize>)>>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of attribute values")
    }
    fn visit_map<M: MapAccess<'de>>(mut self, mut m: M) -> Result<(), M::Error> {
        self.out.push('{');
        let mut first = true;
        while let Some(name) = m.next_key::<Key<'de>>()? {
            if !first {
                self.out.push(',');
            }
            first = false;
            let name = name.0;
            match &name {
                // Borrowed means the input had no escapes: the text is valid as it is.
                Cow::Borrowed(n) => {
                    self.out.push('"');
                    self.out.push_str(n);
                    self.out.push('"');
                }
                Cow::Owned(n) => write_str(self.out, n),
            }
            self.out.push(':');
            let start = self.out.len();
            m.next_value_seed(AttrSeed { out: self.out })
                .map_err(|e| M::Error::custom(format!("attribute {}: {e}", quote(&short(&name)))))?;
            if let Some(members) = self.members.as_deref_mut() {
                members.push((name.into_owned(), start..self.out.len()));
            }
        }
        self.out.push('}');
        Ok(())
    }
}

fn short(s: &str) -> Cow<'_, str> {
    crate::sanitize::truncate(s, 40)
}

/// One attribute value `{"<tag>": value}` (other tags may be present with `null`).
struct AttrSeed<'o> {
    out: &'o mut String,
}

impl<'de> DeserializeSeed<'de> for AttrSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Tag {
    S,
    N,
    B,
    Bool,
    Null,
    Ss,
    Ns,
    Bs,
    L,
    M,
}

impl Tag {
    fn parse(s: &str) -> Option<Tag> {
        Some(match s {
            "S" => Tag::S,
            "N" => Tag::N,
            "B" => Tag::B,
            "BOOL" => Tag::Bool,
            "NULL" => Tag::Null,
            "SS" => Tag::Ss,
            "NS" => Tag::Ns,
            "BS" => Tag::Bs,
            "L" => Tag::L,
            "M" => Tag::M,
            _ => return None,
        })
    }
}

impl<'de> Visitor<'de> for AttrSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute value object such as {\"S\": \"text\"}")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<(), M::Error> {
        let mut written = false;
        while let Some(name) = m.next_key::<Key<'de>>()? {
            let name = name.0;
            let tag = Tag::parse(&name).ok_or_else(|| {
                M::Error::custom(format!(
                    "unknown attribute type tag {} (expected S, N, B, BOOL, NULL, SS, NS, BS, L or M)",
                    quote(&short(&name))
                ))
            })?;
            let wrote = match tag {
                // Scalars are copied from the raw text: no unescaping and escaping again.
                Tag::S | Tag::N | Tag::B | Tag::Bool | Tag::Null => {
                    let raw: &'de RawValue = m.next_value()?;
                    scalar(tag, raw.get(), self.out, written).map_err(M::Error::custom)?
                }
                _ => m.next_value_seed(TagSeed {
                    tag,
                    out: self.out,
                    taken: written,
                })?,
            };
            written |= wrote;
        }
        if written {
            Ok(())
        } else {
            Err(M::Error::custom("attribute value has no type tag with a value"))
        }
    }
}

/// A scalar tag's raw JSON value written as plain JSON; `null` is padding.
fn scalar(tag: Tag, raw: &str, out: &mut String, taken: bool) -> Result<bool, String> {
    if raw == "null" {
        return Ok(false);
    }
    if taken {
        return Err("attribute value has more than one type tag with a value".into());
    }
    let name = tag_name(tag);
    let text = || -> Result<Cow<'_, str>, String> {
        if !raw.starts_with('"') {
            return Err(format!("{name}: expected a string, found {}", short(raw)));
        }
        match raw.get(1..raw.len() - 1) {
            Some(inner) if !inner.contains('\\') => Ok(Cow::Borrowed(inner)),
            _ => serde_json::from_str::<String>(raw)
                .map(Cow::Owned)
                .map_err(|e| e.to_string()),
        }
    };
    match tag {
        Tag::S => {
            text()?;
            out.push_str(raw);
        }
        Tag::N => out.push_str(&json_number(&text()?)?),
        Tag::B => {
            let bytes = decode_base64(&text()?).map_err(|e| format!("B: {e}"))?;
            out.push('"');
            out.push_str(&encode_base64(&bytes));
            out.push('"');
        }
        Tag::Bool | Tag::Null => match raw {
            "true" | "false" if tag == Tag::Bool => out.push_str(raw),
            "true" | "false" => out.push_str("null"),
            _ => return Err(format!("{name}: expected a boolean, found {}", short(raw))),
        },
        _ => return Err(format!("{name}: not a scalar tag")),
    }
    Ok(true)
}

fn tag_name(tag: Tag) -> &'static str {
    match tag {
        Tag::S => "S",
        Tag::N => "N",
        Tag::B => "B",
        Tag::Bool => "BOOL",
        Tag::Null => "NULL",
        Tag::Ss => "SS",
        Tag::Ns => "NS",
        Tag::Bs => "BS",
        Tag::L => "L",
        Tag::M => "M",
    }
}

/// The value of one tag; `null` means the tag is padding and writes nothing.
struct TagSeed<'o> {
    tag: Tag,
    out: &'o mut String,
    /// Another tag of the same attribute value already had a value.
    taken: bool,
}

impl<'de> DeserializeSeed<'de> for TagSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl TagSeed<'_> {
    fn claim<E: serde::de::Error>(&self) -> Result<(), E> {
        if self.taken {
            Err(E::custom("attribute value has more than one type tag with a value"))
        } else {
            Ok(())
        }
    }

    fn mismatch<E: serde::de::Error>(&self, found: &str) -> E {
        E::custom(format!(
            "{}: expected {}, found {found}",
            self.tag_name(),
            self.expects()
        ))
    }

    fn tag_name(&self) -> &'static str {
        tag_name(self.tag)
    }

    fn expects(&self) -> &'static str {
        match self.tag {
            Tag::S | Tag::N | Tag::B => "a string",
            Tag::Bool | Tag::Null => "a boolean",
            Tag::Ss | Tag::Ns | Tag::Bs => "an array of strings",
            Tag::L => "an array of attribute values",
            Tag::M => "an object of attribute values",
        }
    }
}

impl<'de> Visitor<'de> for TagSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} for tag {}", self.expects(), self.tag_name())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        self.claim()?;
        match self.tag {
            Tag::S => write_str(self.out, v),
            Tag::N => self.out.push_str(&json_number(v).map_err(E::custom)?),
            Tag::B => {
                let bytes = decode_base64(v).map_err(|e| E::custom(format!("B: {e}")))?;
                write_str(self.out, &encode_base64(&bytes));
            }
            _ => return Err(self.mismatch("a string")),
        }
        Ok(true)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
        self.claim()?;
        match self.tag {
            Tag::Bool => self.out.push_str(if v { "true" } else { "false" }),
            Tag::Null => self.out.push_str("null"),
            _ => return Err(self.mismatch("a boolean")),
        }
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<bool, A::Error> {
        self.claim()?;
        match self.tag {
            Tag::L => {
                self.out.push('[');
                let mut first = true;
                loop {
                    let at = self.out.len();
                    if !first {
                        self.out.push(',');
                    }
                    if s.next_element_seed(AttrSeed { out: self.out })?.is_none() {
                        self.out.truncate(at);
                        break;
                    }
                    first = false;
                }
                self.out.push(']');
            }
            Tag::Ss => {
                let mut items: Vec<String> = Vec::new();
                while let Some(v) = s.next_element::<String>()? {
                    items.push(v);
                }
                items.sort_unstable();
                write_list(self.out, items.iter().map(|v| quoted(v)));
            }
            Tag::Ns => {
                let mut items: Vec<String> = Vec::new();
                while let Some(v) = s.next_element::<Cow<'de, str>>()? {
                    items.push(json_number(&v).map_err(A::Error::custom)?.into_owned());
                }
                items.sort_unstable_by(|a, b| cmp_numbers(a, b));
                write_list(self.out, items.into_iter());
            }
            Tag::Bs => {
                let mut items: Vec<Vec<u8>> = Vec::new();
                while let Some(v) = s.next_element::<Cow<'de, str>>()? {
                    items.push(decode_base64(&v).map_err(|e| A::Error::custom(format!("BS: {e}")))?);
                }
                items.sort_unstable();
                write_list(self.out, items.iter().map(|b| quoted(&encode_base64(b))));
            }
            _ => return Err(self.mismatch("an array")),
        }
        Ok(true)
    }

    fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<bool, M::Error> {
        self.claim()?;
        if self.tag != Tag::M {
            // With arbitrary_precision a JSON number arrives as a map; name it plainly.
            return Err(self.mismatch("an object or a number"));
        }
        ItemSeed {
            out: self.out,
            members: None,
        }
        .visit_map(m)?;
        Ok(true)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<bool, E> {
        Err(self.mismatch("a number"))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<bool, E> {
        Err(self.mismatch("a number"))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<bool, E> {
        Err(self.mismatch("a number"))
    }
}

fn quoted(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    write_str(&mut q, s);
    q
}

fn write_list(out: &mut String, items: impl Iterator<Item = String>) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
}

/// Append `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
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
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A DynamoDB number string as a JSON number token, every digit kept. DynamoDB
/// accepts forms JSON does not (`+5`, `.5`, `5.`, `007`), so those are rewritten.
pub fn json_number(s: &str) -> Result<Cow<'_, str>, String> {
    let p = parse_number(s).ok_or_else(|| format!("N: not a number: {}", quote(&short(s))))?;
    let canonical = (p.sign == "-" || p.sign.is_empty())
        && (p.int == "0" || !p.int.starts_with('0'))
        && !p.int.is_empty()
        && (!p.had_point || !p.frac.is_empty());
    if canonical {
        return Ok(Cow::Borrowed(s));
    }
    let mut t = String::with_capacity(s.len() + 1);
    if p.sign == "-" {
        t.push('-');
    }
    let int = p.int.trim_start_matches('0');
    t.push_str(if int.is_empty() { "0" } else { int });
    if !p.frac.is_empty() {
        t.push('.');
        t.push_str(p.frac);
    }
    t.push_str(p.exp);
    Ok(Cow::Owned(t))
}

struct Number<'a> {
    sign: &'a str,
    int: &'a str,
    had_point: bool,
    frac: &'a str,
    /// `e…` part as written (JSON accepts any `[eE][+-]?digits`).
    exp: &'a str,
}

fn parse_number(s: &str) -> Option<Number<'_>> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let sign = &s[..i];
    let digits = |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_end = digits(i);
    let int = &s[i..int_end];
    let mut j = int_end;
    let mut had_point = false;
    let mut frac = "";
    if b.get(j) == Some(&b'.') {
        had_point = true;
        let f_end = digits(j + 1);
        frac = &s[j + 1..f_end];
        j = f_end;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp = &s[j..];
    if !exp.is_empty() {
        let e = exp.as_bytes();
        if !matches!(e[0], b'e' | b'E') {
            return None;
        }
        let k = if matches!(e.get(1), Some(b'+' | b'-')) { 2 } else { 1 };
        if e.len() <= k || !e[k..].iter().all(u8::is_ascii_digit) {
            return None;
        }
    }
    Some(Number {
        sign,
        int,
        had_point,
        frac,
        exp,
    })
}

/// Numeric order of two valid number tokens, exactly (no floating point).
pub fn cmp_numbers(a: &str, b: &str) -> Ordering {
    match (Decimal::of(a), Decimal::of(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// `±0.d1d2… × 10^exp` with no leading or trailing zeros in the digits; zero has none.
struct Decimal {
    neg: bool,
    digits: String,
    exp: i64,
}

impl Decimal {
    fn of(s: &str) -> Option<Decimal> {
        let p = parse_number(s)?;
        let all: String = format!("{}{}", p.int, p.frac);
        let lead = all.bytes().take_while(|&c| c == b'0').count();
        let digits = all[lead..].trim_end_matches('0').to_string();
        let e = p.exp.get(1..).unwrap_or("");
        // Exponents beyond ±10^15 are clamped: no real number needs them.
        let e: i64 = match e {
            "" => 0,
            _ => e
                .parse::<i64>()
                .unwrap_or(if e.starts_with('-') { -1 << 50 } else { 1 << 50 }),
        };
        let exp = (p.int.len() as i64 - lead as i64).saturating_add(e);
        Some(Decimal {
            neg: p.sign == "-" && !digits.is_empty(),
            digits,
            exp,
        })
    }

    fn cmp(&self, o: &Decimal) -> Ordering {
        let mag = |d: &Decimal| -> Ordering {
            match (d.digits.is_empty(), o.digits.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => d.exp.cmp(&o.exp).then_with(|| d.digits.cmp(&o.digits)),
            }
        };
        match (self.neg, o.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => mag(self),
            (true, true) => mag(self).reverse(),
        }
    }
}

/// A key attribute's value as it appears in a stream name: strings as they are,
/// numbers by their digits, anything else as compact JSON.
pub fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Does this JSON object look like an item in DynamoDB JSON (every member an
/// attribute value object with a known tag)? Used by detection only.
pub fn looks_like_item(v: &Value) -> bool {
    let Some(obj) = v.as_object() else { return false };
    !obj.is_empty()
        && obj.values().all(|a| {
            a.as_object()
                .is_some_and(|tags| !tags.is_empty() && tags.keys().all(|k| Tag::parse(k).is_some()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(s: &str) -> String {
        item_to_json(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn converts_every_tag() {
        assert_eq!(
            conv(
                r#"{"s":{"S":"a\"b\u0001"},"n":{"N":"123456789012345678901234567890.000000000000001"},"b":{"B":"AAEqQQ=="},"t":{"BOOL":true},"z":{"NULL":true},"m":{"M":{"x":{"L":[{"N":"1"},{"S":"y"}]}}},"l":{"L":[]}}"#
            ),
            r#"{"s":"a\"b\u0001","n":123456789012345678901234567890.000000000000001,"b":"AAEqQQ==","t":true,"z":null,"m":{"x":[1,"y"]},"l":[]}"#
        );
    }

    #[test]
    fn escapes_survive_in_keys_and_values() {
        assert_eq!(
            conv(r#"{"a\"b":{"S":"x\ny\u00e9"},"n":{"N":"\u0031\u0032"},"m":{"M":{"k\tk":{"BOOL":false}}}}"#),
            r#"{"a\"b":"x\ny\u00e9","n":12,"m":{"k\tk":false}}"#
        );
        let c = convert_export_line(r#"{"Item":{"pk":{"S":"p"}},"extra":[1]}"#).expect("line");
        assert_eq!((c.json.as_str(), c.member("pk")), (r#"{"pk":"p"}"#, Some(r#""p""#)));
        assert!(convert_export_line(r#"{"Other":{}}"#)
            .expect_err("no item")
            .contains("no \"Item\""));
        assert!(item_to_json(r#"{"a":{"S":5}}"#)
            .expect_err("type")
            .contains("S: expected a string"));
        assert!(item_to_json(r#"{"a":{"BOOL":"yes"}}"#)
            .expect_err("type")
            .contains("BOOL: expected a boolean"));
    }

    #[test]
    fn sets_are_sorted_and_may_be_empty() {
        assert_eq!(
            conv(
                r#"{"ss":{"SS":["b","a","C"]},"ns":{"NS":["10","-2.5","9","1e2","0.5"]},"bs":{"BS":["Ag==","AQ=="]},"e":{"SS":[]}}"#
            ),
            r#"{"ss":["C","a","b"],"ns":[-2.5,0.5,9,10,1e2],"bs":["AQ==","Ag=="],"e":[]}"#
        );
    }

    #[test]
    fn null_padded_values_pick_the_one_with_a_value() {
        assert_eq!(
            conv(
                r#"{"k":{"B":null,"BOOL":null,"BS":null,"L":null,"M":null,"N":"5","NS":null,"NULL":null,"S":null,"SS":null}}"#
            ),
            r#"{"k":5}"#
        );
    }

    #[test]
    fn numbers_become_valid_tokens_exactly() {
        assert_eq!(json_number("+5").expect("n"), "5");
        assert_eq!(json_number(".5").expect("n"), "0.5");
        assert_eq!(json_number("007.50").expect("n"), "7.50");
        assert_eq!(json_number("-1E+3").expect("n"), "-1E+3");
        assert!(json_number("1e").is_err());
        assert!(json_number("NaN").is_err());
        assert!(json_number("").is_err());
        assert_eq!(cmp_numbers("1e2", "99.9999999999999999999"), Ordering::Greater);
        assert_eq!(cmp_numbers("-0", "0.000"), Ordering::Equal);
        assert_eq!(cmp_numbers("-3", "-20"), Ordering::Greater);
    }

    #[test]
    fn bad_values_are_errors_naming_the_attribute() {
        let e = item_to_json(r#"{"a":{"X":"1"}}"#).expect_err("tag");
        assert!(
            e.contains("attribute \"a\"") && e.contains("unknown attribute type tag \"X\""),
            "{e}"
        );
        let e = item_to_json(r#"{"a":{"B":"!!"}}"#).expect_err("b64");
        assert!(e.contains("invalid base64"), "{e}");
        let e = item_to_json(r#"{"a":{"S":"x","N":"1"}}"#).expect_err("two");
        assert!(e.contains("more than one type tag"), "{e}");
        let e = item_to_json(r#"{"a":{"S":null}}"#).expect_err("none");
        assert!(e.contains("no type tag"), "{e}");
        let e = item_to_json(r#"{"a":{"N":12}}"#).expect_err("num");
        assert!(e.contains("N: expected a string"), "{e}");
        let e = item_to_json(r#"{"a":{"M":{"b":{"N":"x"}}}}"#).expect_err("nested");
        assert!(e.contains("attribute \"a\"") && e.contains("not a number"), "{e}");
        assert!(item_to_json(r#"{"a":{"S":"x"}"#).is_err());
    }

    #[test]
    fn detects_items() {
        let v: Value = serde_json::from_str(r#"{"a":{"S":"x"},"b":{"N":"1"}}"#).expect("json");
        assert!(looks_like_item(&v));
        let v: Value = serde_json::from_str(r#"{"a":{"S":"x"},"b":1}"#).expect("json");
        assert!(!looks_like_item(&v));
    }
}
