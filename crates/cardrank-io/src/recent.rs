//! The bytes the CSV parser read last, kept to look back at a record's raw
//! text: the physical line a record starts on, and whether it ended inside
//! an unterminated quote.

use std::io::Read;

use crate::csv::MAX_ROW_BYTES;

/// Bytes a [`Recent`] keeps: the parser's buffer and then some, so that a
/// record's first bytes are still there once it has been read.
const RECENT_BYTES: usize = 4 * super::csv::BUFFER_BYTES;

/// A byte stream that keeps the last [`RECENT_BYTES`] it passed on, by
/// their offset in the stream.
///
/// It is there to name the right line. The parser's line of a record is
/// the line it was on when it began the record, and it begins a record
/// before skipping the line ends in front of it: blank lines, and the
/// `\n` of a `\r\n` that ended the record before (it stops at the `\r`).
/// So a record after blank lines, or any record of a CRLF file, would be
/// named by an earlier line. The record's true line is its begin line plus
/// the `\n` bytes between its begin offset and its first byte, which are
/// read back from here (if they have left the window, the begin line
/// stands).
///
/// It also enforces [`MAX_ROW_BYTES`] while a row is read: reads stop at
/// that many bytes since the row began (`row_start`), and a read asked for
/// past it fails with [`RowLimit`], so an endless line stops there instead
/// of being buffered whole.
pub(crate) struct Recent<R> {
    inner: R,
    ring: Vec<u8>,
    /// Bytes passed on so far; byte `o` of the stream is at `o % ring.len()`.
    total: u64,
    /// Stream offset where the parser began the row it is reading.
    pub(crate) row_start: u64,
    /// Bytes a row may take from the stream, [`MAX_ROW_BYTES`].
    pub(crate) row_limit: u64,
}

/// The error a [`Recent`] read returns once a row is over the limit.
#[derive(Debug)]
pub(crate) struct RowLimit {
    /// Bytes of the row passed on so far.
    pub(crate) bytes: u64,
}

impl std::fmt::Display for RowLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a row of more than {} bytes", self.bytes)
    }
}

impl std::error::Error for RowLimit {}

impl<R> Recent<R> {
    pub(crate) fn new(inner: R) -> Self {
        Recent {
            inner,
            ring: vec![0; RECENT_BYTES],
            total: 0,
            row_start: 0,
            row_limit: MAX_ROW_BYTES as u64,
        }
    }

    /// Byte `offset` of the stream, if it is still kept.
    fn byte_at(&self, offset: u64) -> Option<u8> {
        let w = self.ring.len() as u64;
        (offset < self.total && self.total - offset <= w).then(|| self.ring[(offset % w) as usize])
    }

    /// The physical line of the record the parser began at `begin` on line
    /// `line` (see the type).
    pub(crate) fn line_of(&self, begin: u64, line: u64) -> u64 {
        let mut line = line;
        let mut at = begin;
        while let Some(b) = self.byte_at(at) {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
            at += 1;
        }
        line
    }
}

impl<R: Read> Read for Recent<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        // The parser reads only once it has taken all it was given, so the
        // row it is in has taken `row` bytes and goes on. Reads are cut at
        // the limit, so the row never holds more (its buffer would double).
        let row = self.total.saturating_sub(self.row_start);
        if row >= self.row_limit {
            return Err(std::io::Error::other(RowLimit { bytes: row + 1 }));
        }
        let room = usize::try_from(self.row_limit - row).unwrap_or(usize::MAX);
        let end = out.len().min(room);
        let out = &mut out[..end];
        let n = self.inner.read(out)?;
        let w = self.ring.len();
        // Only the last `w` bytes can matter.
        let kept = &out[n.saturating_sub(w)..n];
        let skipped = (n - kept.len()) as u64;
        let start = ((self.total + skipped) % w as u64) as usize;
        let first = kept.len().min(w - start);
        self.ring[start..start + first].copy_from_slice(&kept[..first]);
        self.ring[..kept.len() - first].copy_from_slice(&kept[first..]);
        self.total += n as u64;
        Ok(n)
    }
}

/// A quote that a record opens and never closes (see
/// [`Recent::unterminated_quote`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenQuote {
    /// The physical line of the quote.
    pub line: u64,
    /// 0-based field of the record it opens.
    pub field: usize,
    /// Offset of the quote in the stream.
    pub offset: u64,
}

/// Where the scan of a record is, as the `csv` parser would be (quotes
/// doubled inside quoted fields, no escape character, no comments).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

impl<R> Recent<R> {
    /// The quote left open by the record the parser began at `begin` (on
    /// line `line`) and ended before `end`, if any.
    ///
    /// The parser ends a quoted field only at its closing quote, so a
    /// record can end inside quotes only at the end of the input: the rest
    /// of the input is then that one field (the `csv` crate accepts this
    /// silently). `None` too when the record's first bytes have left the
    /// window (a record over [`RECENT_BYTES`] is not checked).
    pub(crate) fn unterminated_quote(
        &self,
        begin: u64,
        line: u64,
        end: u64,
        delimiter: u8,
    ) -> Option<OpenQuote> {
        use State::*;
        let mut state = StartRecord;
        let mut line = line;
        let mut field = 0;
        let mut open = None;
        for at in begin..end {
            let b = self.byte_at(at)?;
            state = match (state, b) {
                (StartRecord, b'\r' | b'\n') => StartRecord,
                (StartRecord | StartField, b'"') => {
                    open = Some(OpenQuote {
                        line,
                        field,
                        offset: at,
                    });
                    InQuoted
                }
                (InQuoted, b'"') => QuoteInQuoted,
                (InQuoted, _) => InQuoted,
                (QuoteInQuoted, b'"') => InQuoted,
                (_, b) if b == delimiter => {
                    field += 1;
                    StartField
                }
                // The record ended at a line end outside quotes.
                (_, b'\r' | b'\n') => return None,
                _ => InField,
            };
            if b == b'\n' {
                line += 1;
            }
        }
        open.filter(|_| state == InQuoted)
    }

    /// Up to `max` bytes from `from` (those still kept, up to `end`).
    pub(crate) fn bytes(&self, from: u64, end: u64, max: usize) -> Vec<u8> {
        (from..end.min(from.saturating_add(max as u64)))
            .map_while(|at| self.byte_at(at))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The open quote of the one record that is all of `text`.
    fn open_quote(text: &str) -> Option<(u64, usize)> {
        let mut r = Recent::new(text.as_bytes());
        std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        r.unterminated_quote(0, 1, text.len() as u64, b',')
            .map(|q| (q.line, q.field))
    }

    #[test]
    fn quotes_left_open_are_found() {
        assert_eq!(open_quote("1,\"x\n2,y\n"), Some((1, 1)));
        assert_eq!(open_quote("\n\n\"a\"\"b,\nc"), Some((3, 0)));
        assert_eq!(open_quote("1,\"x\"\"\"\n"), None);
        assert_eq!(open_quote("1,\"x\"\n"), None);
        assert_eq!(open_quote("1,\"x\"y\"z"), None);
        // A quote inside an unquoted field is a character.
        assert_eq!(open_quote("1,a\"b"), None);
        assert_eq!(open_quote("1,2"), None);
    }
}
