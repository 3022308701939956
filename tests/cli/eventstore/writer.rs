//! A chunk writer for tests, the fixture generator and the benchmark. It lays out
//! files as the EventStoreDB / KurrentDB server does (TFChunk, log format v2):
//! a 128-byte header, records framed `i32 len | record | i32 len`, and either a
//! footer with the MD5 of everything before its hash (completed chunk, file cut to
//! its data) or a pre-allocated zero tail (active chunk, bounded by `writer.chk`).
//! Records that do not fit in the chunk's space go to the next chunk, whose first
//! log position is `number * chunk_size`, as the server does.
#![allow(dead_code)]

use std::fs::{self, File};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub const HEADER: u64 = 128;
pub const FOOTER: u64 = 128;

pub const DATA: u16 = 0x1;
pub const TX_BEGIN: u16 = 0x2;
pub const TX_END: u16 = 0x4;
pub const STREAM_DELETE: u16 = 0x8;
pub const IS_COMMITTED: u16 = 0x20;
pub const IS_JSON: u16 = 0x100;
pub const IS_REDACTED: u16 = 0x200;
/// One JSON event appended on its own: Data | TransactionBegin | TransactionEnd | IsCommitted | IsJson.
pub const SINGLE_JSON: u16 = DATA | TX_BEGIN | TX_END | IS_COMMITTED | IS_JSON;

/// Ticks of 0001-01-01 → 1970-01-01.
pub const UNIX_TICKS: i64 = 621_355_968_000_000_000;

/// .NET ticks of an RFC 3339 instant given as Unix microseconds.
pub fn ticks(unix_us: i64) -> i64 {
    UNIX_TICKS + unix_us * 10
}

/// `Guid.ToByteArray()` of a textual GUID (mixed-endian).
pub fn guid(text: &str) -> [u8; 16] {
    let hex: Vec<u8> = text
        .bytes()
        .filter(|b| *b != b'-')
        .collect::<Vec<u8>>()
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).expect("hex"), 16).expect("hex"))
        .collect();
    assert_eq!(hex.len(), 16, "guid {text}");
    let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let mut out = [0u8; 16];
    for (i, &j) in order.iter().enumerate() {
        out[i] = hex[j];
    }
    out
}

/// A GUID from a counter, for generated events.
pub fn guid_n(seed: u64, n: u64) -> [u8; 16] {
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&seed.to_le_bytes());
    g[8..].copy_from_slice(&n.to_be_bytes());
    g[7] = (g[7] & 0x0f) | 0x40;
    g
}

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

fn string(out: &mut Vec<u8>, s: &str) {
    uleb(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// A prepare record's fields (PrepareLogRecord).
#[derive(Clone)]
pub struct Prepare<'a> {
    pub version: u8,
    pub flags: u16,
    pub transaction_position: i64,
    pub transaction_offset: i32,
    pub expected_version: i64,
    pub stream: &'a str,
    pub event_id: [u8; 16],
    pub correlation_id: [u8; 16],
    pub ticks: i64,
    pub event_type: &'a str,
    pub data: &'a [u8],
    pub metadata: &'a [u8],
}

impl<'a> Prepare<'a> {
    /// A single JSON event written on its own (v1, IsCommitted).
    pub fn single(stream: &'a str, number: i64, event_type: &'a str, data: &'a [u8], id: [u8; 16], ticks: i64) -> Self {
        Prepare {
            version: 1,
            flags: SINGLE_JSON,
            transaction_position: -1,
            transaction_offset: 0,
            expected_version: number - 1,
            stream,
            event_id: id,
            correlation_id: guid_n(0xc0, number as u64),
            ticks,
            event_type,
            data,
            metadata: b"",
        }
    }
}

/// The record bytes (without framing). `transaction_position` −1 means "this record's own position".
pub fn prepare_bytes(p: &Prepare, log_position: i64) -> Vec<u8> {
    let mut b = Vec::with_capacity(96 + p.stream.len() + p.event_type.len() + p.data.len() + p.metadata.len());
    b.push(0);
    b.push(p.version);
    b.extend_from_slice(&log_position.to_le_bytes());
    b.extend_from_slice(&p.flags.to_le_bytes());
    let tx = if p.transaction_position < 0 {
        log_position
    } else {
        p.transaction_position
    };
    b.extend_from_slice(&tx.to_le_bytes());
    b.extend_from_slice(&p.transaction_offset.to_le_bytes());
    if p.version == 0 {
        let v = if p.expected_version == i64::MAX - 1 {
            i32::MAX - 1
        } else {
            p.expected_version as i32
        };
        b.extend_from_slice(&v.to_le_bytes());
    } else {
        b.extend_from_slice(&p.expected_version.to_le_bytes());
    }
    string(&mut b, p.stream);
    b.extend_from_slice(&p.event_id);
    b.extend_from_slice(&p.correlation_id);
    b.extend_from_slice(&p.ticks.to_le_bytes());
    string(&mut b, p.event_type);
    b.extend_from_slice(&(p.data.len() as i32).to_le_bytes());
    b.extend_from_slice(p.data);
    b.extend_from_slice(&(p.metadata.len() as i32).to_le_bytes());
    b.extend_from_slice(p.metadata);
    b
}

/// CommitLogRecord.
pub fn commit_bytes(
    version: u8,
    log_position: i64,
    transaction_position: i64,
    first_event_number: i64,
    ticks: i64,
) -> Vec<u8> {
    let mut b = vec![1, version];
    b.extend_from_slice(&log_position.to_le_bytes());
    b.extend_from_slice(&transaction_position.to_le_bytes());
    if version == 0 {
        b.extend_from_slice(&(first_event_number as i32).to_le_bytes());
    } else {
        b.extend_from_slice(&first_event_number.to_le_bytes());
    }
    b.extend_from_slice(&first_event_number.to_le_bytes()); // sort key
    b.extend_from_slice(&guid_n(0xc0, 7));
    b.extend_from_slice(&ticks.to_le_bytes());
    b
}

/// SystemLogRecord holding an epoch (JSON data), as a node writes on start.
pub fn epoch_bytes(log_position: i64, ticks: i64) -> Vec<u8> {
    let data = br#"{"epochPosition":0,"epochNumber":0}"#;
    let mut b = vec![2, 0];
    b.extend_from_slice(&log_position.to_le_bytes());
    b.extend_from_slice(&ticks.to_le_bytes());
    b.push(0); // SystemRecordType.Epoch
    b.push(1); // SystemRecordSerialization.Json
    b.extend_from_slice(&0i64.to_le_bytes());
    b.extend_from_slice(&(data.len() as i32).to_le_bytes());
    b.extend_from_slice(data);
    b
}

/// `i32 len | record | i32 len`.
pub fn framed(record: &[u8]) -> Vec<u8> {
    let len = (record.len() as i32).to_le_bytes();
    let mut b = Vec::with_capacity(record.len() + 8);
    b.extend_from_slice(&len);
    b.extend_from_slice(record);
    b.extend_from_slice(&len);
    b
}

/// ChunkHeader: format version 4 ("transformed") with min compatible version 3, or
/// an older version-3 header (byte 34 zero) when `version` is 3.
pub fn header_bytes(version: u8, chunk_size: i32, start: i32, end: i32, scavenged: bool, transform: u8) -> [u8; 128] {
    let mut h = [0u8; 128];
    h[0] = 2;
    h[1] = 3;
    h[2..6].copy_from_slice(&chunk_size.to_le_bytes());
    h[6..10].copy_from_slice(&start.to_le_bytes());
    h[10..14].copy_from_slice(&end.to_le_bytes());
    h[14..18].copy_from_slice(&i32::from(scavenged).to_le_bytes());
    h[18..34].copy_from_slice(&guid_n(0xc4c4, start as u64));
    if version >= 4 {
        h[34] = version;
        h[35] = transform;
    }
    h
}

/// ChunkFooter for a completed chunk (IsCompleted | IsMap12Bytes), hash excluded.
pub fn footer_bytes(physical: i32, logical: i64, map_size: i32) -> [u8; 128] {
    let mut f = [0u8; 128];
    f[0] = 3;
    f[1..5].copy_from_slice(&physical.to_le_bytes());
    f[5..13].copy_from_slice(&logical.to_le_bytes());
    f[13..17].copy_from_slice(&map_size.to_le_bytes());
    f
}

/// A chunk being written: streams to its file, hashing as it goes.
struct Open {
    file: BufWriter<File>,
    md5: Md5,
    number: i32,
    written: u64,
}

/// A database folder written record by record.
pub struct Db {
    pub dir: PathBuf,
    pub chunk_size: i32,
    /// Global log position of the next record.
    pub pos: i64,
    open: Option<Open>,
    /// When set, every record written: (chunk number, log position, record bytes).
    pub kept: Option<Vec<(i32, i64, Vec<u8>)>>,
}

impl Db {
    pub fn new(dir: &Path, chunk_size: i32) -> Db {
        fs::create_dir_all(dir).expect("mkdir");
        Db {
            dir: dir.to_path_buf(),
            chunk_size,
            pos: 0,
            open: None,
            kept: None,
        }
    }

    pub fn chunk_path(&self, number: i32, version: u32) -> PathBuf {
        self.dir.join(format!("chunk-{number:06}.{version:06}"))
    }

    fn ensure_open(&mut self) {
        if self.open.is_some() {
            return;
        }
        let number = (self.pos / i64::from(self.chunk_size)) as i32;
        let mut file = BufWriter::with_capacity(1 << 20, File::create(self.chunk_path(number, 0)).expect("create"));
        let h = header_bytes(4, self.chunk_size, number, number, false, 0);
        file.write_all(&h).expect("write");
        let mut md5 = Md5::new();
        md5.update(&h);
        self.open = Some(Open {
            file,
            md5,
            number,
            written: 0,
        });
    }

    /// Append one record built for position `pos`; returns that position.
    pub fn append(&mut self, build: impl Fn(i64) -> Vec<u8>) -> i64 {
        self.ensure_open();
        let mut record = framed(&build(self.pos));
        let room = self.chunk_size as u64 - self.open.as_ref().map_or(0, |o| o.written);
        if record.len() as u64 > room {
            self.complete_chunk();
            self.ensure_open();
            record = framed(&build(self.pos));
        }
        let o = self.open.as_mut().expect("open chunk");
        if let Some(kept) = self.kept.as_mut() {
            kept.push((o.number, self.pos, record[4..record.len() - 4].to_vec()));
        }
        o.file.write_all(&record).expect("write");
        o.md5.update(&record);
        o.written += record.len() as u64;
        let at = self.pos;
        self.pos += record.len() as i64;
        at
    }

    pub fn prepare(&mut self, p: &Prepare) -> i64 {
        self.append(|pos| prepare_bytes(p, pos))
    }

    pub fn commit(&mut self, transaction_position: i64, first_event_number: i64, ticks: i64) -> i64 {
        self.append(|pos| commit_bytes(1, pos, transaction_position, first_event_number, ticks))
    }

    /// Footer with MD5, file cut to header + data + footer; the log moves to the next chunk.
    pub fn complete_chunk(&mut self) {
        let Some(mut o) = self.open.take() else { return };
        let footer = footer_bytes(o.written as i32, o.written as i64, 0);
        o.md5.update(&footer[..112]);
        o.file.write_all(&footer[..112]).expect("write");
        o.file.write_all(&o.md5.finish()).expect("write");
        o.file.flush().expect("flush");
        // A chunk written live was pre-allocated: cut it to its data and footer.
        let end = HEADER + o.written + FOOTER;
        o.file.get_ref().set_len(end).expect("cut");
        self.pos = (i64::from(o.number) + 1) * i64::from(self.chunk_size);
    }

    /// Leave the open chunk active: pre-allocated to its full aligned size with a
    /// zero tail, and `writer.chk` at the end of the data.
    pub fn finish_active(mut self) -> PathBuf {
        self.ensure_open();
        let o = self.open.take().expect("open chunk");
        let file = o.file.into_inner().expect("flush");
        let full = (HEADER + self.chunk_size as u64 + FOOTER).div_ceil(4096) * 4096;
        file.set_len(full).expect("preallocate");
        self.write_writer_chk(self.pos);
        self.dir.clone()
    }

    /// Complete the last chunk too (a backup taken right at a chunk boundary).
    pub fn finish_completed(mut self) -> PathBuf {
        self.complete_chunk();
        self.write_writer_chk(self.pos);
        self.dir.clone()
    }

    /// What a running node does after a write: the records on disk in the
    /// pre-allocated active chunk, then `writer.chk` moved past them.
    pub fn sync_live(&mut self) {
        self.ensure_open();
        let o = self.open.as_mut().expect("open chunk");
        o.file.flush().expect("flush");
        let full = (HEADER + self.chunk_size as u64 + FOOTER).div_ceil(4096) * 4096;
        if o.file.get_ref().metadata().expect("stat").len() < full {
            o.file.get_ref().set_len(full).expect("preallocate");
        }
        self.write_writer_chk(self.pos);
    }

    /// Records on disk but `writer.chk` not moved yet (a write in flight).
    pub fn flush_only(&mut self) {
        if let Some(o) = self.open.as_mut() {
            o.file.flush().expect("flush");
        }
    }

    /// Checkpoints are 8 bytes overwritten in place, as the server's memory-mapped
    /// files are: a reader never sees one empty.
    pub fn write_writer_chk(&self, pos: i64) {
        for name in ["writer.chk", "chaser.chk", "epoch.chk", "truncate.chk"] {
            let v: i64 = if name == "truncate.chk" { -1 } else { pos };
            let mut f = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(self.dir.join(name))
                .expect("chk");
            f.write_all(&v.to_le_bytes()).expect("chk");
        }
    }
}

/// Write a scavenged chunk `chunk-NNNNNN.000001`: the kept records rewritten
/// contiguously with their original log positions, a 12-byte-entry position map,
/// and a footer whose logical size stays the original one.
pub fn write_scavenged(dir: &Path, chunk_size: i32, number: i32, records: &[(i64, Vec<u8>)], logical: i64) -> PathBuf {
    let path = dir.join(format!("chunk-{number:06}.000001"));
    let mut out = Vec::new();
    out.extend_from_slice(&header_bytes(4, chunk_size, number, number, true, 0));
    let mut map = Vec::new();
    for (log_pos, record) in records {
        let actual = (out.len() as u64 - HEADER) as i32;
        map.extend_from_slice(&actual.to_le_bytes());
        map.extend_from_slice(&(log_pos - i64::from(number) * i64::from(chunk_size)).to_le_bytes());
        out.extend_from_slice(&framed(record));
    }
    let physical = (out.len() as u64 - HEADER) as i32;
    out.extend_from_slice(&map);
    let footer = footer_bytes(physical, logical, map.len() as i32);
    out.extend_from_slice(&footer[..112]);
    let mut md5 = Md5::new();
    md5.update(&out);
    let hash = md5.finish();
    out.extend_from_slice(&hash);
    fs::write(&path, out).expect("write scavenged");
    path
}

/// Overwrite bytes of a file in place (for damage tests).
pub fn poke(path: &Path, at: u64, bytes: &[u8]) {
    let mut f = fs::OpenOptions::new().write(true).open(path).expect("open");
    f.seek(SeekFrom::Start(at)).expect("seek");
    f.write_all(bytes).expect("poke");
}

/// MD5 (RFC 1321), streaming: the footer's checksum.
pub struct Md5 {
    k: [u32; 64],
    state: [u32; 4],
    buf: Vec<u8>,
    len: u64,
}

impl Md5 {
    pub fn new() -> Md5 {
        Md5 {
            k: std::array::from_fn(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32),
            state: [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476],
            buf: Vec::with_capacity(64),
            len: 0,
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if !self.buf.is_empty() {
            let take = (64 - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == 64 {
                let block: [u8; 64] = self.buf[..].try_into().expect("64");
                self.block(&block);
                self.buf.clear();
            }
        }
        let mut blocks = data.chunks_exact(64);
        for b in &mut blocks {
            self.block(b.try_into().expect("64"));
        }
        self.buf.extend_from_slice(blocks.remainder());
    }

    pub fn finish(mut self) -> [u8; 16] {
        let bits = self.len.wrapping_mul(8);
        let mut pad = vec![0x80u8];
        while (self.buf.len() + pad.len()) % 64 != 56 {
            pad.push(0);
        }
        pad.extend_from_slice(&bits.to_le_bytes());
        let len = self.len;
        self.update(&pad);
        self.len = len;
        let mut out = [0u8; 16];
        for (i, w) in self.state.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    fn block(&mut self, b: &[u8; 64]) {
        const S: [u32; 64] = [
            7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
            14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10,
            15, 21, 6, 10, 15, 21,
        ];
        let m: [u32; 16] = std::array::from_fn(|i| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().expect("4")));
        let [mut a, mut bb, mut c, mut d] = self.state;
        for (i, (&shift, &k)) in S.iter().zip(self.k.iter()).enumerate() {
            let (f, g) = match i / 16 {
                0 => ((bb & c) | (!bb & d), i),
                1 => ((d & bb) | (!d & c), (5 * i + 1) % 16),
                2 => (bb ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (bb | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k).wrapping_add(m[g]);
            a = d;
            d = c;
            c = bb;
            bb = bb.wrapping_add(f.rotate_left(shift));
        }
        for (s, v) in self.state.iter_mut().zip([a, bb, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
}
