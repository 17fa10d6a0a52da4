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
//! So the rows are grouped by z **once** per given feature ([`ByGiven`]: a
//! counting sort, giving where each stratum starts and the classes in that
//! order), kept while the selection needs that feature. Then per candidate,
//! without sorting and without allocating:
//!
//! - when the whole `(z, x, y)` table is small ([`DIRECT_CELLS`]), the rows
//!   are counted straight into it (sequential reads) and it is walked in z
//!   order;
//! - else the candidate's codes are scattered into z order (the counting
//!   sort's second pass: sequential reads, one write stream per stratum,
//!   no random read), and each stratum's `(x, y)` cells are counted in a
//!   small reusable array (one counter per value of X and class, reset
//!   through the list of values seen).
//!
//! A pair asked for in both orders (the selection's pair step) whose whole
//! table is counted straight is counted once ([`both_orders`]): the table
//! walked in z order gives the strata of one order, in x order those of
//! the other.
//!
//! The result is bit-identical to finishing the whole pair table
//! (`super::finish`): the MI depends only on the multisets of counts (exact
//! sums), and the strata are added in increasing z, as there.

use std::sync::OnceLock;

use super::cond::{class_counts, Conditional};
use super::finish::Finisher;
use crate::counts::JointCounts;
use crate::measures::{self, distinct_counts, ExactSum, InfoSum, StrataMemo, StrataSum};

/// The buffered rows grouped by the values of one feature Z (or of the
/// joint value of several, see [`ByGiven::with_counts`]).
///
/// The class counts of each value are made at once; the rows sorted by
/// Z only when a candidate's table is too large to be counted straight
/// (most are not, and then the sort would be made for nothing).
#[derive(Debug, Clone)]
pub(crate) struct ByGiven {
    /// Z's values.
    card: usize,
    /// The class counts of each Z value (from the feature's own counts),
    /// `n_classes` per value.
    class_counts: Vec<u64>,
    sorted: OnceLock<Sorted>,
}

/// The rows in increasing order of their Z codes (a counting sort).
#[derive(Debug, Clone)]
struct Sorted {
    /// The class of each row, in that order (stable).
    classes: Vec<u32>,
    /// Where the rows of each Z value start in that order (`card + 1`
    /// entries).
    starts: Vec<u32>,
}

impl ByGiven {
    /// Groups the buffered rows of involved feature `z`. The caller checks
    /// that every row is buffered and that there are fewer than
    /// `u32::MAX`.
    pub(crate) fn new(fin: &Finisher<'_>, z: u32) -> ByGiven {
        let card = fin.cards[z as usize];
        ByGiven::with_counts(card, fin.n_classes, fin.joints[z as usize])
    }

    /// Groups the rows by a value of `card` codes (one feature's, or a
    /// joint value's) whose counts against the target are `joint`.
    pub(crate) fn with_counts(card: usize, k: usize, joint: &JointCounts) -> ByGiven {
        let mut per_value = Vec::with_capacity(card * k);
        let mut one = Vec::with_capacity(k);
        for v in 0..card {
            class_counts(joint, v as u32, k, &mut one);
            per_value.extend_from_slice(&one);
        }
        ByGiven {
            card,
            class_counts: per_value,
            sorted: OnceLock::new(),
        }
    }

    /// The rows sorted by Z (`codes`, each row's code; `classes`, each
    /// row's class), sorted on the first call.
    fn sorted(&self, codes: &[u32], classes: &[u32]) -> &Sorted {
        self.sorted.get_or_init(|| {
            let mut starts = vec![0u32; self.card + 1];
            for &c in codes {
                starts[c as usize + 1] += 1;
            }
            for v in 0..self.card {
                starts[v + 1] += starts[v];
            }
            let mut in_order = Vec::new();
            scatter(codes, classes, &starts, &mut Vec::new(), &mut in_order);
            Sorted {
                classes: in_order,
                starts,
            }
        })
    }

    /// Bytes held, or to be held once the rows are sorted (for the
    /// cache's bound), with `rows` rows.
    pub(crate) fn bytes(&self, rows: usize) -> usize {
        4 * (rows + self.card + 1) + 8 * self.class_counts.len()
    }
}

/// The second pass of a counting sort by `codes` (group starts `starts`):
/// `values` in that order into `out` (`at` is scratch).
fn scatter(codes: &[u32], values: &[u32], starts: &[u32], at: &mut Vec<u32>, out: &mut Vec<u32>) {
    at.clear();
    at.extend_from_slice(&starts[..starts.len() - 1]);
    out.clear();
    out.resize(values.len(), 0);
    for (&c, &v) in codes.iter().zip(values) {
        let p = &mut at[c as usize];
        out[*p as usize] = v;
        *p += 1;
    }
}

/// Most cells of a pair's whole `(z, x, y)` table counted straight (`u32`
/// each: 256 KiB, within a core's second-level cache).
pub(crate) const DIRECT_CELLS: usize = 1 << 16;

/// Buffers of one worker, kept from pair to pair.
#[derive(Default)]
pub(crate) struct StrataWorker {
    /// The candidate's codes in the given feature's row order.
    xs: Vec<u32>,
    /// Write positions of the scatter.
    at: Vec<u32>,
    /// Cell counts: per value of X and class inside one stratum (all zero
    /// between strata), or the whole table when counted straight.
    cells: Vec<u32>,
    /// Per value of X: its rows in the stratum (all zero between strata).
    totals: Vec<u32>,
    /// The X values seen in the stratum.
    seen: Vec<u32>,
    /// The stratum's X value counts, for [`StrataSum::add`].
    rows: Vec<u64>,
    /// The first `FAST_MIN_CELLS` cells `(level total, class total, k)`.
    small: Vec<(u64, u64, u64)>,
    /// The pair's nonzero cell counts and level totals (see `Tally`).
    cell_counts: Vec<u64>,
    level_totals: Vec<u64>,
    memo: StrataMemo,
}

/// The sums over the levels `(z, x)` and strata `z` of one pair.
struct Tally<'t> {
    target: &'t [u64],
    n: u64,
    /// The nonzero cell counts, then their multiset when there are
    /// [`measures::FAST_MIN_CELLS`] or more (most pairs have fewer, and
    /// their MI is summed from `small`: no histogram is cleared for them).
    cells: &'t mut Vec<u64>,
    /// The levels' totals (every level has rows).
    levels: &'t mut Vec<u64>,
    small: &'t mut Vec<(u64, u64, u64)>,
    strata: StrataSum,
}

impl<'t> Tally<'t> {
    /// An empty tally of a pair of `fin`'s features, in a worker's
    /// vectors (cleared here).
    fn new(
        fin: &'t Finisher<'_>,
        cells: &'t mut Vec<u64>,
        levels: &'t mut Vec<u64>,
        small: &'t mut Vec<(u64, u64, u64)>,
    ) -> Tally<'t> {
        cells.clear();
        levels.clear();
        small.clear();
        Tally {
            target: fin.target.counts,
            n: fin.target.n,
            cells,
            levels,
            small,
            strata: StrataSum::default(),
        }
    }

    /// Adds a level (`cells`: its count per class, zeroed here) and returns
    /// its total.
    #[inline]
    fn level(&mut self, cells: &mut [u32]) -> u64 {
        let a = self.level_of(cells);
        cells.fill(0);
        a
    }

    /// [`Tally::level`], leaving `cells` as they are.
    #[inline]
    fn level_of(&mut self, cells: &[u32]) -> u64 {
        let a: u64 = cells.iter().map(|&c| u64::from(c)).sum();
        debug_assert!(a > 0, "a level without rows");
        self.levels.push(a);
        for (y, &c) in cells.iter().enumerate() {
            if c > 0 {
                let k = u64::from(c);
                self.cells.push(k);
                if self.small.len() < measures::FAST_MIN_CELLS {
                    let b = self.target.get(y).copied().unwrap_or(0);
                    self.small.push((a, b, k));
                }
            }
        }
        a
    }

    /// Adds a whole `(z, x, y)` table's levels and strata in z order:
    /// `cells` in blocks of `block` cells per value of z, `k` per level,
    /// `class_counts` the `k` class counts of each value of z (`rows` is
    /// scratch).
    fn whole_by_z(
        &mut self,
        cells: &[u32],
        block: usize,
        k: usize,
        class_counts: &[u64],
        rows: &mut Vec<u64>,
        memo: &mut StrataMemo,
    ) {
        for (v, levels) in cells.chunks_exact(block).enumerate() {
            rows.clear();
            for level in levels.chunks_exact(k) {
                if level.iter().any(|&c| c > 0) {
                    rows.push(self.level_of(level));
                }
            }
            self.stratum(rows, &class_counts[v * k..(v + 1) * k], memo);
        }
    }

    /// Adds a stratum: `rows` its X value counts, `classes` its class
    /// counts (as the whole table's walk: only with two values of X or
    /// more).
    fn stratum(&mut self, rows: &mut [u64], classes: &[u64], memo: &mut StrataMemo) {
        if rows.len() >= 2 {
            self.strata.add(rows, classes, self.n, memo);
        }
    }

    /// `MI(XZ; Y)` as the whole pair table's (see `super::finish`).
    fn joint_mi(self, target_xlnx: &ExactSum) -> (f64, usize, StrataSum) {
        let cardinality = self.levels.len();
        let mi = if cardinality < 2 || self.target.len() < 2 {
            0.0
        } else if self.cells.len() < measures::FAST_MIN_CELLS {
            let mut sum = InfoSum::new(self.n);
            for &(a, b, k) in self.small.iter() {
                sum.add(a, b, k);
            }
            sum.value()
        } else {
            let mut margins = measures::xlnx_grouped(&distinct_counts(self.levels), self.n);
            margins.add_sum(target_xlnx);
            measures::mutual_info_from_counts(self.n, &distinct_counts(self.cells), &margins)
        };
        (mi, cardinality, self.strata)
    }
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
    let (zcodes, _) = fin.pairs().buffered(z);
    let (joint_mi, cardinality, strata) = tally_given(fin, x, zcodes, by, w);
    finish(fin, x, feature(fin, z), joint_mi, cardinality, &strata)
}

/// `x` (an involved feature) given a joint value of several: `zcodes` its
/// code per buffered row, `by` the rows grouped by it, `(name, mi,
/// levels)` its name, `MI(Z; Y)` and observed values. The same sums as
/// [`conditional_given`], for a given feature that is no single column.
pub(crate) fn conditional_on_codes(
    fin: &Finisher<'_>,
    x: u32,
    zcodes: &[u32],
    by: &ByGiven,
    (name, z_mi, z_levels): (&str, f64, usize),
    w: &mut StrataWorker,
) -> Conditional {
    let (joint_mi, cardinality, strata) = tally_given(fin, x, zcodes, by, w);
    finish(
        fin,
        x,
        (name, z_mi, z_levels),
        joint_mi,
        cardinality,
        &strata,
    )
}

/// `MI(XZ; Y)`, the observed levels of XZ and the strata sums of `x` given
/// the feature whose codes are `zcodes` (grouped in `by`).
fn tally_given(
    fin: &Finisher<'_>,
    x: u32,
    zcodes: &[u32],
    by: &ByGiven,
    w: &mut StrataWorker,
) -> (f64, usize, StrataSum) {
    let (xcodes, classes) = fin.pairs().buffered(x);
    let k = fin.n_classes;
    let card_x = fin.cards[x as usize];
    let card_z = by.card;
    let StrataWorker {
        xs,
        at,
        cells,
        totals,
        seen,
        rows,
        small,
        memo,
        cell_counts,
        level_totals,
        ..
    } = w;
    let mut tally = Tally::new(fin, cell_counts, level_totals, small);
    let class_counts = |v: usize| &by.class_counts[v * k..(v + 1) * k];
    if let Some(size) = direct_size(card_z, card_x, k) {
        // The whole table, counted straight and walked in z order.
        count_whole(zcodes, xcodes, classes, card_x, k, size, cells);
        tally.whole_by_z(cells, card_x * k, k, &by.class_counts, rows, memo);
    } else {
        let sorted = by.sorted(zcodes, classes);
        scatter(zcodes, xcodes, &sorted.starts, at, xs);
        cells.clear();
        cells.resize(card_x * k, 0);
        totals.clear();
        totals.resize(card_x, 0);
        for (v, bounds) in sorted.starts.windows(2).enumerate() {
            let (lo, hi) = (bounds[0] as usize, bounds[1] as usize);
            if lo == hi {
                continue;
            }
            seen.clear();
            for (&xv, &y) in xs[lo..hi].iter().zip(&sorted.classes[lo..hi]) {
                let t = &mut totals[xv as usize];
                if *t == 0 {
                    seen.push(xv);
                }
                *t += 1;
                cells[xv as usize * k + y as usize] += 1;
            }
            rows.clear();
            for &xv in seen.iter() {
                totals[xv as usize] = 0;
                let at = xv as usize * k;
                rows.push(tally.level(&mut cells[at..at + k]));
            }
            tally.stratum(rows, class_counts(v), memo);
        }
    }
    tally.joint_mi(&fin.target.xlnx)
}

/// A conditional of `x` given a feature (`(name, MI(Z; Y), its observed
/// values)`) from the pair's `MI(XZ; Y)`, its levels and its strata.
fn finish(
    fin: &Finisher<'_>,
    x: u32,
    (name, z_mi, z_levels): (&str, f64, usize),
    joint_mi: f64,
    cardinality: usize,
    strata: &StrataSum,
) -> Conditional {
    Conditional::new(
        (&fin.pairs().features()[x as usize], name),
        (joint_mi - z_mi).max(0.0),
        strata,
        cardinality <= z_levels,
    )
}

/// Involved feature `z` as a given feature: its name, `MI(Z; Y)` and
/// observed values.
fn feature<'f>(fin: &'f Finisher<'_>, z: u32) -> (&'f str, f64, usize) {
    let zs = &fin.singles[z as usize];
    let levels = zs.groups.iter().map(|&(_, m)| m as usize).sum();
    (&fin.pairs().features()[z as usize], zs.mi, levels)
}

/// The cells of a pair's whole `(z, x, y)` table, when it is small enough
/// to be counted straight ([`DIRECT_CELLS`]).
fn direct_size(card_z: usize, card_x: usize, k: usize) -> Option<usize> {
    card_z
        .checked_mul(card_x)
        .and_then(|c| c.checked_mul(k))
        .filter(|&c| c <= DIRECT_CELLS)
}

/// Counts the rows into the whole `(z, x, y)` table of `size` cells
/// (`cells`, cleared first): cell `(z card_x + x) k + y`.
fn count_whole(
    zcodes: &[u32],
    xcodes: &[u32],
    classes: &[u32],
    card_x: usize,
    k: usize,
    size: usize,
    cells: &mut Vec<u32>,
) {
    cells.clear();
    cells.resize(size, 0);
    for ((&zv, &xv), &y) in zcodes.iter().zip(xcodes).zip(classes) {
        cells[(zv as usize * card_x + xv as usize) * k + y as usize] += 1;
    }
}

/// Both orders `[x given z, z given x]` of a pair (involved features)
/// whose whole table is small enough to be counted straight, from **one**
/// count of the buffered rows: the table is walked in z order for the
/// strata of the first and in x order for those of the second, and its
/// `MI(XZ; Y)` (a sum over the cells, in any order) serves both. The same
/// bits as [`conditional_given`] of each order. `None` when the table is
/// too large (then each order is measured by itself).
pub(crate) fn both_orders(
    fin: &Finisher<'_>,
    x: u32,
    z: u32,
    w: &mut StrataWorker,
) -> Option<[Conditional; 2]> {
    let (xcodes, classes) = fin.pairs().buffered(x);
    let (zcodes, _) = fin.pairs().buffered(z);
    let k = fin.n_classes;
    let (card_x, card_z) = (fin.cards[x as usize], fin.cards[z as usize]);
    let size = direct_size(card_z, card_x, k)?;
    let StrataWorker {
        cells,
        rows,
        small,
        memo,
        cell_counts,
        level_totals,
        ..
    } = w;
    count_whole(zcodes, xcodes, classes, card_x, k, size, cells);
    let mut tally = Tally::new(fin, cell_counts, level_totals, small);
    // The class counts of each value of z and of x (no rows sorted).
    let (by_z, by_x) = (ByGiven::new(fin, z), ByGiven::new(fin, x));
    // x given z: the strata are the values of z, each a block of the table.
    tally.whole_by_z(cells, card_x * k, k, &by_z.class_counts, rows, memo);
    // z given x: the strata are the values of x, a column of blocks.
    let mut other = StrataSum::default();
    for v in 0..card_x {
        rows.clear();
        for zv in 0..card_z {
            let at = (zv * card_x + v) * k;
            let a: u64 = cells[at..at + k].iter().map(|&c| u64::from(c)).sum();
            if a > 0 {
                rows.push(a);
            }
        }
        if rows.len() >= 2 {
            let classes = &by_x.class_counts[v * k..(v + 1) * k];
            other.add(rows, classes, fin.target.n, memo);
        }
    }
    let (joint_mi, cardinality, strata) = tally.joint_mi(&fin.target.xlnx);
    Some([
        finish(fin, x, feature(fin, z), joint_mi, cardinality, &strata),
        finish(fin, z, feature(fin, x), joint_mi, cardinality, &other),
    ])
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};

    use crate::measures::testdata::lcg;
    use crate::{PairProbe, PairSpec, RankParams, Ranker};

    /// The rows grouped by the given feature give the same bits as the
    /// whole pair table (a state whose rows overflowed its buffer), both
    /// when the table is counted straight and when the codes are scattered.
    #[test]
    fn grouped_rows_match_the_whole_table() {
        let mut seed = 5;
        let n = 6_000;
        // (name, values): small, mid and many-valued features, one tied to y.
        let cards = [("a", 3), ("b", 40), ("c", 400), ("d", 2_500), ("e", 2)];
        let mut cols: Vec<(String, Vec<String>)> = Vec::new();
        let mut first = Vec::new();
        for (name, card) in cards {
            let v: Vec<u64> = (0..n).map(|_| lcg(&mut seed, card)).collect();
            if first.is_empty() {
                first = v.clone();
            }
            cols.push((name.into(), v.iter().map(u64::to_string).collect()));
        }
        for classes in [2, 3] {
            let y: Vec<String> = first
                .iter()
                .map(|&a| ((a + lcg(&mut seed, 4) / 3) % classes).to_string())
                .collect();
            let mut fields: Vec<(String, ArrayRef)> = cols
                .iter()
                .map(|(c, v)| {
                    (
                        c.clone(),
                        Arc::new(StringArray::from(v.clone())) as ArrayRef,
                    )
                })
                .collect();
            fields.push(("y".into(), Arc::new(StringArray::from(y))));
            let batch = RecordBatch::try_from_iter(fields).unwrap();
            let names: Vec<&str> = cards.iter().map(|c| c.0).collect();
            let state = |bytes: usize| {
                let spec = PairSpec::among(&names).with_buffer_bytes(bytes);
                let mut r = Ranker::new(RankParams::new("y").pairs(spec)).unwrap();
                r.update(&batch).unwrap();
                r.state().clone()
            };
            let (buffered, counted) = (state(1 << 30), state(1));
            let (fast, whole) = (
                PairProbe::new(&buffered).unwrap(),
                PairProbe::new(&counted).unwrap(),
            );
            assert_eq!(fast.source(), "buffered codes");
            assert_eq!(whole.source(), "counted tables");
            for x in &names {
                for z in &names {
                    if x != z {
                        let want = whole.conditional(x, z).unwrap();
                        assert_eq!(fast.conditional(x, z).unwrap(), want, "{x} | {z}");
                        assert_eq!(fast.conditional_given(x, z).unwrap(), want[0]);
                        assert_eq!(whole.conditional_given(x, z).unwrap(), want[0]);
                    }
                }
            }
        }
    }
}
