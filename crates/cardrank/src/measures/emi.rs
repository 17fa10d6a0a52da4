//! Exact expected mutual information under the permutation (hypergeometric)
//! null, computed by walking each hypergeometric pmf outward from its mode.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{distinct_counts, Memo, Sum};

/// Relative size below which a pmf weight ends a walk: once a weight falls
/// below `TAIL * (sum of weights so far)`, the rest of that tail is negligible.
pub(crate) const TAIL: f64 = 1e-18;

/// Expected mutual information of two labellings with the given margins under
/// random permutation (Vinh, Epps and Bailey 2010), in nats:
///
/// `EMI = sum_i sum_j sum_{k = max(1, a_i + b_j - N)}^{min(a_i, b_j)}
///        (k/N) ln(N k / (a_i b_j)) * P(k; N, a_i, b_j)`,
///
/// where `P(k; N, a, b) = C(b, k) C(N - b, a - k) / C(N, a)` is the
/// hypergeometric pmf. This is the quantity sklearn computes in
/// `expected_mutual_information(contingency, n_samples)`.
///
/// How: equal `a_i` (and equal `b_j`) are grouped and each distinct `(a, b)`
/// pair's sum is weighted by the product of their multiplicities, iterating
/// distinct values in increasing order. For each pair the pmf is walked from
/// its mode `floor((a+1)(b+1)/(N+2))` in both directions with the ratio
/// `P(k+1)/P(k) = (a-k)(b-k) / ((k+1)(N-a-b+k+1))`, starting from weight 1,
/// until a weight falls below `1e-18` of the running total (or the support
/// ends); the weights are then normalised by their sum (which includes
/// `k = 0`). No log-gamma and no allocation per pair. Cost: one logarithm
/// per visited term, about 20 standard deviations of each pair's pmf (at
/// most its support), times the number of distinct `(a, b)` pairs. Counts
/// are converted to `f64`, exact below 2^53.
///
/// Returns 0.0 when `n == 0` or either margin has fewer than two nonzero
/// entries (as sklearn). Zero entries are ignored, and so are entries larger
/// than `n` (the margins should each sum to `n`). Tiny negative totals from
/// rounding are clamped to 0.
pub fn expected_mutual_info(rows: &[u64], cols: &[u64], n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    expected_mutual_info_grouped(&distinct_counts(rows), &distinct_counts(cols), n)
}

/// [`expected_mutual_info`] of margins given as their distinct nonzero
/// values with multiplicities, in increasing value order (as
/// `distinct_counts` makes them): callers that pair one margin with many
/// group it once.
pub(crate) fn expected_mutual_info_grouped(ra: &[(u64, u64)], cb: &[(u64, u64)], n: u64) -> f64 {
    grouped_sum(ra, cb, n, |_, _, a, b| pair_emi(a, b, n))
}

/// The EMI terms of every two values of a fixed set of margin values (the
/// distinct value counts of a set of features), filled in as they are
/// first needed and shared by threads: the EMIs of all pairs of the
/// features then walk each distinct `(a, b)` once, not once per pair.
///
/// Kept as the upper triangle of the value-by-value matrix, one `f64` each
/// (as bits; an unfilled cell holds `u64::MAX`, a NaN no walk returns).
/// Two threads may fill one cell at once; they write the same bits.
pub(crate) struct EmiTable {
    n: u64,
    values: Vec<u64>,
    cells: Vec<AtomicU64>,
}

const UNFILLED: u64 = u64::MAX;

impl EmiTable {
    /// A table for the values (those in `1..=n`) of `groups`, or `None`
    /// when it would pass `max_cells` cells.
    pub(crate) fn new<'g>(
        groups: impl IntoIterator<Item = &'g [(u64, u64)]>,
        n: u64,
        max_cells: usize,
    ) -> Option<EmiTable> {
        let mut values: Vec<u64> = groups
            .into_iter()
            .flat_map(|g| g.iter().map(|&(v, _)| v))
            .filter(|&v| v >= 1 && v <= n)
            .collect();
        values.sort_unstable();
        values.dedup();
        let u = values.len();
        let size = u.checked_mul(u + 1)? / 2;
        (size <= max_cells).then(|| EmiTable {
            n,
            values,
            cells: (0..size).map(|_| AtomicU64::new(UNFILLED)).collect(),
        })
    }

    /// The position of each value of `groups` in the table (`u32::MAX` for
    /// one outside it, which the sums skip as `expected_mutual_info` does).
    pub(crate) fn ranks(&self, groups: &[(u64, u64)]) -> Vec<u32> {
        groups
            .iter()
            .map(|&(v, _)| self.values.binary_search(&v).map_or(u32::MAX, |r| r as u32))
            .collect()
    }

    /// [`expected_mutual_info_grouped`] of two margins of this table's
    /// values (with their [`EmiTable::ranks`]), to within a few units in
    /// the last place.
    ///
    /// The sum runs over the triangle row by row so that the cells are read
    /// in memory order: first the pairs whose `a` is at or below `b` in the
    /// table (row `a`), then the rest (row `b`); each row's terms are summed
    /// plainly and the row totals with compensation. The order depends only
    /// on the two margins, so the bits do too.
    pub(crate) fn expected_mutual_info(
        &self,
        ra: &[(u64, u64)],
        ranks_a: &[u32],
        cb: &[(u64, u64)],
        ranks_b: &[u32],
    ) -> f64 {
        let n = self.n;
        let levels = |g: &[(u64, u64)]| g.iter().map(|&(_, m)| m).sum::<u64>();
        if n == 0 || levels(ra) < 2 || levels(cb) < 2 {
            return 0.0;
        }
        let u = self.values.len();
        // Cell (lo, hi), lo <= hi, is at `base(lo) + hi`.
        let base = |lo: usize| lo * (u - 1) - lo * lo.saturating_sub(1) / 2;
        let mut total = Sum::default();
        let a_side = ra.iter().zip(ranks_a).filter(|(&(a, _), _)| a <= n);
        let b_side = || cb.iter().zip(ranks_b).filter(|(&(b, _), _)| b <= n);
        for (&(a, ma), &x) in a_side.clone() {
            let x = x as usize;
            let mut row = 0.0;
            for (&(b, mb), &y) in b_side() {
                let y = y as usize;
                row += mb as f64
                    * if x >= u || y >= u {
                        // A value the table lacks: walked here, once.
                        pair_emi(a, b, n)
                    } else if y >= x {
                        self.term(base(x) + y, a, b)
                    } else {
                        continue;
                    };
            }
            total.add(row * ma as f64);
        }
        for (&(b, mb), &y) in b_side() {
            let y = y as usize;
            if y >= u {
                continue;
            }
            let mut row = 0.0;
            for (&(a, ma), &x) in a_side.clone() {
                let x = x as usize;
                if x > y && x < u {
                    row += ma as f64 * self.term(base(y) + x, a, b);
                }
            }
            total.add(row * mb as f64);
        }
        total.value().max(0.0)
    }

    /// The term of `(a, b)` in cell `at`, walked and stored if unfilled.
    #[inline]
    fn term(&self, at: usize, a: u64, b: u64) -> f64 {
        let cell = &self.cells[at];
        let bits = cell.load(Ordering::Relaxed);
        if bits != UNFILLED {
            return f64::from_bits(bits);
        }
        let e = pair_emi(a, b, self.n);
        cell.store(e.to_bits(), Ordering::Relaxed);
        e
    }
}

/// [`expected_mutual_info_grouped`] with each distinct `(a, b)` term taken
/// from (or added to) `memo`: the same bits, and when many tables share
/// margin values (every pair of a feature set, each against the same
/// target), most terms are found rather than walked.
pub(crate) fn expected_mutual_info_memo(
    ra: &[(u64, u64)],
    cb: &[(u64, u64)],
    n: u64,
    memo: &mut EmiMemo,
) -> f64 {
    memo.terms.keep_for(n);
    grouped_sum(ra, cb, n, |_, _, a, b| {
        // The walk is symmetric in `a` and `b` to the bit (every product
        // and sum it forms is), so one entry serves both orders.
        memo.terms
            .get_or_insert_with((a.min(b), a.max(b)), || pair_emi(a, b, n))
    })
}

/// Remembered per-pair EMI terms `pair_emi(a, b, n)` for one `n` (at most
/// 2^18 of them, about 8 MB).
#[derive(Debug)]
pub(crate) struct EmiMemo {
    terms: Memo<u64, (u64, u64), f64>,
}

impl Default for EmiMemo {
    fn default() -> Self {
        EmiMemo {
            terms: Memo::new(1 << 18),
        }
    }
}

fn grouped_sum(
    ra: &[(u64, u64)],
    cb: &[(u64, u64)],
    n: u64,
    mut pair: impl FnMut(usize, usize, u64, u64) -> f64,
) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let levels = |g: &[(u64, u64)]| g.iter().map(|&(_, m)| m).sum::<u64>();
    if levels(ra) < 2 || levels(cb) < 2 {
        return 0.0;
    }
    let mut total = Sum::default();
    for (i, &(a, ma)) in ra.iter().enumerate().filter(|&(_, &(a, _))| a <= n) {
        for (j, &(b, mb)) in cb.iter().enumerate().filter(|&(_, &(b, _))| b <= n) {
            let e = pair(i, j, a, b);
            total.add(e * (ma as f64 * mb as f64));
        }
    }
    total.value().max(0.0)
}

/// Every this many steps a walk takes its logarithm afresh, so rounding in
/// the steps never adds up over more than this many.
const REANCHOR: u64 = 32;

/// `ln((k + 1) / k)` for `1 <= k < LOG_STEPS`, so that a walk can move its
/// logarithm one step without calling `ln`.
const LOG_STEPS: usize = 1 << 16;

fn log_steps() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..LOG_STEPS)
            .map(|k| {
                if k == 0 {
                    0.0
                } else {
                    (1.0 / k as f64).ln_1p()
                }
            })
            .collect()
    })
}

/// `ln((k + 1) / k)`, from the table or (past it) its series in `1/k`,
/// whose first omitted term is below `1/(5 k^5)`: under 1e-20 relative.
#[inline]
fn log_step(table: &[f64], k: u64) -> f64 {
    match table.get(k as usize) {
        Some(&v) => v,
        None => {
            let x = 1.0 / k as f64;
            x * (1.0 - x * (0.5 - x * (1.0 / 3.0 - x * 0.25)))
        }
    }
}

/// One hypergeometric walk of [`pair_emi`]: its constants, its running
/// sums, and the position and weight of the direction being walked.
///
/// The position is kept both as an integer (to index the step table) and
/// as an `f64` (exact below 2^53), so no step converts one to the other;
/// the terms are summed without their common factor `1/N`, which divides
/// the result once.
struct Walk {
    lo: u64,
    hi: u64,
    mode: u64,
    af: f64,
    bf: f64,
    nf: f64,
    ab: f64,
    c0: f64,
    log_at_mode: f64,
    wsum: f64,
    /// `sum of w(k) k ln(N k/(a b))`.
    tsum: f64,
    w: f64,
    k: u64,
    kf: f64,
    log: f64,
    /// Steps left before the logarithm is taken afresh (0: at this step).
    anchor: u64,
    live: bool,
}

impl Walk {
    /// At the mode, ready to walk upward; `1 <= a, b <= N`.
    #[inline]
    fn new(a: u64, b: u64, n: u64) -> Walk {
        // Support: max(0, a + b - N) ..= min(a, b) (no overflow: a, b <= N).
        let lo = a.saturating_sub(n - b);
        let hi = a.min(b);
        // floor((a+1)(b+1)/(N+2)), in 64 bits when the product fits.
        let mode = match (a + 1).checked_mul(b + 1) {
            Some(p) => p / (n + 2),
            None => ((a as u128 + 1) * (b as u128 + 1) / (n as u128 + 2)) as u64,
        };
        let mode = mode.max(lo).min(hi);
        let (af, bf, nf) = (a as f64, b as f64, n as f64);
        let ab = af * bf;
        let mf = mode as f64;
        // ln(N k / (a b)) at the mode (k = 0 has no term: its weight counts
        // in the normalisation only).
        let log_at_mode = if mode == 0 { 0.0 } else { (nf * mf / ab).ln() };
        Walk {
            lo,
            hi,
            mode,
            af,
            bf,
            nf,
            ab,
            // N - a - b, possibly negative; exact in f64 below 2^53.
            c0: nf - af - bf,
            log_at_mode,
            wsum: 1.0,
            tsum: mf * log_at_mode,
            w: 1.0,
            k: mode,
            kf: mf,
            log: log_at_mode,
            anchor: 0,
            live: mode < hi,
        }
    }

    /// One step up: `w(k+1) = w(k) (a-k)(b-k) / ((k+1)(N-a-b+k+1))`.
    #[inline(always)]
    fn up(&mut self, steps: &[f64]) {
        let kf = self.kf;
        let k1 = kf + 1.0;
        self.w *= (self.af - kf) * (self.bf - kf) / (k1 * (self.c0 + k1));
        self.log = if self.anchor == 0 {
            self.anchor = REANCHOR - 1;
            (self.nf * k1 / self.ab).ln()
        } else {
            self.anchor -= 1;
            self.log + log_step(steps, self.k)
        };
        self.k += 1;
        self.kf = k1;
        self.wsum += self.w;
        self.tsum += self.w * (k1 * self.log);
        self.live = self.k < self.hi && self.w >= TAIL * self.wsum;
    }

    /// Back to the mode, ready to walk downward.
    #[inline]
    fn turn(&mut self) {
        self.w = 1.0;
        self.k = self.mode;
        self.kf = self.mode as f64;
        self.log = self.log_at_mode;
        self.anchor = REANCHOR - 1;
        self.live = self.k > self.lo;
    }

    /// One step down: `w(k-1) = w(k) k (N-a-b+k) / ((a-k+1)(b-k+1))`.
    #[inline(always)]
    fn down(&mut self, steps: &[f64]) {
        let kf = self.kf;
        self.w *= kf * (self.c0 + kf) / ((self.af - kf + 1.0) * (self.bf - kf + 1.0));
        self.k -= 1;
        let k0 = kf - 1.0;
        self.kf = k0;
        self.wsum += self.w;
        if self.k > 0 {
            self.log = if self.anchor == 0 {
                self.anchor = REANCHOR - 1;
                (self.nf * k0 / self.ab).ln()
            } else {
                self.anchor -= 1;
                self.log - log_step(steps, self.k)
            };
            self.tsum += self.w * (k0 * self.log);
        }
        self.live = self.k > self.lo && self.w >= TAIL * self.wsum;
    }

    #[inline]
    fn value(&self) -> f64 {
        self.tsum / self.wsum / self.nf
    }
}

/// `E[(k/N) ln(N k/(a b))]` for `k ~ Hypergeometric(N, a, b)`, with
/// `1 <= a, b <= N`, by the outward ratio walk described on
/// [`expected_mutual_info`]. The logarithm is taken at the mode and every
/// [`REANCHOR`] steps; in between, each step moves it by `ln((k+1)/k)`
/// from a table.
pub(super) fn pair_emi(a: u64, b: u64, n: u64) -> f64 {
    let steps = log_steps();
    let mut walk = Walk::new(a, b, n);
    while walk.live {
        walk.up(steps);
    }
    walk.turn();
    while walk.live {
        walk.down(steps);
    }
    walk.value()
}

mod mirror;
pub(super) use mirror::pair_emi_mirrored;

#[cfg(test)]
mod tests;
