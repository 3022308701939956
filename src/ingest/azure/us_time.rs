//! `EnqueuedTimeUtc` of Event Hubs Capture: .NET's `DateTime.ToString()` in the
//! en-US culture, e.g. `12/7/2018 10:22:49 AM`, always UTC.

use chrono::{NaiveDate, NaiveTime};

/// UTC microseconds of an en-US date and time (`M/D/YYYY h:mm:ss[.fffffff] AM|PM`,
/// or 24-hour without AM/PM); RFC 3339 is accepted too.
pub fn parse_en_us(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(us) = crate::time::parse_rfc3339(s) {
        return Some(us);
    }
    let mut parts = s.split_whitespace();
    let date = parts.next()?;
    let clock = parts.next()?;
    let half = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let mut d = date.split('/');
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let year: i32 = d.next()?.parse().ok()?;
    if d.next().is_some() {
        return None;
    }
    let mut c = clock.split(':');
    let mut hour: u32 = c.next()?.parse().ok()?;
    let minute: u32 = c.next()?.parse().ok()?;
    let sec_text = c.next()?;
    if c.next().is_some() {
        return None;
    }
    let (sec, frac) = match sec_text.split_once('.') {
        Some((s, f)) => (s, f),
        None => (sec_text, ""),
    };
    let sec: u32 = sec.parse().ok()?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Fractions up to microseconds; further digits are dropped.
    let micros: u32 = format!("{:0<6}", &frac[..frac.len().min(6)]).parse().ok()?;
    match half.map(str::to_ascii_uppercase).as_deref() {
        None => {}
        Some("AM") if (1..=12).contains(&hour) => hour %= 12,
        Some("PM") if (1..=12).contains(&hour) => hour = hour % 12 + 12,
        Some(_) => return None,
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = NaiveTime::from_hms_micro_opt(hour, minute, sec, micros)?;
    Some(date.and_time(time).and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_micros;

    #[test]
    fn en_us_times() {
        let f = |s| parse_en_us(s).map(format_micros);
        assert_eq!(
            f("12/7/2018 10:22:49 AM").as_deref(),
            Some("2018-12-07T10:22:49.000000Z")
        );
        assert_eq!(
            f("1/1/2026 12:00:01 AM").as_deref(),
            Some("2026-01-01T00:00:01.000000Z")
        );
        assert_eq!(
            f("1/1/2026 12:00:01 PM").as_deref(),
            Some("2026-01-01T12:00:01.000000Z")
        );
        assert_eq!(
            f("11/20/2026 11:59:59.1234567 PM").as_deref(),
            Some("2026-11-20T23:59:59.123456Z")
        );
        assert_eq!(f("11/20/2026 23:05:00").as_deref(), Some("2026-11-20T23:05:00.000000Z"));
        assert_eq!(
            f("2026-11-20T10:00:00Z").as_deref(),
            Some("2026-11-20T10:00:00.000000Z")
        );
        for bad in [
            "13/1/2026 1:00:00 AM",
            "1/1/2026 13:00:00 PM",
            "1/1/2026",
            "soon",
            "1/1/2026 1:00:00 XM",
        ] {
            assert_eq!(parse_en_us(bad), None, "{bad}");
        }
    }
}
