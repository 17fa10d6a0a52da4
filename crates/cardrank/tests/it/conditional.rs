//! Conditional relevance CMI(X; Y | Z) from the pair tables: exact against
//! brute force (per-stratum MI and hypergeometric EMI from log-gamma), the
//! same from buffered codes and from counted tables, and its expectation
//! and null sd against a permutation test (Y shuffled within each value of
//! Z).

use std::collections::BTreeMap;

use cardrank::{Interactions, PairProbe, PairSpec, RankParams, RankState, Ranker};

use crate::batch;

/// A seeded splitmix64 stream.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Plug-in CMI(X; Y | Z) of code columns, by counting every stratum.
pub fn brute_cmi(x: &[u32], y: &[u32], z: &[u32]) -> f64 {
    let n = x.len() as f64;
    let mut strata: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
    for i in 0..x.len() {
        strata.entry(z[i]).or_default().push((x[i], y[i]));
    }
    strata
        .values()
        .map(|rows| rows.len() as f64 / n * brute_mi(rows))
        .sum()
}

fn brute_mi(rows: &[(u32, u32)]) -> f64 {
    let n = rows.len() as f64;
    let mut joint: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    let mut a: BTreeMap<u32, f64> = BTreeMap::new();
    let mut b: BTreeMap<u32, f64> = BTreeMap::new();
    for &(x, y) in rows {
        *joint.entry((x, y)).or_default() += 1.0;
        *a.entry(x).or_default() += 1.0;
        *b.entry(y).or_default() += 1.0;
    }
    joint
        .iter()
        .map(|(&(x, y), &k)| k / n * (n * k / (a[&x] * b[&y])).ln())
        .sum()
}

/// Exact EMI of margins by the hypergeometric pmf from log-gamma.
fn brute_emi(rows: &[u64], cols: &[u64], n: u64) -> f64 {
    let lf = |k: u64| libm::lgamma(k as f64 + 1.0);
    let nf = n as f64;
    let mut total = 0.0;
    for &a in rows.iter().filter(|&&a| a > 0) {
        for &b in cols.iter().filter(|&&b| b > 0) {
            let lo = (a + b).saturating_sub(n).max(1);
            for k in lo..=a.min(b) {
                let lp = lf(b) - lf(k) - lf(b - k) + lf(n - b)
                    - lf(a - k)
                    - lf((n - b) - (a - k))
                    - (lf(n) - lf(a) - lf(n - a));
                total += lp.exp() * k as f64 / nf * (nf * k as f64 / (a as f64 * b as f64)).ln();
            }
        }
    }
    total
}

/// `sum_z (n_z/N) EMI_z` by brute force.
pub fn brute_expected(x: &[u32], y: &[u32], z: &[u32]) -> f64 {
    let n = x.len() as f64;
    let mut strata: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
    for i in 0..x.len() {
        strata.entry(z[i]).or_default().push((x[i], y[i]));
    }
    strata
        .values()
        .map(|rows| {
            let mut a: BTreeMap<u32, u64> = BTreeMap::new();
            let mut b: BTreeMap<u32, u64> = BTreeMap::new();
            for &(x, y) in rows {
                *a.entry(x).or_default() += 1;
                *b.entry(y).or_default() += 1;
            }
            let (a, b): (Vec<u64>, Vec<u64>) =
                (a.into_values().collect(), b.into_values().collect());
            let nz = rows.len() as u64;
            if a.len() < 2 || b.len() < 2 {
                return 0.0;
            }
            nz as f64 / n * brute_emi(&a, &b, nz)
        })
        .sum()
}

/// Mean and sd of the CMI over `perms` shuffles of `y` within each value of
/// `z` (seeded Fisher-Yates per stratum).
pub fn permutation_cmi(x: &[u32], y: &[u32], z: &[u32], perms: usize, seed: u64) -> (f64, f64) {
    let mut by_z: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, &v) in z.iter().enumerate() {
        by_z.entry(v).or_default().push(i);
    }
    let mut rng = Rng(seed);
    let mut yy = y.to_vec();
    let (mut s1, mut s2) = (0.0, 0.0);
    for _ in 0..perms {
        for idx in by_z.values() {
            for i in (1..idx.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                yy.swap(idx[i], idx[j]);
            }
        }
        let c = brute_cmi(x, &yy, z);
        s1 += c;
        s2 += c * c;
    }
    let p = perms as f64;
    let mean = s1 / p;
    (mean, ((s2 / p - mean * mean) * p / (p - 1.0)).sqrt())
}

/// Columns `x` (6 values), `z` (5 values), `w` (400 values, a few rows
/// each), target `y` with `classes` classes depending on x and z.
fn generated(rows: usize, classes: u64, seed: u64) -> Vec<(&'static str, Vec<u32>)> {
    let mut rng = Rng(seed);
    let (mut x, mut z, mut w, mut y) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rows {
        let zi = rng.below(5) as u32;
        // x leans on z, so X and Z share information.
        let xi = if rng.below(3) == 0 {
            zi
        } else {
            rng.below(6) as u32
        };
        let wi = rng.below(400) as u32;
        // y: mostly noise, shifted by z and by x when x is 0.
        let yi = if rng.below(4) == 0 {
            (u64::from(zi) + u64::from(xi == 0)) % classes
        } else {
            rng.below(classes)
        };
        x.push(xi);
        z.push(zi);
        w.push(wi);
        y.push(yi as u32);
    }
    vec![("x", x), ("z", z), ("w", w), ("y", y)]
}

fn strings(cols: &[(&'static str, Vec<u32>)]) -> Vec<(&'static str, Vec<String>)> {
    cols.iter()
        .map(|(n, v)| (*n, v.iter().map(|c| format!("v{c}")).collect()))
        .collect()
}

fn state(cols: &[(&'static str, Vec<u32>)], buffer: usize, batch_rows: usize) -> RankState {
    let spec = PairSpec::among(["x", "z", "w"]).with_buffer_bytes(buffer);
    let mut r = Ranker::new(RankParams::new("y").pairs(spec)).unwrap();
    let s = strings(cols);
    let rows = s[0].1.len();
    for lo in (0..rows).step_by(batch_rows) {
        let hi = (lo + batch_rows).min(rows);
        let part: Vec<(&str, Vec<String>)> =
            s.iter().map(|(n, v)| (*n, v[lo..hi].to_vec())).collect();
        r.update(&batch(&part)).unwrap();
    }
    r.into_state()
}

fn col<'a>(cols: &'a [(&'static str, Vec<u32>)], name: &str) -> &'a [u32] {
    &cols.iter().find(|(n, _)| *n == name).unwrap().1
}

#[test]
fn cmi_and_expectation_equal_brute_force_both_orders_and_both_paths() {
    for classes in [2, 3] {
        let cols = generated(3_000, classes, 7 + classes);
        let y = col(&cols, "y");
        // Buffered codes (default buffer) and counted tables (buffer 0,
        // batches of 700 rows: several sorted runs per table).
        for (buffer, batch_rows) in [(1 << 30, 3_000), (0, 700)] {
            let st = state(&cols, buffer, batch_rows);
            let inter = Interactions::from_state(&st).unwrap();
            let probe = PairProbe::new(&st).unwrap();
            for (a, b) in [("x", "z"), ("z", "x"), ("x", "w"), ("w", "x"), ("w", "z")] {
                let (xa, xb) = (col(&cols, a), col(&cols, b));
                let want_cmi = brute_cmi(xa, y, xb);
                let want_e = brute_expected(xa, y, xb);
                let c = inter.conditional_of(a, b).unwrap();
                let [p, _] = probe.conditional(a, b).unwrap();
                for got in [c, &p] {
                    assert!(
                        (got.cmi - want_cmi).abs() < 1e-9,
                        "{a}|{b} k={classes} buffer={buffer}: cmi {} vs {want_cmi}",
                        got.cmi
                    );
                    assert!(
                        (got.expected - want_e).abs() < 1e-9,
                        "{a}|{b} k={classes} buffer={buffer}: E {} vs {want_e}",
                        got.expected
                    );
                    assert_eq!(got.adjusted, got.cmi - got.expected);
                    assert!(!got.determined);
                }
            }
            assert_eq!(inter.conditional.len(), 2 * inter.pairs.len());
        }
    }
}

#[test]
fn a_copy_is_determined_and_a_constant_given_is_plain_relevance() {
    let cols = generated(2_000, 2, 3);
    let mut s = strings(&cols);
    // `x_copy` relabels x; `one` is constant.
    let x_copy: Vec<String> = s[0].1.iter().map(|v| format!("c{v}")).collect();
    s.push(("x_copy", x_copy));
    s.push(("one", vec!["k".to_string(); 2_000]));
    let spec = PairSpec::among(["x", "x_copy", "one", "z"]);
    let mut r = Ranker::new(RankParams::new("y").pairs(spec)).unwrap();
    r.update(&batch(&s)).unwrap();
    let inter = r.interactions().unwrap();
    let copy = inter.conditional_of("x_copy", "x").unwrap();
    assert!(copy.determined && copy.cmi.abs() < 1e-12 && copy.expected == 0.0);
    assert!(!inter.conditional_of("z", "x").unwrap().determined);
    // Given a constant, CMI is MI and its expectation the EMI.
    let given_one = inter.conditional_of("x", "one").unwrap();
    let ranking = cardrank::Ranking::from_state(r.state(), cardrank::Score::Adjusted).unwrap();
    let x = ranking.features.iter().find(|f| f.feature == "x").unwrap();
    assert!((given_one.cmi - x.mi).abs() < 1e-12);
    assert!((given_one.expected - x.expected_mi).abs() < 1e-12);
    let sd = given_one.null_sd.unwrap();
    assert!(
        (sd - x.null_sd.unwrap()).abs() < 1e-12 * sd.max(1.0),
        "{sd}"
    );
}

/// The exact expectation and the approximate sd against 400 within-strata
/// permutations: the mean within 4 standard errors, the sd within 15%.
#[test]
fn expectation_and_sd_agree_with_a_within_strata_permutation_test() {
    let cols = generated(4_000, 2, 11);
    let y = col(&cols, "y");
    let st = state(&cols, 1 << 30, 4_000);
    let probe = PairProbe::new(&st).unwrap();
    for (a, b, seed) in [("x", "z", 1), ("w", "z", 2), ("x", "w", 3)] {
        let (xa, xb) = (col(&cols, a), col(&cols, b));
        let [c, _] = probe.conditional(a, b).unwrap();
        let perms = 400;
        let (mean, sd) = permutation_cmi(xa, y, xb, perms, seed);
        let got_sd = c.null_sd.unwrap();
        println!(
            "{a}|{b}: E {:.5e} vs permutation mean {mean:.5e}; sd {got_sd:.4e} vs {sd:.4e} (ratio {:.3})",
            c.expected,
            got_sd / sd
        );
        assert!(
            (mean - c.expected).abs() < 4.0 * sd / (perms as f64).sqrt(),
            "{a}|{b}: mean {mean} vs E {}",
            c.expected
        );
        assert!(
            (got_sd / sd - 1.0).abs() < 0.15,
            "{a}|{b}: sd {got_sd} vs {sd}"
        );
    }
}
