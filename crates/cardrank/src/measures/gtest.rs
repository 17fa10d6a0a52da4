//! The G-test p-value in log space, and Benjamini-Hochberg q-values.

use std::f64::consts::{LN_10, LN_2};

/// Smallest magnitude allowed in the modified Lentz algorithm.
const FPMIN: f64 = 1e-300;

/// `log10` of the G-test p-value: the upper tail of chi-square with `df`
/// degrees of freedom at `G = 2 N MI`, i.e. `log10 Q(df/2, G/2)` where
/// `Q(s, x) = Gamma(s, x) / Gamma(s)` is the regularised upper incomplete
/// gamma function.
///
/// Computed in log space so it never underflows: for `x < s + 1` the series
/// `P(s, x) = e^{-x} x^s / Gamma(s) * sum_k x^k / (s (s+1) ... (s+k))` gives
/// `ln Q = ln(1 - P)` (via `log1p` / `expm1`); for `x >= s + 1` the continued
/// fraction (modified Lentz) gives `ln Q = -x + s ln x - ln Gamma(s) + ln(cf)`.
/// For `G = 10^6`, `df = 1` this is about `-217150.34`.
///
/// Returns 0.0 (p = 1) when `df <= 0`, `G <= 0` or either is NaN; a finite
/// input always gives a finite result `<= 0`. The iteration count is capped
/// at `1000 + 20 sqrt(df/2)` (enough for convergence to machine precision).
pub fn g_test_log10_p(mi: f64, n: u64, df: f64) -> f64 {
    let g = 2.0 * n as f64 * mi;
    // Written to catch NaN too.
    if !(df > 0.0 && g > 0.0) {
        return 0.0;
    }
    if g == f64::INFINITY {
        return if df.is_finite() {
            f64::NEG_INFINITY
        } else {
            0.0
        };
    }
    if df == f64::INFINITY {
        return 0.0;
    }
    (ln_gamma_q(0.5 * df, 0.5 * g) / LN_10).min(0.0)
}

/// `ln Q(s, x)` for finite `s > 0`, `x > 0`.
fn ln_gamma_q(s: f64, x: f64) -> f64 {
    let max_iter = (1000.0 + 20.0 * s.sqrt()).min(1e8) as u64;
    let log_prefix = -x + s * x.ln() - libm::lgamma(s);
    if x < s + 1.0 {
        // Series for P(s, x).
        let (mut ap, mut del) = (s, 1.0 / s);
        let mut sum = del;
        for _ in 0..max_iter {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del < sum * f64::EPSILON {
                break;
            }
        }
        let ln_p = (sum.ln() + log_prefix).min(0.0);
        ln_one_minus_exp(ln_p)
    } else {
        // Continued fraction for Q(s, x), modified Lentz.
        let mut b = x + 1.0 - s;
        let mut c = 1.0 / FPMIN;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..=max_iter {
            let fi = i as f64;
            let an = -fi * (fi - s);
            b += 2.0;
            d = an * d + b;
            if d.abs() < FPMIN {
                d = FPMIN;
            }
            c = b + an / c;
            if c.abs() < FPMIN {
                c = FPMIN;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < f64::EPSILON {
                break;
            }
        }
        log_prefix + h.ln()
    }
}

/// `ln(1 - e^l)` for `l <= 0`, accurate at both ends.
fn ln_one_minus_exp(l: f64) -> f64 {
    if l > -LN_2 {
        (-l.exp_m1()).ln()
    } else {
        (-l.exp()).ln_1p()
    }
}

/// Benjamini-Hochberg q-values from `log10` p-values, returned as `log10 q`
/// in input order.
///
/// With the `m` p-values sorted increasingly (ties by input position),
/// `log10 q_(k) = min(0, min_{k' >= k} [log10 p_(k') + log10(m / k')])`,
/// the step-up adjustment made monotone. NaN inputs are treated as 0
/// (p = 1) and inputs above 0 are capped at 0. Empty input gives an empty
/// result.
pub fn benjamini_hochberg(log10_p: &[f64]) -> Vec<f64> {
    let m = log10_p.len();
    let clean: Vec<f64> = log10_p
        .iter()
        .map(|&v| if v.is_nan() { 0.0 } else { v.min(0.0) })
        .collect();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| clean[i].total_cmp(&clean[j]).then(i.cmp(&j)));
    let mut q = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank0, &idx) in order.iter().enumerate().rev() {
        let k = (rank0 + 1) as f64;
        let v = clean[idx] + (m as f64 / k).log10();
        running = running.min(v);
        q[idx] = running;
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x - y).abs() <= tol * y.abs().max(1e-300)
    }

    /// `log10 Q(df/2, G/2)` as `(G, df, value)`: `scipy.stats.chi2.logsf(G, df)
    /// / ln 10` from scipy 1.17.1, computed once and hard-coded; mpmath 1.4.1's
    /// `log10(gammainc(df/2, G/2, regularized=True))` at 40 digits agrees with
    /// each to 1e-15 relative. The last row is mpmath's only: scipy's logsf
    /// underflows to -inf there.
    const REFERENCE: [(f64, f64, f64); 9] = [
        (3.84, 1.0, -1.3006521393247679),
        (10.0, 1.0, -2.80537404407092),
        (100.0, 10.0, -16.26362724647784),
        (5.0, 20.0, -0.0001204691912017529),
        (1000.0, 500.0, -34.91774674692938),
        (600.0, 999.0, -2.138382369380331e-26),
        (1400.0, 300.0, -140.5635971950561),
        (0.5, 3.0, -0.03673580755354874),
        (1e6, 1.0, -217150.33901199873),
    ];

    #[test]
    fn matches_scipy_and_mpmath() {
        for &(g, df, want) in &REFERENCE {
            // mi = G / (2 N) with N = 1000.
            let got = g_test_log10_p(g / 2000.0, 1000, df);
            assert!(close(got, want, 1e-12), "G={g} df={df}: {got} vs {want}");
        }
    }

    #[test]
    fn never_underflows() {
        let v = g_test_log10_p(0.5, 1_000_000, 1.0);
        assert!(
            v.is_finite() && (-217_151.0..-217_150.0).contains(&v),
            "{v}"
        );
        let v = g_test_log10_p(1.0, u64::MAX, 3.0);
        assert!(v.is_finite() && v < -1e18, "{v}");
        // Huge df, G near df: the slowest regime still converges.
        let v = g_test_log10_p(1e7 / 2e9, 1_000_000_000, 1e7);
        assert!(v.is_finite() && v < 0.0 && v > -1.0, "{v}");
    }

    #[test]
    fn degenerate_inputs_give_p_one() {
        assert_eq!(g_test_log10_p(0.0, 100, 3.0), 0.0);
        assert_eq!(g_test_log10_p(-1e-17, 100, 3.0), 0.0);
        assert_eq!(g_test_log10_p(0.1, 0, 3.0), 0.0);
        assert_eq!(g_test_log10_p(0.1, 100, 0.0), 0.0);
        assert_eq!(g_test_log10_p(0.1, 100, -2.0), 0.0);
        assert_eq!(g_test_log10_p(f64::NAN, 100, 2.0), 0.0);
        assert_eq!(g_test_log10_p(0.1, 100, f64::NAN), 0.0);
        assert_eq!(g_test_log10_p(0.1, 100, f64::INFINITY), 0.0);
        assert_eq!(g_test_log10_p(f64::INFINITY, 100, 2.0), f64::NEG_INFINITY);
        // Tiny G against many degrees of freedom: p = 1 to within rounding.
        let v = g_test_log10_p(1e-12, 10, 1e6);
        assert!(v <= 0.0 && v > -1e-300);
    }

    #[test]
    fn p_decreases_with_g_and_increases_with_df() {
        let mut last = 0.0;
        for i in 1..200 {
            let v = g_test_log10_p(i as f64 * 0.01, 1000, 7.0);
            assert!(v <= last, "{i}: {v} > {last}");
            last = v;
        }
        assert!(g_test_log10_p(0.05, 1000, 10.0) < g_test_log10_p(0.05, 1000, 20.0));
    }

    #[test]
    fn bh_small_example() {
        let p = [0.01f64, 0.04, 0.03, 0.005];
        let lp: Vec<f64> = p.iter().map(|v| v.log10()).collect();
        let q = benjamini_hochberg(&lp);
        let want = [0.02f64, 0.04, 0.04, 0.02];
        for (g, w) in q.iter().zip(want) {
            assert!(close(*g, w.log10(), 1e-12), "{q:?}");
        }
    }

    #[test]
    fn bh_matches_p_space_reference() {
        // statsmodels-style fdr_bh in p space, on well-scaled p-values.
        let p: Vec<f64> = (0..57)
            .map(|i| ((i * 37 % 57) as f64 + 0.5) / 60.0 * 10f64.powi(-(i % 5)))
            .collect();
        let m = p.len();
        let mut idx: Vec<usize> = (0..m).collect();
        idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
        let mut want = vec![0.0; m];
        let mut run = 1.0f64;
        for k in (0..m).rev() {
            run = run.min(p[idx[k]] * m as f64 / (k + 1) as f64);
            want[idx[k]] = run;
        }
        let lp: Vec<f64> = p.iter().map(|v| v.log10()).collect();
        let q = benjamini_hochberg(&lp);
        for i in 0..m {
            assert!(close(q[i], want[i].log10(), 1e-9) || (q[i] - want[i].log10()).abs() < 1e-12);
        }
    }

    #[test]
    fn bh_edge_cases() {
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[-3.0]), vec![-3.0]);
        assert_eq!(benjamini_hochberg(&[f64::NAN, 0.5]), vec![0.0, 0.0]);
        // Very small p-values stay finite and ordered; -inf stays -inf.
        let q = benjamini_hochberg(&[-5000.0, -300.0, f64::NEG_INFINITY, -1.0]);
        assert_eq!(q[2], f64::NEG_INFINITY);
        assert!(close(q[0], -5000.0 + (4.0f64 / 2.0).log10(), 1e-15));
        assert!(close(q[1], -300.0 + (4.0f64 / 3.0).log10(), 1e-15));
        assert!(close(q[3], -1.0, 1e-15));
        // Ties share a q-value; q is monotone in p.
        let q = benjamini_hochberg(&[-2.0, -2.0, -2.0, -0.1]);
        assert_eq!(q[0], q[1]);
        assert_eq!(q[1], q[2]);
        assert!(q[0] <= q[3] && q.iter().all(|&v| v <= 0.0));
    }
}
