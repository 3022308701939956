//! RFC 6901 JSON Pointers: parsing, escaping and lookup.
//!
//! Pointers are handled as already-split, unescaped tokens (`Vec<String>`) so that callers
//! that build paths from data (stream ids, event fields) never have to re-escape them and a
//! `/` inside a key can never split it by accident.

use serde_json::Value;

/// Why a string is not a valid JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    #[error("JSON Pointer must be empty or start with '/': {}", crate::sanitize::quote(.0))]
    NoLeadingSlash(String),
    #[error("invalid escape in JSON Pointer {} (only ~0 and ~1 are allowed)", crate::sanitize::quote(.0))]
    BadEscape(String),
}

/// Splits a pointer into unescaped reference tokens.
///
/// `""` is the whole document (no tokens); `"/"` is the single empty-string key.
pub fn parse(ptr: &str) -> Result<Vec<String>, PointerError> {
    if ptr.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = ptr.strip_prefix('/') else {
        return Err(PointerError::NoLeadingSlash(ptr.to_owned()));
    };
    rest.split('/')
        .map(|raw| unescape(raw).ok_or_else(|| PointerError::BadEscape(ptr.to_owned())))
        .collect()
}

/// Decodes `~1` and `~0` in one left-to-right pass, so `~01` becomes `~1` and not `/`
/// (RFC 6901 §4: decode `~1` first would be wrong for exactly that input).
fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('~') {
        return Some(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Escapes one token: `~` becomes `~0` and `/` becomes `~1`.
pub fn escape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            _ => out.push(c),
        }
    }
    out
}

/// Builds a pointer from unescaped tokens; the inverse of [`parse`].
pub fn to_pointer<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut out = String::new();
    for t in tokens {
        out.push('/');
        out.push_str(&escape(t.as_ref()));
    }
    out
}

/// Parses a token as an array index in RFC 6901 canonical form (`0` or a decimal without
/// leading zeros, no sign, no exponent), with no bound check. `-` is not an index here: it
/// names the position after the last element and only `add` may use it.
pub(crate) fn parse_index(token: &str) -> Option<usize> {
    let bytes = token.as_bytes();
    let canonical = match bytes {
        [] => false,
        [b'0'] => true,
        [b'0', ..] => false,
        _ => bytes.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return None;
    }
    // Overflow (a 30-digit index) is simply "no such element", not a panic.
    token.parse::<usize>().ok()
}

/// The index a token names in an array of length `len`, if it is canonical and in range.
pub fn array_index(token: &str, len: usize) -> Option<usize> {
    parse_index(token).filter(|&i| i < len)
}

/// Looks up the node the tokens point to; `None` if any step is missing.
pub fn get<'a, S: AsRef<str>>(v: &'a Value, tokens: &[S]) -> Option<&'a Value> {
    let mut cur = v;
    for t in tokens {
        let t = t.as_ref();
        cur = match cur {
            Value::Object(map) => map.get(t)?,
            Value::Array(arr) => arr.get(array_index(t, arr.len())?)?,
            // A scalar has no children, whatever the token.
            _ => return None,
        };
    }
    Some(cur)
}

/// Mutable variant of [`get`].
pub fn get_mut<'a, S: AsRef<str>>(v: &'a mut Value, tokens: &[S]) -> Option<&'a mut Value> {
    let mut cur = v;
    for t in tokens {
        let t = t.as_ref();
        cur = match cur {
            Value::Object(map) => map.get_mut(t)?,
            Value::Array(arr) => {
                let i = array_index(t, arr.len())?;
                arr.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_basics() {
        assert_eq!(parse(""), Ok(Vec::<String>::new()));
        assert_eq!(parse("/"), Ok(vec![String::new()]));
        assert_eq!(parse("//"), Ok(vec![String::new(), String::new()]));
        assert_eq!(parse("/a~1b/~0c"), Ok(vec!["a/b".to_owned(), "~c".to_owned()]));
        assert_eq!(parse("/foo/"), Ok(vec!["foo".to_owned(), String::new()]));
    }

    #[test]
    fn parse_escape_order() {
        // "~01" is "~" followed by "1", never "/".
        assert_eq!(parse("/~01"), Ok(vec!["~1".to_owned()]));
        assert_eq!(parse("/~10"), Ok(vec!["/0".to_owned()]));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(parse("a"), Err(PointerError::NoLeadingSlash("a".into())));
        assert_eq!(parse("#/a"), Err(PointerError::NoLeadingSlash("#/a".into())));
        assert_eq!(parse("/~"), Err(PointerError::BadEscape("/~".into())));
        assert_eq!(parse("/a~2"), Err(PointerError::BadEscape("/a~2".into())));
        assert_eq!(parse("/~a"), Err(PointerError::BadEscape("/~a".into())));
    }

    #[test]
    fn escape_and_roundtrip() {
        assert_eq!(escape("~"), "~0");
        assert_eq!(escape("/"), "~1");
        assert_eq!(escape("a~/b"), "a~0~1b");
        for tokens in [vec![], vec![""], vec!["a/b", "~c", "", "~1", "/0", "ünï"]] {
            let p = to_pointer(&tokens);
            assert_eq!(parse(&p).ok(), Some(tokens.iter().map(|s| s.to_string()).collect()));
        }
        assert_eq!(to_pointer(&["a/b", "~c"]), "/a~1b/~0c");
    }

    #[test]
    fn index_rules() {
        assert_eq!(array_index("0", 1), Some(0));
        assert_eq!(array_index("0", 0), None);
        assert_eq!(array_index("10", 11), Some(10));
        assert_eq!(array_index("01", 5), None);
        assert_eq!(array_index("00", 5), None);
        assert_eq!(array_index("+1", 5), None);
        assert_eq!(array_index("-1", 5), None);
        assert_eq!(array_index("-", 5), None);
        assert_eq!(array_index("1e0", 5), None);
        assert_eq!(array_index("", 5), None);
        assert_eq!(array_index(" 1", 5), None);
        assert_eq!(array_index("١", 5), None); // non-ASCII digit
        assert_eq!(array_index("99999999999999999999999999", usize::MAX), None);
    }

    #[test]
    fn get_paths() {
        let doc = json!({"a": [10, {"b/c": 1, "~": 2}], "": {"": 3}, "0": "zero"});
        assert_eq!(get(&doc, &[] as &[&str]), Some(&doc));
        assert_eq!(get(&doc, &["a", "0"]), Some(&json!(10)));
        assert_eq!(get(&doc, &["a", "1", "b/c"]), Some(&json!(1)));
        assert_eq!(get(&doc, &["a", "1", "~"]), Some(&json!(2)));
        assert_eq!(get(&doc, &["", ""]), Some(&json!(3)));
        assert_eq!(get(&doc, &["0"]), Some(&json!("zero")));
        assert_eq!(get(&doc, &["a", "-"]), None);
        assert_eq!(get(&doc, &["a", "2"]), None);
        assert_eq!(get(&doc, &["a", "00"]), None);
        assert_eq!(get(&doc, &["a", "0", "x"]), None);
        assert_eq!(get(&doc, &["missing"]), None);
    }

    #[test]
    fn get_mut_paths() {
        let mut doc = json!({"a": [1, {"b": 2}]});
        if let Some(v) = get_mut(&mut doc, &["a", "1", "b"]) {
            *v = json!(5);
        }
        assert_eq!(doc, json!({"a": [1, {"b": 5}]}));
        assert!(get_mut(&mut doc, &["a", "-"]).is_none());
        assert!(get_mut(&mut doc, &["a", "0", "z"]).is_none());
    }
}
