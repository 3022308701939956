//! Event text is untrusted: nothing from it may reach a terminal as a control
//! sequence. Every text front end passes strings through here.

use std::borrow::Cow;

use crate::json::write::is_unsafe_char;

/// Escape control characters (C0, DEL, C1), bidi overrides and other invisible
/// format characters as `\u{..}`, so ESC, CSI, OSC (incl. OSC 52/8) and DCS
/// sequences are shown, never executed.
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
                _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
        assert!(out.contains("\\u{1b}[31m"));
        assert!(out.contains("\\u{9b}"));
        assert!(out.contains("\\u{202e}"));
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
