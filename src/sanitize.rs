//! Event text is untrusted: nothing from it may reach a terminal as a control
//! sequence. Every text front end passes strings through here.

use std::borrow::Cow;

use crate::json::write::is_unsafe_char;

/// Escape control characters (C0, DEL, C1), bidi overrides and other invisible
/// format characters as `\uXXXX` (the JSON writer's style, surrogate pairs
/// beyond the BMP), so ESC, CSI, OSC (incl. OSC 52/8) and DCS sequences are
/// shown, never executed, and look the same in text and in JSON output.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                _ => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` as a double-quoted JSON string, every unsafe character escaped as by
/// [`clean`]: how messages quote names and values taken from input.
pub fn quote(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_default();
    clean(&json).into_owned()
}

/// Cut `s` to at most `width` characters, marking the cut with `…`.
pub fn truncate(s: &str, width: usize) -> Cow<'_, str> {
    if width == 0 {
        return Cow::Borrowed("");
    }
    match s.char_indices().nth(width) {
        None => Cow::Borrowed(s),
        Some(_) => {
            let keep: String = s.chars().take(width.saturating_sub(1)).collect();
            Cow::Owned(keep + "…")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences() {
        let hostile = "ok \u{1b}[31mred\u{1b}]52;c;AAAA\u{7} \u{9b}2J \u{202e}txt";
        let out = clean(hostile);
        assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
        assert!(out.contains("\\u001b[31m"));
        assert!(out.contains("\\u009b"));
        assert!(out.contains("\\u202e"));
        assert_eq!(clean("\u{e0041}"), "\\udb40\\udc41");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(clean("héllo 世界 🎉"), Cow::Borrowed(_)));
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("世界世界", 3), "世界…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
