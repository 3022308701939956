//! Counted nouns in messages: `1 event`, `2 events`, never `1 events`.

/// `n` and the noun: `one` when `n` is 1, else `many`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
