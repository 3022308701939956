//! .NET value encodings found in chunk files and client dumps: GUIDs and ticks.

/// Ticks (100 ns) from 0001-01-01 to 1970-01-01.
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// A .NET `Guid` as `Guid.ToByteArray()` lays it out: the first three groups are
/// little-endian, the last eight bytes are in order.
pub fn format_guid(b: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let order: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let mut s = String::with_capacity(36);
    for (n, &i) in order.iter().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[usize::from(b[i] >> 4)] as char);
        s.push(HEX[usize::from(b[i] & 0xf)] as char);
    }
    s
}

/// `DateTime.Ticks` (since 0001-01-01 UTC) to Unix microseconds.
pub fn dotnet_ticks_to_micros(ticks: i64) -> Option<i64> {
    Some(ticks.checked_sub(UNIX_EPOCH_TICKS)?.div_euclid(10))
}

/// 100-ns ticks since the Unix epoch (the gRPC clients' `created`) to microseconds.
pub fn unix_ticks_to_micros(ticks: i64) -> i64 {
    ticks.div_euclid(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_is_mixed_endian() {
        // new Guid("fbf4a1a1-b4a3-4dfe-a01f-ec52c34e16e4").ToByteArray()
        let b = [
            0xa1, 0xa1, 0xf4, 0xfb, 0xa3, 0xb4, 0xfe, 0x4d, 0xa0, 0x1f, 0xec, 0x52, 0xc3, 0x4e, 0x16, 0xe4,
        ];
        assert_eq!(format_guid(&b), "fbf4a1a1-b4a3-4dfe-a01f-ec52c34e16e4");
    }

    #[test]
    fn ticks_convert_to_unix_micros() {
        assert_eq!(dotnet_ticks_to_micros(UNIX_EPOCH_TICKS), Some(0));
        // 2017-12-15T12:19:32.0217761Z
        assert_eq!(
            dotnet_ticks_to_micros(636_489_371_720_217_761),
            crate::time::parse_rfc3339("2017-12-15T12:19:32.021776Z")
        );
        assert_eq!(dotnet_ticks_to_micros(i64::MIN), None);
        assert_eq!(unix_ticks_to_micros(15_133_403_720_217_761), 1_513_340_372_021_776);
    }
}
