//! Hive-style partition folders (`date=2026-11-20/hour=09/part-0.parquet`): the
//! `key=value` folders between the input's root and a file become fields of each of
//! its rows, as Spark, Athena, Glue and pyarrow write and read them.

use std::path::Path;

/// The value Hive and Spark write for a null partition value.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// The partition fields of `file` below `root`, outermost first. A value is the
/// folder name's text after `=`, percent-decoded (Spark escapes `:` and `/` in
/// timestamp partitions); `None` for Hive's null partition.
pub fn partitions(root: &Path, file: &Path) -> Vec<(String, Option<String>)> {
    let Ok(rel) = file.strip_prefix(root) else {
        return Vec::new();
    };
    let Some(dirs) = rel.parent() else { return Vec::new() };
    dirs.components()
        .filter_map(|c| {
            let name = c.as_os_str().to_str()?;
            let (key, value) = name.split_once('=')?;
            if key.is_empty() {
                return None;
            }
            let value = percent_decode(value);
            Some((percent_decode(key), (value != NULL_PARTITION).then_some(value)))
        })
        .collect()
}

/// `%XX` escapes decoded; a malformed escape stays as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// The span of time, in UTC microseconds `[start, end)`, that a file's partitions
/// confine its rows to, when they name a date (`date`, `dt`, `day`, or `year`/`month`/`day`)
/// and optionally an `hour`: what time filters prune by before a file is opened.
pub fn time_span(parts: &[(String, Option<String>)]) -> Option<(i64, i64)> {
    let get = |names: &[&str]| {
        parts
            .iter()
            .find(|(k, _)| names.contains(&k.to_ascii_lowercase().as_str()))
            .and_then(|(_, v)| v.as_deref())
    };
    let num = |names: &[&str]| get(names).and_then(|v| v.trim().parse::<u32>().ok());
    let date = match get(&["date", "dt", "day", "event_date"]).and_then(parse_date) {
        Some(d) => d,
        None => {
            let (y, m, d) = (num(&["year", "y"])?, num(&["month", "m"])?, num(&["day", "d"])?);
            chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?
        }
    };
    let start = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
    const HOUR: i64 = 3_600_000_000;
    match num(&["hour", "hr", "h"]) {
        Some(h) if h < 24 => Some((start + i64::from(h) * HOUR, start + (i64::from(h) + 1) * HOUR)),
        Some(_) => None,
        None => Some((start, start + 24 * HOUR)),
    }
}

fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_folders_become_fields() {
        let root = Path::new("/lake/events");
        let file =
            Path::new("/lake/events/date=2026-11-20/hour=09/tenant=a%2Fb/x=__HIVE_DEFAULT_PARTITION__/part-0.parquet");
        let parts = partitions(root, file);
        assert_eq!(
            parts,
            vec![
                ("date".to_string(), Some("2026-11-20".to_string())),
                ("hour".to_string(), Some("09".to_string())),
                ("tenant".to_string(), Some("a/b".to_string())),
                ("x".to_string(), None),
            ]
        );
        let (start, end) = time_span(&parts).expect("span");
        assert_eq!(crate::time::format_micros(start), "2026-11-20T09:00:00.000000Z");
        assert_eq!(end - start, 3_600_000_000);
        assert_eq!(time_span(&parts[2..]), None);
        assert_eq!(percent_decode("a%zz%4"), "a%zz%4");
    }
}
