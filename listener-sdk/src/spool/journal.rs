//! The spool's on-disk format: segment files of framed records, and the reader that finds
//! them again after a crash. Pure functions over bytes; the file handling is in the parent.
//!
//! A record is a 20-byte header and a payload:
//!
//! | bytes | what |
//! |---|---|
//! | 0..2 | `SJ` |
//! | 2 | kind: 1 an entry, 2 an acknowledgement, 3 a segment's base |
//! | 3 | 0 |
//! | 4..8 | payload length, u32 little-endian (0 unless an entry) |
//! | 8..16 | sequence number, u64 little-endian |
//! | 16..20 | CRC-32 (IEEE) of bytes 0..16 and the payload, little-endian |
//!
//! A segment is zero-filled when created and records are written over the zeros, so the
//! record that ends the log is followed by zeros. A record that does not check (a write
//! torn by a crash, a damaged block) ends the segment if nothing valid follows it (a torn
//! tail) and is skipped, counted, if a valid record does.

/// Header bytes before each payload.
pub(super) const HEADER: usize = 20;
const MAGIC: [u8; 2] = *b"SJ";

/// What a record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// An entry, with its data as payload.
    Entry = 1,
    /// The entry with this sequence number was acknowledged (or dropped).
    Ack = 2,
    /// A segment's first record: the sequence number the next entry gets.
    Base = 3,
}

/// One valid record found in a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    /// Its kind.
    pub kind: Kind,
    /// Its sequence number.
    pub seq: u64,
    /// Where its payload starts in the segment.
    pub offset: usize,
    /// The payload's length.
    pub len: usize,
}

/// Everything read from one segment.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Scan {
    /// The valid records, in file order.
    pub records: Vec<Found>,
    /// Where the next record would be written: after the last valid one.
    pub end: usize,
    /// Damaged stretches skipped because valid records followed them.
    pub corrupt: u64,
    /// Whether bytes that are not a record (nor zeros) follow `end`: a torn write.
    pub torn: bool,
}

/// Slicing-by-8 tables: `TABLES[0]` is the classic byte table, `TABLES[k]` advances a byte
/// through `k` more zero bytes, so eight bytes are folded per step.
const fn crc_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

static TABLES: [[u32; 256]; 8] = crc_tables();

fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = !0u32;
    for part in parts {
        let mut chunks = part.chunks_exact(8);
        for b in &mut chunks {
            let lo = c ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            c = TABLES[7][(lo & 0xFF) as usize]
                ^ TABLES[6][((lo >> 8) & 0xFF) as usize]
                ^ TABLES[5][((lo >> 16) & 0xFF) as usize]
                ^ TABLES[4][(lo >> 24) as usize]
                ^ TABLES[3][usize::from(b[4])]
                ^ TABLES[2][usize::from(b[5])]
                ^ TABLES[1][usize::from(b[6])]
                ^ TABLES[0][usize::from(b[7])];
        }
        for &b in chunks.remainder() {
            c = TABLES[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
    }
    !c
}

/// Appends the record `kind`/`seq`/`payload` to `out`. `payload` longer than 4 GiB is
/// refused by the caller.
pub(super) fn encode(kind: Kind, seq: u64, payload: &[u8], out: &mut Vec<u8>) {
    let mut head = [0u8; 16];
    head[..2].copy_from_slice(&MAGIC);
    head[2] = kind as u8;
    head[4..8].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    head[8..16].copy_from_slice(&seq.to_le_bytes());
    let crc = crc32(&[&head, payload]);
    out.extend_from_slice(&head);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(payload);
}

/// The valid record at `pos`, if there is one.
fn decode_at(buf: &[u8], pos: usize) -> Option<Found> {
    let head = buf.get(pos..pos.checked_add(HEADER)?)?;
    if head[..2] != MAGIC || head[3] != 0 {
        return None;
    }
    let kind = match head[2] {
        1 => Kind::Entry,
        2 => Kind::Ack,
        3 => Kind::Base,
        _ => return None,
    };
    let len = u32::from_le_bytes(head[4..8].try_into().ok()?) as usize;
    if kind != Kind::Entry && len != 0 {
        return None;
    }
    let seq = u64::from_le_bytes(head[8..16].try_into().ok()?);
    let crc = u32::from_le_bytes(head[16..20].try_into().ok()?);
    let offset = pos + HEADER;
    let payload = buf.get(offset..offset.checked_add(len)?)?;
    (crc32(&[&head[..16], payload]) == crc).then_some(Found {
        kind,
        seq,
        offset,
        len,
    })
}

/// Every valid record in the segment `buf`; never panics, whatever the bytes.
pub(super) fn scan(buf: &[u8]) -> Scan {
    let mut out = Scan::default();
    let mut pos = 0;
    while pos < buf.len() {
        if let Some(found) = decode_at(buf, pos) {
            out.records.push(found);
            pos = found.offset + found.len;
            out.end = pos;
            continue;
        }
        if buf[pos..].iter().all(|&b| b == 0) {
            break; // the zeros after the last record
        }
        let next = (pos + 1..buf.len().saturating_sub(HEADER - 1))
            .find(|&p| buf[p..p + 2] == MAGIC && decode_at(buf, p).is_some());
        match next {
            Some(p) => {
                out.corrupt += 1;
                pos = p;
            }
            None => {
                out.torn = true;
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(records: &[(Kind, u64, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (kind, seq, data) in records {
            encode(*kind, *seq, data, &mut out);
        }
        out
    }

    #[test]
    fn the_crc_is_ieee() {
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
        // Split anywhere, and long enough for the 8-byte steps: the same as byte by byte.
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let bytewise = |d: &[u8]| {
            let mut c = !0u32;
            for &b in d {
                c = TABLES[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
            }
            !c
        };
        for cut in [0, 1, 7, 8, 9, 500, 999, 1000] {
            assert_eq!(
                crc32(&[&data[..cut], &data[cut..]]),
                bytewise(&data),
                "{cut}"
            );
        }
    }

    #[test]
    fn records_round_trip_before_the_zeros() {
        let mut buf = log(&[(Kind::Base, 7, b""), (Kind::Entry, 7, b"abc")]);
        let end = buf.len();
        buf.resize(end + 100, 0);
        let s = scan(&buf);
        assert_eq!(s.records.len(), 2);
        assert_eq!(s.records[1].kind, Kind::Entry);
        assert_eq!(&buf[s.records[1].offset..][..s.records[1].len], b"abc");
        assert_eq!((s.end, s.corrupt, s.torn), (end, 0, false));
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_survived() {
        let buf = log(&[
            (Kind::Entry, 1, b"first"),
            (Kind::Entry, 2, b"second"),
            (Kind::Ack, 1, b""),
        ]);
        for cut in 0..buf.len() {
            let s = scan(&buf[..cut]);
            assert!(s.records.len() <= 3);
            assert_eq!(
                s.corrupt, 0,
                "a cut at {cut} is a torn tail, not corruption"
            );
        }
        for at in 0..buf.len() {
            let mut bad = buf.clone();
            bad[at] ^= 0x55;
            let s = scan(&bad);
            // The damaged record is gone; the others are found.
            assert_eq!(s.records.len(), 2, "flip at {at}");
        }
    }
}
