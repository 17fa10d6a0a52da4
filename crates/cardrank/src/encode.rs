//! Encoding of raw values to dense `u32` codes, one dictionary per column.
//!
//! A [`Dictionary`] gives each distinct value the next free code, in the order
//! values are first seen. Values configured as missing (by default only the
//! empty field, and Arrow nulls) share one code of their own, so by default
//! every distinct raw string is one category, as scikit-learn sees it.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use serde::{Deserialize, Serialize};

use crate::sketch::DistinctSketch;

/// The label under which the missing category is shown.
pub const MISSING_LABEL: &str = "<missing>";

/// The label of the level that folded values share (`max_distinct`).
pub const OTHER_LABEL: &str = "<other>";

/// The tokens that count as missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingTokens {
    tokens: Vec<Vec<u8>>,
    /// Fast path: the only token is the empty field.
    only_empty: bool,
}

impl MissingTokens {
    /// Missing tokens from strings; `[""]` means only the empty field.
    pub fn new<S: AsRef<str>>(tokens: &[S]) -> Self {
        let mut tokens: Vec<Vec<u8>> = tokens
            .iter()
            .map(|t| t.as_ref().as_bytes().to_vec())
            .collect();
        tokens.sort();
        tokens.dedup();
        let only_empty = tokens.len() == 1 && tokens[0].is_empty();
        MissingTokens { tokens, only_empty }
    }

    /// The tokens, as given.
    pub fn tokens(&self) -> impl Iterator<Item = &[u8]> {
        self.tokens.iter().map(Vec::as_slice)
    }

    /// Whether a raw value is missing.
    #[inline]
    pub fn is_missing(&self, value: &[u8]) -> bool {
        if self.only_empty {
            value.is_empty()
        } else {
            self.tokens.iter().any(|t| t.as_slice() == value)
        }
    }
}

impl Default for MissingTokens {
    fn default() -> Self {
        MissingTokens::new(&[""])
    }
}

/// A column's dictionary: distinct values to dense codes `0..len()`.
///
/// Values are stored once, in an arena, in code order.
#[derive(Clone, Default)]
pub struct Dictionary {
    arena: Vec<u8>,
    /// `offsets[c]..offsets[c + 1]` is the value of code `c`.
    offsets: Vec<usize>,
    missing: Option<u32>,
    /// The level of folded values (see [`crate::fold`]), once there is one.
    other: Option<u32>,
    /// Values folded into `other` so far (a value folded twice counts twice).
    folded: u64,
    /// A sketch of every distinct present value ever seen, started at the
    /// first fold, when the exact count is lost (see [`crate::quality`]).
    distinct: Option<Box<DistinctSketch>>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// Integer values already coded (a cache in front of the text: never
    /// serialised, not part of equality).
    ints: IntCodes,
    /// Codes given out by [`Dictionary::code_int`] and not yet in `table`
    /// (indexed on the next lookup by bytes).
    pending: Vec<u32>,
    /// Whether any value came in as bytes (else an integer's text cannot be
    /// here under another code, and `table` can wait).
    text_codes: bool,
}

/// Codes of integer values seen before, so that an integer column is not
/// formatted to text and hashed as bytes on every row. The text stays the
/// value's identity (an integer and its decimal text share one code, as in
/// a CSV file), so the cache only short-cuts [`Dictionary::code`].
#[derive(Clone, Default)]
struct IntCodes {
    /// `direct[v]`: the code of value `v` (`NO_CODE` if not seen), for small
    /// non-negative values.
    direct: Vec<u32>,
    /// Other values.
    map: hashbrown::HashMap<i64, u32>,
}

/// `a == b`, inline for the short values most columns hold (a call to
/// `memcmp` per lookup cost more than the comparison).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => {
            let at = |s: &[u8], i: usize| u32::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]]);
            at(a, 0) == at(b, 0) && at(a, n - 4) == at(b, n - 4)
        }
        8..=16 => {
            let at =
                |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
            at(a, 0) == at(b, 0) && at(a, n - 8) == at(b, n - 8)
        }
        _ => a == b,
    }
}

const NO_CODE: u32 = u32::MAX;
/// Values below this always use the direct table...
const DIRECT_MIN: usize = 1 << 16;
/// ...and below this many entries per distinct value seen.
const DIRECT_PER_VALUE: usize = 8;

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary")
            .field("len", &self.len())
            .field("missing", &self.missing)
            .finish()
    }
}

impl PartialEq for Dictionary {
    fn eq(&self, other: &Self) -> bool {
        self.arena == other.arena
            && self.offsets == other.offsets
            && self.missing == other.missing
            && self.other == other.other
            && self.folded == other.folded
            && self.distinct == other.distinct
    }
}

impl Dictionary {
    /// An empty dictionary.
    pub fn new() -> Self {
        Dictionary {
            offsets: vec![0],
            ..Default::default()
        }
    }

    /// Number of codes given out (distinct values, the missing one included).
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether no value was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The code of the missing category, once a missing value was seen.
    pub fn missing_code(&self) -> Option<u32> {
        self.missing
    }

    /// The raw bytes of a code (empty for the missing category).
    pub fn value(&self, code: u32) -> &[u8] {
        let c = code as usize;
        &self.arena[self.offsets[c]..self.offsets[c + 1]]
    }

    /// The code of the level of folded values, once values were folded.
    pub fn other_code(&self) -> Option<u32> {
        self.other
    }

    /// How many values were folded into the other level so far (a value
    /// folded, seen again and folded again counts twice).
    pub fn folded_values(&self) -> u64 {
        self.folded
    }

    /// Once values were folded, a HyperLogLog sketch of every distinct
    /// present value seen (folded ones included); `None` while the
    /// dictionary itself is exact.
    pub fn distinct_sketch(&self) -> Option<&DistinctSketch> {
        self.distinct.as_deref()
    }

    /// A sketch of every present value here and in the existing sketch.
    fn full_sketch(&self) -> DistinctSketch {
        let mut s = self.distinct.as_deref().cloned().unwrap_or_default();
        for c in 0..self.len() as u32 {
            if Some(c) != self.missing && Some(c) != self.other {
                s.insert(self.value(c));
            }
        }
        s
    }

    /// A printable label of a code: the value, [`MISSING_LABEL`] or
    /// [`OTHER_LABEL`].
    pub fn label(&self, code: u32) -> String {
        if Some(code) == self.missing {
            MISSING_LABEL.to_string()
        } else if Some(code) == self.other {
            OTHER_LABEL.to_string()
        } else {
            String::from_utf8_lossy(self.value(code)).into_owned()
        }
    }

    fn push(&mut self, value: &[u8]) -> u32 {
        let code = self.len() as u32;
        self.arena.extend_from_slice(value);
        self.offsets.push(self.arena.len());
        code
    }

    /// The code of the missing category, given out on first use.
    #[inline]
    pub fn missing(&mut self) -> u32 {
        match self.missing {
            Some(c) => c,
            None => {
                let c = self.push(b"");
                self.missing = Some(c);
                c
            }
        }
    }

    /// The code of a present (non-missing) value, given out on first sight.
    #[inline]
    pub fn code(&mut self, value: &[u8]) -> u32 {
        if !self.pending.is_empty() {
            self.index_pending();
        }
        self.text_codes = true;
        let hash = self.hasher.hash_one(value);
        let (arena, offsets) = (&self.arena, &self.offsets);
        let get = |c: u32| &arena[offsets[c as usize]..offsets[c as usize + 1]];
        if let Some(&c) = self.table.find(hash, |&c| same_bytes(get(c), value)) {
            return c;
        }
        let code = self.push(value);
        let (arena, offsets, hasher) = (&self.arena, &self.offsets, &self.hasher);
        self.table.insert_unique(hash, code, |&c| {
            hasher.hash_one(&arena[offsets[c as usize]..offsets[c as usize + 1]])
        });
        if let Some(s) = self.distinct.as_deref_mut() {
            s.insert(value);
        }
        code
    }

    /// The code of a present integer value: the code of its decimal text
    /// (so an integer and its text are one category), found without
    /// formatting when the value was seen before, and without hashing the
    /// text while the column holds only integers.
    #[inline]
    pub fn code_int(&mut self, value: i64) -> u32 {
        let direct = usize::try_from(value)
            .ok()
            .and_then(|v| self.ints.direct.get(v).copied())
            .filter(|&c| c != NO_CODE);
        if let Some(c) = direct.or_else(|| self.ints.map.get(&value).copied()) {
            return c;
        }
        self.new_int(value)
    }

    #[cold]
    fn new_int(&mut self, value: i64) -> u32 {
        let mut buf = itoa::Buffer::new();
        let text = buf.format(value).as_bytes();
        let code = if self.text_codes {
            self.code(text)
        } else {
            // Only integers so far, each cached: this one is new.
            let code = self.push(text);
            self.pending.push(code);
            if let Some(s) = self.distinct.as_deref_mut() {
                s.insert(text);
            }
            code
        };
        let limit = DIRECT_MIN.max(DIRECT_PER_VALUE * self.len());
        match usize::try_from(value) {
            Ok(v) if v < limit => {
                let d = &mut self.ints.direct;
                if v >= d.len() {
                    d.resize((v + 1).next_power_of_two().clamp(1024, limit), NO_CODE);
                }
                d[v] = code;
            }
            _ => {
                self.ints.map.insert(value, code);
            }
        }
        code
    }

    /// Puts the codes given out by [`Dictionary::code_int`] into `table`.
    #[cold]
    fn index_pending(&mut self) {
        let (arena, offsets, hasher) = (&self.arena, &self.offsets, &self.hasher);
        let value = |c: u32| &arena[offsets[c as usize]..offsets[c as usize + 1]];
        self.table
            .reserve(self.pending.len(), |&c| hasher.hash_one(value(c)));
        for &code in &self.pending {
            self.table
                .insert_unique(hasher.hash_one(value(code)), code, |&c| {
                    hasher.hash_one(value(c))
                });
        }
        self.pending.clear();
    }

    /// The code of a present value if it was seen, without adding it.
    pub fn lookup(&self, value: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(value);
        let found = self.table.find(hash, |&c| self.value(c) == value).copied();
        // Codes of integers not yet indexed (rare: `code` indexes them).
        found.or_else(|| {
            self.pending
                .iter()
                .copied()
                .find(|&c| self.value(c) == value)
        })
    }

    /// The code of a raw value: missing tokens map to the missing code.
    #[inline]
    pub fn encode(&mut self, value: &[u8], missing: &MissingTokens) -> u32 {
        if missing.is_missing(value) {
            self.missing()
        } else {
            self.code(value)
        }
    }

    /// The code of the level of folded values, given out on first use.
    pub(crate) fn other(&mut self) -> u32 {
        match self.other {
            Some(c) => c,
            None => {
                let c = self.push(b"");
                self.other = Some(c);
                c
            }
        }
    }

    /// Adds every value of `other`, returning for each of its codes the code
    /// here (`map[other_code] = self_code`).
    pub fn absorb(&mut self, other: &Dictionary) -> Vec<u32> {
        self.folded += other.folded;
        if let Some(theirs) = other.distinct.as_deref() {
            let mut mine = self.full_sketch();
            mine.merge(theirs);
            self.distinct = Some(Box::new(mine));
        }
        if !self.pending.is_empty() {
            self.index_pending();
        }
        let (arena, offsets, hasher) = (&self.arena, &self.offsets, &self.hasher);
        self.table.reserve(other.len(), |&c| {
            hasher.hash_one(&arena[offsets[c as usize]..offsets[c as usize + 1]])
        });
        (0..other.len() as u32)
            .map(|c| {
                if Some(c) == other.missing {
                    self.missing()
                } else if Some(c) == other.other {
                    self.other()
                } else {
                    self.code(other.value(c))
                }
            })
            .collect()
    }

    /// A new dictionary where the values with `keep[code] == false` share
    /// one other level; returns it with the map from old codes to new. The
    /// missing and other levels are always kept.
    pub(crate) fn fold(&self, keep: &[bool]) -> (Dictionary, Vec<u32>) {
        let mut out = Dictionary::new();
        out.folded = self.folded;
        let map = (0..self.len() as u32)
            .map(|c| {
                if Some(c) == self.missing {
                    out.missing()
                } else if Some(c) == self.other {
                    out.other()
                } else if keep.get(c as usize).copied().unwrap_or(true) {
                    out.code(self.value(c))
                } else {
                    out.folded += 1;
                    out.other()
                }
            })
            .collect();
        if out.folded > 0 {
            out.distinct = Some(Box::new(self.full_sketch()));
        }
        (out, map)
    }

    fn from_parts(
        arena: Vec<u8>,
        offsets: Vec<usize>,
        missing: Option<u32>,
        other: Option<u32>,
        folded: u64,
        distinct: Option<DistinctSketch>,
    ) -> Result<Self, String> {
        if offsets.first() != Some(&0)
            || offsets.windows(2).any(|w| w[0] > w[1])
            || offsets.last() != Some(&arena.len())
        {
            return Err("dictionary offsets are inconsistent".into());
        }
        let mut dict = Dictionary {
            arena,
            offsets,
            missing,
            other,
            folded,
            distinct: distinct.map(Box::new),
            // The table below holds every value.
            text_codes: true,
            ..Default::default()
        };
        for code in [missing, other].into_iter().flatten() {
            if code as usize >= dict.len() || (missing.is_some() && missing == other) {
                return Err("dictionary missing or other code out of range".into());
            }
        }
        let mut table = HashTable::with_capacity(dict.len());
        for c in 0..dict.len() as u32 {
            if Some(c) == missing || Some(c) == other {
                continue;
            }
            let v = dict.value(c);
            let hash = dict.hasher.hash_one(v);
            if table.find(hash, |&o| dict.value(o) == v).is_some() {
                return Err("dictionary holds a value twice".into());
            }
            table.insert_unique(hash, c, |&o| dict.hasher.hash_one(dict.value(o)));
        }
        dict.table = table;
        Ok(dict)
    }
}

#[derive(Serialize, Deserialize)]
struct DictionaryParts {
    arena: Vec<u8>,
    offsets: Vec<u64>,
    missing: Option<u32>,
    other: Option<u32>,
    folded: u64,
    distinct: Option<DistinctSketch>,
}

impl Serialize for Dictionary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DictionaryParts {
            arena: self.arena.clone(),
            offsets: self.offsets.iter().map(|&o| o as u64).collect(),
            missing: self.missing,
            other: self.other,
            folded: self.folded,
            distinct: self.distinct.as_deref().cloned(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Dictionary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let parts = DictionaryParts::deserialize(d)?;
        let offsets = parts.offsets.into_iter().map(|o| o as usize).collect();
        Dictionary::from_parts(
            parts.arena,
            offsets,
            parts.missing,
            parts.other,
            parts.folded,
            parts.distinct,
        )
        .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inline comparison agrees with `==` for every length up to 20 and
    /// a difference at every position.
    #[test]
    fn same_bytes_is_equality() {
        for n in 0..=20usize {
            let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
            assert!(same_bytes(&a, &a.clone()));
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a, &b), "length {n}, byte {at}");
            }
            let longer = [a.as_slice(), b"z"].concat();
            assert!(!same_bytes(&a, &longer));
        }
    }

    #[test]
    fn codes_follow_first_sight() {
        let mut d = Dictionary::new();
        let m = MissingTokens::default();
        let codes: Vec<u32> = ["a", "b", "a", "", "c", ""]
            .iter()
            .map(|v| d.encode(v.as_bytes(), &m))
            .collect();
        assert_eq!(codes, vec![0, 1, 0, 2, 3, 2]);
        assert_eq!(d.len(), 4);
        assert_eq!(d.missing_code(), Some(2));
        assert_eq!(d.label(2), MISSING_LABEL);
        assert_eq!(d.label(3), "c");
        assert_eq!(d.lookup(b"b"), Some(1));
        assert_eq!(d.lookup(b"zz"), None);
    }

    #[test]
    fn custom_missing_tokens_share_one_code() {
        let mut d = Dictionary::new();
        let m = MissingTokens::new(&["?", "NA"]);
        let codes: Vec<u32> = ["?", "", "NA", "x"]
            .iter()
            .map(|v| d.encode(v.as_bytes(), &m))
            .collect();
        // The empty field is an ordinary value once other tokens are chosen.
        assert_eq!(codes, vec![0, 1, 0, 2]);
    }

    #[test]
    fn absorb_maps_codes() {
        let m = MissingTokens::default();
        let mut a = Dictionary::new();
        let mut b = Dictionary::new();
        for v in ["x", "y"] {
            a.encode(v.as_bytes(), &m);
        }
        for v in ["", "y", "z"] {
            b.encode(v.as_bytes(), &m);
        }
        let map = a.absorb(&b);
        assert_eq!(map, vec![2, 1, 3]);
        assert_eq!(a.missing_code(), Some(2));
    }

    #[test]
    fn serde_round_trip_rebuilds_the_table() {
        let m = MissingTokens::default();
        let mut a = Dictionary::new();
        for v in ["x", "", "y"] {
            a.encode(v.as_bytes(), &m);
        }
        let json = serde_json::to_string(&a).unwrap();
        let mut b: Dictionary = serde_json::from_str(&json).unwrap();
        assert_eq!(a, b);
        assert_eq!(b.code(b"y"), 2);
        assert_eq!(b.code(b"w"), 3);
    }
}
