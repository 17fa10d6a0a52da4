//! Tests of the measures of whole tables (entropy, MI, EMI, AMI, z, null
//! sd) and of the sums and count groups they rest on.

use super::groups::SMALL_COUNT;
use super::mi::info_term;
use super::testdata::{self, lcg, SplitMix};
use super::*;
use proptest::prelude::*;

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
    println!("max: MI rel {worst_mi:.2e}, AMI rel {worst_ami:.2e}, AMI abs {worst_ami_abs:.2e}");
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
