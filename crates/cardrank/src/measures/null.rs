//! Standard deviation of mutual information under the permutation null
//! (binary target), by Gaussian conditioning of independent binomials.

use super::emi::TAIL;
use super::{distinct_counts, ln_count, Memo, Sum};

/// Approximate standard deviation of the plug-in MI of a feature with row
/// totals `rows` against a **binary** target with column totals `cols`, under
/// random permutation of the target (margins fixed), in nats.
///
/// Model. Let `b` be the smaller class count, `p = b/N`, `q = 1 - p`, and
/// `X_i` the count of that class in level `i`. Exactly,
/// `MI = sum_i h_i(X_i)` with
/// `h_i(x) = (1/N) [x ln(N x / (a_i b)) + (a_i - x) ln(N (a_i - x) / (a_i (N - b)))]`
/// (`0 ln 0 = 0`; this is the row's share of MI, `G_i / 2N`). Under the
/// permutation null the `X_i` are multivariate hypergeometric; they are
/// modelled as independent `Binomial(a_i, p)` conditioned on
/// `S = sum_i X_i = b`, and Gaussian conditioning gives
///
/// `Var(MI) ~ sum_i Var(h_i) - (sum_i Cov(h_i, X_i))^2 / Var(S)`,
/// `Var(S) = (sum_i a_i) p q`.
///
/// (Writing `h_i` rather than `g_i(x) = (1/N)[x ln(x/a_i) + (a_i-x) ln((a_i-x)/a_i)]`
/// drops the term `x ln(q/p)/N`, linear in `x`, whose sum over levels is
/// constant given `S`; the formula is invariant to it, and without it the
/// large linear part does not cancel in floating point.)
/// `Var(h_i)` and `Cov(h_i, X_i)` are computed once per distinct `a` from
/// the binomial pmf, walked outward from its mode with the ratio
/// `P(x+1)/P(x) = (a-x) p / ((x+1) q)` until weights fall below `1e-18` of
/// their running sum, normalised, centred in a second pass, and multiplied
/// by the multiplicity of `a`.
///
/// Returns `Some(sqrt(var))`, with `Some(0.0)` when the variance is not
/// positive or is below `1e-11` of `sum_i Var(h_i)` (floating-point noise:
/// e.g. a feature with one row per level has a constant MI). Returns `None`
/// when `n == 0`, the feature has fewer than two levels, the target has
/// fewer than two nonzero classes, or a class count is `>= n`.
///
/// **More than two classes.** The same conditioning with `X_i` a
/// multinomial row (see `null_multi.rs`): exact per-class binomial
/// moments, and the covariance of two classes' terms through their
/// regression on the counts (exact for single-row levels). Zero entries are ignored, and so are rows larger than
/// `n`. Depends only on the multisets of `rows` and `cols`.
pub fn null_sd(rows: &[u64], cols: &[u64], n: u64) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let mut buf = Vec::new();
    grouped(
        &distinct_counts(rows),
        &distinct_counts(cols),
        n,
        |a, b, two| moments_of(a, b, n, two, &mut buf),
    )
}

/// The per-level moments [`variance_grouped`] asks for: of the binary
/// level share `h` ([`level_moments`], `two_sided`) or of the one-class
/// term `u` ([`class_moments`]).
pub(super) fn moments_of(
    a: u64,
    b: u64,
    n: u64,
    two_sided: bool,
    buf: &mut Vec<(f64, f64, f64)>,
) -> [f64; 3] {
    if two_sided {
        let (v, c) = level_moments(a, b, n);
        [v, c, 0.0]
    } else {
        class_moments(a, b, n, buf)
    }
}

/// [`null_sd`] of margins given as distinct values with multiplicities (as
/// `distinct_counts` makes them), each level's moments taken from (or
/// added to) `memo`: the same bits as [`null_sd`].
pub(crate) fn null_sd_memo(
    ra: &[(u64, u64)],
    cb: &[(u64, u64)],
    n: u64,
    memo: &mut MomentMemo,
) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let MomentMemo { moments, buf } = memo;
    moments.keep_for(n);
    grouped(ra, cb, n, |a, b, two| {
        moments.get_or_insert_with((a, b, two), || moments_of(a, b, n, two, buf))
    })
}

/// Remembered per-level moments for one `n` (at most 2^16).
#[derive(Debug)]
pub(crate) struct MomentMemo {
    moments: Memo<u64, (u64, u64, bool), [f64; 3]>,
    buf: Vec<(f64, f64, f64)>,
}

impl Default for MomentMemo {
    fn default() -> Self {
        MomentMemo {
            moments: Memo::new(1 << 16),
            buf: Vec::new(),
        }
    }
}

fn grouped(
    ra: &[(u64, u64)],
    cb: &[(u64, u64)],
    n: u64,
    moments: impl FnMut(u64, u64, bool) -> [f64; 3],
) -> Option<f64> {
    variance_grouped(ra, cb, n, moments).map(f64::sqrt)
}

/// The null variance of MI (the square of [`null_sd`]) from grouped margins,
/// each level's moments from `moments(a, b, two_sided)` (see
/// [`moments_of`]; binary: `b` the smaller class count).
///
/// **The levels' own constraint.** Gaussian conditioning on the class sums
/// removes the linear part of each level's term but not the quadratic part
/// (near the null, MI is half a chi-square over N): K independent levels
/// give the variance of K degrees of freedom per class where the
/// permutation has K - 1 (the level counts sum to the class count). The
/// variance is therefore scaled by (K - 1) / K, K the levels with rows:
/// against 4,000 permutations of a binary target the sd without it was
/// 1.4-1.5 times too large for a two-valued feature, 1.2 for three, 1.03
/// for twenty (`tests/python/test_py_conditional_real.py` checks the
/// conditional sd on real data).
pub(super) fn variance_grouped(
    ra: &[(u64, u64)],
    cb: &[(u64, u64)],
    n: u64,
    moments: impl FnMut(u64, u64, bool) -> [f64; 3],
) -> Option<f64> {
    let levels: u64 = ra
        .iter()
        .filter(|&&(a, _)| a >= 1 && a <= n)
        .map(|&(_, m)| m)
        .sum();
    let var = variance_unconstrained(ra, cb, n, moments)?;
    if levels < 2 {
        return Some(var);
    }
    Some(var * (levels - 1) as f64 / levels as f64)
}

/// [`variance_grouped`] before the levels' constraint.
fn variance_unconstrained(
    ra: &[(u64, u64)],
    cb: &[(u64, u64)],
    n: u64,
    mut moments: impl FnMut(u64, u64, bool) -> [f64; 3],
) -> Option<f64> {
    let classes: u64 = cb.iter().map(|&(_, m)| m).sum();
    if classes > 2 {
        return super::null_multi::variance(ra, cb, n, |a, b| moments(a, b, false));
    }
    if classes != 2 {
        return None;
    }
    let b = cb[0].0;
    if b >= n {
        return None;
    }
    // The levels that fit (no allocation: one stratum per call in a
    // conditional's sum).
    let ra = || ra.iter().copied().filter(|&(a, _)| a <= n);
    if ra().map(|(_, m)| m).sum::<u64>() < 2 {
        return None;
    }
    let (p, q) = (b as f64 / n as f64, (n - b) as f64 / n as f64);
    let mut sum_var = Sum::default();
    let mut sum_cov = Sum::default();
    let mut sum_a = Sum::default();
    for (a, m) in ra() {
        let [var, cov, _] = moments(a, b, true);
        let m = m as f64;
        sum_var.add(m * var);
        sum_cov.add(m * cov);
        sum_a.add(m * a as f64);
    }
    let sum_var = sum_var.value();
    let cov = sum_cov.value();
    let var_s = sum_a.value() * p * q;
    let var = sum_var - cov * cov / var_s;
    if var.is_nan() || var <= 1e-11 * sum_var {
        return Some(0.0);
    }
    Some(var)
}

/// `(Var(h(X)), Cov(h(X), X))` for `X ~ Binomial(a, b/n)`, with `h` as in
/// [`null_sd`]; requires `1 <= a <= n` and `1 <= b < n`.
///
/// One walk evaluates `h` once per support point and sums the moments of
/// `h` shifted by its value at the mode, with `ln x` and `ln(a - x)` from
/// the table of count logarithms and the two constant parts of the
/// logarithms taken once: no logarithm per point. (The parts add up to within about 1e-15
/// of each logarithm; the sd this feeds is an approximation to far fewer
/// digits.)
pub(super) fn level_moments(a: u64, b: u64, n: u64) -> (f64, f64) {
    let (af, bf, nf) = (a as f64, b as f64, n as f64);
    // h(x) = [x ln(N x / (a b)) + (a - x) ln(N (a - x) / (a (N - b)))] / N
    let c1 = (nf / (af * bf)).ln();
    let c0 = (nf / (af * (n - b) as f64)).ln();
    let h = |x: u64| -> f64 {
        let rest = a - x;
        let t1 = if x > 0 {
            x as f64 * (ln_count(x) + c1)
        } else {
            0.0
        };
        let t0 = if rest > 0 {
            rest as f64 * (ln_count(rest) + c0)
        } else {
            0.0
        };
        (t1 + t0) / nf
    };
    let mean_x = af * bf / nf;
    // One pass, with h shifted by its value at the mode (the walk's first
    // point, within a few sds of its mean, so that the shifted moments do
    // not cancel).
    let mut shift = None;
    let [mut w_sum, mut d_sum, mut dd_sum, mut dx_sum, mut ddx_sum] = [0.0; 5];
    walk_binomial(a, b, n, |x, w| {
        let hx = h(x);
        let d = hx - *shift.get_or_insert(hx);
        let dx = x as f64 - mean_x;
        w_sum += w;
        d_sum += w * d;
        dd_sum += w * d * d;
        dx_sum += w * dx;
        ddx_sum += w * d * dx;
    });
    let mean_d = d_sum / w_sum;
    let var = (dd_sum / w_sum - mean_d * mean_d).max(0.0);
    (var, ddx_sum / w_sum - mean_d * (dx_sum / w_sum))
}

/// `[Var(u(X)), Cov(u(X), X), Cov(u(X), (X - EX)^2)]` for
/// `X ~ Binomial(a, b/n)` and `u(x) = x ln(x / (a b / n)) / n`
/// (`0 ln 0 = 0`): one class's term of a level's share of MI, up to parts
/// linear in `x` (see `null_multi.rs`).
pub(super) fn class_moments(a: u64, b: u64, n: u64, buf: &mut Vec<(f64, f64, f64)>) -> [f64; 3] {
    let nf = n as f64;
    let mean_x = a as f64 * b as f64 / nf;
    let c = mean_x.ln();
    let u = |x: u64| -> f64 {
        if x == 0 {
            0.0
        } else {
            x as f64 * (ln_count(x) - c) / nf
        }
    };
    buf.clear();
    walk_binomial(a, b, n, |x, w| buf.push((x as f64, w, u(x))));
    let (mut w_sum, mut u_sum) = (0.0, 0.0);
    for &(_, w, ux) in buf.iter() {
        w_sum += w;
        u_sum += w * ux;
    }
    let mean_u = u_sum / w_sum;
    let (mut v_sum, mut c_sum, mut q_sum) = (0.0, 0.0, 0.0);
    for &(x, w, ux) in buf.iter() {
        let d = ux - mean_u;
        let dx = x - mean_x;
        v_sum += w * d * d;
        c_sum += w * d * dx;
        q_sum += w * d * dx * dx;
    }
    [v_sum / w_sum, c_sum / w_sum, q_sum / w_sum]
}

/// Calls `f(x, w)` for the support points `x` of `Binomial(a, b/n)` that
/// matter, with unnormalised weights `w` (1 at the mode), walking up then
/// down from the mode until `w < 1e-18 * (running sum)`. Deterministic order.
fn walk_binomial(a: u64, b: u64, n: u64, mut f: impl FnMut(u64, f64)) {
    let mode = ((a as u128 + 1) * b as u128 / n as u128).min(a as u128) as u64;
    // Odds p/q = b/(n-b).
    let odds = b as f64 / (n - b) as f64;
    let af = a as f64;
    f(mode, 1.0);
    let mut total = 1.0;
    let (mut x, mut w) = (mode, 1.0);
    while x < a {
        let xf = x as f64;
        w *= (af - xf) / (xf + 1.0) * odds;
        x += 1;
        total += w;
        f(x, w);
        if w < TAIL * total {
            break;
        }
    }
    let (mut x, mut w) = (mode, 1.0);
    while x > 0 {
        let xf = x as f64;
        w *= xf / ((af - xf + 1.0) * odds);
        x -= 1;
        total += w;
        f(x, w);
        if w < TAIL * total {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{mix, SplitMix};
    use super::super::{expected_mutual_info, mutual_info, Contingency};
    use super::*;

    /// Mean and sd of MI over `perms` random permutations of a binary target
    /// with `b` positives against levels of sizes `rows` (Fisher-Yates
    /// shuffles with a seeded splitmix64).
    fn permutation_mi(rows: &[u64], b: u64, perms: usize, seed: u64) -> (f64, f64) {
        let n: u64 = rows.iter().sum();
        let mut y: Vec<u8> = (0..n).map(|r| u8::from(r < b)).collect();
        let mut rng = SplitMix(seed);
        let mut t = Contingency {
            n,
            rows: rows.to_vec(),
            cols: vec![n - b, b],
            cells: Vec::new(),
        };
        let (mut s1, mut s2) = (0.0, 0.0);
        for _ in 0..perms {
            for i in (1..y.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                y.swap(i, j);
            }
            t.cells.clear();
            let mut start = 0usize;
            for (i, &a) in rows.iter().enumerate() {
                let end = start + a as usize;
                let pos: u64 = y[start..end].iter().map(|&v| u64::from(v)).sum();
                for (j, k) in [(0u32, a - pos), (1, pos)] {
                    if k > 0 {
                        t.cells.push((i as u32, j, k));
                    }
                }
                start = end;
            }
            let mi = mutual_info(&t);
            s1 += mi;
            s2 += mi * mi;
        }
        let m = s1 / perms as f64;
        (
            m,
            ((s2 / perms as f64 - m * m) * perms as f64 / (perms as f64 - 1.0)).sqrt(),
        )
    }

    fn check(name: &str, rows: &[u64], b: u64, seed: u64) -> f64 {
        let n: u64 = rows.iter().sum();
        let sd = null_sd(rows, &[n - b, b], n).unwrap();
        let (mean, emp) = permutation_mi(rows, b, 400, seed);
        let emi = expected_mutual_info(rows, &[n - b, b], n);
        let ratio = sd / emp;
        println!(
            "{name}: levels={} n={n} b={b}: null_sd={sd:.4e}, permutation sd={emp:.4e} \
             (ratio {ratio:.3}); EMI={emi:.5e}, permutation mean={mean:.5e}",
            rows.len()
        );
        assert!((ratio - 1.0).abs() < 0.15, "{name}: ratio {ratio}");
        // The permutation mean agrees with the exact EMI (4 standard errors).
        assert!(
            (mean - emi).abs() < 4.0 * emp / 20.0,
            "{name}: mean {mean} vs EMI {emi}"
        );
        ratio
    }

    #[test]
    fn matches_permutation_sd_fifty_levels() {
        // (a) 50 levels of ~200 rows each, N ~ 10k, 30% positives.
        let rows: Vec<u64> = (0..50).map(|i| 100 + mix(i ^ 0x5EED) % 201).collect();
        let n: u64 = rows.iter().sum();
        check("50 levels", &rows, n * 3 / 10, 11);
    }

    #[test]
    fn matches_permutation_sd_sparse_levels() {
        // (b) 5,000 levels of ~4 rows each, 5% positives.
        let rows: Vec<u64> = (0..5000).map(|i| 1 + mix(i ^ 0xB0B) % 7).collect();
        let n: u64 = rows.iter().sum();
        check("5000 sparse levels", &rows, n / 20, 12);
    }

    #[test]
    fn matches_permutation_sd_skewed_levels() {
        // (c) Zipf-like level sizes: 5,000 rows down to single rows; 20% positives.
        let rows: Vec<u64> = (0..1000).map(|i| 1 + 5000 / (i + 1)).collect();
        let n: u64 = rows.iter().sum();
        check("skewed levels", &rows, n / 5, 13);
        // ...and a rare target against the same skewed levels.
        check("skewed levels, 1% positives", &rows, n / 100, 14);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(null_sd(&[], &[], 0), None);
        assert_eq!(null_sd(&[5, 5], &[3, 7], 0), None);
        // One level, or a constant target.
        assert_eq!(null_sd(&[10], &[3, 7], 10), None);
        assert_eq!(null_sd(&[4, 6], &[10], 10), None);
        assert_eq!(null_sd(&[4, 6], &[0, 10], 10), None);
        // Multiclass: modelled (null_multi.rs), one level still none.
        assert!(null_sd(&[4, 6], &[2, 3, 5], 10).is_some_and(|s| s > 0.0));
        assert_eq!(null_sd(&[10], &[2, 3, 5], 10), None);
        // Inconsistent counts never panic.
        assert_eq!(null_sd(&[4, 6], &[12, 13], 10), None);
        let s = null_sd(&[4, 6, u64::MAX], &[3, 7], 10);
        assert!(s.is_some_and(|s| s.is_finite() && s >= 0.0));
        // One row per level: MI is constant under permutation.
        assert_eq!(null_sd(&[1; 100], &[30, 70], 100), Some(0.0));
    }

    #[test]
    fn symmetric_in_the_two_classes_and_order_free() {
        let rows = [3u64, 9, 1, 27, 9, 3];
        let n: u64 = rows.iter().sum();
        let a = null_sd(&rows, &[12, n - 12], n).unwrap();
        let b = null_sd(&[9, 3, 27, 1, 3, 9], &[n - 12, 12], n).unwrap();
        assert_eq!(a.to_bits(), b.to_bits());
        assert!(a > 0.0);
    }

    #[test]
    fn the_memo_gives_the_same_bits() {
        let mut memo = MomentMemo::default();
        for (rows, cols) in [
            (vec![3u64, 9, 1, 27, 9, 3], 12u64),
            (vec![9, 9, 4, 30, 1, 1], 12),
            (vec![3, 9, 1, 27, 9, 3], 20),
        ] {
            let n: u64 = rows.iter().sum();
            let cols = [cols, n - cols];
            let want = null_sd(&rows, &cols, n).unwrap();
            let got = null_sd_memo(
                &distinct_counts(&rows),
                &distinct_counts(&cols),
                n,
                &mut memo,
            );
            assert_eq!(got.map(f64::to_bits), Some(want.to_bits()));
        }
        assert!(!memo.moments.is_empty());
    }
}
