//! Pair and triple tables: exact against brute force, mergeable bit for bit,
//! and the XOR pair / relabelled copy / selection behaviour.

use std::collections::HashMap;

use cardrank::{select, Interactions, PairSpec, RankParams, RankState, Ranker, SelectParams};
use proptest::prelude::*;

use crate::batch;

type Row = (u8, u16, u16, u8, u8);

/// `small` (4 values), `wide` and `wide2` (2,000 each: their pair table is
/// sparse), `sparse` (with missing values), target `y` (3 classes).
fn columns(rows: &[Row]) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("small", rows.iter().map(|r| r.0.to_string()).collect()),
        ("wide", rows.iter().map(|r| r.1.to_string()).collect()),
        ("wide2", rows.iter().map(|r| r.2.to_string()).collect()),
        (
            "sparse",
            rows.iter()
                .map(|r| {
                    if r.3 == 0 {
                        String::new()
                    } else {
                        r.3.to_string()
                    }
                })
                .collect(),
        ),
        (
            "y",
            rows.iter().map(|r| ((r.4 + r.0) % 3).to_string()).collect(),
        ),
    ]
}

fn spec(buffer: usize) -> PairSpec {
    PairSpec::among(["small", "wide", "wide2", "sparse"])
        .with_buffer_bytes(buffer)
        .with_triples(vec![
            ["small".into(), "wide".into(), "wide2".into()],
            ["sparse".into(), "small".into(), "wide2".into()],
        ])
}

/// `buffer`: bytes of rows kept as codes before the tables count them
/// (0: every batch is counted at once).
fn state_of(rows: &[Row], batch_size: usize, threads: usize, buffer: usize) -> RankState {
    let params = RankParams::new("y").threads(threads).pairs(spec(buffer));
    let mut r = Ranker::new(params).unwrap();
    for chunk in rows.chunks(batch_size.max(1)) {
        r.update(&batch(&columns(chunk))).unwrap();
    }
    r.into_state()
}

fn finish(state: &RankState) -> Option<String> {
    Interactions::from_state(state)
        .ok()
        .map(|r| serde_json::to_string(&r).unwrap())
}

fn rows_strategy() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec((0u8..4, 0u16..2000, 0u16..2000, 0u8..3, 0u8..3), 2..300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn pair_merge_equals_one_pass(
        rows in rows_strategy(),
        split in 0usize..300,
        bs_a in 1usize..60,
        bs_b in 1usize..60,
        bs_whole in 1usize..300,
        threads in 1usize..3,
        buffers in prop::sample::subsequence(vec![0usize, 0, 700, 5000, 1 << 30, 1 << 30], 3),
    ) {
        let split = split.min(rows.len());
        let (a, b) = rows.split_at(split);
        let whole = state_of(&rows, bs_whole, 1, buffers[0]);
        let mut merged = state_of(a, bs_a, threads, buffers[1]);
        let other = state_of(b, bs_b, 1, buffers[2]);
        let other = RankState::from_bytes(&other.to_bytes()).unwrap();
        merged.merge(&other).unwrap();
        prop_assert_eq!(finish(&merged), finish(&whole));
    }
}

/// Plug-in MI of two label lists, by brute force.
fn mi(x: &[String], y: &[String]) -> f64 {
    let n = x.len() as f64;
    let mut joint: HashMap<(&str, &str), f64> = HashMap::new();
    let mut mx: HashMap<&str, f64> = HashMap::new();
    let mut my: HashMap<&str, f64> = HashMap::new();
    for (a, b) in x.iter().zip(y) {
        *joint.entry((a, b)).or_default() += 1.0;
        *mx.entry(a).or_default() += 1.0;
        *my.entry(b).or_default() += 1.0;
    }
    joint
        .iter()
        .map(|(&(a, b), &c)| c / n * (n * c / (mx[a] * my[b])).ln())
        .sum()
}

#[test]
fn pair_and_triple_measures_match_brute_force() {
    let rows: Vec<Row> = (0..3000u32)
        .map(|i| {
            let h = i.wrapping_mul(2_654_435_761);
            (
                (h % 4) as u8,
                (h >> 8) as u16 % 2000,
                (h >> 4) as u16 % 1500,
                (i % 3) as u8,
                (h >> 20) as u8 % 3,
            )
        })
        .collect();
    let cols = columns(&rows);
    let col = |name: &str| cols.iter().find(|c| c.0 == name).unwrap().1.clone();
    let inter = Interactions::from_state(&state_of(&rows, 700, 2, 0)).unwrap();
    let buffered = Interactions::from_state(&state_of(&rows, 700, 2, 1 << 30)).unwrap();
    assert_eq!(inter, buffered);
    assert_eq!((inter.pairs_tested, inter.triples_tested), (6, 2));
    assert!(inter.pairs.iter().any(|p| p.joint_z.is_some()));
    let y = col("y");
    for r in &inter.redundancy {
        let want = mi(&col(&r.features[0]), &col(&r.features[1]));
        assert!(
            (r.mi - want).abs() < 1e-12,
            "{:?}: {} vs {want}",
            r.features,
            r.mi
        );
        assert!((r.score - (r.mi - r.expected_mi)).abs() < 1e-15);
    }
    for t in inter.pairs.iter().chain(&inter.triples) {
        let joined: Vec<String> = (0..rows.len())
            .map(|i| {
                t.features
                    .iter()
                    .map(|f| col(f)[i].clone())
                    .collect::<Vec<_>>()
                    .join("\u{1}")
            })
            .collect();
        let want = mi(&joined, &y);
        assert!((t.joint_mi - want).abs() < 1e-12, "{:?}", t.features);
        let singles: f64 = t.features.iter().map(|f| mi(&col(f), &y)).sum();
        assert!((t.synergy - (want - singles)).abs() < 1e-12);
        // Three classes: the multiclass null sd gives a z-score too (but
        // not to a joint feature of one row per level, whose sd is 0).
        let sd = t.joint_null_sd.expect("a null sd");
        assert_eq!(t.joint_z.is_some(), sd > 0.0, "{:?}", t.features);
    }
}

/// 4,000 rows: `xa XOR xb` decides `y` (with 10% noise), `c` is a relabelled
/// copy of the informative `inf`, the rest is noise.
fn xor_rows() -> Vec<(&'static str, Vec<String>)> {
    let n = 4000u32;
    let mut s = 0x1234_5678u64;
    let mut next = |m: u64| {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (s >> 33) % m
    };
    let (mut xa, mut xb, mut inf, mut copy, mut n1, mut n2, mut y) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let (a, b, f) = (next(2), next(2), next(8));
        let flip = next(10) == 0;
        let signal = (a ^ b == 1) as u64 ^ u64::from(flip);
        let label = if f < 2 { next(4) == 0 } else { signal == 1 };
        xa.push(a.to_string());
        xb.push(b.to_string());
        inf.push(f.to_string());
        copy.push(format!("v{}", 7 - f));
        n1.push(next(50).to_string());
        n2.push(next(3).to_string());
        y.push(u8::from(label).to_string());
    }
    vec![
        ("inf", inf),
        ("copy", copy),
        ("xa", xa),
        ("xb", xb),
        ("noise50", n1),
        ("noise3", n2),
        ("y", y),
    ]
}

fn xor_interactions() -> Interactions {
    let cols = xor_rows();
    let names: Vec<&str> = cols.iter().map(|c| c.0).filter(|&n| n != "y").collect();
    let mut r = Ranker::new(RankParams::new("y").pairs(PairSpec::among(&names))).unwrap();
    r.update(&batch(&cols)).unwrap();
    r.interactions().unwrap()
}

#[test]
fn xor_pair_tops_synergy_and_copy_is_most_redundant() {
    let inter = xor_interactions();
    let top = &inter.pairs[0];
    assert_eq!(top.features, ["xa", "xb"], "{:?}", inter.pairs);
    assert!(top.adjusted_synergy > 0.1);
    assert!(top.log10_q.unwrap() < -10.0);
    let most = inter
        .redundancy
        .iter()
        .find(|r| r.features.contains(&"inf".to_string()))
        .unwrap();
    assert!(most.features.contains(&"copy".to_string()));
    assert!((most.normalized - 1.0).abs() < 1e-12 && (most.ami - 1.0).abs() < 1e-9);
}

#[test]
fn selection_skips_the_copy_and_takes_the_xor_halves() {
    let inter = xor_interactions();
    for agg in ["mean", "max", "median"] {
        let mut p = SelectParams::new(4);
        p.aggregate = agg.parse().unwrap();
        let sel = select(&inter, &p).unwrap();
        let names: Vec<&str> = sel.selected.iter().map(|s| s.feature.as_str()).collect();
        // `inf` and its copy tie on relevance (the name breaks the tie):
        // one of them comes first, the other never follows.
        assert!(["inf", "copy"].contains(&names[0]), "{agg}: {names:?}");
        // (The median of three or more redundancies ignores one large value,
        // so the median aggregate may take the copy later.)
        let both = names.contains(&"copy") && names.contains(&"inf");
        assert!(agg == "median" || !both, "{agg}: {names:?}");
        assert!(
            names.contains(&"xa") && names.contains(&"xb"),
            "{agg}: {names:?}"
        );
    }
    // mRMR (no synergy) has no reason to take the halves early.
    let mut p = SelectParams::new(2);
    p.beta = 0.0;
    let sel = select(&inter, &p).unwrap();
    assert_eq!(sel.method, "mrmr");
    assert!(
        sel.selected
            .iter()
            .filter(|s| s.feature == "copy" || s.feature == "inf")
            .count()
            == 1
    );
}

#[test]
fn pair_errors_are_clear() {
    let cols = xor_rows();
    let mut r = Ranker::new(RankParams::new("y").pairs(PairSpec::among(["inf", "nope"]))).unwrap();
    let err = r.update(&batch(&cols)).unwrap_err().to_string();
    assert!(err.contains("`nope`"), "{err}");
    let err = Ranker::new(RankParams::new("y").pairs(PairSpec::among(["a", "a"])))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("`a` twice"), "{err}");
    // States counting different pairs do not merge.
    let mut a = Ranker::new(RankParams::new("y").pairs(PairSpec::among(["inf", "xa"]))).unwrap();
    a.update(&batch(&cols)).unwrap();
    let mut b = Ranker::new(RankParams::new("y")).unwrap();
    b.update(&batch(&cols)).unwrap();
    let mut sa = a.into_state();
    let err = sa.merge(b.state()).unwrap_err().to_string();
    assert!(err.contains("different feature pairs"), "{err}");
    // No pair tables: a clear error, not a panic.
    assert!(Interactions::from_state(b.state()).is_err());
    assert!(select(
        &xor_interactions(),
        &SelectParams {
            k: 0,
            ..SelectParams::new(1)
        }
    )
    .is_err());
}

/// Large sparse tables (over 4,096 cells: the MI sums take their logarithms
/// from tables) finish to the same bits whether the rows were counted into
/// runs batch by batch, scored straight from their sorted keys, or merged
/// (a merged-in table of several runs, whose runs share cells, included).
#[test]
fn large_sparse_tables_finish_the_same_every_way() {
    let rows: Vec<Row> = (0..20_000u32)
        .map(|i| {
            let h = i.wrapping_mul(2_654_435_761) ^ (i >> 3);
            (
                (h % 4) as u8,
                (h >> 7) as u16 % 2000,
                (h >> 17) as u16 % 2000,
                (i % 3) as u8,
                (h >> 27) as u8 % 3,
            )
        })
        .collect();
    let counted = state_of(&rows, 1000, 1, 0);
    let from_keys = state_of(&rows, 1000, 2, 1 << 30);
    let (a, b) = rows.split_at(7_777);
    let mut merged = state_of(a, 500, 1, 1 << 30);
    merged.merge(&state_of(b, 3000, 1, 0)).unwrap();
    let want = finish(&counted).unwrap();
    assert_eq!(finish(&from_keys).unwrap(), want);
    assert_eq!(finish(&merged).unwrap(), want);
    let r = Interactions::from_state(&counted).unwrap();
    let wide = r.pair_of("wide", "wide2").unwrap();
    assert!(wide.cardinality > 4096, "{}", wide.cardinality);
    // And the MI of the pair is the brute-force one.
    let cols = columns(&rows);
    let red = r.redundancy_of("wide", "wide2").unwrap();
    let brute = mi(&cols[1].1, &cols[2].1);
    assert!(
        (red.mi - brute).abs() < 1e-12 * brute,
        "{} vs {brute}",
        red.mi
    );
    // So is the joint MI with the target, summed from the cells' counts
    // alone (the pair as one feature).
    let joint: Vec<String> = cols[1]
        .1
        .iter()
        .zip(&cols[2].1)
        .map(|(a, b)| format!("{a}|{b}"))
        .collect();
    let y = &cols.iter().find(|c| c.0 == "y").unwrap().1;
    let brute = mi(&joint, y);
    assert!(
        (wide.joint_mi - brute).abs() < 1e-12 * brute,
        "{} vs {brute}",
        wide.joint_mi
    );
}
