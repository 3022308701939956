//! The unified view of a diff, built from its change list for the lines on
//! screen only: per stream a `--- A  STREAM` / `+++ B  STREAM` header, per change
//! an `@@ PATH @@` line, then the old value pretty-printed (`-`) and the new one
//! (`+`). Each change's line count is known from the worker (`ValueText::lines`),
//! so a diff of any size is laid out without printing it, and only the values
//! that meet the window are printed, only as far as the window reaches.

use serde_json::Value;

use super::msg::{DiffReply, LineKind};
use crate::json::diff::{Change, ChangeOp};
use crate::json::write;
use crate::sanitize::clean;

/// Lines of `v` pretty-printed (two-space indent, as `write::to_string_pretty`).
pub fn pretty_lines(v: &Value) -> usize {
    match v {
        Value::Array(items) if !items.is_empty() => 2 + items.iter().map(pretty_lines).sum::<usize>(),
        Value::Object(map) if !map.is_empty() => 2 + map.values().map(pretty_lines).sum::<usize>(),
        _ => 1,
    }
}

/// Lines `skip..skip + take` of `v` pretty-printed, each as `write::to_string_pretty`
/// prints it; subtrees before them are counted, not printed, and printing stops
/// after them.
pub fn pretty_window(v: &Value, skip: usize, take: usize) -> Vec<String> {
    let mut p = Printer {
        at: 0,
        skip,
        end: skip.saturating_add(take),
        out: Vec::new(),
    };
    p.value(v, 0, None, false);
    p.out
}

struct Printer {
    /// The line the next one printed would be.
    at: usize,
    skip: usize,
    end: usize,
    out: Vec<String>,
}

impl Printer {
    fn line(&mut self, depth: usize, key: Option<&str>, token: &[u8], comma: bool) {
        if self.at >= self.skip && self.at < self.end {
            let mut b = vec![b' '; 2 * depth];
            if let Some(k) = key {
                write::write_str(&mut b, k);
                b.extend_from_slice(b": ");
            }
            b.extend_from_slice(token);
            if comma {
                b.push(b',');
            }
            self.out.push(String::from_utf8_lossy(&b).into_owned());
        }
        self.at += 1;
    }

    fn value(&mut self, v: &Value, depth: usize, key: Option<&str>, comma: bool) {
        if self.at >= self.end {
            return;
        }
        let (open, close, n) = match v {
            Value::Array(a) if !a.is_empty() => (b"[", b"]", a.len()),
            Value::Object(m) if !m.is_empty() => (b"{", b"}", m.len()),
            _ => {
                let mut b = Vec::new();
                write::write_value(&mut b, v, false);
                self.line(depth, key, &b, comma);
                return;
            }
        };
        let lines = pretty_lines(v);
        if self.at + lines <= self.skip {
            self.at += lines;
            return;
        }
        self.line(depth, key, open, false);
        match v {
            Value::Array(a) => {
                for (i, item) in a.iter().enumerate() {
                    self.value(item, depth + 1, None, i + 1 < n);
                }
            }
            Value::Object(m) => {
                for (i, (k, item)) in m.iter().enumerate() {
                    self.value(item, depth + 1, Some(k), i + 1 < n);
                }
            }
            _ => {}
        }
        self.line(depth, None, close, comma);
    }
}

/// Where a change goes: its stream (the first token of a world pointer, still
/// escaped) and the path inside it; in a one-stream view, that stream and the
/// whole path. Borrowed: the layout runs over every change on each draw.
fn split<'a>(c: &'a Change, stream: Option<&'a str>) -> (&'a str, &'a str) {
    match stream {
        Some(s) => (s, c.path.as_str()),
        None => {
            let rest = c.path.strip_prefix('/').unwrap_or(&c.path);
            match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            }
        }
    }
}

/// The stream's name as a header shows it (a world pointer's token unescaped).
fn stream_name(token: &str, one_stream: bool) -> String {
    let name = if one_stream {
        token.to_string()
    } else {
        token.replace("~1", "/").replace("~0", "~")
    };
    clean(&name).into_owned()
}

/// Lines the old and the new value of change `i` take.
fn value_lines(d: &DiffReply, i: usize) -> (usize, usize) {
    let c = &d.changes[i];
    let t = d.texts.get(i);
    let old = match (c.op, t.and_then(|t| t.0.as_ref())) {
        (ChangeOp::Add, _) | (_, None) => 0,
        (_, Some(v)) => v.lines,
    };
    let new = match (c.op, t.and_then(|t| t.1.as_ref())) {
        (ChangeOp::Remove, _) | (_, None) => 0,
        (_, Some(v)) => v.lines,
    };
    (old, new)
}

/// The unified view's lines: `stream` names the one stream a one-stream view shows.
pub fn line_count(d: &DiffReply, stream: Option<&str>) -> usize {
    let mut n = 0;
    let mut last: Option<&str> = None;
    for i in 0..d.changes.len() {
        let (s, _) = split(&d.changes[i], stream);
        if last != Some(s) {
            n += 2;
            last = Some(s);
        }
        let (old, new) = value_lines(d, i);
        n += 1 + old + new;
    }
    n
}

/// Lines `from..from + take` of the unified view, and nothing else, built.
pub fn window(d: &DiffReply, stream: Option<&str>, from: usize, take: usize) -> Vec<(LineKind, String)> {
    let end = from.saturating_add(take);
    let mut out = Vec::with_capacity(take);
    let mut at = 0usize;
    let mut last: Option<&str> = None;
    let push = |at: &mut usize, kind: LineKind, text: &dyn Fn() -> String, out: &mut Vec<(LineKind, String)>| {
        if *at >= from && *at < end {
            out.push((kind, text()));
        }
        *at += 1;
    };
    for (i, c) in d.changes.iter().enumerate() {
        if at >= end {
            break;
        }
        let (s, inner) = split(c, stream);
        let header = last != Some(s);
        let (old, new) = value_lines(d, i);
        let n = usize::from(header) * 2 + 1 + old + new;
        if at + n <= from {
            at += n;
            last = Some(s);
            continue;
        }
        if header {
            let name = stream_name(s, stream.is_some());
            push(
                &mut at,
                LineKind::Header,
                &|| format!("--- {}  {name}", d.sides.0),
                &mut out,
            );
            push(
                &mut at,
                LineKind::Header,
                &|| format!("+++ {}  {name}", d.sides.1),
                &mut out,
            );
        }
        let path = if inner.is_empty() {
            "(the whole state)".to_string()
        } else {
            clean(inner).into_owned()
        };
        push(&mut at, LineKind::Hunk, &|| format!("@@ {path} @@"), &mut out);
        for (v, count, kind, sign) in [
            (c.old.as_ref(), old, LineKind::Remove, '-'),
            (c.new.as_ref(), new, LineKind::Add, '+'),
        ] {
            let Some(v) = v.filter(|_| count > 0) else { continue };
            let skip = from.saturating_sub(at);
            if skip < count && at + skip < end {
                let lines = pretty_window(v, skip, end - (at + skip));
                out.extend(lines.into_iter().map(|l| (kind, format!("{sign}{l}"))));
            }
            at += count;
        }
        last = Some(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::diff;
    use crate::tui::msg::{DiffMode, ValueText};
    use serde_json::json;

    #[test]
    fn the_window_is_the_slice_of_the_whole_print() {
        let v = json!({"a": [1, {"b": "x\u{1b}y", "c": []}, {}], "d": {"e": null}, "f": "g"});
        let whole = write::to_string_pretty(&v);
        let lines: Vec<&str> = whole.lines().collect();
        assert_eq!(pretty_lines(&v), lines.len());
        for skip in 0..=lines.len() {
            for take in 0..=lines.len() + 1 {
                let end = (skip + take).min(lines.len());
                let want: Vec<String> = lines[skip.min(end)..end].iter().map(|s| s.to_string()).collect();
                assert_eq!(pretty_window(&v, skip, take), want, "skip {skip} take {take}");
            }
        }
        assert_eq!(pretty_window(&json!(3), 0, 5), ["3"]);
    }

    fn reply(old: &Value, new: &Value) -> DiffReply {
        let mut changes = Vec::new();
        diff::diff_at(old, new, "", &mut changes);
        let text = |v: &Option<Value>| {
            v.as_ref().map(|v| ValueText {
                text: String::new(),
                chars: 0,
                lines: pretty_lines(v),
            })
        };
        DiffReply {
            mode: DiffMode::Mark,
            title: String::new(),
            texts: changes.iter().map(|c| (text(&c.old), text(&c.new))).collect(),
            changes,
            sides: ("@1".into(), "@2".into()),
            note: None,
            progress: (1, 1),
        }
    }

    #[test]
    fn every_window_agrees_with_the_whole_view() {
        let old = json!({"s/a": {"n": 1, "keep": true}, "s/b": {"list": [1, 2]}});
        let new = json!({"s/a": {"n": 2, "keep": true}, "s/c": {"x": {"y": "z"}}});
        let d = reply(&old, &new);
        let n = line_count(&d, None);
        let all = window(&d, None, 0, n + 10);
        assert_eq!(all.len(), n);
        let text: Vec<&str> = all.iter().map(|l| l.1.as_str()).collect();
        assert_eq!(
            text,
            [
                "--- @1  s/a",
                "+++ @2  s/a",
                "@@ /n @@",
                "-1",
                "+2",
                "--- @1  s/b",
                "+++ @2  s/b",
                "@@ (the whole state) @@",
                "-{",
                "-  \"list\": [",
                "-    1,",
                "-    2",
                "-  ]",
                "-}",
                "--- @1  s/c",
                "+++ @2  s/c",
                "@@ (the whole state) @@",
                "+{",
                "+  \"x\": {",
                "+    \"y\": \"z\"",
                "+  }",
                "+}",
            ]
        );
        for from in 0..n {
            for take in 1..5 {
                let end = (from + take).min(n);
                assert_eq!(window(&d, None, from, take), all[from..end].to_vec(), "{from}+{take}");
            }
        }
        // A one-stream view: one header, paths whole.
        let d = reply(&json!({"n": 1}), &json!({"n": 2}));
        let one: Vec<String> = window(&d, Some("s/a"), 0, 9).into_iter().map(|l| l.1).collect();
        assert_eq!(one, ["--- @1  s/a", "+++ @2  s/a", "@@ /n @@", "-1", "+2"]);
    }
}
