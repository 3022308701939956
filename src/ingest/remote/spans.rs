//! A set of byte ranges of an object: what a sparse mirror file holds, what a
//! read needs, and what is left to fetch. Kept sorted, disjoint and merged.

use std::fmt;
use std::ops::Range;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans(Vec<Range<u64>>);

impl Spans {
    pub fn new() -> Spans {
        Spans(Vec::new())
    }

    /// The set of one range.
    pub fn of(r: Range<u64>) -> Spans {
        let mut s = Spans::new();
        s.insert(r);
        s
    }

    pub fn from_ranges(ranges: impl IntoIterator<Item = Range<u64>>) -> Spans {
        let mut s = Spans::new();
        for r in ranges {
            s.insert(r);
        }
        s
    }

    pub fn ranges(&self) -> &[Range<u64>] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes in the set.
    pub fn len(&self) -> u64 {
        self.0.iter().map(|r| r.end - r.start).sum()
    }

    /// Add `r`, merging it with the ranges it touches.
    pub fn insert(&mut self, r: Range<u64>) {
        if r.start >= r.end {
            return;
        }
        let (mut start, mut end) = (r.start, r.end);
        let mut kept = Vec::with_capacity(self.0.len() + 1);
        for x in self.0.drain(..) {
            if x.end < start || x.start > end {
                kept.push(x);
            } else {
                start = start.min(x.start);
                end = end.max(x.end);
            }
        }
        kept.push(start..end);
        kept.sort_by_key(|x| x.start);
        self.0 = kept;
    }

    pub fn union(&mut self, other: &Spans) {
        for r in &other.0 {
            self.insert(r.clone());
        }
    }

    /// Whether every byte of `r` is in the set.
    pub fn covers(&self, r: &Range<u64>) -> bool {
        r.start >= r.end || self.0.iter().any(|x| x.start <= r.start && r.end <= x.end)
    }

    /// The parts of `self` not in `have`.
    pub fn minus(&self, have: &Spans) -> Spans {
        let mut out = Vec::new();
        for r in &self.0 {
            let mut at = r.start;
            for h in have.0.iter().filter(|h| h.end > r.start && h.start < r.end) {
                if h.start > at {
                    out.push(at..h.start);
                }
                at = at.max(h.end);
            }
            if at < r.end {
                out.push(at..r.end);
            }
        }
        Spans(out)
    }

    /// The set with gaps shorter than `gap` filled: one request per run of
    /// nearby ranges, since a request costs more than the bytes between them.
    pub fn coalesced(&self, gap: u64) -> Spans {
        let mut out: Vec<Range<u64>> = Vec::new();
        for r in &self.0 {
            match out.last_mut() {
                Some(last) if r.start.saturating_sub(last.end) < gap => last.end = last.end.max(r.end),
                _ => out.push(r.clone()),
            }
        }
        Spans(out)
    }

    /// Parse `0-4 100-2000` (half-open ranges); `None` when malformed.
    pub fn parse(text: &str) -> Option<Spans> {
        let mut s = Spans::new();
        for part in text.split_whitespace() {
            let (a, b) = part.split_once('-')?;
            let (a, b) = (a.parse::<u64>().ok()?, b.parse::<u64>().ok()?);
            if a >= b {
                return None;
            }
            s.insert(a..b);
        }
        Some(s)
    }
}

impl fmt::Display for Spans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}-{}", r.start, r.end)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_and_minus_leaves_the_holes() {
        let mut s = Spans::from_ranges([10..20, 30..40, 0..4]);
        s.insert(18..31);
        assert_eq!(s.ranges(), &[0..4, 10..40]);
        assert!(s.covers(&(12..40)) && !s.covers(&(3..11)));
        let want = Spans::of(0..50);
        assert_eq!(want.minus(&s).ranges(), &[4..10, 40..50]);
        assert_eq!(
            Spans::from_ranges([0..4, 6..8, 100..110]).coalesced(10).ranges(),
            &[0..8, 100..110]
        );
        assert_eq!(Spans::parse(&s.to_string()), Some(s));
        assert_eq!(Spans::parse("5-3"), None);
        assert_eq!(Spans::parse(""), Some(Spans::new()));
    }
}
