//! Times are UTC microseconds since the Unix epoch (docs/model.md §1).

use chrono::{DateTime, SecondsFormat, Utc};

/// Parse an RFC 3339 time (any number of fractional digits; offsets allowed).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(us) = parse_utc_fast(s.as_bytes()) {
        return Some(us);
    }
    let dt = DateTime::parse_from_rfc3339(s).ok()?;
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

/// `YYYY-MM-DD` as midnight UTC, in microseconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

/// Format as RFC 3339 UTC with microseconds, e.g. `2026-11-20T09:14:03.123456Z`.
pub fn format_micros(us: i64) -> String {
    if let Some(text) = format_fast(us) {
        return text;
    }
    match DateTime::<Utc>::from_timestamp_micros(us) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Micros, true),
        None => format!("@{us}µs"),
    }
}

// Every import maps one time per event, usually written exactly as `format_micros`
// writes it: the two fast paths below take that form (years 0000-9999, `T`, `Z`, no
// leap second) with plain integer arithmetic and leave everything else to chrono.

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, or `None` for any other form.
fn parse_utc_fast(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter()
            .try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let frac = &b[19..b.len() - 1];
    let us = match frac {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let mut us = 0i64;
            for i in 0..6 {
                let c = digits.get(i).copied().unwrap_or(b'0');
                if !c.is_ascii_digit() {
                    return None;
                }
                us = us * 10 + i64::from(c - b'0');
            }
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            us
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec;
    Some(secs * 1_000_000 + us)
}

/// True when `format_micros(us)` is the canonical form `parse_rfc3339` reads back
/// as `us` exactly (years 0000-9999).
pub fn formats_canonically(us: i64) -> bool {
    let (y, _, _) = civil_from_days(us.div_euclid(86_400_000_000));
    (0..=9999).contains(&y)
}

/// `format_micros` for years 0000-9999.
fn format_fast(us: i64) -> Option<String> {
    let secs = us.div_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    if !(0..=9999).contains(&y) {
        return None;
    }
    let sod = secs.rem_euclid(86_400);
    let frac = us.rem_euclid(1_000_000);
    let pair = |n: i64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let (y1, y2, f1, f2, f3) = (
        pair(y / 100),
        pair(y % 100),
        pair(frac / 10_000),
        pair(frac / 100 % 100),
        pair(frac % 100),
    );
    let (mo, dd, hh, mi, ss) = (pair(m), pair(d), pair(sod / 3600), pair(sod / 60 % 60), pair(sod % 60));
    let bytes = [
        y1[0], y1[1], y2[0], y2[1], b'-', mo[0], mo[1], b'-', dd[0], dd[1], b'T', hh[0], hh[1], b':', mi[0], mi[1],
        b':', ss[0], ss[1], b'.', f1[0], f1[1], f2[0], f2[1], f3[0], f3[1], b'Z',
    ];
    std::str::from_utf8(&bytes).ok().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_format(us: i64) -> Option<String> {
        DateTime::<Utc>::from_timestamp_micros(us).map(|dt| dt.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    fn chrono_parse(s: &str) -> Option<i64> {
        DateTime::parse_from_rfc3339(s).ok().map(|dt| dt.timestamp_micros())
    }

    #[test]
    fn fast_paths_agree_with_chrono() {
        let year0 = days_from_civil(0, 1, 1) * 86_400_000_000;
        let year10k = days_from_civil(10_000, 1, 1) * 86_400_000_000;
        let mut edges = vec![0, -1, 1, year0, year0 - 1, year10k, year10k - 1, 951_782_400_000_000];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            edges.push(year0 - 1_000_000 + (x % (year10k - year0 + 2_000_000) as u64) as i64);
        }
        for us in edges {
            let fast = format_fast(us);
            if let Some(text) = &fast {
                assert_eq!(Some(text.clone()), chrono_format(us), "format {us}");
                assert_eq!(parse_utc_fast(text.as_bytes()), Some(us), "parse {text}");
            } else {
                assert!(!(year0..year10k).contains(&us), "{us} left to chrono");
            }
        }
    }

    #[test]
    fn fast_parse_takes_only_what_chrono_reads_the_same() {
        let cases = [
            "2026-11-28T11:06:40Z",
            "2026-11-28T11:06:40.1Z",
            "2026-11-28T11:06:40.123456789Z",
            "2026-11-28T11:06:40.1234567891Z",
            "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T23:60:00Z",
            "2016-12-31T23:59:60Z",
            "2026-11-28t11:06:40z",
            "2026-11-28 11:06:40Z",
            "2026-11-28T11:06:40.Z",
            "2026-11-28T11:06:40.12a4Z",
            "2026-11-28T11:06:40+00:00",
            "0000-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999Z",
            "+2026-11-28T11:06:40Z",
        ];
        for c in cases {
            if let Some(us) = parse_utc_fast(c.as_bytes()) {
                assert_eq!(Some(us), chrono_parse(c), "{c}");
            }
            assert_eq!(parse_rfc3339(c), chrono_parse(c), "{c}");
        }
    }

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
