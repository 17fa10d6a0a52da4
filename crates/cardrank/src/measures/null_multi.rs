//! The null variance of MI against a target of more than two classes.
//!
//! Model (the binary one of `null.rs`, one dimension up). Level `i` of the
//! feature (`a_i` rows) holds class counts `X_i = (X_i1..X_iK)`; under
//! the permutation null they are modelled as independent
//! `Multinomial(a_i, p)` rows, `p_j = b_j / N`, conditioned on the class
//! totals `S = sum_i X_i = b`. `MI = sum_i h_i(X_i)`, and up to parts
//! linear in the counts (constant given `S` and the row totals, so they
//! change nothing below) `h_i = sum_j u_ij(X_ij)` with
//! `u_ij(x) = x ln(x / (a_i p_j)) / N`. Gaussian conditioning gives
//!
//! `Var(MI) ~ sum_i Var(h_i) - c' Var(S)^+ c = sum_i Var(h_i) - (1/N) sum_j c_j^2 / p_j`,
//!
//! with `c_j = sum_i Cov(h_i, X_ij)` (they sum to 0, as `sum_j X_ij = a_i`)
//! and `Var(S) = N (diag(p) - p p')`, whose pseudo-inverse on the vectors
//! summing to 0 is `diag(1/p) / N`. Per level, with `V_j = Var(u_j(X_j))`
//! and `C_j = Cov(u_j(X_j), X_j)` from the binomial marginal
//! `X_j ~ Binomial(a, p_j)` (exact walks, as the binary case):
//!
//! - `Cov(h, X_k) = C_k - p_k sum_{j != k} C_j / (1 - p_j)`, exactly
//!   (`E[X_k | X_j] = (a - X_j) p_k / (1 - p_j)`);
//! - `Cov(u_j, u_k)` for `j != k`: each `u_j` is projected (least squares
//!   under its binomial) on `D_j = X_j - a p_j` and `E_j = D_j^2 - Var(X_j)`,
//!   and the projections' covariance is exact from the multinomial's
//!   cumulants (`a` times a single draw's). Exact when `a <= 2` (then `u`
//!   is a quadratic in `x`; a column of row ids gets sd 0); for large `a`
//!   the quadratic part is what makes MI's spread (its chi-square limit).

use super::Sum;

/// `Var(MI)` for margins grouped as `(value, multiplicity)`, more than two
/// nonzero classes; `moments(a, b)` gives `(V, C)` of `Binomial(a, b/n)`
/// (see `null::class_moments`). `None` when there are fewer than two
/// levels or a class count is `>= n`.
pub(super) fn variance(
    ra: &[(u64, u64)],
    cb: &[(u64, u64)],
    n: u64,
    mut moments: impl FnMut(u64, u64) -> [f64; 3],
) -> Option<f64> {
    if cb.iter().any(|&(b, _)| b >= n) {
        return None;
    }
    let ra: Vec<(u64, u64)> = ra.iter().copied().filter(|&(a, _)| a <= n).collect();
    if ra.iter().map(|&(_, m)| m).sum::<u64>() < 2 {
        return None;
    }
    let nf = n as f64;
    let p: Vec<f64> = cb.iter().map(|&(b, _)| b as f64 / nf).collect();
    // Classes of equal counts behave alike: one entry per distinct count.
    let mut sum_var = Sum::default();
    let mut c = vec![Sum::default(); cb.len()];
    let mut per: Vec<Class> = Vec::with_capacity(cb.len());
    for &(a, m) in &ra {
        let af = a as f64;
        per.clear();
        per.extend(
            cb.iter()
                .zip(&p)
                .map(|(&(b, _), &p)| Class::new(moments(a, b), af, p)),
        );
        let (mut d, mut v) = (0.0, 0.0);
        for (g, &(_, mult)) in cb.iter().enumerate() {
            d += mult as f64 * per[g].c / (1.0 - p[g]);
            v += mult as f64 * per[g].v;
        }
        // Cross terms: every ordered pair of distinct classes.
        let mut cross = 0.0;
        for (g, &(_, mg)) in cb.iter().enumerate() {
            for (h, &(_, mh)) in cb.iter().enumerate() {
                let pairs = if g == h {
                    mg as f64 * (mg as f64 - 1.0)
                } else {
                    mg as f64 * mh as f64
                };
                if pairs > 0.0 {
                    cross += pairs * cross_cov(&per[g], &per[h], p[g], p[h], af);
                }
            }
        }
        sum_var.add(m as f64 * (v + cross));
        for (g, cg) in c.iter_mut().enumerate() {
            let dg = per[g].c / (1.0 - p[g]);
            cg.add(m as f64 * (per[g].c - p[g] * (d - dg)));
        }
    }
    let sum_var = sum_var.value();
    let mut q = 0.0;
    for (g, &(_, mult)) in cb.iter().enumerate() {
        let cj = c[g].value();
        q += mult as f64 * cj * cj / (nf * p[g]);
    }
    let var = sum_var - q;
    if var.is_nan() || var <= 1e-11 * sum_var {
        return Some(0.0);
    }
    Some(var)
}

/// One class's term in one level: its variance, covariance with the count,
/// and its projection `u ~ b1 D + b2 E`.
struct Class {
    v: f64,
    c: f64,
    b1: f64,
    b2: f64,
}

impl Class {
    fn new([v, c, q]: [f64; 3], a: f64, p: f64) -> Class {
        let pq = p * (1.0 - p);
        // Binomial central moments: Var D, Cov(D, E) = m3, Var E = m4 - m2^2.
        let m2 = a * pq;
        let m3 = a * pq * (1.0 - 2.0 * p);
        let m4 = a * pq * (1.0 + 3.0 * (a - 2.0) * pq);
        let var_e = m4 - m2 * m2;
        let det = m2 * var_e - m3 * m3;
        // With one row (D and E collinear) or a degenerate fit: linear only.
        let (b1, b2) = if m2 > 0.0 && det > 1e-9 * m2 * var_e.abs() {
            ((c * var_e - q * m3) / det, (q * m2 - c * m3) / det)
        } else if m2 > 0.0 {
            (c / m2, 0.0)
        } else {
            (0.0, 0.0)
        };
        Class { v, c, b1, b2 }
    }
}

/// `Cov(b1_j D_j + b2_j E_j, b1_k D_k + b2_k E_k)` for two distinct classes
/// of `Multinomial(a, p)`, from a single draw's cumulants times `a`.
fn cross_cov(j: &Class, k: &Class, pj: f64, pk: f64, a: f64) -> f64 {
    let s_dd = -a * pj * pk;
    // Cov(D_j, E_k) = E[D_j D_k^2] = a k(j,k,k), and the mirror.
    let s_de = -a * pj * pk * (1.0 - 2.0 * pk);
    let s_ed = -a * pj * pk * (1.0 - 2.0 * pj);
    // Cov(E_j, E_k) = a k(j,j,k,k) + 2 a^2 k(j,k)^2.
    let mu = pj * (1.0 - pj).powi(2) * pk * pk
        + pk * pj * pj * (1.0 - pk).powi(2)
        + (1.0 - pj - pk) * pj * pj * pk * pk;
    let k4 = mu - pj * (1.0 - pj) * pk * (1.0 - pk) - 2.0 * (pj * pk).powi(2);
    let s_ee = a * k4 + 2.0 * a * a * (pj * pk).powi(2);
    j.b1 * k.b1 * s_dd + j.b1 * k.b2 * s_de + j.b2 * k.b1 * s_ed + j.b2 * k.b2 * s_ee
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{mix, SplitMix};
    use super::super::{expected_mutual_info, mutual_info, null_sd, Contingency};

    /// Mean and sd of MI over `perms` shuffles of a target with class
    /// counts `cols` against levels of sizes `rows`.
    fn permutation_mi(rows: &[u64], cols: &[u64], perms: usize, seed: u64) -> (f64, f64) {
        let n: u64 = rows.iter().sum();
        let mut y: Vec<u32> = Vec::new();
        for (j, &b) in cols.iter().enumerate() {
            y.extend(std::iter::repeat_n(j as u32, b as usize));
        }
        let mut rng = SplitMix(seed);
        let (mut s1, mut s2) = (0.0, 0.0);
        let mut counts = vec![0u64; cols.len()];
        for _ in 0..perms {
            for i in (1..y.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                y.swap(i, j);
            }
            let mut t = Contingency {
                n,
                rows: rows.to_vec(),
                cols: cols.to_vec(),
                cells: Vec::new(),
            };
            let mut start = 0usize;
            for (i, &a) in rows.iter().enumerate() {
                counts.iter_mut().for_each(|c| *c = 0);
                for &c in &y[start..start + a as usize] {
                    counts[c as usize] += 1;
                }
                for (j, &k) in counts.iter().enumerate() {
                    if k > 0 {
                        t.cells.push((i as u32, j as u32, k));
                    }
                }
                start += a as usize;
            }
            let mi = mutual_info(&t);
            s1 += mi;
            s2 += mi * mi;
        }
        let p = perms as f64;
        let m = s1 / p;
        (m, ((s2 / p - m * m) * p / (p - 1.0)).sqrt())
    }

    fn check(name: &str, rows: &[u64], shares: &[u64], seed: u64) {
        let n: u64 = rows.iter().sum();
        let total: u64 = shares.iter().sum();
        let mut cols: Vec<u64> = shares.iter().map(|&s| n * s / total).collect();
        cols[0] += n - cols.iter().sum::<u64>();
        let sd = null_sd(rows, &cols, n).unwrap();
        let (mean, emp) = permutation_mi(rows, &cols, 400, seed);
        let emi = expected_mutual_info(rows, &cols, n);
        let ratio = sd / emp;
        println!(
            "{name}: levels={} n={n} classes={cols:?}: null_sd={sd:.4e}, permutation sd={emp:.4e} \
             (ratio {ratio:.3}); EMI={emi:.5e}, permutation mean={mean:.5e}",
            rows.len()
        );
        assert!((ratio - 1.0).abs() < 0.15, "{name}: ratio {ratio}");
        assert!(
            (mean - emi).abs() < 4.0 * emp / 20.0,
            "{name}: mean {mean} vs EMI {emi}"
        );
    }

    #[test]
    fn matches_permutation_sd_three_classes_fifty_levels() {
        let rows: Vec<u64> = (0..50).map(|i| 100 + mix(i ^ 0x5EED) % 201).collect();
        check("50 levels, 3 classes", &rows, &[5, 3, 2], 21);
    }

    #[test]
    fn matches_permutation_sd_sparse_levels_rare_class() {
        let rows: Vec<u64> = (0..5000).map(|i| 1 + mix(i ^ 0xB0B) % 7).collect();
        check("5000 sparse levels, 4 classes", &rows, &[70, 20, 7, 3], 22);
    }

    #[test]
    fn matches_permutation_sd_skewed_levels_five_classes() {
        let rows: Vec<u64> = (0..1000).map(|i| 1 + 5000 / (i + 1)).collect();
        check("skewed levels, 5 classes", &rows, &[1, 1, 1, 1, 1], 23);
        check(
            "skewed levels, 5 unequal classes",
            &rows,
            &[40, 30, 20, 8, 2],
            24,
        );
    }

    #[test]
    fn one_row_per_level_has_sd_zero_and_ties_give_the_same_bits() {
        assert_eq!(null_sd(&[1; 300], &[100, 120, 80], 300), Some(0.0));
        let a = null_sd(&[3, 9, 1, 27, 9, 3], &[20, 20, 12], 52).unwrap();
        let b = null_sd(&[9, 3, 27, 1, 3, 9], &[12, 20, 20], 52).unwrap();
        assert_eq!(a.to_bits(), b.to_bits());
        assert!(a > 0.0);
    }
}
