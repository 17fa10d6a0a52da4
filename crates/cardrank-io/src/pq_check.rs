//! Checks on the sizes a Parquet file claims, made before the `parquet`
//! crate allocates from them.
//!
//! `parquet` (59) reserves what a page header says: its uncompressed size
//! (2^31-1 bytes from a 9 KB file) and a dictionary's number of values (a
//! buffer of 16 GiB for 2^31-1), and the footer's count of row groups. So
//! the footer and the page headers of the columns to be read are walked
//! first, with a small reader of the Thrift compact protocol that checks
//! every count and length against the bytes left, and each page's sizes
//! against its column chunk, its codec's largest expansion and (for a
//! dictionary) the bytes its values need.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use ::parquet::basic::{Compression, Type};

/// Thrift compact protocol type codes.
const T_TRUE: u8 = 1;
const T_FALSE: u8 = 2;
const T_BYTE: u8 = 3;
const T_I16: u8 = 4;
const T_I32: u8 = 5;
const T_I64: u8 = 6;
const T_DOUBLE: u8 = 7;
const T_BINARY: u8 = 8;
const T_LIST: u8 = 9;
const T_SET: u8 = 10;
const T_MAP: u8 = 11;
const T_STRUCT: u8 = 12;
const T_UUID: u8 = 13;

/// Deepest nesting of structs and containers walked.
const MAX_DEPTH: u32 = 64;

/// Why a walk stopped: out of bytes (maybe only of the window read so far)
/// or bad data.
#[derive(Debug)]
enum Stop {
    End,
    Bad(String),
}

type Walk<T> = std::result::Result<T, Stop>;

/// A reader of the Thrift compact protocol over a byte slice.
struct Compact<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Compact<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Compact {
            buf,
            pos: 0,
            depth: 0,
        }
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn byte(&mut self) -> Walk<u8> {
        let b = *self.buf.get(self.pos).ok_or(Stop::End)?;
        self.pos += 1;
        Ok(b)
    }

    fn advance(&mut self, n: u64) -> Walk<()> {
        if n > self.left() as u64 {
            return Err(Stop::End);
        }
        self.pos += n as usize;
        Ok(())
    }

    fn varint(&mut self) -> Walk<u64> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                break;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Stop::Bad("a varint runs past 64 bits".into()))
    }

    fn zigzag(&mut self) -> Walk<i64> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn i32(&mut self) -> Walk<i32> {
        i32::try_from(self.zigzag()?).map_err(|_| Stop::Bad("an i32 out of range".into()))
    }

    /// A count of elements, each taking at least one byte, so no more than
    /// the bytes left (or the input ends first).
    fn count(&mut self, n: u64) -> Walk<u64> {
        if n > self.left() as u64 {
            return Err(Stop::End);
        }
        Ok(n)
    }

    /// Calls `field(self, id, type)` for each field of a struct; it returns
    /// whether it read the value, else the value is skipped.
    fn each_field(&mut self, field: &mut dyn FnMut(&mut Self, i16, u8) -> Walk<bool>) -> Walk<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::Bad("structures nested too deep".into()));
        }
        let mut last = 0i16;
        loop {
            let b = self.byte()?;
            if b == 0 {
                break;
            }
            let (delta, ty) = (b >> 4, b & 0x0f);
            let id = if delta == 0 {
                i16::try_from(self.zigzag()?).map_err(|_| Stop::Bad("bad field id".into()))?
            } else {
                last.wrapping_add(i16::from(delta))
            };
            last = id;
            if !field(self, id, ty)? {
                self.skip(ty)?;
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Skips one value of type `ty`.
    fn skip(&mut self, ty: u8) -> Walk<()> {
        match ty {
            T_TRUE | T_FALSE => Ok(()),
            T_BYTE => self.advance(1),
            T_I16 | T_I32 | T_I64 => self.varint().map(drop),
            T_DOUBLE => self.advance(8),
            T_UUID => self.advance(16),
            T_BINARY => {
                let n = self.varint()?;
                self.advance(n)
            }
            T_LIST | T_SET => {
                let b = self.byte()?;
                let n = match b >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                let n = self.count(n)?;
                self.nested(|r| (0..n).try_for_each(|_| r.skip_element(b & 0x0f)))
            }
            T_MAP => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let n = self.count(n)?;
                let kv = self.byte()?;
                self.nested(|r| {
                    (0..n).try_for_each(|_| {
                        r.skip_element(kv >> 4)?;
                        r.skip_element(kv & 0x0f)
                    })
                })
            }
            T_STRUCT => self.each_field(&mut |_, _, _| Ok(false)),
            t => Err(Stop::Bad(format!("unknown Thrift type {t}"))),
        }
    }

    /// Skips a container element (a boolean there is a whole byte).
    fn skip_element(&mut self, ty: u8) -> Walk<()> {
        match ty {
            T_TRUE | T_FALSE => self.advance(1),
            t => self.skip(t),
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Walk<()>) -> Walk<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::Bad("structures nested too deep".into()));
        }
        f(self)?;
        self.depth -= 1;
        Ok(())
    }
}

/// Checks the footer's metadata (a Thrift `FileMetaData`): every count and
/// length fits in the bytes left.
pub(crate) fn check_footer(metadata: &[u8]) -> Result<(), String> {
    match Compact::new(metadata).skip(T_STRUCT) {
        Ok(()) => Ok(()),
        Err(Stop::End) => Err("its footer metadata claims more than its bytes hold".into()),
        Err(Stop::Bad(m)) => Err(format!("its footer metadata is corrupt: {m}")),
    }
}

/// The parts of a page header that are checked.
#[derive(Debug, Default)]
struct PageHeader {
    len: usize,
    uncompressed: i32,
    compressed: i32,
    dictionary_values: Option<i32>,
    /// Definition and repetition level bytes of a v2 data page.
    levels: Option<(i32, i32)>,
}

fn page_header(buf: &[u8]) -> Walk<PageHeader> {
    let mut h = PageHeader::default();
    let mut r = Compact::new(buf);
    r.each_field(&mut |r, id, ty| {
        Ok(match (id, ty) {
            (2, T_I32) => {
                h.uncompressed = r.i32()?;
                true
            }
            (3, T_I32) => {
                h.compressed = r.i32()?;
                true
            }
            (7, T_STRUCT) => {
                r.each_field(&mut |r, id, ty| {
                    Ok(if (id, ty) == (1, T_I32) {
                        h.dictionary_values = Some(r.i32()?);
                        true
                    } else {
                        false
                    })
                })?;
                true
            }
            (8, T_STRUCT) => {
                let (mut def, mut rep) = (0, 0);
                r.each_field(&mut |r, id, ty| {
                    Ok(match (id, ty) {
                        (5, T_I32) => {
                            def = r.i32()?;
                            true
                        }
                        (6, T_I32) => {
                            rep = r.i32()?;
                            true
                        }
                        _ => false,
                    })
                })?;
                h.levels = Some((def, rep));
                true
            }
            _ => false,
        })
    })?;
    h.len = r.pos;
    Ok(h)
}

/// The most a codec can expand its input, at most.
fn max_ratio(codec: Compression) -> u64 {
    match codec {
        // A 3-byte copy makes at most 64 bytes.
        Compression::SNAPPY => 32,
        // Deflate tops out at 1032:1.
        Compression::GZIP(_) => 1_100,
        Compression::LZ4 | Compression::LZ4_RAW => 256,
        // A 4-byte RLE block makes 128 KiB.
        _ => 32_768,
    }
}

/// One column chunk to check: where it is and how it is stored.
pub(crate) struct Chunk {
    pub start: u64,
    pub len: u64,
    pub codec: Compression,
    pub physical: Type,
    pub type_length: i32,
}

/// Walks the page headers of one column chunk, checking each page's sizes.
pub(crate) fn check_chunk(file: &mut File, size: u64, chunk: &Chunk) -> Result<(), String> {
    let end = chunk
        .start
        .checked_add(chunk.len)
        .filter(|&e| e <= size)
        .ok_or_else(|| {
            format!(
                "a column chunk claims {} bytes at offset {}, past the end of the {size} byte file",
                chunk.len, chunk.start
            )
        })?;
    let mut at = chunk.start;
    let mut buf = Vec::new();
    while at < end {
        let header = read_header(file, at, end, &mut buf)?;
        let left = end - at - header.len as u64;
        check_page(&header, left, chunk).map_err(|m| format!("a page at offset {at} {m}"))?;
        at += header.len as u64 + header.compressed as u64;
    }
    Ok(())
}

/// Reads the page header at `at`, from a small window first, then larger
/// ones up to the chunk's end.
fn read_header(
    file: &mut File,
    at: u64,
    end: u64,
    buf: &mut Vec<u8>,
) -> Result<PageHeader, String> {
    let mut window = 4u64 << 10;
    loop {
        let want = window.min(end - at);
        buf.resize(want as usize, 0);
        file.seek(SeekFrom::Start(at))
            .and_then(|_| file.read_exact(buf))
            .map_err(|e| format!("cannot read a page header at offset {at}: {e}"))?;
        match page_header(buf) {
            Ok(h) => return Ok(h),
            Err(Stop::End) if want < end - at => window *= 8,
            Err(Stop::End) => {
                return Err(format!(
                    "the page header at offset {at} runs past its column chunk"
                ))
            }
            Err(Stop::Bad(m)) => {
                return Err(format!("the page header at offset {at} is corrupt: {m}"))
            }
        }
    }
}

fn check_page(h: &PageHeader, left: u64, chunk: &Chunk) -> Result<(), String> {
    if h.compressed < 0 || h.compressed as u64 > left {
        return Err(format!(
            "claims {} bytes, {left} are left in its column chunk",
            h.compressed
        ));
    }
    let packed = h.compressed as u64;
    if h.uncompressed < 0 {
        return Err(format!("claims {} bytes uncompressed", h.uncompressed));
    }
    let size = if chunk.codec == Compression::UNCOMPRESSED {
        packed
    } else {
        let most = packed.saturating_mul(max_ratio(chunk.codec)) + 1024;
        if h.uncompressed as u64 > most {
            return Err(format!(
                "claims {} bytes uncompressed from {packed} ({:?} expands at most {}x)",
                h.uncompressed,
                chunk.codec,
                max_ratio(chunk.codec)
            ));
        }
        h.uncompressed as u64
    };
    if let Some((def, rep)) = h.levels {
        if def < 0 || rep < 0 || def as u64 + rep as u64 > packed {
            return Err(format!(
                "claims {def} + {rep} bytes of levels in {packed} bytes"
            ));
        }
    }
    if let Some(n) = h.dictionary_values {
        let per_value_bits: u64 = match chunk.physical {
            Type::BOOLEAN => 1,
            Type::INT32 | Type::FLOAT | Type::BYTE_ARRAY => 32,
            Type::INT64 | Type::DOUBLE => 64,
            Type::INT96 => 96,
            Type::FIXED_LEN_BYTE_ARRAY => 8 * chunk.type_length.max(1) as u64,
        };
        if n < 0 || n as u64 * per_value_bits > size * 8 {
            return Err(format!(
                "is a dictionary that claims {n} values in {size} bytes"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_past_the_bytes_left_are_refused() {
        // A struct whose field 1 is a list of 2^31 i32s, in 8 bytes.
        let list = [0x19, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00];
        assert!(matches!(Compact::new(&list).skip(T_STRUCT), Err(Stop::End)));
        // A binary field claiming 1000 bytes of 3.
        let bin = [0x18, 0xe8, 0x07, 0x61, 0x62, 0x00];
        assert!(check_footer(&bin).is_err());
        // Field 1 = i32 5, then stop.
        assert!(check_footer(&[0x15, 0x0a, 0x00]).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep: Vec<u8> = std::iter::repeat_n(0x1c, 200).collect();
        assert!(matches!(
            Compact::new(&deep).skip(T_STRUCT),
            Err(Stop::Bad(_))
        ));
    }

    #[test]
    fn page_header_fields_are_read() {
        // type=2 (dict), uncompressed=100, compressed=50, dict header num_values=7.
        let h = [
            0x15, 0x04, 0x15, 0xc8, 0x01, 0x15, 0x64, 0x4c, 0x15, 0x0e, 0x00, 0x00,
        ];
        let h = page_header(&h).unwrap();
        assert_eq!(
            (h.uncompressed, h.compressed, h.dictionary_values),
            (100, 50, Some(7))
        );
        assert_eq!(h.len, 12);
    }
}
