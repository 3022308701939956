//! The scrub bar's geometry: positions ↔ columns, and density levels → glyphs.

/// The column (0-based, of `width`) that shows position `pos` of `len`.
pub fn column(pos: u64, len: u64, width: u16) -> u16 {
    if len == 0 || width == 0 {
        return 0;
    }
    let w = u64::from(width);
    (pos.saturating_sub(1).min(len - 1) * w / len) as u16
}

/// The position a click on column `col` seeks to: the middle of its range, and
/// the very start and end at the edges.
pub fn position(col: u16, len: u64, width: u16) -> u64 {
    if width <= 1 || len == 0 {
        return 0;
    }
    if col == 0 {
        return 0;
    }
    if col >= width - 1 {
        return len;
    }
    let w = u64::from(width);
    let c = u64::from(col);
    ((2 * c + 1) * len / (2 * w)).clamp(1, len)
}

/// A density level in 0..=1 as an eighth-block glyph (blank for zero).
pub fn glyph(level: f32) -> char {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if level <= 0.0 {
        return ' ';
    }
    let i = ((level * 8.0).ceil() as usize).clamp(1, 8) - 1;
    BARS[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_the_recording() {
        assert_eq!(column(1, 1000, 100), 0);
        assert_eq!(column(1000, 1000, 100), 99);
        assert_eq!(column(0, 1000, 100), 0);
        assert_eq!(column(5, 3, 10), 6);
        assert_eq!(column(1, 0, 10), 0);
    }

    #[test]
    fn clicks_round_trip_to_their_column() {
        for (len, w) in [(1193u64, 120u16), (50, 80), (1_000_000, 80)] {
            assert_eq!(position(0, len, w), 0);
            assert_eq!(position(w - 1, len, w), len);
            for c in 1..w - 1 {
                let p = position(c, len, w);
                assert!(p >= 1 && p <= len);
                if len >= u64::from(w) {
                    assert_eq!(column(p, len, w), c, "len {len} w {w} col {c}");
                }
            }
        }
    }

    #[test]
    fn glyphs() {
        assert_eq!(glyph(0.0), ' ');
        assert_eq!(glyph(0.01), '▁');
        assert_eq!(glyph(1.0), '█');
        assert_eq!(glyph(0.5), '▄');
    }
}
