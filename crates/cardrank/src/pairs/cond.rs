//! Conditional relevance from a pair table: CMI(X; Y | Z) of each member
//! given the other, its exact expectation when Y is permuted within each
//! value of Z, and its null standard deviation (see
//! `measures::StrataSum`).

use serde::{Deserialize, Serialize};

use crate::counts::tuples::Cells;
use crate::counts::JointCounts;
use crate::measures::{self, StrataMemo, StrataSum};

/// What `feature` X tells about the target Y beyond `given` Z:
/// `CMI(X; Y | Z) = MI(XZ; Y) - MI(Z; Y)`, adjusted for chance.
///
/// The null is "X tells nothing about Y beyond Z": Y permuted within each
/// value z of Z. Its mean is exact, `sum_z (n_z/N) EMI(X|z, Y|z)` (the EMI
/// of the X-by-Y table inside stratum z); its variance is
/// `sum_z (n_z/N)^2 Var_z` (the strata are independent), with `Var_z` the
/// null variance of the stratum's MI (the approximation of
/// [`crate::measures::null_sd`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conditional {
    /// X, the feature whose added information is measured.
    pub feature: String,
    /// Z, the feature conditioned on.
    pub given: String,
    /// CMI(X; Y | Z), plug-in, nats (0 when Z determines Y or X).
    pub cmi: f64,
    /// Its exact expectation under the within-strata permutation null.
    pub expected: f64,
    /// `cmi - expected`: what X adds beyond Z and beyond chance.
    pub adjusted: f64,
    /// Standard deviation of the CMI under that null (`None` when a
    /// stratum's variance has no model).
    pub null_sd: Option<f64>,
    /// `adjusted / null_sd`.
    pub z: Option<f64>,
    /// X is a function of Z in these rows (each value of Z is seen with one
    /// value of X): X adds nothing beyond Z, given any other features too.
    pub determined: bool,
}

impl Conditional {
    pub(crate) fn new(
        (feature, given): (&str, &str),
        cmi: f64,
        strata: &StrataSum,
        determined: bool,
    ) -> Conditional {
        let expected = strata.expected();
        let null_sd = strata.sd();
        Conditional {
            feature: feature.to_string(),
            given: given.to_string(),
            cmi,
            expected,
            adjusted: cmi - expected,
            null_sd,
            z: measures::z_score(cmi, expected, null_sd),
            determined,
        }
    }
}

/// Buffers of one worker, kept from pair to pair.
#[derive(Default)]
pub(crate) struct CondScratch {
    /// `(a, b, rows)` of each level (distinct code pair), sorted by `(a, b)`.
    levels: Vec<(u32, u32, u64)>,
    rows: Vec<u64>,
    classes: Vec<u64>,
    /// Where each value of `b` starts in `by_b`.
    starts: Vec<usize>,
    by_b: Vec<u64>,
    memo: StrataMemo,
}

/// The strata sums of both orders of a pair `(A, B)`: `[A given B, B given
/// A]`. `joints` are the members' counts against the target (their per-value
/// class counts are the strata's class margins).
pub(crate) fn pair_strata(
    cells: &Cells<'_>,
    joints: [&JointCounts; 2],
    n_classes: usize,
    n: u64,
    s: &mut CondScratch,
) -> [StrataSum; 2] {
    let CondScratch {
        levels,
        rows,
        classes,
        starts,
        by_b,
        memo,
    } = s;
    levels.clear();
    cells.for_each_level(2, |codes, cells| {
        let total = cells.iter().map(|&(_, k)| k).sum();
        levels.push((codes[0], codes[1], total));
    });
    // B given A: the strata are the values of A, contiguous in this order.
    let mut given_a = StrataSum::default();
    let mut i = 0;
    while i < levels.len() {
        let a = levels[i].0;
        let mut j = i + 1;
        while j < levels.len() && levels[j].0 == a {
            j += 1;
        }
        if j - i >= 2 {
            rows.clear();
            rows.extend(levels[i..j].iter().map(|l| l.2));
            class_counts(joints[0], a, n_classes, classes);
            given_a.add(rows, classes, n, memo);
        }
        i = j;
    }
    // A given B: the levels grouped by their value of B (counting sort).
    let mut given_b = StrataSum::default();
    let card_b = levels.iter().map(|l| l.1 as usize + 1).max().unwrap_or(0);
    starts.clear();
    starts.resize(card_b + 1, 0);
    for l in levels.iter() {
        starts[l.1 as usize + 1] += 1;
    }
    for b in 0..card_b {
        starts[b + 1] += starts[b];
    }
    by_b.clear();
    by_b.resize(levels.len(), 0);
    {
        // Write positions, advanced as levels are placed.
        let mut at: Vec<usize> = starts[..card_b].to_vec();
        for l in levels.iter() {
            let p = &mut at[l.1 as usize];
            by_b[*p] = l.2;
            *p += 1;
        }
    }
    for b in 0..card_b {
        let (lo, hi) = (starts[b], starts[b + 1]);
        if hi - lo >= 2 {
            class_counts(joints[1], b as u32, n_classes, classes);
            given_b.add(&mut by_b[lo..hi], classes, n, memo);
        }
    }
    [given_b, given_a]
}

/// The class counts of value `level` of a feature.
pub(super) fn class_counts(joint: &JointCounts, level: u32, n_classes: usize, out: &mut Vec<u64>) {
    out.clear();
    match joint {
        JointCounts::Dense { per_class, .. } => out.extend(
            per_class
                .iter()
                .map(|v| v.get(level as usize).copied().unwrap_or(0)),
        ),
        JointCounts::Sparse { cells, .. } => out.extend((0..n_classes as u64).map(|c| {
            cells
                .get(&(u64::from(level) << 32 | c))
                .copied()
                .unwrap_or(0)
        })),
    }
}
