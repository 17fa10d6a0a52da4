//! Information-theoretic measures over a contingency table, in nats.
//!
//! A feature X with levels `i` (row totals `a_i`) is cross-tabulated against a
//! target Y with classes `j` (column totals `b_j`); `n_ij` are the joint counts
//! and `N` the number of rows. Everything here is a pure function of counts:
//!
//! - [`entropy`]: `H = -sum_i (c_i/N) ln(c_i/N)`;
//! - [`mutual_info`]: plug-in `MI = sum_ij (n_ij/N) ln(N n_ij / (a_i b_j))`;
//! - [`expected_mutual_info`]: the exact expected MI under random permutation
//!   (the hypergeometric model of Vinh, Epps and Bailey 2010);
//! - [`adjusted_mutual_info`]: `AMI = (MI - EMI) / (mean(H_X, H_Y) - EMI)`;
//! - [`null_sd`] and [`z_score`]: the spread of MI under the same permutation
//!   null and the standardised excess `(MI - EMI) / sd`;
//! - [`g_test_log10_p`]: the G-test p-value, `G = 2 N MI` against chi-square;
//! - [`benjamini_hochberg`]: false-discovery-rate q-values.
//!
//! **Canonical results.** [`entropy`], [`mutual_info`],
//! [`expected_mutual_info`] and [`null_sd`] depend only on the multiset of
//! counts: terms are grouped by their count keys and summed in sorted key
//! order, so the same counts always give the same bits, whatever order the
//! values were first seen in.
//!
//! **No panics.** Empty inputs, zero totals and inconsistent counts give 0.0
//! or `None` as documented on each function.

mod emi;
mod gtest;
mod normal;
mod null;
mod null_multi;
mod strata;
#[cfg(test)]
mod testdata;

pub use emi::expected_mutual_info;
pub(crate) use emi::{expected_mutual_info_memo, EmiMemo, EmiTable};
pub use gtest::{benjamini_hochberg, g_test_log10_p};
pub(crate) use normal::log10_normal_sf;
pub use null::null_sd;
pub(crate) use null::{null_sd_memo, MomentMemo};
pub(crate) use strata::{StrataMemo, StrataSum};

/// A sparse contingency table of a feature (rows, levels `i`) against a
/// target (columns, classes `j`).
///
/// Invariants expected by the measures (violations never panic; see each
/// function): `rows[i] = sum_j n_ij`, `cols[j] = sum_i n_ij`,
/// `n = sum_i rows[i] = sum_j cols[j]`, every `cells` index in range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contingency {
    /// Total count `N`.
    pub n: u64,
    /// Row totals `a_i` (each > 0).
    pub rows: Vec<u64>,
    /// Column totals `b_j` (each > 0).
    pub cols: Vec<u64>,
    /// `(i, j, n_ij)` for the nonzero cells only, in any order.
    pub cells: Vec<(u32, u32, u64)>,
}

/// Entropy of a distribution given by counts, in nats:
/// `H = -sum_c (c/n) ln(c/n) = sum_c (c/n) ln(n/c)`.
///
/// Zero counts are ignored; `n` should be the sum of `counts`. Returns 0.0
/// when `n == 0` or there are fewer than two nonzero counts. The terms are
/// grouped by count and summed in increasing count order, so the result
/// depends only on the multiset of counts.
pub fn entropy(counts: &[u64], n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let groups = distinct_counts(counts);
    if groups.iter().map(|&(_, m)| m).sum::<u64>() < 2 {
        return 0.0;
    }
    let nf = n as f64;
    let mut sum = Sum::default();
    for &(c, m) in &groups {
        let cf = c as f64;
        sum.add(info_term(cf, nf, nf * cf, cf * cf) * m as f64);
    }
    sum.value()
}

/// Plug-in mutual information of a contingency table, in nats:
/// `MI = sum_ij (n_ij/N) ln(N n_ij / (a_i b_j))`, with `N = t.n`.
///
/// Each term is computed from its key `(a_i, b_j, n_ij)` alone (see
/// `InfoSum`: one logarithm of a ratio of products, as
/// `sklearn.metrics.mutual_info_score`, for small tables; logarithms of the
/// counts from tables for large ones), and the terms are added exactly in
/// fixed point (`ExactSum`), so the result does not depend on the order of
/// the cells (merged states finish to the same bits) and is the sum of the
/// terms correctly rounded. No sort and no hash map: one pass over the
/// cells. Tiny negative totals from rounding are clamped to 0.
///
/// Returns 0.0 when `N == 0` or either margin has fewer than two entries
/// (as sklearn). Cells with a zero count or an out-of-range index, or whose
/// row or column total is zero, are ignored.
pub fn mutual_info(t: &Contingency) -> f64 {
    if t.n == 0 || t.rows.len() < 2 || t.cols.len() < 2 {
        return 0.0;
    }
    let mut sum = InfoSum::new(t.n);
    if t.cells.len() >= FAST_MIN_CELLS {
        // Each row's and column's logarithm once, not once per cell.
        let ln_rows: Vec<f64> = t.rows.iter().map(|&a| ln_count(a)).collect();
        let ln_cols: Vec<f64> = t.cols.iter().map(|&b| ln_count(b)).collect();
        for &(i, j, k) in &t.cells {
            let (i, j) = (i as usize, j as usize);
            if let (Some(&a), Some(&b)) = (t.rows.get(i), t.cols.get(j)) {
                sum.add_logs(a, b, k, ln_rows[i], ln_cols[j]);
            }
        }
    } else {
        for &(i, j, k) in &t.cells {
            if let (Some(&a), Some(&b)) = (t.rows.get(i as usize), t.cols.get(j as usize)) {
                sum.add(a, b, k);
            }
        }
    }
    sum.value()
}

/// The plug-in MI sum of [`mutual_info`] over cells given by their keys
/// `(a, b, k)` (row total, column total, count), in any order: callers that
/// walk a table without building a [`Contingency`] get the same bits.
///
/// Two ways to form a term, chosen by the table's number of nonzero cells
/// (which does not depend on how the counts were merged):
/// - **small tables**: `(k/N) ln(N k / (a b))`, one logarithm of the ratio,
///   accurate even when the ratio is near 1 and the MI is tiny;
/// - **tables of [`FAST_MIN_CELLS`] cells or more**:
///   `(k/N) (ln N + ln k - ln a - ln b)` with the logarithms of counts
///   from a table ([`ln_count`]) or precomputed by the caller, so that no
///   logarithm is taken per cell. Each term is then off by at most a few
///   units in the last place of `ln N`, about 1e-15 times `k/N`, and the
///   MI by about 1e-15 in all (the `k/N` sum to 1): far below the MI of a
///   table that large (its expected value under independence alone is
///   about `cells / 2N`).
///
/// The number of cells need not be known in advance: the first
/// [`FAST_MIN_CELLS`] keys are kept, and summed the small-table way if no
/// more come.
pub(crate) struct InfoSum {
    nf: f64,
    ln_n: f64,
    cells: usize,
    /// Sum of the large-table terms of every cell.
    fast: ExactSum,
    /// The first keys, for a small table.
    early: Vec<(u64, u64, u64)>,
}

/// Tables with at least this many cells take the logarithms of their
/// counts from tables (see [`InfoSum`]).
pub(crate) const FAST_MIN_CELLS: usize = 1 << 12;

/// Counts below this have their logarithm in a table.
const LN_TABLE: usize = 1 << 16;

fn ln_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..LN_TABLE).map(|v| (v as f64).ln()).collect())
}

/// `ln(v)` of a count: from a table for small counts, else computed (the
/// same value either way).
#[inline]
pub(crate) fn ln_count(v: u64) -> f64 {
    match ln_table().get(v as usize) {
        Some(&l) => l,
        None => (v as f64).ln(),
    }
}

impl InfoSum {
    /// An empty sum for a table of `n` rows.
    pub(crate) fn new(n: u64) -> InfoSum {
        InfoSum {
            nf: n as f64,
            ln_n: (n as f64).ln(),
            cells: 0,
            fast: ExactSum::default(),
            early: Vec::new(),
        }
    }

    /// Adds the term of one cell; cells with a zero key part are ignored.
    #[inline]
    pub(crate) fn add(&mut self, a: u64, b: u64, k: u64) {
        self.add_logs(a, b, k, ln_count(a), ln_count(b));
    }

    /// [`InfoSum::add`] with `ln_a = ln_count(a)` and `ln_b = ln_count(b)`
    /// given by the caller.
    #[inline]
    pub(crate) fn add_logs(&mut self, a: u64, b: u64, k: u64, ln_a: f64, ln_b: f64) {
        if k == 0 || a == 0 || b == 0 {
            return;
        }
        let kf = k as f64;
        self.fast
            .add(kf / self.nf * (((self.ln_n + ln_count(k)) - ln_a) - ln_b));
        if self.cells < FAST_MIN_CELLS {
            self.early.push((a, b, k));
        }
        self.cells += 1;
    }

    /// The sum, with tiny negative totals from rounding clamped to 0.
    pub(crate) fn value(&self) -> f64 {
        let sum = if self.cells >= FAST_MIN_CELLS {
            self.fast.value()
        } else {
            let mut exact = ExactSum::default();
            for &(a, b, k) in &self.early {
                let kf = k as f64;
                exact.add(info_term(kf, self.nf, self.nf * kf, a as f64 * b as f64));
            }
            exact.value()
        };
        sum.max(0.0)
    }
}

/// An exact, order-independent sum of `f64` terms below `2^10` in
/// magnitude: each term is cut into two integers, its multiple of `2^-40`
/// nearest to it and the rest in units of `2^-90` (rounded), which add
/// without rounding. The value is the total correctly rounded to `f64`;
/// each term loses at most `2^-91` to the cut. Integer addition is
/// associative, so any order of the same terms gives the same bits.
///
/// Information terms qualify: `|(k/N) ln(N k / (a b))| <= (k/N) ln(N^2)`,
/// under 90 for any `N` below `2^64`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ExactSum {
    /// Sum of the terms' multiples of `2^-40`, in units of `2^-40`.
    hi: i64,
    /// Sum of the rest, in units of `2^-90`.
    lo: i128,
}

/// `2^40` and `2^50`: the cuts of [`ExactSum`] (exact in `f64`).
const HI_UNIT: f64 = (1u64 << 40) as f64;
const LO_UNIT: f64 = (1u64 << 50) as f64;
/// `1.5 * 2^52`: adding it to an `f64` below `2^51` in magnitude rounds it
/// to an integer held in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// `x` (below `2^51` in magnitude) rounded to the nearest integer, as the
/// integer and as an `f64`; no branch and no float-to-int conversion.
#[inline(always)]
fn round_split(x: f64) -> (i64, f64) {
    let shifted = x + ROUNDER;
    let int = (shifted.to_bits() as i64).wrapping_sub(ROUNDER.to_bits() as i64);
    (int, shifted - ROUNDER)
}

impl ExactSum {
    /// Adds `x` (see the type for the range; NaN or larger terms give
    /// garbage, which callers rule out).
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        // Scaling by a power of two, rounding through `ROUNDER` below 2^51,
        // and the difference of a value and its rounding are all exact.
        let scaled = x * HI_UNIT;
        let (whole, whole_f) = round_split(scaled);
        self.hi = self.hi.wrapping_add(whole);
        let (rest, _) = round_split((scaled - whole_f) * LO_UNIT);
        self.lo += i128::from(rest);
    }

    /// Adds another sum's total (exactly).
    #[inline]
    pub(crate) fn add_sum(&mut self, other: &ExactSum) {
        self.hi = self.hi.wrapping_add(other.hi);
        self.lo += other.lo;
    }

    /// Subtracts another sum's total (exactly).
    #[inline]
    pub(crate) fn sub(&mut self, other: &ExactSum) {
        self.hi = self.hi.wrapping_sub(other.hi);
        self.lo -= other.lo;
    }

    /// The total, rounded once to `f64`.
    pub(crate) fn value(&self) -> f64 {
        let total = (i128::from(self.hi) << 50) + self.lo;
        total as f64 / (HI_UNIT * LO_UNIT)
    }
}

#[cfg(test)]
mod mi_tests {
    use super::*;

    fn lcg(seed: &mut u64, m: u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) % m
    }

    #[test]
    fn mi_from_the_counts_alone_matches_the_cell_sum() {
        let mut seed = 5u64;
        let (nr, nc) = (400usize, 60usize);
        let mut t = Contingency {
            rows: vec![0; nr],
            cols: vec![0; nc],
            ..Default::default()
        };
        for i in 0..nr {
            for j in 0..nc {
                if lcg(&mut seed, 4) == 0 {
                    continue;
                }
                let k = 1 + lcg(&mut seed, 3) * lcg(&mut seed, 5);
                t.rows[i] += k;
                t.cols[j] += k;
                t.cells.push((i as u32, j as u32, k));
            }
        }
        t.n = t.rows.iter().sum();
        assert!(t.cells.len() >= FAST_MIN_CELLS);
        let want = mutual_info(&t);
        let mut cells = CountGroups::default();
        for &(_, _, k) in &t.cells {
            cells.push(k);
        }
        let mut margins = xlnx_grouped(&distinct_counts(&t.rows), t.n);
        margins.add_sum(&xlnx_grouped(&distinct_counts(&t.cols), t.n));
        let got = mutual_info_from_counts(t.n, &cells.groups(), &margins);
        assert!((got - want).abs() < 1e-14, "{got} vs {want}");
        // `push_many` is `push` repeated.
        let (mut one, mut many) = (CountGroups::default(), CountGroups::default());
        for c in [0u64, 1, 5, SMALL_COUNT as u64 + 9] {
            for _ in 0..3 {
                one.push(c);
            }
            many.push_many(c, 3);
        }
        assert_eq!(one.nonzero(), many.nonzero());
        assert_eq!(one.groups(), many.groups());
    }

    #[test]
    fn the_sum_does_not_depend_on_the_order_of_the_cells() {
        let mut seed = 7u64;
        let (nr, nc) = (300usize, 40usize);
        let mut cells = Vec::new();
        let (mut rows, mut cols) = (vec![0u64; nr], vec![0u64; nc]);
        for (i, row) in rows.iter_mut().enumerate() {
            for (j, col) in cols.iter_mut().enumerate() {
                if lcg(&mut seed, 3) == 0 {
                    continue;
                }
                let k = 1 + lcg(&mut seed, 4) * lcg(&mut seed, 4);
                *row += k;
                *col += k;
                cells.push((i as u32, j as u32, k));
            }
        }
        let n = rows.iter().sum();
        let mut t = Contingency {
            rows,
            cols,
            cells,
            n,
        };
        let first = mutual_info(&t);
        // The same terms, summed with compensation after sorting them: the
        // exact sum is within one rounding of it.
        let nf = n as f64;
        let mut terms: Vec<f64> = t
            .cells
            .iter()
            .map(|&(i, j, k)| {
                let kf = k as f64;
                info_term(
                    kf,
                    nf,
                    nf * kf,
                    (t.rows[i as usize] * t.cols[j as usize]) as f64,
                )
            })
            .collect();
        terms.sort_by(f64::total_cmp);
        let mut reference = Sum::default();
        terms.iter().for_each(|&x| reference.add(x));
        assert!((first - reference.value()).abs() <= 2.0 * f64::EPSILON * first);
        for round in 0..5 {
            // Fisher-Yates with the same generator.
            for i in (1..t.cells.len()).rev() {
                let j = lcg(&mut seed, i as u64 + 1) as usize;
                t.cells.swap(i, j);
            }
            assert_eq!(mutual_info(&t).to_bits(), first.to_bits(), "round {round}");
        }
    }

    #[test]
    fn exact_sum_cancels_exactly() {
        let mut s = ExactSum::default();
        let xs = [1e-3, 37.25, -1e-3, 1e-17, -37.25, -3.0e-25, 89.5, -89.5];
        xs.iter().for_each(|&x| s.add(x));
        // What floating-point addition would lose entirely survives, to
        // within the cut of 2^-91 (4e-28) per term.
        let want = 1e-17 - 3.0e-25;
        assert!((s.value() - want).abs() < 8.0 * 4e-28, "{}", s.value());
        assert_ne!(s.value(), 1e-17);
        let mut t = ExactSum::default();
        xs.iter().rev().for_each(|&x| t.add(x));
        assert_eq!(s.value().to_bits(), t.value().to_bits());
    }
}

/// Adjusted mutual information with scikit-learn's semantics
/// (`adjusted_mutual_info_score`, `average_method="arithmetic"`):
/// `AMI = (MI - EMI) / ((H_rows + H_cols)/2 - EMI)`.
///
/// Special cases, as sklearn: returns 1.0 when both sides have one level (or
/// both have none), 0.0 when exactly one side has at most one level. A
/// denominator `d` is replaced by `min(d, -eps)` when negative and by
/// `max(d, eps)` otherwise, and the numerator likewise, with
/// `eps = f64::EPSILON`, so the result is finite for finite inputs.
pub fn adjusted_mutual_info(
    mi: f64,
    emi: f64,
    h_rows: f64,
    h_cols: f64,
    n_row_levels: usize,
    n_col_levels: usize,
) -> f64 {
    if n_row_levels == n_col_levels && n_row_levels <= 1 {
        return 1.0;
    }
    if n_row_levels <= 1 || n_col_levels <= 1 {
        return 0.0;
    }
    let clamp = |x: f64| {
        if x < 0.0 {
            x.min(-f64::EPSILON)
        } else {
            x.max(f64::EPSILON)
        }
    };
    let denominator = clamp(0.5 * (h_rows + h_cols) - emi);
    let numerator = clamp(mi - emi);
    numerator / denominator
}

/// Standardised excess of MI over its permutation-null mean:
/// `z = (MI - EMI) / sd`.
///
/// Returns `None` when `sd` is `None`, zero, negative or not finite.
pub fn z_score(mi: f64, emi: f64, sd: Option<f64>) -> Option<f64> {
    let sd = sd?;
    (sd.is_finite() && sd > 0.0).then(|| (mi - emi) / sd)
}

/// One information term `(k/N) ln(prod_num / prod_den)`, where the caller
/// passes the two products already formed in `f64` (one division, one log).
#[inline]
pub(crate) fn info_term(k: f64, n: f64, prod_num: f64, prod_den: f64) -> f64 {
    k / n * (prod_num / prod_den).ln()
}

/// Values below this are counted in a direct histogram by
/// [`distinct_counts`] (most cells and most levels of a large table are
/// small counts); the rest are sorted.
const SMALL_COUNT: usize = 1 << 12;

/// Distinct nonzero values of `values` with their multiplicities, in
/// increasing value order.
///
/// Small values go to a histogram and only the large ones are sorted, so a
/// million level totals of a joint feature (mostly 1, 2, 3, ...) cost one
/// pass, not a sort.
pub(crate) fn distinct_counts(values: &[u64]) -> Vec<(u64, u64)> {
    let mut groups = CountGroups::default();
    for &c in values {
        groups.push(c);
    }
    groups.groups()
}

/// [`distinct_counts`] of values given one at a time.
pub(crate) struct CountGroups {
    small: [u64; SMALL_COUNT],
    large: Vec<u64>,
    nonzero: usize,
}

impl Default for CountGroups {
    fn default() -> Self {
        CountGroups {
            small: [0; SMALL_COUNT],
            large: Vec::new(),
            nonzero: 0,
        }
    }
}

impl CountGroups {
    #[inline]
    pub(crate) fn push(&mut self, c: u64) {
        match self.small.get_mut(c as usize) {
            Some(h) => *h += 1,
            None => self.large.push(c),
        }
        self.nonzero += usize::from(c > 0);
    }

    /// Adds `m` values equal to `c`.
    #[inline]
    pub(crate) fn push_many(&mut self, c: u64, m: u64) {
        if m == 0 {
            return;
        }
        match self.small.get_mut(c as usize) {
            Some(h) => *h += m,
            None => self.large.extend(std::iter::repeat_n(c, m as usize)),
        }
        if c > 0 {
            self.nonzero += m as usize;
        }
    }

    /// How many nonzero values were pushed.
    pub(crate) fn nonzero(&self) -> usize {
        self.nonzero
    }

    /// The distinct nonzero values with multiplicities, increasing.
    pub(crate) fn groups(mut self) -> Vec<(u64, u64)> {
        self.large.sort_unstable();
        let mut out: Vec<(u64, u64)> = self
            .small
            .iter()
            .enumerate()
            .skip(1)
            .filter(|&(_, &m)| m > 0)
            .map(|(c, &m)| (c as u64, m))
            .collect();
        for c in self.large {
            match out.last_mut() {
                Some((last, m)) if *last == c => *m += 1,
                _ => out.push((c, 1)),
            }
        }
        out
    }
}

/// The plug-in MI of a table from the multiset of its cells' counts alone
/// (`cells`: distinct counts with multiplicities, as [`CountGroups`] makes
/// them), as
/// `MI = ln N + sum_cells (k/N) ln k - sum_i (a_i/N) ln a_i - sum_j (b_j/N) ln b_j`;
/// the caller gives the two margin sums (`margins`, e.g. from
/// [`xlnx_grouped`] of each margin's distinct counts). This equals [`mutual_info`]'s sum of terms for any table
/// whose margins are its cells' sums, and needs no margin looked up per
/// cell: a sparse table's cells need only be counted.
///
/// Every part is an [`ExactSum`] of terms that depend only on a count and
/// its multiplicity, so the result depends only on the multisets; each
/// `ln` is a correctly rounded table value or `f64::ln`, and the MI is off
/// by about `1e-15` in all, as [`InfoSum`]'s large-table form. Meant for
/// tables of [`FAST_MIN_CELLS`] cells or more; smaller ones are summed the
/// small-table way (one logarithm of a ratio per cell, [`InfoSum`]), which
/// stays accurate when the MI is tiny.
pub(crate) fn mutual_info_from_counts(n: u64, cells: &[(u64, u64)], margins: &ExactSum) -> f64 {
    let nf = n as f64;
    let mut total = xlnx_grouped(cells, n);
    total.add(nf.ln());
    total.sub(margins);
    total.value().max(0.0)
}

/// `sum (c/N) ln c` over counts given as distinct values with
/// multiplicities, exactly (each term formed from one value and its
/// multiplicity).
pub(crate) fn xlnx_grouped(groups: &[(u64, u64)], n: u64) -> ExactSum {
    let nf = n as f64;
    let mut sum = ExactSum::default();
    for &(c, m) in groups.iter().filter(|&&(c, _)| c > 1) {
        sum.add(m as f64 * (c as f64 / nf) * ln_count(c));
    }
    sum
}

/// Values of a pure function remembered by key, for one setting `S` of its
/// other arguments (a new setting forgets them), at most `cap` of them
/// (when full, it starts afresh).
#[derive(Debug)]
pub(crate) struct Memo<S, K, V> {
    setting: Option<S>,
    values: hashbrown::HashMap<K, V>,
    cap: usize,
}

impl<S: PartialEq, K: std::hash::Hash + Eq, V: Copy> Memo<S, K, V> {
    pub(crate) fn new(cap: usize) -> Self {
        Memo {
            setting: None,
            values: hashbrown::HashMap::new(),
            cap,
        }
    }

    /// Forgets the values unless they were computed for `setting`.
    pub(crate) fn keep_for(&mut self, setting: S) {
        if self.setting.as_ref() != Some(&setting) {
            self.values.clear();
            self.setting = Some(setting);
        }
    }

    /// The value of `key`, computed by `f` if not remembered.
    pub(crate) fn get_or_insert_with(&mut self, key: K, f: impl FnOnce() -> V) -> V {
        if let Some(&v) = self.values.get(&key) {
            return v;
        }
        let v = f();
        if self.values.len() >= self.cap {
            self.values.clear();
        }
        self.values.insert(key, v);
        v
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Neumaier-compensated running sum: deterministic for a given order of
/// additions and accurate to about one rounding of the total.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Sum {
    sum: f64,
    comp: f64,
}

impl Sum {
    /// Adds `x`.
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.comp += (self.sum - t) + x;
        } else {
            self.comp += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// The compensated total.
    #[inline]
    pub(crate) fn value(&self) -> f64 {
        self.sum + self.comp
    }
}

#[cfg(test)]
mod tests {
    use super::testdata::{self, SplitMix};
    use super::*;
    use proptest::prelude::*;

    fn rel(x: f64, y: f64) -> f64 {
        if x == y {
            0.0
        } else {
            (x - y).abs() / y.abs().max(f64::MIN_POSITIVE)
        }
    }

    #[test]
    fn distinct_counts_match_a_sort() {
        let mut rng = SplitMix(11);
        for len in [0usize, 1, 5, 1000, 20_000] {
            let values: Vec<u64> = (0..len)
                .map(|i| match i % 3 {
                    0 => rng.next_u64() % 5,
                    1 => rng.next_u64() % (SMALL_COUNT as u64 + 50),
                    _ => rng.next_u64() % 1_000_000,
                })
                .collect();
            let mut sorted: Vec<u64> = values.iter().copied().filter(|&c| c > 0).collect();
            sorted.sort_unstable();
            let mut want: Vec<(u64, u64)> = Vec::new();
            for c in sorted {
                match want.last_mut() {
                    Some((last, m)) if *last == c => *m += 1,
                    _ => want.push((c, 1)),
                }
            }
            assert_eq!(distinct_counts(&values), want, "len {len}");
        }
    }

    fn dense(t: &[&[u64]]) -> Contingency {
        testdata::from_dense(&t.iter().map(|r| r.to_vec()).collect::<Vec<_>>())
    }

    #[test]
    fn hand_checked_tables() {
        let ln2 = std::f64::consts::LN_2;
        // Perfect association: MI = H = ln 2, AMI = 1.
        let t = dense(&[&[5, 0], &[0, 5]]);
        assert!(rel(mutual_info(&t), ln2) < 1e-15);
        assert!(rel(entropy(&t.rows, t.n), ln2) < 1e-15);
        let emi = expected_mutual_info(&t.rows, &t.cols, t.n);
        let h = entropy(&t.rows, t.n);
        assert_eq!(adjusted_mutual_info(mutual_info(&t), emi, h, h, 2, 2), 1.0);
        // Independence: MI = 0.
        let t = dense(&[&[2, 4], &[3, 6]]);
        assert!(mutual_info(&t).abs() < 1e-16);
        // 3 x 2 by hand: MI = sum n/N ln(N n / (a b)).
        let t = dense(&[&[3, 1], &[0, 2], &[1, 1]]);
        let want = 3.0 / 8.0 * (8.0f64 * 3.0 / (4.0 * 4.0)).ln()
            + 1.0 / 8.0 * (8.0f64 / 16.0).ln()
            + 2.0 / 8.0 * (16.0f64 / 8.0).ln()
            + 1.0 / 8.0 * (8.0f64 / 8.0).ln()
            + 1.0 / 8.0 * (8.0f64 / 8.0).ln();
        assert!(rel(mutual_info(&t), want) < 1e-15);
        assert!(rel(entropy(&[1, 1, 1, 1], 4), 4f64.ln()) < 1e-15);
        assert!(
            rel(
                entropy(&[1, 3], 4),
                -(0.25f64 * 0.25f64.ln() + 0.75 * 0.75f64.ln())
            ) < 1e-15
        );
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(entropy(&[], 0), 0.0);
        assert_eq!(entropy(&[0, 5, 0], 5), 0.0);
        assert_eq!(entropy(&[3, 4], 0), 0.0);
        assert_eq!(mutual_info(&Contingency::default()), 0.0);
        let t = dense(&[&[3, 4]]);
        assert_eq!(mutual_info(&t), 0.0);
        // Out-of-range cells and zero margins are ignored, never a panic.
        let mut t = dense(&[&[5, 0], &[0, 5]]);
        t.cells.push((7, 0, 3));
        t.cells.push((0, 9, 3));
        t.cells.push((0, 0, 0));
        assert!(rel(mutual_info(&t), std::f64::consts::LN_2) < 1e-15);
        t.rows[0] = 0;
        assert!(mutual_info(&t).is_finite());
        assert!(mutual_info(&Contingency { n: u64::MAX, ..t }).is_finite());
        // AMI special cases, as sklearn.
        assert_eq!(adjusted_mutual_info(0.0, 0.0, 0.0, 0.0, 1, 1), 1.0);
        assert_eq!(adjusted_mutual_info(0.0, 0.0, 0.0, 0.0, 0, 0), 1.0);
        assert_eq!(adjusted_mutual_info(0.0, 0.0, 0.0, 1.0, 1, 3), 0.0);
        assert_eq!(adjusted_mutual_info(0.0, 0.0, 1.0, 0.0, 3, 1), 0.0);
        // Expectation equal to maximum: both clamps to eps give 1.
        assert_eq!(adjusted_mutual_info(0.5, 0.5, 0.5, 0.5, 4, 4), 1.0);
        // A slightly negative denominator keeps its sign.
        let a = adjusted_mutual_info(0.3, 0.5, 0.5, 0.5 - 1e-15, 4, 4);
        assert!(a > 1e14);
        // z-score.
        assert_eq!(z_score(1.0, 0.5, None), None);
        assert_eq!(z_score(1.0, 0.5, Some(0.0)), None);
        assert_eq!(z_score(1.0, 0.5, Some(f64::NAN)), None);
        assert_eq!(z_score(1.0, 0.5, Some(0.25)), Some(2.0));
    }

    #[test]
    fn matches_sklearn_references() {
        let (mut worst_mi, mut worst_ami, mut worst_ami_abs) = (0.0f64, 0.0f64, 0.0f64);
        for (name, t, r, _) in testdata::all_tables() {
            let c = &t.c;
            let mi = mutual_info(c);
            let emi = expected_mutual_info(&c.rows, &c.cols, c.n);
            let (hr, hc) = (entropy(&c.rows, c.n), entropy(&c.cols, c.n));
            let ami = adjusted_mutual_info(mi, emi, hr, hc, c.rows.len(), c.cols.len());
            assert!(rel(mi, r.mi) < 1e-12, "{name}: mi {mi} vs {}", r.mi);
            assert!(
                rel(hr, r.h_rows) < 1e-12,
                "{name}: h_rows {hr} vs {}",
                r.h_rows
            );
            assert!(
                rel(hc, r.h_cols) < 1e-12,
                "{name}: h_cols {hc} vs {}",
                r.h_cols
            );
            assert!((ami - r.ami).abs() < 1e-9, "{name}: ami {ami} vs {}", r.ami);
            println!(
                "{name}: MI rel err {:.2e}; AMI abs err {:.2e}, rel err {:.2e}",
                rel(mi, r.mi),
                (ami - r.ami).abs(),
                rel(ami, r.ami)
            );
            worst_mi = worst_mi.max(rel(mi, r.mi));
            worst_ami = worst_ami.max(rel(ami, r.ami));
            worst_ami_abs = worst_ami_abs.max((ami - r.ami).abs());
        }
        println!(
            "max: MI rel {worst_mi:.2e}, AMI rel {worst_ami:.2e}, AMI abs {worst_ami_abs:.2e}"
        );
    }

    /// Random small dense tables, zero rows/columns dropped.
    fn tables() -> impl Strategy<Value = Contingency> {
        let count = prop_oneof![3 => 0u64..4, 2 => 0u64..60, 1 => 0u64..5000];
        (1usize..8, 1usize..5)
            .prop_flat_map(move |(r, c)| {
                prop::collection::vec(prop::collection::vec(count.clone(), c), r)
            })
            .prop_map(|t| {
                let t: Vec<Vec<u64>> = t.into_iter().filter(|r| r.iter().any(|&v| v > 0)).collect();
                testdata::from_dense(&t)
            })
    }

    fn shuffle<T>(v: &mut [T], rng: &mut SplitMix) {
        for i in (1..v.len()).rev() {
            v.swap(i, rng.below(i as u64 + 1) as usize);
        }
    }

    /// The same table with rows, columns and cells consistently relabelled.
    fn relabel(t: &Contingency, seed: u64) -> Contingency {
        let mut rng = SplitMix(seed);
        let mut pr: Vec<usize> = (0..t.rows.len()).collect();
        let mut pc: Vec<usize> = (0..t.cols.len()).collect();
        shuffle(&mut pr, &mut rng);
        shuffle(&mut pc, &mut rng);
        let mut u = t.clone();
        for (i, &p) in pr.iter().enumerate() {
            u.rows[p] = t.rows[i];
        }
        for (j, &p) in pc.iter().enumerate() {
            u.cols[p] = t.cols[j];
        }
        for cell in &mut u.cells {
            *cell = (
                pr[cell.0 as usize] as u32,
                pc[cell.1 as usize] as u32,
                cell.2,
            );
        }
        shuffle(&mut u.cells, &mut rng);
        u
    }

    proptest! {
        #[test]
        fn relabelling_gives_identical_bits(t in tables(), seed in any::<u64>()) {
            let u = relabel(&t, seed);
            prop_assert_eq!(mutual_info(&t).to_bits(), mutual_info(&u).to_bits());
            prop_assert_eq!(entropy(&t.rows, t.n).to_bits(), entropy(&u.rows, u.n).to_bits());
            prop_assert_eq!(entropy(&t.cols, t.n).to_bits(), entropy(&u.cols, u.n).to_bits());
            prop_assert_eq!(
                expected_mutual_info(&t.rows, &t.cols, t.n).to_bits(),
                expected_mutual_info(&u.rows, &u.cols, u.n).to_bits()
            );
            prop_assert_eq!(
                null_sd(&t.rows, &t.cols, t.n).map(f64::to_bits),
                null_sd(&u.rows, &u.cols, u.n).map(f64::to_bits)
            );
        }

        #[test]
        fn measures_stay_in_range(t in tables()) {
            let mi = mutual_info(&t);
            let emi = expected_mutual_info(&t.rows, &t.cols, t.n);
            let (hr, hc) = (entropy(&t.rows, t.n), entropy(&t.cols, t.n));
            prop_assert!(mi >= 0.0 && emi >= 0.0);
            prop_assert!(mi <= hr.min(hc) * (1.0 + 1e-12) + 1e-15);
            prop_assert!(emi <= hr.min(hc) * (1.0 + 1e-12) + 1e-15);
            let ami = adjusted_mutual_info(mi, emi, hr, hc, t.rows.len(), t.cols.len());
            prop_assert!(ami <= 1.0 + 1e-12, "ami {}", ami);
            if let Some(sd) = null_sd(&t.rows, &t.cols, t.n) {
                prop_assert!(sd.is_finite() && sd >= 0.0);
            }
        }

        #[test]
        fn arbitrary_counts_never_panic(
            rows in prop::collection::vec(any::<u64>(), 0..5),
            cols in prop::collection::vec(any::<u64>(), 0..5),
            cells in prop::collection::vec((0u32..6, 0u32..6, any::<u64>()), 0..10),
            n in any::<u64>(),
            x in any::<f64>(),
            y in any::<f64>(),
        ) {
            let t = Contingency { n, rows: rows.clone(), cols: cols.clone(), cells };
            prop_assert!(mutual_info(&t) >= 0.0);
            prop_assert!(!entropy(&rows, n).is_nan());
            let _ = adjusted_mutual_info(x, y, x, y, rows.len(), cols.len());
            let _ = z_score(x, y, Some(y));
            prop_assert!(g_test_log10_p(x, n, y) <= 0.0 || x.is_nan() || y.is_nan());
            let q = benjamini_hochberg(&[x, y, x]);
            prop_assert!(q.len() == 3 && q.iter().all(|&v| v <= 0.0));
        }

        #[test]
        fn inconsistent_margins_never_panic(
            rows in prop::collection::vec(prop_oneof![0u64..20, 0u64..1 << 32], 0..5),
            cols in prop::collection::vec(prop_oneof![0u64..20, 0u64..1 << 32], 0..5),
            n in prop_oneof![0u64..40, 0u64..1 << 33],
        ) {
            let e = expected_mutual_info(&rows, &cols, n);
            prop_assert!(e.is_finite() && e >= 0.0);
            if let Some(sd) = null_sd(&rows, &cols, n) {
                prop_assert!(sd.is_finite() && sd >= 0.0);
            }
        }

        #[test]
        fn mi_of_a_table_with_itself_is_its_entropy(
            counts in prop::collection::vec(1u64..100_000, 0..40)
        ) {
            let n: u64 = counts.iter().sum();
            let t = Contingency {
                n,
                rows: counts.clone(),
                cols: counts.clone(),
                cells: (0..counts.len()).map(|i| (i as u32, i as u32, counts[i])).collect(),
            };
            // Equal up to the last bit: both sum (c/N) ln(N c / c^2) per count.
            prop_assert_eq!(mutual_info(&t).to_bits(), entropy(&counts, n).to_bits());
        }
    }
}
