//! Entropy and plug-in mutual information, and the sums they are made of:
//! one term per cell (`InfoSum`), or, for a large table, the multisets of
//! its counts alone (`mutual_info_from_counts`).

use super::{distinct_counts, Contingency, ExactSum, Sum};

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

/// One information term `(k/N) ln(prod_num / prod_den)`, where the caller
/// passes the two products already formed in `f64` (one division, one log).
#[inline]
pub(crate) fn info_term(k: f64, n: f64, prod_num: f64, prod_den: f64) -> f64 {
    k / n * (prod_num / prod_den).ln()
}

/// The plug-in MI of a table from the multiset of its cells' counts alone
/// (`cells`: distinct counts with multiplicities, as
/// [`CountGroups`](super::CountGroups) makes them), as
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
