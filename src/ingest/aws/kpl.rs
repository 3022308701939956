//! KPL aggregated records (docs/formats.md §4): `F3 89 9A C2`, a protobuf
//! `AggregatedRecord`, then the MD5 of the protobuf bytes. Decoded by hand: the
//! message has three fields.
//!
//! ```text
//! message AggregatedRecord { repeated string partition_key_table = 1;
//!   repeated string explicit_hash_key_table = 2; repeated Record records = 3; }
//! message Record { required uint64 partition_key_index = 1;
//!   optional uint64 explicit_hash_key_index = 2; required bytes data = 3; repeated Tag tags = 4; }
//! ```

use md5::{Digest, Md5};

pub const MAGIC: [u8; 4] = [0xF3, 0x89, 0x9A, 0xC2];
const DIGEST: usize = 16;

/// One user record of an aggregate.
#[derive(Debug, PartialEq)]
pub struct UserRecord {
    pub partition_key: String,
    pub explicit_hash_key: Option<String>,
    pub data: Vec<u8>,
}

/// Does this Kinesis record's data start like a KPL aggregate?
pub fn is_aggregated(data: &[u8]) -> bool {
    data.len() >= MAGIC.len() + DIGEST && data.starts_with(&MAGIC)
}

/// Split an aggregate into its user records; the MD5 trailer must match.
pub fn split(data: &[u8]) -> Result<Vec<UserRecord>, String> {
    if !is_aggregated(data) {
        return Err("not a KPL aggregated record".into());
    }
    let body = &data[MAGIC.len()..data.len() - DIGEST];
    let digest = &data[data.len() - DIGEST..];
    if Md5::digest(body).as_slice() != digest {
        return Err("KPL aggregated record: MD5 trailer does not match the protobuf (damaged record)".into());
    }
    let mut keys = Vec::new();
    let mut hash_keys = Vec::new();
    let mut raw = Vec::new();
    let mut r = Reader { b: body, at: 0 };
    while let Some((field, value)) = r.field()? {
        match (field, value) {
            (1, Value::Bytes(b)) => keys.push(utf8(b, "partition key")?),
            (2, Value::Bytes(b)) => hash_keys.push(utf8(b, "explicit hash key")?),
            (3, Value::Bytes(b)) => raw.push(b),
            (1..=3, _) => return Err(format!("KPL aggregated record: field {field} has the wrong wire type")),
            _ => {}
        }
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, b)| user_record(b, &keys, &hash_keys).map_err(|e| format!("KPL user record {i}: {e}")))
        .collect()
}

fn user_record(b: &[u8], keys: &[String], hash_keys: &[String]) -> Result<UserRecord, String> {
    let mut r = Reader { b, at: 0 };
    let (mut pk, mut ehk, mut data) = (None, None, None);
    while let Some((field, value)) = r.field()? {
        match (field, value) {
            (1, Value::Varint(n)) => pk = Some(n),
            (2, Value::Varint(n)) => ehk = Some(n),
            (3, Value::Bytes(d)) => data = Some(d.to_vec()),
            (1..=3, _) => return Err(format!("field {field} has the wrong wire type")),
            _ => {}
        }
    }
    let index = |n: u64, table: &[String], what: &str| {
        usize::try_from(n)
            .ok()
            .and_then(|i| table.get(i))
            .cloned()
            .ok_or_else(|| format!("{what} index {n} is outside its table of {}", table.len()))
    };
    Ok(UserRecord {
        partition_key: index(pk.ok_or("no partition_key_index")?, keys, "partition key")?,
        explicit_hash_key: ehk.map(|n| index(n, hash_keys, "explicit hash key")).transpose()?,
        data: data.ok_or("no data")?,
    })
}

fn utf8(b: &[u8], what: &str) -> Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|_| format!("KPL aggregated record: {what} is not UTF-8"))
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.at).ok_or("protobuf varint runs past the end")?;
            self.at += 1;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("protobuf varint is longer than 10 bytes".into())
    }

    fn take(&mut self, len: u64) -> Result<&'a [u8], String> {
        let len = usize::try_from(len).map_err(|_| "protobuf length too large")?;
        let end = self
            .at
            .checked_add(len)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| format!("protobuf field of {len} bytes runs past the end"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    /// The next (field number, value), `None` at the end.
    fn field(&mut self) -> Result<Option<(u64, Value<'a>)>, String> {
        if self.at >= self.b.len() {
            return Ok(None);
        }
        let tag = self.varint()?;
        let value = match tag & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed
            }
            2 => {
                let len = self.varint()?;
                Value::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Value::Fixed
            }
            w => return Err(format!("protobuf wire type {w} is not supported")),
        };
        Ok(Some((tag >> 3, value)))
    }
}

/// Build an aggregate (for tests and fixtures): the inverse of [`split`].
pub fn aggregate(keys: &[&str], records: &[(u64, &[u8])]) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut n: u64) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    fn bytes(out: &mut Vec<u8>, field: u64, b: &[u8]) {
        varint(out, (field << 3) | 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }
    let mut body = Vec::new();
    for k in keys {
        bytes(&mut body, 1, k.as_bytes());
    }
    for (pk, data) in records {
        let mut rec = Vec::new();
        varint(&mut rec, 1 << 3);
        varint(&mut rec, *pk);
        bytes(&mut rec, 3, data);
        bytes(&mut body, 3, &rec);
    }
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(Md5::digest(&body).as_slice());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_a_known_vector() {
        // RFC 1321 test suite: MD5("abc").
        let d = Md5::digest(b"abc");
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn splits_what_aggregate_builds() {
        let agg = aggregate(&["a", "b"], &[(0, b"{\"x\":1}"), (1, b"two"), (0, b"")]);
        let recs = split(&agg).expect("split");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].partition_key, "b");
        assert_eq!(recs[1].data, b"two");
        assert_eq!(recs[2].data, b"");
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let mut agg = aggregate(&["a"], &[(0, b"data")]);
        let n = agg.len();
        agg[n - 1] ^= 1;
        assert!(split(&agg).expect_err("md5").contains("MD5"));
        // A body whose lengths run past the end, with a correct digest.
        let body = [0x1a, 0xff, 0x01, 0x00];
        let mut bad = MAGIC.to_vec();
        bad.extend_from_slice(&body);
        bad.extend_from_slice(Md5::digest(body).as_slice());
        assert!(split(&bad).expect_err("len").contains("runs past the end"));
        // Index outside the key table.
        let agg = aggregate(&["a"], &[(5, b"data")]);
        assert!(split(&agg).expect_err("index").contains("outside"));
        for cut in 0..agg.len() {
            let _ = split(&agg[..cut]);
        }
    }
}
