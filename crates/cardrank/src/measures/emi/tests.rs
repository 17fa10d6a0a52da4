//! Tests of the exact EMI: edge cases, a direct log-gamma sum, the
//! references, and the same bits through the memo and the shared table.

use super::*;
use crate::measures::testdata::{self, Ref};

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
    let h = crate::measures::entropy(&cols, n);
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
fn the_memo_gives_the_same_bits() {
    let ra = crate::measures::distinct_counts(&[5, 12, 8, 5, 30, 1, 1, 2]);
    let cb = crate::measures::distinct_counts(&[12, 8, 20, 24]);
    let n = 64;
    let want = expected_mutual_info_grouped(&ra, &cb, n);
    let mut memo = EmiMemo::default();
    for _ in 0..2 {
        let got = expected_mutual_info_memo(&ra, &cb, n, &mut memo);
        assert_eq!(got.to_bits(), want.to_bits());
        // Swapped margins hit the same entries.
        let got = expected_mutual_info_memo(&cb, &ra, n, &mut memo);
        assert_eq!(
            got.to_bits(),
            expected_mutual_info_grouped(&cb, &ra, n).to_bits()
        );
    }
    assert!(!memo.terms.is_empty());
    // Another n does not reuse the terms of the first.
    let other = expected_mutual_info_memo(&ra, &cb, n + 10, &mut memo);
    assert_eq!(
        other.to_bits(),
        expected_mutual_info_grouped(&ra, &cb, n + 10).to_bits()
    );
}

#[test]
fn the_shared_table_gives_the_same_bits() {
    let n = 200;
    let margins: Vec<Vec<(u64, u64)>> = [
        vec![5u64, 12, 8, 5, 30, 140],
        vec![100, 100],
        vec![1; 200],
        vec![7, 13, 180],
    ]
    .iter()
    .map(|m| crate::measures::distinct_counts(m))
    .collect();
    let table = EmiTable::new(margins.iter().map(Vec::as_slice), n, 1 << 20).unwrap();
    assert_eq!(table.values, [1, 5, 7, 8, 12, 13, 30, 100, 140, 180]);
    assert_eq!(table.cells.len(), 10 * 11 / 2);
    for _ in 0..2 {
        for a in &margins {
            for b in &margins {
                let got = table.expected_mutual_info(a, &table.ranks(a), b, &table.ranks(b));
                let want = expected_mutual_info_grouped(a, b, n);
                assert!(rel(got, want) < 1e-14, "{a:?} {b:?}: {got} vs {want}");
                // Filled or not, the same bits.
                let again = table.expected_mutual_info(a, &table.ranks(a), b, &table.ranks(b));
                assert_eq!(got.to_bits(), again.to_bits());
            }
        }
    }
    assert!(table
        .cells
        .iter()
        .all(|c| c.load(Ordering::Relaxed) != UNFILLED));
    // Values the table lacks are walked, not looked up: each pair once.
    let other = crate::measures::distinct_counts(&[3, 5, 192]);
    for m in &margins {
        for (x, y) in [(&other, m), (m, &other)] {
            let got = table.expected_mutual_info(x, &table.ranks(x), y, &table.ranks(y));
            let want = expected_mutual_info_grouped(x, y, n);
            assert!(rel(got, want) < 1e-14, "{x:?} {y:?}: {got} vs {want}");
        }
    }
    // Over budget: no table.
    assert!(EmiTable::new(margins.iter().map(Vec::as_slice), n, 54).is_none());
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

/// Both classes' terms of a two-class level from one walk
/// ([`pair_emi_mirrored`]) are what each class's own walk gives, and as
/// close to the log-gamma sum: small and large levels, balanced and rare
/// classes, and the edges of the support (a level as large as the
/// stratum, a class of one row). Close means within 1e-12 relative of the
/// walk (1e-11 of the log-gamma sum, whose log-probabilities are
/// differences of numbers near 2,000), or within 1e-15 of the level's
/// share of the rows `a/n` (the scale of the sum's largest terms: a term
/// near zero is the difference of larger ones, as `a = 399, b = 399, n =
/// 400`, whose EMI is 7.8e-9).
#[test]
fn the_mirrored_walk_is_each_class_walked() {
    for n in [2u64, 3, 10, 57, 400, 20_000] {
        for a in [1, 2, 3, 7, 40, 399, 1_000, 19_999, 20_000] {
            for b in [1, 2, 5, 30, 200, 10_000, 19_999] {
                if a > n || b >= n {
                    continue;
                }
                let close = |x: f64, y: f64, r: f64| {
                    rel(x, y) < r || (x - y).abs() < 1e-15 * a as f64 / n as f64
                };
                let both = pair_emi_mirrored(a, b, n);
                for (got, class) in both.into_iter().zip([b, n - b]) {
                    let walked = pair_emi(a, class, n);
                    assert!(
                        close(got, walked, 1e-12),
                        "a {a} b {class} n {n}: {got} vs {walked}"
                    );
                    if n <= 400 {
                        let exact = emi_lgamma(&[a], &[class], n);
                        assert!(
                            close(got, exact, 1e-11),
                            "a {a} b {class} n {n}: {got} vs {exact}"
                        );
                    }
                }
            }
        }
    }
}
