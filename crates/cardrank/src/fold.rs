//! A memory budget per feature: `max_distinct`.
//!
//! With `RankParams::max_distinct(K)`, no feature keeps more than about 2K
//! distinct values in memory, and the ranking sees at most K values per
//! feature plus two special levels: `<missing>` and `<other>`, the level the
//! rarest values fold into. Concretely:
//!
//! - while streaming, when a feature's dictionary passes 2K values (missing
//!   and other aside), it is **compacted**: the K values with the largest
//!   counts so far stay (ties broken by the value's bytes), every other
//!   value's counts move to `<other>` and the value leaves the dictionary;
//! - a folded value that comes back starts a fresh count, and competes again
//!   at the next compaction (its earlier rows stay in `<other>`);
//! - at finish (and after a merge) the same rule leaves exactly the top K.
//!
//! So memory is bounded by 2K values per feature whatever the stream, and
//! values frequent enough to matter are kept whole (a value whose count
//! stays in the top K from its first compaction on never loses a row). The
//! folded feature is still a partition of the rows that does not depend on
//! the target, so MI - EMI stays a valid chance-adjusted score of that
//! partition; what is lost is resolution among the rare values. Features
//! with at most K values are untouched and exact, and their merges stay
//! exact; once a feature folds, `merge(A, B)` equals `A ++ B` only up to
//! which rare values fold. Every fold is reported ([`fold_report`]).

use serde::{Deserialize, Serialize};

use crate::counts::FeatureState;
use crate::state::RankState;

/// A feature is compacted when it holds more than this many times its
/// budget of values.
pub const SLACK: usize = 2;

/// What folding did to one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldInfo {
    /// The feature.
    pub feature: String,
    /// The budget: values kept at most (besides `<missing>` and `<other>`).
    pub max_distinct: usize,
    /// Values folded into `<other>` (a value folded twice counts twice).
    pub values_folded: u64,
    /// Rows (occurrences) counted in `<other>`.
    pub rows_folded: u64,
    /// Levels ranked, `<missing>` and `<other>` included.
    pub levels: usize,
}

impl FeatureState {
    /// Number of values, the missing and other levels aside.
    fn values(&self) -> usize {
        let special = usize::from(self.dict.missing_code().is_some())
            + usize::from(self.dict.other_code().is_some());
        self.dict.len() - special
    }

    /// Compacts to `keep` values if the feature holds more than
    /// [`SLACK`] times that.
    pub(crate) fn bound(&mut self, keep: usize) {
        if self.values() > SLACK.saturating_mul(keep) {
            self.fold_to(keep);
        }
    }

    /// Folds all but the `keep` most frequent values into `<other>`.
    pub(crate) fn fold_to(&mut self, keep: usize) {
        if self.values() <= keep {
            return;
        }
        let totals = self.joint.level_totals();
        let (missing, other) = (self.dict.missing_code(), self.dict.other_code());
        let mut values: Vec<u32> = (0..self.dict.len() as u32)
            .filter(|&c| Some(c) != missing && Some(c) != other)
            .collect();
        let dict = &self.dict;
        let order = |a: &u32, b: &u32| {
            let (ta, tb) = (
                totals.get(*a as usize).copied().unwrap_or(0),
                totals.get(*b as usize).copied().unwrap_or(0),
            );
            tb.cmp(&ta).then_with(|| dict.value(*a).cmp(dict.value(*b)))
        };
        if keep > 0 {
            values.select_nth_unstable_by(keep - 1, order);
        }
        let mut flags = vec![false; self.dict.len()];
        for &c in &values[..keep] {
            flags[c as usize] = true;
        }
        let (dict, map) = self.dict.fold(&flags);
        self.joint = self.joint.remap(&map, dict.len());
        if let Some(counts) = &self.crossfit {
            self.crossfit = Some(counts.remap(&map, dict.len()));
        }
        self.dict = dict;
    }

    /// This feature as it is ranked under a budget of `keep` values.
    pub(crate) fn folded(&self, keep: Option<usize>) -> std::borrow::Cow<'_, FeatureState> {
        match keep {
            Some(k) if self.values() > k => {
                let mut f = self.clone();
                f.fold_to(k);
                std::borrow::Cow::Owned(f)
            }
            _ => std::borrow::Cow::Borrowed(self),
        }
    }
}

/// The features that were (or will be, at finish) folded, with what was
/// folded; empty without a budget.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::{RankParams, Ranker};
///
/// let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("id", col(vec!["a", "a", "a", "b", "c", "d"])),
///     ("y", col(vec!["1", "1", "0", "0", "1", "0"])),
/// ]).unwrap();
/// let mut ranker = Ranker::new(RankParams::new("y").max_distinct(1)).unwrap();
/// ranker.update(&batch).unwrap();
/// let folds = cardrank::fold_report(ranker.state());
/// assert_eq!((folds[0].values_folded, folds[0].rows_folded), (3, 3));
/// assert_eq!(ranker.finish().unwrap().features[0].cardinality, 2); // "a" and <other>
/// ```
pub fn fold_report(state: &RankState) -> Vec<FoldInfo> {
    let Some(keep) = state.max_distinct else {
        return Vec::new();
    };
    state
        .features()
        .iter()
        .filter_map(|f| {
            let f = f.folded(Some(keep));
            let other = f.dict.other_code()?;
            let rows = f
                .joint
                .level_totals()
                .get(other as usize)
                .copied()
                .unwrap_or(0);
            Some(FoldInfo {
                feature: f.name.clone(),
                max_distinct: keep,
                values_folded: f.dict.folded_values(),
                rows_folded: rows,
                levels: f.dict.len(),
            })
        })
        .collect()
}
