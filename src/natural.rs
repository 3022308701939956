//! Natural order for names: runs of digits compare by value, so streams list as
//! `agent-1, agent-2, agent-10` rather than `agent-1, agent-10, agent-2`.

use std::cmp::Ordering;

/// Compares `a` and `b` piecewise: digit runs by numeric value (then by length, so
/// `01` sorts after `1`), everything else by bytes. Names equal in that order fall
/// back to plain byte order, so the order is total and stable across runs.
pub fn cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i].is_ascii_digit() && y[j].is_ascii_digit() {
            let (si, sj) = (i, j);
            while i < x.len() && x[i].is_ascii_digit() {
                i += 1;
            }
            while j < y.len() && y[j].is_ascii_digit() {
                j += 1;
            }
            let (da, db) = (&x[si..i], &y[sj..j]);
            let (ta, tb) = (trim_zeros(da), trim_zeros(db));
            let ord = ta
                .len()
                .cmp(&tb.len())
                .then_with(|| ta.cmp(tb))
                .then_with(|| da.len().cmp(&db.len()));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            if x[i] != y[j] {
                return x[i].cmp(&y[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (x.len() - i).cmp(&(y.len() - j)).then_with(|| x.cmp(y))
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|&&c| c == b'0').count();
    &d[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_compare_by_value() {
        let mut v = vec!["agent-10", "agent-2", "agent-1", "agent-100", "agent", "b", "agent-02"];
        v.sort_by(|a, b| cmp(a, b));
        assert_eq!(
            v,
            ["agent", "agent-1", "agent-2", "agent-02", "agent-10", "agent-100", "b"]
        );
    }

    #[test]
    fn zero_padded_names_keep_their_order_and_long_numbers_do_not_overflow() {
        let mut v = vec![
            "sess-0010",
            "sess-0004",
            "x99999999999999999999999",
            "x100000000000000000000000",
        ];
        v.sort_by(|a, b| cmp(a, b));
        assert_eq!(
            v,
            [
                "sess-0004",
                "sess-0010",
                "x99999999999999999999999",
                "x100000000000000000000000"
            ]
        );
        assert_eq!(cmp("a1b", "a1b"), Ordering::Equal);
        assert_ne!(cmp("a01", "a1"), Ordering::Equal);
    }
}
