//! The namespaces of VW input: the first pass that finds them all, and
//! what a read of listed namespaces found.

use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

use super::DEFAULT_NAMESPACE;
use crate::csv::MAX_ROW_BYTES;
use crate::error::{list_preview, Error, Result};
use crate::source::{self, Source};

/// Reads one physical line (without its end) into `buf`; `false` at the end.
pub(super) fn read_line<R: BufRead>(reader: &mut R, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let n = reader
        .by_ref()
        .take(MAX_ROW_BYTES as u64 + 2)
        .read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    Ok(true)
}

/// The namespaces of one line, as written (`default` for the default one).
fn line_namespaces(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut parts = line.split(|&b| b == b'|');
    parts.next();
    parts.map(|seg| {
        if seg.first().is_none_or(|b| b.is_ascii_whitespace()) {
            DEFAULT_NAMESPACE.as_bytes()
        } else {
            let end = seg
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .unwrap_or(seg.len());
            let name = &seg[..end];
            // `|ns:0.5` gives the namespace a weight, which is ignored.
            match name.iter().rposition(|&b| b == b':') {
                Some(i) if i > 0 => &name[..i],
                _ => name,
            }
        }
    })
}

/// Adds the namespaces of a whole stream to `seen`, in order of first
/// appearance (the first pass over a VW file).
pub(crate) fn scan_namespaces(src: Source, seen: &mut Seen) -> Result<()> {
    let Source {
        name,
        reader,
        compression,
        progress,
        ..
    } = src;
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        line += 1;
        match read_line(&mut reader, &mut buf) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(source::io_error(&name, compression, &progress, line, e)),
        }
        seen.add_line(&buf);
    }
}

/// Namespace names in order of first appearance, with a set for lookups.
#[derive(Default)]
pub(crate) struct Seen {
    names: Vec<String>,
    set: hashbrown::HashSet<Vec<u8>>,
}

impl Seen {
    /// Adds the namespaces of one line.
    pub(super) fn add_line(&mut self, line: &[u8]) {
        for ns in line_namespaces(line) {
            self.add(ns);
        }
    }

    /// Adds one namespace.
    pub(super) fn add(&mut self, ns: &[u8]) {
        if !self.set.contains(ns) {
            if let Ok(name) = std::str::from_utf8(ns) {
                self.set.insert(ns.to_vec());
                self.names.push(name.to_string());
            }
        }
    }

    /// The names, in order of first appearance.
    pub(crate) fn into_names(self) -> Vec<String> {
        self.names
    }
}

/// What the reads of listed namespaces (`--features`) found in all VW
/// inputs together. A namespace may first appear on any line of any file,
/// so one that never appears is known only at the end of the read.
#[derive(Default)]
pub(crate) struct Found {
    /// Per listed column, whether its namespace appeared on some line.
    present: Vec<bool>,
    /// The namespaces seen that were not listed (as written).
    others: Seen,
}

/// [`Found`], shared by the readers of the inputs one after the other.
pub(crate) type SharedFound = Arc<Mutex<Found>>;

impl Found {
    /// Adds what one input's reader found: `present` per listed column, and
    /// the namespaces that were not listed.
    pub(super) fn add(&mut self, present: &[bool], others: &Seen) {
        if self.present.len() < present.len() {
            self.present.resize(present.len(), false);
        }
        for (p, &q) in self.present.iter_mut().zip(present) {
            *p |= q;
        }
        for name in &others.names {
            self.others.add(name.as_bytes());
        }
    }

    /// Errors on the first of the `listed` columns whose namespace never
    /// appeared (`path` names the input in the message).
    pub(crate) fn check(&self, path: &str, listed: &[String]) -> Result<()> {
        let missing = listed
            .iter()
            .enumerate()
            .find(|&(i, _)| !self.present.get(i).copied().unwrap_or(false));
        let Some((_, column)) = missing else {
            return Ok(());
        };
        let mut names: Vec<&str> = listed
            .iter()
            .enumerate()
            .filter(|&(i, _)| self.present.get(i).copied().unwrap_or(false))
            .map(|(_, n)| n.as_str())
            .collect();
        names.extend(self.others.names.iter().map(String::as_str));
        Err(Error::UnknownColumn {
            path: path.to_string(),
            role: "feature",
            column: crate::error::escape_preview(column.as_bytes()),
            available: list_preview(&names),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_of_a_line() {
        let ns: Vec<&[u8]> = line_namespaces(b"1 0.5 'tag|user u1 u2 |site:2 s| x").collect();
        assert_eq!(ns, vec![&b"user"[..], b"site", b"default"]);
    }
}
