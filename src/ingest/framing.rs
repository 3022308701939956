//! Split a byte stream into JSON values without loading it: JSON Lines, one JSON
//! array, or concatenated values with no delimiter (docs/formats.md §0).

use std::io::{self, BufRead};

/// The largest record we hold in memory; bigger ones are skipped and reported, so
/// a hostile 1 GB line costs no more than this.
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Lines,
    Array,
    Concatenated,
}

impl Framing {
    pub fn name(self) -> &'static str {
        match self {
            Framing::Lines => "jsonl",
            Framing::Array => "json",
            Framing::Concatenated => "json-concatenated",
        }
    }
}

/// One raw value and the line it starts on (1-based).
#[derive(Debug)]
pub struct Frame {
    pub line: u64,
    pub bytes: Vec<u8>,
}

/// A framing problem that costs one record, not the file.
#[derive(Debug, PartialEq)]
pub struct BadFrame {
    pub line: u64,
    pub reason: String,
}

pub struct Framer<R> {
    r: R,
    mode: Framing,
    line: u64,
    /// Array mode: inside the outer `[`.
    in_array: bool,
    eof: bool,
}

/// Decide the framing from the first bytes: `[` is an array; otherwise each line
/// of the sample votes: a line that is exactly one value says JSON Lines, a line
/// with values back to back or a value spanning lines says concatenated. Voting
/// keeps a broken first record from turning a JSONL file into one giant value.
pub fn detect(head: &[u8]) -> Framing {
    let mut i = skip_ws(head, 0);
    if head[i..].starts_with(b"\xef\xbb\xbf") {
        i = skip_ws(head, i + 3);
    }
    match head.get(i) {
        Some(b'[') => return Framing::Array,
        Some(b'{') => {}
        _ => return Framing::Lines,
    }
    let (mut one_per_line, mut back_to_back, mut spanning) = (0, 0, 0);
    let mut lines: Vec<&[u8]> = head[i..].split(|&b| b == b'\n').collect();
    if head.len() >= crate::ingest::sample::SAMPLE && !head.ends_with(b"\n") {
        // A sample this long was likely cut short of the file's end, and its
        // last line with it: a value unfinished there says nothing (a JSONL
        // file with a first line longer than the sample would otherwise read as
        // one value spanning lines, and a broken long line would swallow every
        // record after it). A value that ends there with the next one right
        // behind it still says concatenated.
        if let Some(t) = lines.pop().map(trim) {
            if t.starts_with(b"{") && first_value_end(t).is_some_and(|end| trim(&t[end..]).starts_with(b"{")) {
                back_to_back += 1;
            }
        }
    }
    for line in lines {
        let t = trim(line);
        if !t.starts_with(b"{") {
            continue;
        }
        match first_value_end(t) {
            Some(end) if end == t.len() => one_per_line += 1,
            Some(end) if trim(&t[end..]).starts_with(b"{") => back_to_back += 1,
            Some(_) => {}
            None => spanning += 1,
        }
    }
    if one_per_line > 0 && one_per_line >= back_to_back {
        Framing::Lines
    } else if back_to_back > 0 || spanning > 0 {
        Framing::Concatenated
    } else {
        Framing::Lines
    }
}

/// Does `head` hold its first JSON value whole, and a byte after it that tells how
/// values are delimited (a newline, or the next value)? True as well when the head
/// does not start a value (there is nothing to wait for). The first element of a
/// leading array counts as the first value.
pub fn first_value_settled(head: &[u8]) -> bool {
    let mut i = skip_ws(head, 0);
    if head[i..].starts_with(b"\xef\xbb\xbf") {
        i = skip_ws(head, i + 3);
    }
    if head.get(i) == Some(&b'[') {
        i = skip_ws(head, i + 1);
    }
    if !matches!(head.get(i), Some(b'{' | b'[')) {
        return true;
    }
    match first_value_end(&head[i..]) {
        None => false,
        Some(end) => head[i + end..].iter().any(|&b| b == b'\n' || !b.is_ascii_whitespace()),
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// Where the JSON value starting at `b[0]` ends, if it ends inside `b`.
fn first_value_end(b: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    for (j, c) in crate::json::depth::brackets(b) {
        if c == b'{' || c == b'[' {
            depth += 1;
        } else {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(j + 1);
            }
        }
    }
    None
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

impl<R: BufRead> Framer<R> {
    pub fn new(mut r: R, forced: Option<Framing>) -> io::Result<Framer<R>> {
        let mode = match forced {
            Some(m) => m,
            None => detect(r.fill_buf()?),
        };
        Ok(Framer {
            r,
            mode,
            line: 1,
            in_array: false,
            eof: false,
        })
    }

    /// A framer for bytes that start at line `line` of their file, at a record
    /// boundary (reading on where an earlier read stopped).
    pub fn starting_at(r: R, mode: Framing, line: u64) -> Framer<R> {
        Framer {
            r,
            mode,
            line,
            in_array: false,
            eof: false,
        }
    }

    pub fn mode(&self) -> Framing {
        self.mode
    }

    /// The next value, a bad one to report, `Ok(None)` at the end; `Err` only for I/O.
    pub fn next_frame(&mut self) -> io::Result<Option<Result<Frame, BadFrame>>> {
        if self.eof {
            return Ok(None);
        }
        match self.mode {
            Framing::Lines => self.next_line(),
            Framing::Array | Framing::Concatenated => self.next_value(),
        }
    }

    fn next_line(&mut self) -> io::Result<Option<Result<Frame, BadFrame>>> {
        loop {
            let start = self.line;
            let mut buf = Vec::new();
            let mut too_big = false;
            let mut saw_newline = false;
            loop {
                let chunk = self.r.fill_buf()?;
                if chunk.is_empty() {
                    self.eof = true;
                    break;
                }
                let (take, found) = match memchr::memchr(b'\n', chunk) {
                    Some(p) => (p + 1, true),
                    None => (chunk.len(), false),
                };
                if !too_big {
                    if buf.len() + take > MAX_RECORD {
                        too_big = true;
                        buf = Vec::new();
                    } else {
                        buf.extend_from_slice(&chunk[..take]);
                    }
                }
                self.r.consume(take);
                if found {
                    saw_newline = true;
                    self.line += 1;
                    break;
                }
            }
            if too_big {
                return Ok(Some(Err(BadFrame {
                    line: start,
                    reason: format!("record longer than the {} MiB limit", MAX_RECORD >> 20),
                })));
            }
            if buf.iter().all(|b| b.is_ascii_whitespace()) {
                if self.eof && !saw_newline {
                    return Ok(None);
                }
                if self.eof {
                    return Ok(None);
                }
                continue;
            }
            if start == 1 && buf.starts_with(b"\xef\xbb\xbf") {
                buf.drain(..3);
            }
            return Ok(Some(Ok(Frame {
                line: start,
                bytes: buf,
            })));
        }
    }

    /// Scan for the next top-level value, tracking strings so brackets inside them
    /// don't count. In array mode the outer `[`/`]` and commas are separators.
    fn next_value(&mut self) -> io::Result<Option<Result<Frame, BadFrame>>> {
        let mut buf: Vec<u8> = Vec::new();
        let mut start_line = self.line;
        let mut depth = 0usize;
        let mut in_str = false;
        let mut esc = false;
        let mut too_big = false;
        let mut started = false;
        loop {
            let chunk = self.r.fill_buf()?;
            if chunk.is_empty() {
                self.eof = true;
                if started {
                    return Ok(Some(Err(BadFrame {
                        line: start_line,
                        reason: "truncated JSON value: the input ends inside it".into(),
                    })));
                }
                return Ok(None);
            }
            let mut i = 0;
            let mut done = None;
            while i < chunk.len() {
                let b = chunk[i];
                if b == b'\n' {
                    self.line += 1;
                }
                if !started {
                    match b {
                        b' ' | b'\t' | b'\r' | b'\n' => {}
                        b'[' if self.mode == Framing::Array && !self.in_array => self.in_array = true,
                        b',' | b']' if self.in_array => {
                            if b == b']' {
                                self.in_array = false;
                            }
                        }
                        0xef | 0xbb | 0xbf if start_line == 1 => {}
                        b'{' | b'[' => {
                            started = true;
                            start_line = self.line;
                            depth = 1;
                            buf.push(b);
                        }
                        _ => {
                            // A scalar or stray byte where a record should start:
                            // skip to the next separator and report it once.
                            let line = self.line;
                            let mut j = i;
                            while j < chunk.len() && !matches!(chunk[j], b'\n' | b',' | b'{' | b'[' | b']') {
                                j += 1;
                            }
                            self.r.consume(j.max(i + 1));
                            return Ok(Some(Err(BadFrame {
                                line,
                                reason: format!(
                                    "expected a JSON object, found {}",
                                    crate::sanitize::quote(&char::from(b).to_string())
                                ),
                            })));
                        }
                    }
                    i += 1;
                    continue;
                }
                if !too_big {
                    buf.push(b);
                }
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                done = Some(i + 1);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
            if buf.len() > MAX_RECORD {
                too_big = true;
                buf = Vec::new();
            }
            match done {
                Some(n) => {
                    self.r.consume(n);
                    if too_big {
                        return Ok(Some(Err(BadFrame {
                            line: start_line,
                            reason: format!("record longer than the {} MiB limit", MAX_RECORD >> 20),
                        })));
                    }
                    return Ok(Some(Ok(Frame {
                        line: start_line,
                        bytes: buf,
                    })));
                }
                None => {
                    let n = chunk.len();
                    self.r.consume(n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Framed = Vec<Result<(u64, String), (u64, String)>>;

    fn frames(input: &str) -> (Framing, Framed) {
        let mut f = Framer::new(input.as_bytes(), None).expect("framer");
        let mut out = Vec::new();
        while let Some(item) = f.next_frame().expect("io") {
            out.push(match item {
                Ok(fr) => Ok((fr.line, String::from_utf8_lossy(&fr.bytes).trim().to_string())),
                Err(b) => Err((b.line, b.reason)),
            });
        }
        (f.mode(), out)
    }

    #[test]
    fn a_first_line_longer_than_the_sample_is_json_lines() {
        let mut head = b"{\"data\":\"".to_vec();
        head.extend(std::iter::repeat_n(b'x', 64 * 1024));
        assert_eq!(detect(&head), Framing::Lines);
        assert_eq!(detect(b"{\"a\":\n1}\n{\"b\":"), Framing::Concatenated);
    }

    #[test]
    fn json_lines_keep_line_numbers() {
        let (mode, out) = frames("{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}");
        assert_eq!(mode, Framing::Lines);
        assert_eq!(
            out,
            vec![
                Ok((1, "{\"a\":1}".into())),
                Ok((3, "{\"b\":2}".into())),
                Ok((4, "{\"c\":3}".into()))
            ]
        );
    }

    #[test]
    fn arrays_stream_their_elements() {
        let (mode, out) = frames("[\n {\"a\": \"]\"},\n {\"b\": [1, {\"c\": 2}]}\n]\n");
        assert_eq!(mode, Framing::Array);
        assert_eq!(
            out,
            vec![
                Ok((2, "{\"a\": \"]\"}".into())),
                Ok((3, "{\"b\": [1, {\"c\": 2}]}".into()))
            ]
        );
    }

    #[test]
    fn concatenated_without_delimiters() {
        let (mode, out) = frames("{\"a\":\"}{\"}{\"b\":2}\n{\n \"c\": 3\n}");
        assert_eq!(mode, Framing::Concatenated);
        assert_eq!(out.len(), 3);
        assert_eq!(out[2], Ok((2, "{\n \"c\": 3\n}".into())));
    }

    #[test]
    fn pretty_printed_values_are_concatenated() {
        assert_eq!(detect(b"{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n"), Framing::Concatenated);
    }

    #[test]
    fn a_broken_first_line_does_not_hide_json_lines() {
        assert_eq!(detect(b"{oops\n{oops\n{\"a\":1}\n{\"b\":2}\n"), Framing::Lines);
        assert_eq!(detect(b"{\"a\":1}{\"b\":2}{\"c\":3}"), Framing::Concatenated);
    }

    #[test]
    fn truncated_value_is_reported_not_fatal() {
        let (_, out) = frames("{\"a\":1}{\"b\":");
        assert_eq!(
            out[1],
            Err((1, "truncated JSON value: the input ends inside it".into()))
        );
    }

    #[test]
    fn stray_scalars_are_reported() {
        let (_, out) = frames("[{\"a\":1}, 42, {\"b\":2}]");
        assert_eq!(out.len(), 3);
        assert!(matches!(&out[1], Err((1, r)) if r.contains("expected a JSON object")));
    }
}
