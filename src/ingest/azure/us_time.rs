//! `EnqueuedTimeUtc` of Event Hubs Capture: .NET's `DateTime.ToString()` in the
//! en-US culture, e.g. `12/7/2018 10:22:49 AM`, always UTC.

use chrono::{NaiveDate, NaiveTime};

/// UTC microseconds of an en-US date and time (`M/D/YYYY h:mm:ss[.fffffff] AM|PM`,
/// or 24-hour without AM/PM); RFC 3339 is accepted too.
pub fn parse_en_us(s: &str) -> Option<i64> {
    // Runs once per Capture event: the usual shape is read byte by byte, anything
    // else (more spaces, RFC 3339, a bad time) goes the general way.
    fast(s.as_bytes()).or_else(|| general(s))
}

/// `M/D/YYYY h:mm:ss[.f*][ AM| PM]` exactly, with single spaces.
fn fast(b: &[u8]) -> Option<i64> {
    let mut at = 0;
    let mut num = |max_digits: usize, then: Option<u8>| -> Option<u32> {
        let start = at;
        let mut n: u32 = 0;
        while let Some(d) = b.get(at).filter(|c| c.is_ascii_digit()) {
            if at - start == max_digits {
                return None;
            }
            n = n * 10 + u32::from(d - b'0');
            at += 1;
        }
        if at == start {
            return None;
        }
        if let Some(sep) = then {
            if b.get(at) != Some(&sep) {
                return None;
            }
            at += 1;
        }
        Some(n)
    };
    let month = num(2, Some(b'/'))?;
    let day = num(2, Some(b'/'))?;
    let year = num(4, Some(b' '))?;
    let mut hour = num(2, Some(b':'))?;
    let minute = num(2, Some(b':'))?;
    let sec = num(2, None)?;
    let mut rest = b.get(at..)?;
    let mut micros = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for i in 0..6 {
            micros = micros * 10 + frac.get(i).filter(|_| i < digits).map_or(0, |d| u32::from(d - b'0'));
        }
        rest = frac.get(digits..)?;
    }
    match rest {
        b"" => {}
        b" AM" if (1..=12).contains(&hour) => hour %= 12,
        b" PM" if (1..=12).contains(&hour) => hour = hour % 12 + 12,
        _ => return None,
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = NaiveTime::from_hms_micro_opt(hour, minute, sec, micros)?;
    Some(date.and_time(time).and_utc().timestamp_micros())
}

fn general(s: &str) -> Option<i64> {
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

    #[test]
    fn the_fast_way_agrees_with_the_general_one() {
        for s in [
            "12/7/2018 10:22:49 AM",
            "1/1/2026 12:00:01 AM",
            "12/31/2026 12:59:59 PM",
            "11/20/2026 11:59:59.1234567 PM",
            "11/20/2026 11:59:59.5 AM",
            "11/20/2026 23:05:00",
            "2/29/2024 1:00:00 AM",
            "2/29/2026 1:00:00 AM",
            "1/1/2026 0:00:00 AM",
            "1/1/2026 1:60:00 AM",
            "1/1/2026 1:00:00. AM",
            "1/1/2026 1:00:00 am",
            "01/01/2026 01:00:00 AM",
            "1/1/12026 1:00:00 AM",
            "1/1/2026 1:00:00 AM ",
        ] {
            let (f, g) = (fast(s.as_bytes()), general(s));
            assert!(f.is_none() || f == g, "{s}: {f:?} vs {g:?}");
            assert_eq!(parse_en_us(s), g, "{s}");
        }
        assert!(fast(b"12/7/2018 10:22:49 AM").is_some());
    }
}
