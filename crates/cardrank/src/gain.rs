//! The cross-fitted gain: a variance-aware relevance score, in nats.
//!
//! MI - EMI is unbiased, but for a feature with few rows per value it is
//! noisy: its top places can go to ID-like columns. The gain instead asks
//! how much a feature's per-value class distribution, learnt on other rows,
//! improves the log-loss of predicting the target over the target's base
//! distribution, also learnt on other rows:
//!
//! - every row falls in one of [`FOLDS`] folds, chosen by a hash of the
//!   row's own values (see below);
//! - for a row of fold k with value v and class y, the prediction is
//!   `(n[v,y] - n[v,y,k] + a * base_k[y]) / (n[v] - n[v,k] + a)`: the
//!   value's class counts outside fold k, smoothed towards the base with a
//!   fixed prior strength `a` = [`PRIOR_STRENGTH`] rows; a value never seen
//!   outside fold k predicts the base;
//! - `base_k[y] = (n[y] - n[y,k] + 1/2) / (N - N_k + M/2)`, the class shares
//!   outside fold k (M classes, half a row each added so that no class has
//!   probability 0);
//! - gain = mean over rows of `ln pred(y) - ln base_k(y)`.
//!
//! A feature that tells nothing about the target scores at or below zero
//! (its out-of-fold predictions are noise around the base), a row id scores
//! exactly 0 (every value is unseen outside its fold), and a feature with
//! many rows per value scores close to its MI. Everything is a sum of counts
//! per (value, class, fold), so states merge exactly.
//!
//! **Folds.** A row's fold depends only on its own values, never on its
//! position, so any split of the rows into partitions gives the same folds:
//! for each ranked (non-list) feature, with column name `c`,
//! `h = xxh3_64(c ++ [0] ++ value)` for a present value (its text: the bytes
//! the dictionary keys it by, numbers as decimal text) and
//! `h = xxh3_64(c ++ [1])` for a missing one; the row's key is the wrapping
//! sum of its `h` (so column order does not matter), and its fold is
//! `xxh3_64(key as 8 little-endian bytes) % FOLDS`. Multivalue (list)
//! features take no part and get no gain.
//!
//! The target is not part of the key. So rows identical in every ranked
//! feature share a fold whatever their class: the cross-fit is grouped by
//! the feature vector, and a duplicated row never predicts itself. (With the
//! target in the key, the rows of a value that differ only in the class
//! would fall in different folds and predict each other's class wrongly.)
//! The price: when few distinct feature vectors repeat many times (one
//! feature ranked alone, or a few low-cardinality ones), each value's rows
//! gather in few folds, and the gain is low or 0: it measures what a value
//! tells about rows of other feature vectors.

use rayon::prelude::*;
use twox_hash::XxHash3_64;

use crate::counts::{FeatureState, JointCounts};
use crate::encode::Dictionary;

/// Number of folds.
pub const FOLDS: usize = 5;

/// The prior strength `a`: how many rows' worth of the base distribution
/// each value's out-of-fold counts are smoothed with.
pub const PRIOR_STRENGTH: f64 = 10.0;

/// Pseudo-count per class of the out-of-fold base distribution.
const BASE_PSEUDO: f64 = 0.5;

/// The hash of one column's value in a row (`None`: missing).
pub fn value_hash(column: &str, value: Option<&[u8]>) -> u64 {
    let mut buf = Vec::with_capacity(column.len() + 1 + value.map_or(0, <[u8]>::len));
    buf.extend_from_slice(column.as_bytes());
    match value {
        Some(v) => {
            buf.push(0);
            buf.extend_from_slice(v);
        }
        None => buf.push(1),
    }
    XxHash3_64::oneshot(&buf)
}

/// The fold of a row whose value hashes add up (wrapping) to `key`.
#[inline]
pub fn fold_of(key: u64) -> u32 {
    (XxHash3_64::oneshot(&key.to_le_bytes()) % FOLDS as u64) as u32
}

/// The value hashes of one column's codes, extended as its dictionary grows
/// and rebuilt when values fold (codes renumbered).
#[derive(Debug, Clone, Default)]
pub(crate) struct CodeHashes {
    hashes: Vec<u64>,
    /// `folded_values()` of the dictionary the hashes were taken from.
    folded: u64,
}

impl CodeHashes {
    /// Brings the hashes up to date with `dict`.
    pub(crate) fn sync(&mut self, column: &str, dict: &Dictionary) {
        if dict.folded_values() != self.folded || self.hashes.len() > dict.len() {
            self.hashes.clear();
            self.folded = dict.folded_values();
        }
        for code in self.hashes.len() as u32..dict.len() as u32 {
            let value = (Some(code) != dict.missing_code()).then(|| dict.value(code));
            self.hashes.push(value_hash(column, value));
        }
    }

    /// Adds the hash of each row's code to `keys`.
    pub(crate) fn add_to(&self, codes: &[u32], keys: &mut [u64]) {
        for (k, &c) in keys.iter_mut().zip(codes) {
            *k = k.wrapping_add(self.hashes[c as usize]);
        }
    }
}

/// 2^60: the resolution of the exact sum.
const SCALE: f64 = (1u64 << 60) as f64;

/// `x` in units of 2^-60, rounded (|x| < 2^66 for any count that fits u64
/// times a log-ratio of at most ~45).
fn fixed(x: f64) -> i128 {
    (x * SCALE).round() as i128
}

/// The cross-fitted gain of one feature from its counts by (value, class
/// and fold), class `y` of fold `k` stored as column `y * FOLDS + k`;
/// `None` without rows.
pub(crate) fn crossfit_gain(counts: &JointCounts, prior: f64) -> Option<f64> {
    let (levels, columns) = counts.shape();
    let classes = columns.div_ceil(FOLDS);
    let mut by_value_class = vec![0u64; levels * classes];
    let mut by_value_fold = vec![0u64; levels * FOLDS];
    let mut by_class_fold = vec![0u64; classes * FOLDS];
    counts.for_each_cell(|l, col, n| {
        let (l, y, k) = (l as usize, col as usize / FOLDS, col as usize % FOLDS);
        by_value_class[l * classes + y] += n;
        by_value_fold[l * FOLDS + k] += n;
        by_class_fold[y * FOLDS + k] += n;
    });
    let total: u64 = by_class_fold.iter().sum();
    if total == 0 {
        return None;
    }
    let class_total: Vec<u64> = (0..classes)
        .map(|y| by_class_fold[y * FOLDS..(y + 1) * FOLDS].iter().sum())
        .collect();
    let seen = class_total.iter().filter(|&&n| n > 0).count() as f64;
    let fold_total: Vec<u64> = (0..FOLDS)
        .map(|k| (0..classes).map(|y| by_class_fold[y * FOLDS + k]).sum())
        .collect();
    // base[k * classes + y]: the out-of-fold class shares.
    let mut base = vec![0.0; FOLDS * classes];
    for k in 0..FOLDS {
        let rest = (total - fold_total[k]) as f64 + BASE_PSEUDO * seen;
        for y in 0..classes {
            let n = (class_total[y] - by_class_fold[y * FOLDS + k]) as f64;
            base[k * classes + y] = (n + BASE_PSEUDO) / rest;
        }
    }
    let value_total = |l: usize| -> u64 { by_value_fold[l * FOLDS..(l + 1) * FOLDS].iter().sum() };
    // Each term is rounded to a multiple of 2^-60 nats and summed as an
    // integer, exactly: the sum does not depend on the order of the cells
    // (which follows the order values were first seen), so merged states
    // give the same bits as one pass.
    let mut sum: i128 = 0;
    counts.for_each_cell(|l, col, n| {
        let (l, y, k) = (l as usize, col as usize / FOLDS, col as usize % FOLDS);
        let out_rows = (value_total(l) - by_value_fold[l * FOLDS + k]) as f64;
        if out_rows == 0.0 {
            return; // unseen outside the fold: the base, a gain of 0
        }
        let out_hits = (by_value_class[l * classes + y] - n) as f64;
        let b = base[k * classes + y];
        let pred = (out_hits + prior * b) / (out_rows + prior);
        sum += fixed(n as f64 * (pred / b).ln());
    });
    Some(sum as f64 / SCALE / total as f64)
}

/// Rows given their folds by one task.
const PASS_CHUNK: usize = 1 << 14;

/// Each row's `class * FOLDS + fold` (see [`crate::gain`]), from the
/// batch's codes of every feature (multivalue ones, which keep no codes,
/// aside) and its classes.
pub(crate) fn crossfit_classes<'a>(
    features: &[FeatureState],
    kept: &[Option<Vec<u32>>],
    hashes: &mut [CodeHashes],
    classes: &[u32],
    out: &'a mut Vec<u32>,
) -> &'a [u32] {
    let rows = classes.len();
    hashes
        .par_iter_mut()
        .zip(features.par_iter())
        .for_each(|(h, f)| h.sync(&f.name, &f.dict));
    let columns: Vec<(&CodeHashes, &[u32])> = hashes
        .iter()
        .zip(kept)
        .filter_map(|(h, codes)| codes.as_deref().filter(|c| c.len() == rows).map(|c| (h, c)))
        .collect();
    out.clear();
    out.resize(rows, 0);
    out.par_chunks_mut(PASS_CHUNK)
        .enumerate()
        .for_each_init(Vec::new, |keys, (chunk, out)| {
            let start = chunk * PASS_CHUNK;
            keys.clear();
            keys.resize(out.len(), 0u64);
            for (h, codes) in &columns {
                h.add_to(&codes[start..start + out.len()], keys);
            }
            for ((o, &key), &class) in out.iter_mut().zip(keys.iter()).zip(&classes[start..]) {
                *o = class * FOLDS as u32 + fold_of(key);
            }
        });
    out
}

/// Adds the batch's counts by fold to every feature, then applies the
/// distinct-value budget.
pub(crate) fn add_crossfit(
    features: &mut [FeatureState],
    kept: &[Option<Vec<u32>>],
    fold_classes: &[u32],
    n_classes: usize,
    max_distinct: Option<usize>,
) {
    features
        .par_iter_mut()
        .zip(kept.par_iter())
        .for_each(|(f, codes)| {
            if let Some(codes) = codes.as_deref().filter(|c| c.len() == fold_classes.len()) {
                f.add_crossfit(codes, fold_classes, n_classes * FOLDS);
            }
            if let Some(k) = max_distinct {
                f.bound(k);
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_depends_on_the_values_not_their_order() {
        let a = value_hash("x", Some(b"1"));
        let b = value_hash("y", None);
        assert_eq!(fold_of(a.wrapping_add(b)), fold_of(b.wrapping_add(a)));
        assert_ne!(value_hash("x", Some(b"")), value_hash("x", None));
    }
}
