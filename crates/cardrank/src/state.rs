//! The mergeable, serialisable accumulator behind every measure.
//!
//! A [`RankState`] holds, per feature, the dictionary of values seen and the
//! exact joint counts with the target. Counts are sums, so two states merge
//! into exactly the state of the concatenated data:
//! `merge(state(A), state(B))` finishes to the same numbers, bit for bit, as
//! `state(A ++ B)`, because every measure is computed in a canonical order of
//! the counts (never in the order values were first seen).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twox_hash::XxHash3_64;

use crate::counts::{FeatureState, JointCounts, PairState};
use crate::encode::{Dictionary, MissingTokens};
use crate::error::{Error, Result};
use crate::gain::FOLDS;

const MAGIC: &[u8; 4] = b"CRST";
/// 2: pair tables added. 3: rows with a missing target counted. 4: counts
/// by fold for the cross-fitted gain. 5: a checksum after the body.
const FORMAT_VERSION: u8 = 5;
/// The header: the magic bytes and the format version.
const HEADER: usize = MAGIC.len() + 1;
/// The checksum's bytes: xxHash3 (64 bits, little-endian) of the body.
const CHECKSUM: usize = 8;

/// Everything needed to finish a ranking: plain data, mergeable, serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankState {
    pub(crate) target: String,
    pub(crate) missing: MissingTokens,
    pub(crate) rows: u64,
    pub(crate) batches: u64,
    pub(crate) target_dict: Dictionary,
    pub(crate) class_counts: Vec<u64>,
    /// Empty until the first batch fixes the columns.
    pub(crate) features: Vec<FeatureState>,
    pub(crate) initialised: bool,
    /// Joint counts of feature pairs and triples, when asked for.
    pub(crate) pairs: Option<PairState>,
    /// The per-feature budget of distinct values (see [`crate::fold`]).
    pub(crate) max_distinct: Option<usize>,
    /// Rows left out because their target was missing (not in `rows`).
    pub(crate) missing_target_rows: u64,
    /// Whether counts by fold are kept for the cross-fitted gain.
    pub(crate) gain: bool,
}

impl RankState {
    pub(crate) fn new(target: String, missing: MissingTokens) -> Self {
        RankState {
            target,
            missing,
            rows: 0,
            batches: 0,
            target_dict: Dictionary::new(),
            class_counts: Vec::new(),
            features: Vec::new(),
            initialised: false,
            pairs: None,
            max_distinct: None,
            missing_target_rows: 0,
            gain: false,
        }
    }

    /// Rows left out because their target was missing (null, NaN or a
    /// missing token); they are not in [`RankState::rows`].
    pub fn missing_target_rows(&self) -> u64 {
        self.missing_target_rows
    }

    /// Whether the state counts by fold for the cross-fitted gain.
    pub fn counts_gain(&self) -> bool {
        self.gain
    }

    /// The per-feature budget of distinct values, if any.
    pub fn max_distinct(&self) -> Option<usize> {
        self.max_distinct
    }

    /// The pair and triple tables, when the ranking counts them.
    pub fn pairs(&self) -> Option<&PairState> {
        self.pairs.as_ref()
    }

    /// The target column's name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The missing tokens the state was counted with (as text), so a state
    /// decoded from bytes can rebuild its parameters.
    pub fn missing_tokens(&self) -> Vec<String> {
        self.missing
            .tokens()
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .collect()
    }

    /// Rows accumulated.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Per-feature state, in column order.
    pub fn features(&self) -> &[FeatureState] {
        &self.features
    }

    /// The target's dictionary.
    pub fn target_dictionary(&self) -> &Dictionary {
        &self.target_dict
    }

    /// Rows per target class, by class code.
    pub fn class_counts(&self) -> &[u64] {
        &self.class_counts
    }

    /// Adds `other` into `self`: afterwards `self` is the state of both inputs.
    ///
    /// Both must have the same target, missing tokens and feature names
    /// (a state that saw no rows merges with anything of the same target).
    pub fn merge(&mut self, other: &RankState) -> Result<()> {
        if self.target != other.target {
            return Err(Error::StateMismatch(format!(
                "target `{}` vs `{}`",
                self.target, other.target
            )));
        }
        if self.missing != other.missing {
            return Err(Error::StateMismatch("different missing tokens".into()));
        }
        if self.max_distinct != other.max_distinct {
            return Err(Error::StateMismatch(
                "different max_distinct budgets".into(),
            ));
        }
        if self.gain != other.gain {
            return Err(Error::StateMismatch(
                "one state counts by fold for the gain, the other does not".into(),
            ));
        }
        if !other.initialised {
            self.missing_target_rows += other.missing_target_rows;
            return Ok(());
        }
        if !self.initialised {
            let (rows, missing_target_rows) = (self.rows, self.missing_target_rows);
            *self = other.clone();
            self.missing_target_rows += missing_target_rows;
            debug_assert_eq!(rows, 0);
            return Ok(());
        }
        if self.features.len() != other.features.len() {
            return Err(Error::StateMismatch(format!(
                "{} features vs {}",
                self.features.len(),
                other.features.len()
            )));
        }
        let mut index = Vec::with_capacity(other.features.len());
        for f in &other.features {
            match self.features.iter().position(|s| s.name == f.name) {
                Some(i) => index.push(i),
                None => {
                    return Err(Error::StateMismatch(format!(
                        "feature `{}` is in one state only",
                        f.name
                    )))
                }
            }
        }
        match (&self.pairs, &other.pairs) {
            (None, None) => {}
            (Some(a), Some(b)) if a.features() == b.features() && a.tuples() == b.tuples() => {}
            _ => {
                return Err(Error::StateMismatch(
                    "the states count different feature pairs".into(),
                ))
            }
        }
        let class_map = self.target_dict.absorb(&other.target_dict);
        let n_classes = self.target_dict.len();
        self.class_counts.resize(n_classes, 0);
        for (c, &n) in other.class_counts.iter().enumerate() {
            self.class_counts[class_map[c] as usize] += n;
        }
        // Each feature merges on its own (in parallel): its values, then its
        // counts under the new codes.
        let mut theirs: Vec<Vec<&FeatureState>> = vec![Vec::new(); self.features.len()];
        for (f, &i) in other.features.iter().zip(&index) {
            theirs[i].push(f);
        }
        let level_maps: Vec<Vec<u32>> = self
            .features
            .par_iter_mut()
            .zip(theirs.par_iter())
            .map(|(mine, theirs)| {
                let mut level_map = Vec::new();
                for f in theirs {
                    level_map = mine.dict.absorb(&f.dict);
                    mine.joint.grow(mine.dict.len(), n_classes);
                    f.joint.for_each_cell(|l, c, n| {
                        mine.joint
                            .add(level_map[l as usize], class_map[c as usize], n);
                    });
                    if let Some(theirs) = &f.crossfit {
                        let counts = mine.crossfit.get_or_insert_with(JointCounts::default);
                        counts.grow(mine.dict.len(), n_classes * FOLDS);
                        theirs.for_each_cell(|l, c, n| {
                            let (y, k) = (c as usize / FOLDS, c as usize % FOLDS);
                            let col = class_map[y] as usize * FOLDS + k;
                            counts.add(level_map[l as usize], col as u32, n);
                        });
                    }
                }
                level_map
            })
            .collect();
        if let (Some(mine), Some(theirs)) = (self.pairs.as_mut(), other.pairs.as_ref()) {
            let cols = mine.resolve(&self.features)?;
            let maps: Vec<&[u32]> = cols.iter().map(|&i| level_maps[i].as_slice()).collect();
            let cards: Vec<usize> = cols.iter().map(|&i| self.features[i].dict.len()).collect();
            mine.merge(theirs, &maps, &cards, &class_map, n_classes)?;
        }
        if let Some(k) = self.max_distinct {
            for f in &mut self.features {
                f.bound(k);
            }
        }
        self.rows += other.rows;
        self.batches += other.batches;
        self.missing_target_rows += other.missing_target_rows;
        Ok(())
    }

    /// Merges many states into one (an empty list is an error).
    pub fn merge_all<I: IntoIterator<Item = RankState>>(states: I) -> Result<RankState> {
        let mut it = states.into_iter();
        let mut acc = it
            .next()
            .ok_or_else(|| Error::StateMismatch("no states to merge".into()))?;
        for s in it {
            acc.merge(&s)?;
        }
        Ok(acc)
    }

    /// Encodes the state as bytes (a magic header, a format version, then
    /// postcard).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain data into a Vec cannot fail.
        let body = postcard::to_allocvec(self).unwrap_or_default();
        let mut out = Vec::with_capacity(HEADER + body.len() + CHECKSUM);
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&body);
        out.extend_from_slice(&XxHash3_64::oneshot(&body).to_le_bytes());
        out
    }

    /// Decodes bytes from [`RankState::to_bytes`]. Bytes changed or cut
    /// short anywhere fail the checksum, so a damaged state is refused
    /// rather than read as other counts.
    pub fn from_bytes(bytes: &[u8]) -> Result<RankState> {
        if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
            return Err(Error::InvalidState(
                "the bytes do not start with a cardrank state header".into(),
            ));
        }
        if bytes[MAGIC.len()] != FORMAT_VERSION {
            return Err(Error::InvalidState(format!(
                "state format version {} is not supported (this build reads version {FORMAT_VERSION})",
                bytes[MAGIC.len()]
            )));
        }
        let rest = &bytes[HEADER..];
        let Some(split) = rest.len().checked_sub(CHECKSUM) else {
            return Err(Error::InvalidState(
                "the state is cut short: it has no checksum".into(),
            ));
        };
        let (body, sum) = rest.split_at(split);
        if XxHash3_64::oneshot(body).to_le_bytes() != sum {
            return Err(Error::InvalidState(
                "the state's checksum does not match its bytes: they were changed or cut short"
                    .into(),
            ));
        }
        let state: RankState =
            postcard::from_bytes(body).map_err(|e| Error::InvalidState(e.to_string()))?;
        state.validate()?;
        Ok(state)
    }

    fn validate(&self) -> Result<()> {
        let n_classes = self.target_dict.len();
        if self.class_counts.len() != n_classes {
            return Err(Error::InvalidState(
                "class counts do not match the target".into(),
            ));
        }
        if self.class_counts.iter().sum::<u64>() != self.rows {
            return Err(Error::InvalidState(
                "class counts do not add up to the rows".into(),
            ));
        }
        if let (Some(p), true) = (&self.pairs, self.initialised) {
            p.validate(&self.features, n_classes, self.rows)?;
        }
        for f in &self.features {
            let (levels, classes) = f.joint.shape();
            if levels != f.dict.len() || classes > n_classes {
                return Err(Error::InvalidState(format!(
                    "feature `{}` has counts of the wrong shape",
                    f.name
                )));
            }
            let mut total = 0u64;
            let mut bad = false;
            f.joint.for_each_cell(|l, c, n| {
                bad |= l as usize >= levels || c as usize >= classes;
                total += n;
            });
            // A multivalue (list) feature counts occurrences: at least one
            // per row.
            if bad || total < self.rows {
                return Err(Error::InvalidState(format!(
                    "feature `{}` counts do not add up to the rows",
                    f.name
                )));
            }
            if let Some(counts) = &f.crossfit {
                let (levels, columns) = counts.shape();
                let (mut total, mut bad) = (0u64, !self.gain);
                bad |= levels > f.dict.len() || columns > n_classes * FOLDS;
                counts.for_each_cell(|l, c, n| {
                    bad |= l as usize >= levels || c as usize >= columns;
                    total = total.saturating_add(n);
                });
                if bad || total != self.rows {
                    return Err(Error::InvalidState(format!(
                        "feature `{}` counts by fold do not add up to the rows",
                        f.name
                    )));
                }
            }
        }
        Ok(())
    }
}
