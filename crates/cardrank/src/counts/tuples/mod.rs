//! Exact joint counts of feature tuples (pairs and triples) with the
//! target: which tuples ([`PairSpec`]) and their mergeable tables
//! ([`PairState`]), kept in the [`crate::RankState`]; `crate::pairs`
//! finishes them into measures.
//!
//! Rows are first buffered as codes (up to [`PairSpec::buffer_bytes`]);
//! past the buffer they are counted into one table per tuple: dense
//! arrays, else sorted runs (radix sort, run-length counts, merged by
//! size).

mod runs;
mod table;

use std::borrow::Cow;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use self::runs::{count_dense, sort_keys, KeyLayout};
pub(crate) use self::runs::{Cells, Scratch};
use self::table::TupleTable;
use super::FeatureState;
use crate::error::{Error, Result};

/// Which feature tuples to count: every pair among `among`, and `triples`.
///
/// # Example
/// ```
/// let spec = cardrank::PairSpec::among(["site", "device", "hour"])
///     .with_triples(vec![["site".into(), "device".into(), "hour".into()]]);
/// assert_eq!(spec.tuples().len(), 3 + 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairSpec {
    /// Features whose pairs are all counted (in this order).
    pub among: Vec<String>,
    /// Triples counted as well.
    pub triples: Vec<[String; 3]>,
    /// Rows are kept as codes (4 bytes per row and feature) up to this many
    /// bytes before they are counted into the tables (default 1 GiB).
    #[serde(default = "default_buffer")]
    pub buffer_bytes: usize,
}

/// Default of [`PairSpec::buffer_bytes`]: 1 GiB.
pub const DEFAULT_BUFFER_BYTES: usize = 1 << 30;

fn default_buffer() -> usize {
    DEFAULT_BUFFER_BYTES
}

impl Default for PairSpec {
    fn default() -> Self {
        PairSpec {
            among: Vec::new(),
            triples: Vec::new(),
            buffer_bytes: DEFAULT_BUFFER_BYTES,
        }
    }
}

impl PairSpec {
    /// All pairs among these features.
    pub fn among<S: AsRef<str>>(features: impl IntoIterator<Item = S>) -> Self {
        PairSpec {
            among: features
                .into_iter()
                .map(|s| s.as_ref().to_string())
                .collect(),
            triples: Vec::new(),
            buffer_bytes: DEFAULT_BUFFER_BYTES,
        }
    }

    /// Sets the row buffer (see [`PairSpec::buffer_bytes`]).
    pub fn with_buffer_bytes(mut self, bytes: usize) -> Self {
        self.buffer_bytes = bytes;
        self
    }

    /// Adds triples to count.
    pub fn with_triples(mut self, triples: Vec<[String; 3]>) -> Self {
        self.triples = triples;
        self
    }

    /// The tuples counted, pairs (in `among` order) then triples.
    pub fn tuples(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for i in 0..self.among.len() {
            for j in i + 1..self.among.len() {
                out.push(vec![self.among[i].clone(), self.among[j].clone()]);
            }
        }
        out.extend(self.triples.iter().map(|t| t.to_vec()));
        out
    }

    /// Validates names: no empty name, no repeated name within a tuple or
    /// in `among`.
    pub(crate) fn check(&self) -> Result<()> {
        let bad = |value: String, expected: &'static str| Error::InvalidParameter {
            name: "pairs",
            value,
            expected,
        };
        for (i, f) in self.among.iter().enumerate() {
            if f.is_empty() {
                return Err(bad("\"\"".into(), "feature names"));
            }
            if self.among[..i].contains(f) {
                return Err(bad(format!("`{f}` twice"), "distinct feature names"));
            }
        }
        for t in &self.triples {
            if t[0] == t[1] || t[0] == t[2] || t[1] == t[2] || t.iter().any(String::is_empty) {
                return Err(bad(
                    format!("triple ({}, {}, {})", t[0], t[1], t[2]),
                    "three distinct feature names",
                ));
            }
        }
        Ok(())
    }
}

/// Exact joint counts of feature tuples with the target: mergeable and
/// serialisable, part of a [`crate::RankState`].
///
/// Rows are first kept as codes (4 bytes per row and feature) until they
/// would pass the spec's `buffer_bytes`; then they are counted into the
/// tables, one sort per table for the whole buffer. A state whose rows all
/// fit is finished one table at a time, so memory stays near the buffer
/// instead of the sum of every table; the results are the same either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairState {
    /// Names of the features involved, in first-use order.
    names: Vec<String>,
    /// Each tuple as indices into `names`.
    tuples: Vec<Vec<u32>>,
    tables: Vec<TupleTable>,
    /// Rows not yet in the tables: codes per involved feature...
    pending: Vec<Vec<u32>>,
    /// ...and their target classes.
    pending_classes: Vec<u32>,
    /// Most bytes of pending codes.
    buffer_bytes: usize,
}

impl PairState {
    pub(crate) fn new(spec: &PairSpec) -> Self {
        let mut names: Vec<String> = Vec::new();
        let mut index = |n: &String| match names.iter().position(|m| m == n) {
            Some(i) => i as u32,
            None => {
                names.push(n.clone());
                (names.len() - 1) as u32
            }
        };
        let tuples: Vec<Vec<u32>> = spec
            .tuples()
            .iter()
            .map(|t| t.iter().map(&mut index).collect())
            .collect();
        let tables = tuples.iter().map(|t| TupleTable::new(t.len())).collect();
        PairState {
            pending: vec![Vec::new(); names.len()],
            names,
            tuples,
            tables,
            pending_classes: Vec::new(),
            buffer_bytes: spec.buffer_bytes,
        }
    }

    /// The features involved, in first-use order.
    pub fn features(&self) -> &[String] {
        &self.names
    }

    /// The tuples counted, as feature names.
    pub fn tuples(&self) -> Vec<Vec<&str>> {
        self.tuples
            .iter()
            .map(|t| t.iter().map(|&i| self.names[i as usize].as_str()).collect())
            .collect()
    }

    /// Whether no row has been counted into the tables yet (all are
    /// buffered as codes).
    pub(crate) fn tables_empty(&self) -> bool {
        self.tables.iter().all(TupleTable::is_empty)
    }

    /// How many tables are dense (the rest are sparse).
    pub fn dense_tables(&self) -> usize {
        self.tables.iter().filter(|t| t.is_dense()).count()
    }

    /// Rows kept as codes, not yet counted into the tables.
    pub fn buffered_rows(&self) -> usize {
        self.pending_classes.len()
    }

    /// Table `i` with the buffered rows counted in (`cards[k]`: dictionary
    /// size of involved feature `k`).
    pub(crate) fn counted(
        &self,
        i: usize,
        cards: &[usize],
        n_classes: usize,
    ) -> Cow<'_, TupleTable> {
        if self.pending_classes.is_empty() {
            return Cow::Borrowed(&self.tables[i]);
        }
        let mut table = self.tables[i].clone();
        let tuple = &self.tuples[i];
        let cols: Vec<&[u32]> = tuple
            .iter()
            .map(|&k| self.pending[k as usize].as_slice())
            .collect();
        let cs: Vec<usize> = tuple.iter().map(|&k| cards[k as usize]).collect();
        table.add_batch(
            &cols,
            &self.pending_classes,
            &cs,
            n_classes,
            &mut Scratch::default(),
        );
        Cow::Owned(table)
    }

    /// The sorted cells of table `i` with the buffered rows counted in,
    /// for scoring. When the table itself is empty, the buffered rows are
    /// counted in `scratch` and read from there (no table is built): into a
    /// dense array when the table would be dense, else as sorted keys, one
    /// per row.
    pub(crate) fn cells<'s>(
        &'s self,
        i: usize,
        cards: &[usize],
        n_classes: usize,
        scratch: &'s mut Scratch,
    ) -> Cells<'s> {
        let tuple = &self.tuples[i];
        let cs: Vec<usize> = tuple.iter().map(|&k| cards[k as usize]).collect();
        if !self.pending_classes.is_empty() && self.tables[i].is_empty() {
            let cols: Vec<&[u32]> = tuple
                .iter()
                .map(|&k| self.pending[k as usize].as_slice())
                .collect();
            if TupleTable::dense_for(&cs, n_classes) {
                // Counted in the worker's own array, walked in place.
                if self.pending_classes.len() < u32::MAX as usize {
                    let counts = count_dense(&cols, &self.pending_classes, &cs, n_classes, scratch);
                    return Cells::Dense {
                        counts,
                        cards: cs,
                        n_classes,
                    };
                }
            } else if let Some(layout) = KeyLayout::new(&cs, n_classes) {
                let keys = sort_keys(&cols, &self.pending_classes, &layout, scratch);
                return Cells::Keys { keys, layout };
            }
        }
        match self.counted(i, cards, n_classes) {
            Cow::Borrowed(t) => Cells::Run(t.cells()),
            Cow::Owned(t) => Cells::Run(Cow::Owned(t.into_cells())),
        }
    }

    /// The joint value of involved features `members` as one dense code per
    /// buffered row, with the number of codes and the class of each row;
    /// `None` unless every row is buffered and at most `budget` distinct
    /// combinations occur.
    pub(crate) fn joint_codes(
        &self,
        members: &[u32],
        budget: usize,
    ) -> Option<(Vec<u32>, usize, &[u32])> {
        if !self.tables.iter().all(TupleTable::is_empty) {
            return None;
        }
        let cols: Vec<&[u32]> = members
            .iter()
            .map(|&k| self.pending[k as usize].as_slice())
            .collect();
        let mut seen: hashbrown::HashMap<Vec<u32>, u32> = hashbrown::HashMap::new();
        let mut codes = Vec::with_capacity(self.pending_classes.len());
        let mut key = vec![0u32; cols.len()];
        for r in 0..self.pending_classes.len() {
            for (k, c) in key.iter_mut().zip(&cols) {
                *k = c[r];
            }
            let next = seen.len() as u32;
            let code = match seen.get(&key) {
                Some(&c) => c,
                None => {
                    if seen.len() >= budget {
                        return None;
                    }
                    seen.insert(key.clone(), next);
                    next
                }
            };
            codes.push(code);
        }
        Some((codes, seen.len(), &self.pending_classes))
    }

    /// The cells of the pair (involved feature `x`, a column `z` of codes
    /// below `card_z`, one per buffered row), counted in `scratch`.
    #[cfg(test)]
    pub(crate) fn cells_with<'s>(
        &'s self,
        x: u32,
        card_x: usize,
        z: &'s [u32],
        card_z: usize,
        n_classes: usize,
        scratch: &'s mut Scratch,
    ) -> Cells<'s> {
        let cols: [&[u32]; 2] = [&self.pending[x as usize], z];
        let cs = vec![card_x, card_z];
        if TupleTable::dense_for(&cs, n_classes) && self.pending_classes.len() < u32::MAX as usize {
            let counts = count_dense(&cols, &self.pending_classes, &cs, n_classes, scratch);
            return Cells::Dense {
                counts,
                cards: cs,
                n_classes,
            };
        }
        if let Some(layout) = KeyLayout::new(&cs, n_classes) {
            let keys = sort_keys(&cols, &self.pending_classes, &layout, scratch);
            return Cells::Keys { keys, layout };
        }
        let run = table::TupleTable::new(2);
        let mut t = run;
        t.add_batch(&cols, &self.pending_classes, &cs, n_classes, scratch);
        Cells::Run(Cow::Owned(t.into_cells()))
    }

    /// The buffered codes of involved feature `k` (in range) and the
    /// buffered rows' classes: all the rows when [`PairState::tables_empty`].
    pub(crate) fn buffered(&self, k: u32) -> (&[u32], &[u32]) {
        (&self.pending[k as usize], &self.pending_classes)
    }

    pub(crate) fn tuple_indices(&self) -> &[Vec<u32>] {
        &self.tuples
    }

    /// For each involved feature, its index among the state's features.
    pub(crate) fn resolve(&self, features: &[FeatureState]) -> Result<Vec<usize>> {
        self.names
            .iter()
            .map(|n| {
                features
                    .iter()
                    .position(|f| &f.name == n)
                    .ok_or_else(|| Error::UnknownColumn {
                        column: n.clone(),
                        available: features.iter().map(|f| f.name.clone()).collect(),
                    })
            })
            .collect()
    }

    fn pending_bytes(&self) -> usize {
        self.pending_classes.len() * (self.names.len() + 1) * 4
    }

    /// Adds one batch: `codes[k]` are the codes of involved feature `k`,
    /// `cards[k]` its dictionary size.
    pub(crate) fn add_batch(
        &mut self,
        codes: &[&[u32]],
        cards: &[usize],
        classes: &[u32],
        n_classes: usize,
    ) {
        for (p, c) in self.pending.iter_mut().zip(codes) {
            p.extend_from_slice(c);
        }
        self.pending_classes.extend_from_slice(classes);
        if self.pending_bytes() > self.buffer_bytes {
            self.flush(cards, n_classes);
        }
    }

    /// Counts the buffered rows into the tables.
    fn flush(&mut self, cards: &[usize], n_classes: usize) {
        if self.pending_classes.is_empty() {
            return;
        }
        let (pending, classes) = (&self.pending, &self.pending_classes);
        self.tables
            .par_iter_mut()
            .zip(self.tuples.par_iter())
            .for_each_init(Scratch::default, |scratch, (table, tuple)| {
                let cols: Vec<&[u32]> = tuple
                    .iter()
                    .map(|&k| pending[k as usize].as_slice())
                    .collect();
                let cs: Vec<usize> = tuple.iter().map(|&k| cards[k as usize]).collect();
                table.add_batch(&cols, classes, &cs, n_classes, scratch);
            });
        for p in &mut self.pending {
            *p = Vec::new();
        }
        self.pending_classes = Vec::new();
    }

    /// Maps the codes of involved feature `k` through `maps[k]` (`None`:
    /// unchanged), buffered and counted alike; `cards[k]` is its new
    /// dictionary size.
    pub(crate) fn regroup(&mut self, maps: &[Option<&[u32]>], cards: &[usize], n_classes: usize) {
        for (codes, map) in self.pending.iter_mut().zip(maps) {
            if let Some(map) = map {
                for c in codes.iter_mut() {
                    *c = map[*c as usize];
                }
            }
        }
        if self.tables_empty() {
            return;
        }
        let same: Vec<Vec<u32>> = cards.iter().map(|&n| (0..n as u32).collect()).collect();
        let full: Vec<&[u32]> = maps
            .iter()
            .zip(&same)
            .map(|(m, s)| m.unwrap_or(s.as_slice()))
            .collect();
        let class_map: Vec<u32> = (0..n_classes as u32).collect();
        self.tables = self
            .tables
            .par_iter()
            .zip(self.tuples.par_iter())
            .map(|(old, tuple)| {
                let m: Vec<&[u32]> = tuple.iter().map(|&k| full[k as usize]).collect();
                let cs: Vec<usize> = tuple.iter().map(|&k| cards[k as usize]).collect();
                let mut t = TupleTable::new(tuple.len());
                t.absorb(old, &m, &class_map, &cs, n_classes);
                t
            })
            .collect();
    }

    /// Adds `other` (same tuples) into `self`: `maps[k]` maps other's codes
    /// of involved feature `k` to ours, `cards[k]` is our dictionary size.
    pub(crate) fn merge(
        &mut self,
        other: &PairState,
        maps: &[&[u32]],
        cards: &[usize],
        class_map: &[u32],
        n_classes: usize,
    ) -> Result<()> {
        if self.names != other.names || self.tuples != other.tuples {
            return Err(Error::StateMismatch(
                "the states count different feature pairs".into(),
            ));
        }
        self.tables
            .par_iter_mut()
            .zip(other.tables.par_iter())
            .zip(self.tuples.par_iter())
            .for_each(|((mine, theirs), tuple)| {
                let m: Vec<&[u32]> = tuple.iter().map(|&k| maps[k as usize]).collect();
                let cs: Vec<usize> = tuple.iter().map(|&k| cards[k as usize]).collect();
                mine.absorb(theirs, &m, class_map, &cs, n_classes);
            });
        for (k, (mine, theirs)) in self.pending.iter_mut().zip(&other.pending).enumerate() {
            mine.extend(theirs.iter().map(|&c| maps[k][c as usize]));
        }
        self.pending_classes
            .extend(other.pending_classes.iter().map(|&c| class_map[c as usize]));
        if self.pending_bytes() > self.buffer_bytes {
            self.flush(cards, n_classes);
        }
        Ok(())
    }

    /// Checks decoded tables against the state's dictionaries and rows.
    pub(crate) fn validate(
        &self,
        features: &[FeatureState],
        n_classes: usize,
        rows: u64,
    ) -> Result<()> {
        let bad = |what: &str| Error::InvalidState(format!("pair counts: {what}"));
        let cols = self
            .resolve(features)
            .map_err(|_| bad("a feature the state lacks"))?;
        let cards: Vec<usize> = cols.iter().map(|&i| features[i].dict.len()).collect();
        if self.tuples.len() != self.tables.len() || self.pending.len() != self.names.len() {
            return Err(bad("tables are missing"));
        }
        let buffered = self.pending_classes.len();
        let codes_ok = self
            .pending
            .iter()
            .zip(&cards)
            .all(|(p, &card)| p.len() == buffered && p.iter().all(|&c| (c as usize) < card));
        if !codes_ok
            || self
                .pending_classes
                .iter()
                .any(|&c| c as usize >= n_classes)
        {
            return Err(bad("buffered codes out of range"));
        }
        for (tuple, table) in self.tuples.iter().zip(&self.tables) {
            let ok = tuple.len() == table.arity()
                && tuple.iter().all(|&k| (k as usize) < cols.len())
                && {
                    let cs: Vec<usize> = tuple.iter().map(|&k| cards[k as usize]).collect();
                    rows.checked_sub(buffered as u64)
                        .is_some_and(|r| table.check(&cs, n_classes) == Some(r))
                };
            if !ok {
                return Err(bad("they do not match the features or the rows"));
            }
        }
        Ok(())
    }
}
