//! Conditional relevance of many candidates given one feature, from the
//! buffered rows grouped once by that feature.
//!
//! A greedy selection step measures `CMI(X; Y | Z)` of every remaining
//! candidate X against the same newly chosen Z. Every part of the measure
//! is a sum over the strata (values) z of Z:
//!
//! - the plug-in CMI is `MI(XZ; Y) - MI(Z; Y)`, and `MI(XZ; Y)` needs only
//!   the cells `(z, x, y)` with their level totals (`measures::InfoSum`
//!   below `FAST_MIN_CELLS` cells, else the multisets of cell counts and
//!   level totals, `measures::mutual_info_from_counts`);
//! - its null mean and variance add one term per stratum, from the counts
//!   of the X values inside z and the class counts of z
//!   ([`StrataSum`]).
//!
//! So the rows are sorted by z **once** per given feature ([`ByGiven`], a
//! stable counting sort: the row order and the classes in that order, and
//! where each stratum starts), kept while the selection needs that feature.
//! Each candidate then gathers its codes in that order and counts each
//! stratum's `(x, y)` cells in a small reusable array (one counter per
//! value of X and class, reset through the list of values seen), without
//! sorting and without allocating: about one pass over the rows per pair.
//!
//! The result is bit-identical to finishing the whole pair table
//! (`super::finish`): the MI depends only on the multisets of counts (exact
//! sums), and the strata are added in increasing z, as there.

use super::cond::{class_counts, Conditional};
use super::finish::Finisher;
use crate::measures::{self, CountGroups, InfoSum, StrataMemo, StrataSum};

/// The buffered rows grouped by the values of one feature Z.
pub(crate) struct ByGiven {
    /// Row indices in increasing order of their Z code (stable).
    order: Vec<u32>,
    /// The class of each row, in that order.
    classes: Vec<u32>,
    /// Where the rows of each Z value start in `order` (`card + 1`
    /// entries).
    starts: Vec<u32>,
    /// The class counts of each Z value (from the feature's own counts),
    /// `n_classes` per value.
    class_counts: Vec<u64>,
}

impl ByGiven {
    /// Groups the buffered rows of involved feature `z` (a counting sort).
    /// The caller checks that every row is buffered and that there are
    /// fewer than `u32::MAX`.
    pub(crate) fn new(fin: &Finisher<'_>, z: u32) -> ByGiven {
        let (codes, classes) = fin.pairs().buffered(z);
        let card = fin.cards[z as usize];
        let mut starts = vec![0u32; card + 1];
        for &c in codes {
            starts[c as usize + 1] += 1;
        }
        for v in 0..card {
            starts[v + 1] += starts[v];
        }
        let mut at = starts[..card].to_vec();
        let mut order = vec![0u32; codes.len()];
        for (r, &c) in codes.iter().enumerate() {
            let p = &mut at[c as usize];
            order[*p as usize] = r as u32;
            *p += 1;
        }
        let in_order = order.iter().map(|&r| classes[r as usize]).collect();
        let k = fin.n_classes;
        let mut class_counts = Vec::with_capacity(card * k);
        let mut one = Vec::with_capacity(k);
        for v in 0..card {
            class_counts_of(fin, z, v as u32, &mut one);
            class_counts.extend_from_slice(&one);
        }
        ByGiven {
            order,
            classes: in_order,
            starts,
            class_counts,
        }
    }

    /// Bytes held (for the cache's bound).
    pub(crate) fn bytes(&self) -> usize {
        4 * (self.order.len() + self.classes.len() + self.starts.len())
            + 8 * self.class_counts.len()
    }
}

fn class_counts_of(fin: &Finisher<'_>, z: u32, v: u32, out: &mut Vec<u64>) {
    class_counts(fin.joints[z as usize], v, fin.n_classes, out);
}

/// Buffers of one worker, kept from pair to pair.
#[derive(Default)]
pub(crate) struct StrataWorker {
    /// The candidate's codes in the given feature's row order.
    xs: Vec<u32>,
    /// Per value of X and class: the stratum's cell counts (all zero
    /// between strata).
    cells: Vec<u32>,
    /// Per value of X: its rows in the stratum (all zero between strata).
    totals: Vec<u32>,
    /// The X values seen in the stratum.
    seen: Vec<u32>,
    /// The stratum's X value counts, for [`StrataSum::add`].
    rows: Vec<u64>,
    /// The first `FAST_MIN_CELLS` cells `(level total, class total, k)`.
    small: Vec<(u64, u64, u64)>,
    memo: StrataMemo,
}

/// `x given z` (involved features), from the rows grouped by z.
pub(crate) fn conditional_given(
    fin: &Finisher<'_>,
    x: u32,
    z: u32,
    by: &ByGiven,
    w: &mut StrataWorker,
) -> Conditional {
    // `by` exists: every row is buffered.
    let (xcodes, _) = fin.pairs().buffered(x);
    let k = fin.n_classes;
    let n = fin.target.n;
    let target = fin.target.counts;
    let card_x = fin.cards[x as usize];
    let StrataWorker {
        xs,
        cells,
        totals,
        seen,
        rows,
        small,
        memo,
    } = w;
    xs.clear();
    xs.extend(by.order.iter().map(|&r| xcodes[r as usize]));
    cells.clear();
    cells.resize(card_x * k, 0);
    totals.clear();
    totals.resize(card_x, 0);
    small.clear();
    let mut cell_counts = CountGroups::default();
    let mut level_totals = CountGroups::default();
    let mut strata = StrataSum::default();
    for (v, bounds) in by.starts.windows(2).enumerate() {
        let (lo, hi) = (bounds[0] as usize, bounds[1] as usize);
        if lo == hi {
            continue;
        }
        seen.clear();
        for (&xv, &y) in xs[lo..hi].iter().zip(&by.classes[lo..hi]) {
            let t = &mut totals[xv as usize];
            if *t == 0 {
                seen.push(xv);
            }
            *t += 1;
            cells[xv as usize * k + y as usize] += 1;
        }
        rows.clear();
        for &xv in seen.iter() {
            let total = std::mem::take(&mut totals[xv as usize]);
            let a = u64::from(total);
            rows.push(a);
            level_totals.push(a);
            let at = xv as usize * k;
            for (y, c) in cells[at..at + k].iter_mut().enumerate() {
                if *c > 0 {
                    let kk = u64::from(std::mem::take(c));
                    cell_counts.push(kk);
                    if small.len() < measures::FAST_MIN_CELLS {
                        small.push((a, target.get(y).copied().unwrap_or(0), kk));
                    }
                }
            }
        }
        if seen.len() >= 2 {
            let classes = &by.class_counts[v * k..(v + 1) * k];
            strata.add(rows, classes, n, memo);
        }
    }
    // As the whole pair table's `MI(XZ; Y)` (see `super::finish`).
    let cardinality = level_totals.nonzero();
    let joint_mi = if cardinality < 2 || target.len() < 2 {
        0.0
    } else if cell_counts.nonzero() < measures::FAST_MIN_CELLS {
        let mut sum = InfoSum::new(n);
        for &(a, b, kk) in small.iter() {
            sum.add(a, b, kk);
        }
        sum.value()
    } else {
        let mut margins = measures::xlnx_grouped(&level_totals.groups(), n);
        margins.add_sum(&fin.target.xlnx);
        measures::mutual_info_from_counts(n, &cell_counts.groups(), &margins)
    };
    let zs = &fin.singles[z as usize];
    let z_levels: usize = zs.groups.iter().map(|&(_, m)| m as usize).sum();
    let names = fin.pairs().features();
    Conditional::new(
        (&names[x as usize], &names[z as usize]),
        (joint_mi - zs.mi).max(0.0),
        &strata,
        cardinality <= z_levels,
    )
}
