//! How deeply a JSON text nests, found without parsing it. serde_json refuses
//! values nested deeper than 128 levels (its guard against stack overflow), so
//! an event nested deeper would be stored but could never be replayed: imports
//! skip such records instead, with room left for the levels that reducer rule
//! paths and checkpoints add on top of an event's data.

/// The deepest an event's data or meta may nest.
pub const MAX_DEPTH: usize = 100;

/// The brackets of a JSON text that lie outside strings, with their offsets.
pub fn brackets(b: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let (mut in_str, mut esc) = (false, false);
    b.iter().enumerate().filter_map(move |(j, &c)| {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            return None;
        }
        match c {
            b'"' => {
                in_str = true;
                None
            }
            b'{' | b'[' | b'}' | b']' => Some((j, c)),
            _ => None,
        }
    })
}

/// The maximum nesting depth of `text` (0 for a scalar). `text` is assumed to
/// be JSON already.
pub fn depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for (_, c) in brackets(text.as_bytes()) {
        if c == b'{' || c == b'[' {
            depth += 1;
            max = max.max(depth);
        } else {
            depth = depth.saturating_sub(1);
        }
    }
    max
}

/// Why `text` is refused, if it nests deeper than [`MAX_DEPTH`].
pub fn too_deep(what: &str, text: &str) -> Option<String> {
    // Fast path for every ordinary record: it cannot nest deeper than it has
    // opening brackets, and counting bytes vectorizes (the import's decode thread
    // runs this over every payload).
    let opening = memchr::memchr2_iter(b'{', b'[', text.as_bytes()).count();
    if opening <= MAX_DEPTH {
        return None;
    }
    let d = depth(text);
    (d > MAX_DEPTH).then(|| format!("{what} nests {d} levels deep; the limit is {MAX_DEPTH}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_outside_strings() {
        assert_eq!(depth("1"), 0);
        assert_eq!(depth(r#"{"a":[1,{"b":[]}]}"#), 4);
        assert_eq!(depth(r#"{"a":"[[[[\"{{"}"#), 1);
        assert_eq!(
            depth(&format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
            100_000
        );
    }

    #[test]
    fn the_limit_fits_serde_json() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(too_deep("data", &ok).is_none());
        assert!(serde_json::from_str::<serde_json::Value>(&ok).is_ok());
        let deep = format!("[{ok}]");
        assert_eq!(
            too_deep("data", &deep).as_deref(),
            Some("data nests 101 levels deep; the limit is 100")
        );
    }
}
