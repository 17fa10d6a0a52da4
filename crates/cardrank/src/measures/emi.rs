//! Exact expected mutual information under the permutation (hypergeometric)
//! null, computed by walking each hypergeometric pmf outward from its mode.

use super::{distinct_counts, Sum};

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
    if n == 0 {
        return 0.0;
    }
    let levels = |g: &[(u64, u64)]| g.iter().map(|&(_, m)| m).sum::<u64>();
    if levels(ra) < 2 || levels(cb) < 2 {
        return 0.0;
    }
    let mut total = Sum::default();
    for &(a, ma) in ra.iter().filter(|&&(a, _)| a <= n) {
        for &(b, mb) in cb.iter().filter(|&&(b, _)| b <= n) {
            let e = pair_emi(a, b, n);
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
fn pair_emi(a: u64, b: u64, n: u64) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::super::testdata::{self, Ref};
    use super::*;

    fn rel(x: f64, y: f64) -> f64 {
        if x == y {
            0.0
        } else {
            (x - y).abs() / y.abs().max(f64::MIN_POSITIVE)
        }
    }

    /// Direct sum with the exact hypergeometric pmf from log-gamma: an
    /// independent check on small tables.
    fn emi_lgamma(rows: &[u64], cols: &[u64], n: u64) -> f64 {
        let lf = |k: u64| libm::lgamma(k as f64 + 1.0);
        let nf = n as f64;
        let mut total = 0.0;
        for &a in rows {
            for &b in cols {
                for k in (a + b).saturating_sub(n).max(1)..=a.min(b) {
                    let lp = lf(a) + lf(b) + lf(n - a) + lf(n - b)
                        - lf(n)
                        - lf(k)
                        - lf(a - k)
                        - lf(b - k)
                        - lf(n + k - a - b);
                    let kf = k as f64;
                    total += lp.exp() * kf / nf * (nf * kf / (a as f64 * b as f64)).ln();
                }
            }
        }
        total
    }

    #[test]
    fn degenerate_inputs_give_zero() {
        assert_eq!(expected_mutual_info(&[], &[], 0), 0.0);
        assert_eq!(expected_mutual_info(&[3, 4], &[7], 7), 0.0);
        assert_eq!(expected_mutual_info(&[7], &[3, 4], 7), 0.0);
        assert_eq!(expected_mutual_info(&[3, 4], &[3, 4], 0), 0.0);
        assert_eq!(expected_mutual_info(&[0, 0], &[0, 0], 5), 0.0);
        // Inconsistent margins never panic.
        let e = expected_mutual_info(&[3, 400, u64::MAX], &[1, 2, 3], 6);
        assert!(e.is_finite() && e >= 0.0);
        let e = expected_mutual_info(&[u64::MAX / 2, u64::MAX / 2], &[1, u64::MAX - 1], u64::MAX);
        assert!(e.is_finite() && e >= 0.0);
    }

    #[test]
    fn singletons_against_anything_give_the_target_entropy() {
        // A feature with one row per level always has MI = H(Y).
        let cols = [3u64, 5, 12];
        let n = 20;
        let rows = vec![1u64; 20];
        let h = super::super::entropy(&cols, n);
        assert!(rel(expected_mutual_info(&rows, &cols, n), h) < 1e-14);
    }

    #[test]
    fn matches_direct_lgamma_sum_on_small_tables() {
        let cases: &[(&[u64], &[u64])] = &[
            (&[5, 12, 8], &[10, 15]),
            (&[1, 1, 2, 3, 5, 8, 13], &[3, 30]),
            (&[30, 3], &[11, 11, 11]),
            (&[20, 20], &[1, 39]),
        ];
        for (rows, cols) in cases {
            let n: u64 = rows.iter().sum();
            assert_eq!(n, cols.iter().sum::<u64>());
            let got = expected_mutual_info(rows, cols, n);
            let want = emi_lgamma(rows, cols, n);
            assert!(rel(got, want) < 1e-12, "{rows:?} {cols:?}: {got} vs {want}");
        }
    }

    #[test]
    fn order_of_margins_does_not_change_bits() {
        let a = expected_mutual_info(&[5, 12, 8, 5], &[10, 20], 30);
        let b = expected_mutual_info(&[8, 5, 5, 12], &[20, 10], 30);
        assert_eq!(a.to_bits(), b.to_bits());
    }

    fn check(name: &str, t: &testdata::Table, r: &Ref, exact: f64) -> (f64, f64) {
        let emi = expected_mutual_info(&t.c.rows, &t.c.cols, t.c.n);
        let e_sk = rel(emi, r.emi);
        let e_ex = rel(emi, exact);
        assert!(
            e_sk < 1e-9,
            "{name}: emi {emi} vs sklearn {} ({e_sk:e})",
            r.emi
        );
        // Against the 40-digit reference the walk is far tighter than sklearn.
        assert!(
            e_ex < 1e-12,
            "{name}: emi {emi} vs exact {exact} ({e_ex:e})"
        );
        (e_sk, e_ex)
    }

    #[test]
    fn matches_sklearn_and_exact_references() {
        let mut worst = (0.0f64, 0.0f64);
        for (name, t, r, exact) in testdata::all_tables() {
            let (s, e) = check(name, &t, &r, exact);
            println!("{name}: EMI rel err vs sklearn {s:.3e}, vs exact {e:.3e}");
            worst = (worst.0.max(s), worst.1.max(e));
        }
        println!(
            "EMI max rel err: vs sklearn {:.3e}, vs exact {:.3e}",
            worst.0, worst.1
        );
    }

    /// Margins of exactly `n` rows in levels of size `1 + mix(seed ^ i) % max`
    /// (the last level takes what is left).
    fn margins(n: u64, max: u64, seed: u64) -> Vec<u64> {
        let mut out = Vec::new();
        let mut left = n;
        while left > 0 {
            let a = (1 + testdata::mix(seed ^ out.len() as u64) % max).min(left);
            out.push(a);
            left -= a;
        }
        out
    }

    /// Timing report (not a check): `cargo test --release -- --ignored --nocapture timing`.
    #[test]
    #[ignore]
    fn timing() {
        use std::time::Instant;
        let time = |name: &str, rows: &[u64], cols: &[u64], n: u64| {
            let reps = 20;
            let t0 = Instant::now();
            let mut e = 0.0;
            for _ in 0..reps {
                e = expected_mutual_info(std::hint::black_box(rows), cols, n);
            }
            let dt = t0.elapsed().as_secs_f64() / reps as f64;
            println!(
                "{name}: {} x {} levels, n={n}: EMI={e:.17e} in {:.3} ms",
                rows.len(),
                cols.len(),
                dt * 1e3
            );
            e
        };
        // The script's gen_margin_only(20000, 99, 6): 20k levels vs binary, n ~ 1e6.
        let (mut rows, mut pos) = (Vec::new(), 0u64);
        for i in 0..20_000u64 {
            let a = 1 + testdata::mix((6 << 40) ^ i) % 99;
            pos += testdata::mix((6 << 48) ^ i) % (a + 1);
            rows.push(a);
        }
        let n: u64 = rows.iter().sum();
        let e = time("20k-level binary", &rows, &[n - pos, pos], n);
        // sklearn 1.9.1 on the same table: 0.010354136354453229.
        println!(
            "  rel diff vs sklearn: {:.3e}",
            rel(e, 0.010354136354453229)
        );
        // A 10k x 20k-level pair on exactly 1,000,000 rows.
        let n = 1_000_000;
        let rows = margins(n, 199, 0xA);
        let cols = margins(n, 99, 0xB);
        time("10k x 20k pair", &rows, &cols, n);
        // Heavier: Zipf-like 20k levels (sizes up to 50k) vs binary, n ~ 1e6.
        let rows: Vec<u64> = (0..20_000u64).map(|i| 1 + 50_000 / (i + 1)).collect();
        let n: u64 = rows.iter().sum();
        time("Zipf 20k-level binary", &rows, &[n / 3, n - n / 3], n);
        // Heavier still: a ~1k x 1k-level pair with levels of ~500 rows each.
        let rows = margins(n, 999, 0xC);
        let cols = margins(n, 999, 0xD);
        time("1k x 1k pair (levels ~500 rows)", &rows, &cols, n);
    }
}
