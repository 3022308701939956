//! Times are UTC microseconds since the Unix epoch (docs/model.md §1).

use chrono::{DateTime, SecondsFormat, Utc};

/// Parse an RFC 3339 time (any number of fractional digits; offsets allowed).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let dt = DateTime::parse_from_rfc3339(s.trim()).ok()?;
    let utc = dt.with_timezone(&Utc);
    Some(utc.timestamp_micros())
}

/// Interpret an epoch number by magnitude: seconds, milliseconds, microseconds or
/// nanoseconds. The cut-offs put every choice between 1973 and 5138.
pub fn epoch_to_micros(n: f64) -> Option<i64> {
    if !n.is_finite() {
        return None;
    }
    let a = n.abs();
    let micros = if a < 1e11 {
        n * 1e6
    } else if a < 1e14 {
        n * 1e3
    } else if a < 1e17 {
        n
    } else {
        n / 1e3
    };
    if micros.abs() > 9.0e18 {
        return None;
    }
    Some(micros.round() as i64)
}

/// Integer epoch values are converted exactly (no float rounding for µs/ns).
pub fn epoch_int_to_micros(n: i128) -> Option<i64> {
    let a = n.unsigned_abs();
    let micros = if a < 100_000_000_000 {
        n.checked_mul(1_000_000)?
    } else if a < 100_000_000_000_000 {
        n.checked_mul(1_000)?
    } else if a < 100_000_000_000_000_000 {
        n
    } else {
        n / 1_000
    };
    i64::try_from(micros).ok()
}

/// Format as RFC 3339 UTC with microseconds, e.g. `2026-11-20T09:14:03.123456Z`.
/// `YYYY-MM-DD` as midnight UTC, in microseconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

pub fn format_micros(us: i64) -> String {
    match DateTime::<Utc>::from_timestamp_micros(us) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Micros, true),
        None => format!("@{us}µs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_dates_are_midnight_utc() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400_000_000));
        assert_eq!(parse_date("1970-01-02T00:00:00Z"), None);
        assert_eq!(parse_date("2026-13-01"), None);
    }

    #[test]
    fn rfc3339_variants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:01.5+01:00"), Some(1_500_000));
        assert_eq!(
            parse_rfc3339("2018-01-26T00:00:00.1234567Z").map(|t| t % 1_000_000),
            Some(123_456)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn epochs_by_magnitude() {
        assert_eq!(epoch_int_to_micros(1_480_642_020), Some(1_480_642_020_000_000));
        assert_eq!(epoch_int_to_micros(1_507_217_624_302), Some(1_507_217_624_302_000));
        assert_eq!(epoch_int_to_micros(1_507_217_624_302_123), Some(1_507_217_624_302_123));
        assert_eq!(
            epoch_int_to_micros(1_507_217_624_302_123_456),
            Some(1_507_217_624_302_123)
        );
        assert_eq!(epoch_to_micros(1_480_641_523.477), Some(1_480_641_523_477_000));
    }

    #[test]
    fn formats_micros() {
        assert_eq!(format_micros(1_500_000), "1970-01-01T00:00:01.500000Z");
    }
}
