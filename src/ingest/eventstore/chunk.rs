//! The chunk file format of EventStoreDB / KurrentDB (docs/formats.md §2): header,
//! footer and the log records between them. Everything is little-endian.

/// Header and footer are 128 bytes each.
pub const HEADER_SIZE: u64 = 128;
pub const FOOTER_SIZE: u64 = 128;
/// `FileType.ChunkFile`, the first byte of every chunk.
pub const CHUNK_FILE_TYPE: u8 = 2;
/// Chunk format version from which byte 34 holds the version and 35 the transform.
const VERSION_TRANSFORMED: u8 = 4;

pub mod flags {
    pub const DATA: u16 = 0x1;
    pub const TRANSACTION_BEGIN: u16 = 0x2;
    pub const TRANSACTION_END: u16 = 0x4;
    pub const STREAM_DELETE: u16 = 0x8;
    pub const IS_COMMITTED: u16 = 0x20;
    pub const IS_JSON: u16 = 0x100;
    pub const IS_REDACTED: u16 = 0x200;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkHeader {
    pub min_compatible_version: u8,
    pub chunk_size: i32,
    pub start_number: i32,
    pub end_number: i32,
    pub is_scavenged: bool,
    pub chunk_id: [u8; 16],
    /// The format version: byte 34 from version 4 on, else the min compatible one.
    pub version: u8,
    /// 0 is identity; anything else (encryption) this build cannot read.
    pub transform: u8,
}

impl ChunkHeader {
    pub fn parse(b: &[u8; HEADER_SIZE as usize]) -> Result<ChunkHeader, String> {
        if b[0] != CHUNK_FILE_TYPE {
            return Err(format!("not a chunk file (file type byte is {}, expected 2)", b[0]));
        }
        let mut c = Cursor::new(&b[1..]);
        let min_compatible_version = c.u8()?;
        let chunk_size = c.i32()?;
        let start_number = c.i32()?;
        let end_number = c.i32()?;
        let is_scavenged = c.i32()? > 0;
        let chunk_id = c.guid()?;
        let stored = c.u8()?;
        let version = if stored == 0 { min_compatible_version } else { stored };
        let transform = if version >= VERSION_TRANSFORMED { c.u8()? } else { 0 };
        if chunk_size <= 0 || start_number < 0 || end_number < start_number {
            return Err(format!(
                "bad chunk header: size {chunk_size}, chunks {start_number}..{end_number}"
            ));
        }
        Ok(ChunkHeader {
            min_compatible_version,
            chunk_size,
            start_number,
            end_number,
            is_scavenged,
            chunk_id,
            version,
            transform,
        })
    }

    /// Global log position of the chunk's first byte of data.
    pub fn start_position(&self) -> i64 {
        i64::from(self.start_number) * i64::from(self.chunk_size)
    }

    /// Global log position just past the chunk's range.
    pub fn end_position(&self) -> i64 {
        (i64::from(self.end_number) + 1) * i64::from(self.chunk_size)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkFooter {
    pub completed: bool,
    pub map_12_bytes: bool,
    pub physical_data_size: i32,
    pub logical_data_size: i64,
    pub map_size: i32,
    pub md5: [u8; 16],
}

impl ChunkFooter {
    pub fn parse(b: &[u8; FOOTER_SIZE as usize]) -> Result<ChunkFooter, String> {
        let mut c = Cursor::new(b);
        let f = c.u8()?;
        let map_12_bytes = f & 2 != 0;
        let physical_data_size = c.i32()?;
        let logical_data_size = if map_12_bytes { c.i64()? } else { i64::from(c.i32()?) };
        let map_size = c.i32()?;
        let mut md5 = [0; 16];
        md5.copy_from_slice(&b[FOOTER_SIZE as usize - 16..]);
        Ok(ChunkFooter {
            completed: f & 1 != 0,
            map_12_bytes,
            physical_data_size,
            logical_data_size,
            map_size,
            md5,
        })
    }
}

/// A prepare record: one event (or a transaction marker), borrowed from its buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepare<'a> {
    pub version: u8,
    pub log_position: i64,
    pub flags: u16,
    pub transaction_position: i64,
    pub transaction_offset: i32,
    pub expected_version: i64,
    pub stream: &'a str,
    pub event_id: [u8; 16],
    pub correlation_id: [u8; 16],
    /// .NET ticks since 0001-01-01 UTC.
    pub timestamp: i64,
    pub event_type: &'a str,
    pub data: &'a [u8],
    pub metadata: &'a [u8],
}

impl Prepare<'_> {
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub version: u8,
    pub log_position: i64,
    pub transaction_position: i64,
    pub first_event_number: i64,
    pub sort_key: i64,
    pub correlation_id: [u8; 16],
    pub timestamp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogRecord<'a> {
    Prepare(Prepare<'a>),
    Commit(Commit),
    /// Epochs and other system records: not events.
    System,
}

/// Decode one record (the bytes between its length prefix and suffix).
pub fn parse_record(b: &[u8]) -> Result<LogRecord<'_>, String> {
    let mut c = Cursor::new(b);
    let kind = c.u8()?;
    let version = c.u8()?;
    let log_position = c.i64()?;
    match kind {
        0 => parse_prepare(&mut c, version, log_position).map(LogRecord::Prepare),
        1 => {
            if version > 1 {
                return Err(format!("commit record version {version} is not supported"));
            }
            let transaction_position = c.i64()?;
            let first_event_number = if version == 0 { i64::from(c.i32()?) } else { c.i64()? };
            Ok(LogRecord::Commit(Commit {
                version,
                log_position,
                transaction_position,
                first_event_number,
                sort_key: c.i64()?,
                correlation_id: c.guid()?,
                timestamp: c.i64()?,
            }))
        }
        2 => Ok(LogRecord::System),
        other => Err(format!(
            "log record type {other} is not a v2 log record (prepare, commit or system)"
        )),
    }
}

fn parse_prepare<'a>(c: &mut Cursor<'a>, version: u8, log_position: i64) -> Result<Prepare<'a>, String> {
    if version > 1 {
        return Err(format!("prepare record version {version} is not supported"));
    }
    let flags = c.u16()?;
    let transaction_position = c.i64()?;
    let transaction_offset = c.i32()?;
    let expected_version = if version == 0 {
        // v0 wrote the deleted-stream marker as int.MaxValue - 1.
        match c.i32()? {
            v if v == i32::MAX - 1 => i64::MAX - 1,
            v => i64::from(v),
        }
    } else {
        c.i64()?
    };
    let stream = c.string("stream id")?;
    let event_id = c.guid()?;
    let correlation_id = c.guid()?;
    let timestamp = c.i64()?;
    let event_type = c.string("event type")?;
    let data = c.blob("data")?;
    let metadata = c.blob("metadata")?;
    Ok(Prepare {
        version,
        log_position,
        flags,
        transaction_position,
        transaction_offset,
        expected_version,
        stream,
        event_id,
        correlation_id,
        timestamp,
        event_type,
        data,
        metadata,
    })
}

/// Checked little-endian reads over a record; errors name what ran short.
struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor { b, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len()).ok_or_else(|| {
            format!(
                "record ends early: {n} bytes needed at byte {} of {}",
                self.pos,
                self.b.len()
            )
        })?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    fn guid(&mut self) -> Result<[u8; 16], String> {
        self.array()
    }

    /// .NET `BinaryWriter.Write(string)`: a 7-bit encoded (ULEB128) length, then UTF-8.
    fn string(&mut self, what: &str) -> Result<&'a str, String> {
        let mut len: u32 = 0;
        for i in 0..5 {
            let b = self.u8()?;
            len |= u32::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                let at = self.pos;
                let bytes = self.take(len as usize)?;
                return std::str::from_utf8(bytes).map_err(|_| format!("{what} at byte {at} is not UTF-8"));
            }
        }
        Err(format!("{what}: bad 7-bit encoded length"))
    }

    /// An i32 length, then that many bytes (a negative length counts as empty, as the server reads it).
    fn blob(&mut self, what: &str) -> Result<&'a [u8], String> {
        let len = self.i32()?;
        if len <= 0 {
            return Ok(&[]);
        }
        self.take(len as usize).map_err(|e| format!("{what}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uleb(out: &mut Vec<u8>, mut n: usize) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    #[test]
    fn header_fields_and_transform() {
        let mut b = [0u8; 128];
        b[0] = 2;
        b[1] = 3;
        b[2..6].copy_from_slice(&(256 * 1024 * 1024i32).to_le_bytes());
        b[6..10].copy_from_slice(&4i32.to_le_bytes());
        b[10..14].copy_from_slice(&5i32.to_le_bytes());
        b[14..18].copy_from_slice(&1i32.to_le_bytes());
        let h = ChunkHeader::parse(&b).expect("header");
        assert_eq!((h.version, h.transform, h.is_scavenged), (3, 0, true));
        assert_eq!(h.start_position(), 4 * 256 * 1024 * 1024);
        assert_eq!(h.end_position(), 6 * 256 * 1024 * 1024);
        b[34] = 4;
        b[35] = 1;
        assert_eq!(ChunkHeader::parse(&b).expect("v4").transform, 1);
        b[0] = 1;
        assert!(ChunkHeader::parse(&b).expect_err("type").contains("not a chunk file"));
    }

    #[test]
    fn long_strings_use_multi_byte_lengths() {
        let stream = "s".repeat(300);
        let mut b = vec![0u8, 1];
        b.extend_from_slice(&7i64.to_le_bytes());
        b.extend_from_slice(&0x0127u16.to_le_bytes());
        b.extend_from_slice(&7i64.to_le_bytes());
        b.extend_from_slice(&0i32.to_le_bytes());
        b.extend_from_slice(&(-1i64).to_le_bytes());
        uleb(&mut b, stream.len());
        b.extend_from_slice(stream.as_bytes());
        b.extend_from_slice(&[1; 32]);
        b.extend_from_slice(&0i64.to_le_bytes());
        uleb(&mut b, 1);
        b.push(b'T');
        b.extend_from_slice(&2i32.to_le_bytes());
        b.extend_from_slice(b"{}");
        b.extend_from_slice(&0i32.to_le_bytes());
        let LogRecord::Prepare(p) = parse_record(&b).expect("prepare") else {
            panic!("not a prepare")
        };
        assert_eq!((p.stream.len(), p.event_type, p.data), (300, "T", &b"{}"[..]));
        // Every truncation is an error, never a panic.
        for n in 0..b.len() {
            assert!(parse_record(&b[..n]).is_err(), "{n}");
        }
    }

    #[test]
    fn v0_tombstone_version_is_widened() {
        let mut b = vec![0u8, 0];
        b.extend_from_slice(&0i64.to_le_bytes());
        b.extend_from_slice(&0x000eu16.to_le_bytes());
        b.extend_from_slice(&0i64.to_le_bytes());
        b.extend_from_slice(&0i32.to_le_bytes());
        b.extend_from_slice(&(i32::MAX - 1).to_le_bytes());
        b.extend_from_slice(&[1, b's']);
        b.extend_from_slice(&[0; 40]);
        b.push(0);
        b.extend_from_slice(&0i32.to_le_bytes());
        b.extend_from_slice(&0i32.to_le_bytes());
        let LogRecord::Prepare(p) = parse_record(&b).expect("prepare") else {
            panic!("not a prepare")
        };
        assert_eq!(p.expected_version, i64::MAX - 1);
        assert!(p.has(flags::STREAM_DELETE));
    }
}
