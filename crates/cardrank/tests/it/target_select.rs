//! Selection in target units on generated data: copies, constants, XOR
//! pairs, given features, the suggested k, and merged states.

use cardrank::{
    rank_given, select_target, Method, PairSpec, RankParams, RankState, Ranker, TargetSelectParams,
    TargetSelection,
};

use crate::batch;
use crate::conditional::Rng;

const METHODS: [Method; 5] = [
    Method::Cmim,
    Method::Jmi,
    Method::Mrmr,
    Method::ThreeMr,
    Method::Joint,
];

type Cols = Vec<(String, Vec<u32>)>;

/// One state over `cols` (the last is the target `y`), every feature in the
/// pair spec, rows fed in `parts` states merged through bytes.
fn state(cols: &Cols, parts: usize) -> RankState {
    let features: Vec<&str> = cols[..cols.len() - 1]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let rows = cols[0].1.len();
    let step = rows.div_ceil(parts);
    let mut merged: Option<RankState> = None;
    for lo in (0..rows).step_by(step) {
        let hi = (lo + step).min(rows);
        let mut r = Ranker::new(RankParams::new("y").pairs(PairSpec::among(&features))).unwrap();
        let part: Vec<(&str, Vec<String>)> = cols
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str(),
                    v[lo..hi].iter().map(|c| format!("{n}{c}")).collect(),
                )
            })
            .collect();
        r.update(&batch(&part)).unwrap();
        let s = RankState::from_bytes(&r.into_state().to_bytes()).unwrap();
        match &mut merged {
            None => merged = Some(s),
            Some(m) => m.merge(&s).unwrap(),
        }
    }
    merged.unwrap()
}

fn names(s: &TargetSelection) -> Vec<&str> {
    s.selected.iter().map(|t| t.feature.as_str()).collect()
}

fn bern(rng: &mut Rng, p: f64) -> u32 {
    let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
    u32::from(u < p)
}

/// Columns `names` (the last is the target) of `rows` rows, each drawn by
/// `row` from one generator seeded with `seed`.
fn generated<const N: usize>(
    names: [&str; N],
    rows: usize,
    seed: u64,
    mut row: impl FnMut(&mut Rng) -> [u32; N],
) -> Cols {
    let mut rng = Rng(seed);
    let mut cols: Cols = names.iter().map(|n| (n.to_string(), Vec::new())).collect();
    for _ in 0..rows {
        for (c, v) in cols.iter_mut().zip(row(&mut rng)) {
            c.1.push(v);
        }
    }
    cols
}

/// `a` (4 values) and `b` (3 values) informative, `a_copy` relabels `a`,
/// `x1` XOR `x2` informative only together, `one` constant, `n0..n3` noise.
fn mixed(rows: usize, seed: u64) -> Cols {
    let names = [
        "a", "a_copy", "b", "x1", "x2", "one", "n0", "n1", "n2", "n3", "y",
    ];
    generated(names, rows, seed, |rng| {
        let a = rng.below(4) as u32;
        let b = rng.below(3) as u32;
        let (x1, x2) = (rng.below(2) as u32, rng.below(2) as u32);
        let p = 0.1
            + 0.3 * f64::from(u8::from(a >= 2))
            + 0.2 * f64::from(u8::from(b == 0))
            + 0.3 * f64::from(x1 ^ x2);
        let y = bern(rng, p);
        let noise: Vec<u32> = (0..4).map(|_| rng.below(5) as u32).collect();
        [
            a,
            (a * 7 + 3) % 4,
            b,
            x1,
            x2,
            0,
            noise[0],
            noise[1],
            noise[2],
            noise[3],
            y,
        ]
    })
}

#[test]
fn copies_and_constants_are_never_selected_and_xor_pairs_are_once_k_allows() {
    let st = state(&mixed(6_000, 1), 1);
    for method in METHODS {
        // Forced past every informative feature: all 9 usable candidates.
        let sel = select_target(&st, &TargetSelectParams::new(method).k(10)).unwrap();
        let got = names(&sel);
        assert!(!got.contains(&"one"), "{method:?}: {got:?}");
        let both = got.contains(&"a") && got.contains(&"a_copy");
        assert!(!both, "{method:?}: {got:?}");
        assert_eq!(sel.candidates, 9, "{method:?}");
        // The copy and the constant are out: 8 steps at most.
        assert_eq!(got.len(), 8, "{method:?}: {got:?}");
        // a and b first; then the XOR pair, taken together.
        let mut first: Vec<&str> = got[..2].to_vec();
        first.sort_unstable();
        assert!(
            first == ["a", "b"] || first == ["a_copy", "b"],
            "{method:?}: {got:?}"
        );
        let mut pair: Vec<&str> = got[2..4].to_vec();
        pair.sort_unstable();
        assert_eq!(pair, ["x1", "x2"], "{method:?}: {got:?}");
        assert_eq!(sel.k_suggested, 4, "{method:?}: {:?}", sel.selected);
        assert!(sel.pairs_measured > 0 && sel.source == "buffered codes");
        // With k = 3 the pair does not fit: no pair step.
        let sel3 = select_target(&st, &TargetSelectParams::new(method).k(3)).unwrap();
        assert_eq!(names(&sel3)[..2], got[..2], "{method:?}");
    }
}

/// y depends on `s0`, `s1`, `s2` (strong to weak); then noise columns,
/// column `i` drawn from `noise_levels[i]` values.
fn signal_with_noise(rows: usize, seed: u64, noise_levels: &[u64]) -> Cols {
    let mut rng = Rng(seed);
    let mut cols: Cols = (0..3)
        .map(|i| format!("s{i}"))
        .chain((0..noise_levels.len()).map(|i| format!("noise{i}")))
        .chain(["y".to_string()])
        .map(|n| (n, Vec::new()))
        .collect();
    for _ in 0..rows {
        let s: Vec<u32> = (0..3).map(|_| rng.below(3) as u32).collect();
        let p = 0.2
            + 0.3 * f64::from(u8::from(s[0] == 0))
            + 0.2 * f64::from(u8::from(s[1] == 1))
            + 0.12 * f64::from(u8::from(s[2] == 2));
        let y = bern(&mut rng, p);
        let noise: Vec<u32> = noise_levels.iter().map(|&n| rng.below(n) as u32).collect();
        for (c, v) in cols.iter_mut().zip(s.iter().chain(&noise).chain([&y])) {
            c.1.push(*v);
        }
    }
    cols
}

/// Signal, then eight noise columns of 2 to 23 values.
fn signal_then_noise(rows: usize, seed: u64) -> Cols {
    let levels: Vec<u64> = (0..8).map(|i| 2 + 3 * i).collect();
    signal_with_noise(rows, seed, &levels)
}

#[test]
fn k_suggested_stops_at_the_last_informative_feature() {
    let st = state(&signal_then_noise(8_000, 5), 1);
    for method in METHODS {
        let sel = select_target(&st, &TargetSelectParams::new(method)).unwrap();
        let mut got = names(&sel);
        assert_eq!(sel.k_suggested, 3, "{method:?}: {:?}", sel.selected);
        got.sort_unstable();
        assert_eq!(got, ["s0", "s1", "s2"], "{method:?}");
        // Forced further, the noise steps are marked as adding nothing.
        let forced = select_target(&st, &TargetSelectParams::new(method).k(6)).unwrap();
        assert_eq!(forced.k_suggested, 3, "{method:?}");
        assert_eq!(forced.selected.len(), 6);
        assert!(forced.selected[3..].iter().all(|s| !s.significant));
    }
}

/// Signal, then noise: six columns of 3 values and six of about `rows / 4`
/// (a few rows per value, whose conditional z-scores vary most).
fn signal_then_wide_noise(rows: usize, seed: u64) -> Cols {
    let levels: Vec<u64> = (0..12)
        .map(|i| if i < 6 { 3 } else { rows as u64 / 4 })
        .collect();
    signal_with_noise(rows, seed, &levels)
}

#[test]
fn no_pair_of_noise_columns_passes_the_pair_step() {
    // The pair step tries 240 orders of 16 candidates: at the plain bar
    // (z >= 3) some runs took a pair of noise columns.
    for seed in 0..12 {
        let st = state(&signal_then_wide_noise(4_000, 100 + seed), 1);
        for method in [Method::Jmi, Method::Cmim, Method::Joint] {
            let sel = select_target(&st, &TargetSelectParams::new(method)).unwrap();
            let mut first = names(&sel)[..3].to_vec();
            first.sort_unstable();
            assert_eq!(
                first,
                ["s0", "s1", "s2"],
                "seed {seed} {method:?}: {:?}",
                sel.selected
            );
            // No XOR here: a pair step is a pair of noise columns. (A
            // single noise column may pass z >= 3 by chance, p = 0.00135.)
            let paired = sel.selected.iter().find(|s| s.partner.is_some());
            assert!(
                paired.is_none(),
                "seed {seed} {method:?}: {:?}",
                sel.selected
            );
        }
    }
}

#[test]
fn merged_states_select_as_one_pass() {
    for cols in [mixed(5_000, 9), signal_then_noise(5_000, 10)] {
        let one = state(&cols, 1);
        let merged = state(&cols, 3);
        for method in METHODS {
            let p = TargetSelectParams::new(method).k(6);
            let (a, b) = (
                select_target(&one, &p).unwrap(),
                select_target(&merged, &p).unwrap(),
            );
            assert_eq!(names(&a), names(&b), "{method:?}");
            assert_eq!(a.k_suggested, b.k_suggested);
            for (x, y) in a.selected.iter().zip(&b.selected) {
                assert!(
                    (x.score - y.score).abs() < 1e-12,
                    "{method:?}: {x:?} vs {y:?}"
                );
            }
        }
    }
}

/// `f` XOR `r` drives y; `r_copy` relabels `r`; `g` is informative alone;
/// noise follows.
fn with_reference(rows: usize, seed: u64) -> Cols {
    let names = ["r", "r_copy", "f", "g", "n0", "n1", "n2", "y"];
    generated(names, rows, seed, |rng| {
        let (r, f) = (rng.below(2) as u32, rng.below(2) as u32);
        let g = rng.below(3) as u32;
        let p = 0.15 + 0.4 * f64::from(r ^ f) + 0.15 * f64::from(u8::from(g == 0));
        let y = bern(rng, p);
        [
            r,
            1 - r,
            f,
            g,
            rng.below(4) as u32,
            rng.below(6) as u32,
            rng.below(30) as u32,
            y,
        ]
    })
}

#[test]
fn given_features_rank_what_candidates_add_to_them() {
    let st = state(&with_reference(6_000, 21), 1);
    let ranked = rank_given(&st, &["r"], 0).unwrap();
    let order: Vec<&str> = ranked.features.iter().map(|f| f.feature.as_str()).collect();
    assert_eq!(order[0], "f", "{order:?}");
    assert_eq!(*order.last().unwrap(), "r_copy", "{order:?}");
    assert!(!order.contains(&"r"));
    assert!(ranked.features[0].z.unwrap() > 10.0);
    // Alone, f tells nothing: the plain order does not put it first.
    let plain = cardrank::Ranking::from_state(&st, cardrank::Score::Adjusted).unwrap();
    assert_ne!(plain.features[0].feature, "f");
    // The selection given r starts with f (mRMR has no synergy term: it
    // cannot see f), and never takes r or its copy.
    for method in METHODS {
        let sel = select_target(&st, &TargetSelectParams::new(method).given(&["r"])).unwrap();
        let got = names(&sel);
        if method == Method::Mrmr {
            assert!(!got.contains(&"f"), "{got:?}");
        } else {
            assert_eq!(got[0], "f", "{method:?}: {got:?}");
        }
        assert!(
            !got.contains(&"r") && !got.contains(&"r_copy"),
            "{method:?}: {got:?}"
        );
        assert_eq!(sel.given, ["r"]);
    }
}

/// y = f XOR r1 XOR r2 (with noise): f adds nothing beyond r1 or r2 alone,
/// and everything beyond their joint value; `g` informative alone.
fn three_way(rows: usize, seed: u64) -> Cols {
    let names = ["r1", "r2", "f", "g", "n0", "y"];
    generated(names, rows, seed, |rng| {
        let (r1, r2, f) = (
            rng.below(2) as u32,
            rng.below(2) as u32,
            rng.below(2) as u32,
        );
        let g = rng.below(3) as u32;
        let p = 0.15 + 0.5 * f64::from(f ^ r1 ^ r2) + 0.15 * f64::from(u8::from(g == 0));
        let y = bern(rng, p);
        [r1, r2, f, g, rng.below(5) as u32, y]
    })
}

#[test]
fn given_joint_value_within_the_budget() {
    let cols = three_way(6_000, 33);
    let st = state(&cols, 1);
    let ranked = rank_given(&st, &["r1", "r2"], 4).unwrap();
    assert_eq!(ranked.joint_levels, Some(4));
    assert_eq!(ranked.features[0].feature, "f");
    let f = &ranked.features[0];
    let joint = f.joint.as_ref().unwrap();
    assert_eq!(joint.given, "r1 & r2");
    // Against brute force on the joint code.
    let col = |n: &str| cols.iter().find(|c| c.0 == n).unwrap().1.clone();
    let z: Vec<u32> = col("r1")
        .iter()
        .zip(col("r2"))
        .map(|(a, b)| a * 2 + b)
        .collect();
    let (x, y) = (col("f"), col("y"));
    let want = crate::conditional::brute_cmi(&x, &y, &z);
    let want_e = crate::conditional::brute_expected(&x, &y, &z);
    assert!((joint.cmi - want).abs() < 1e-9, "{} vs {want}", joint.cmi);
    assert!(
        (joint.expected - want_e).abs() < 1e-9,
        "{} vs {want_e}",
        joint.expected
    );
    assert!(joint.z.unwrap() > 10.0 && f.min_adjusted < 0.01);
    // Past the budget: no joint value, and by the minimum f adds nothing.
    let small = rank_given(&st, &["r1", "r2"], 3).unwrap();
    assert_eq!(small.joint_levels, None);
    assert!(small.features.iter().all(|f| f.joint.is_none()));
    assert_ne!(small.features[0].feature, "f");
}

/// `a`, `b`, `c` binary and independent, y rises with each; `a_xor_b`
/// tells nothing alone (y's rate is the same for both of its values) and
/// is a function of `a` and `b` together, but of neither alone.
fn xor_of_two(rows: usize, seed: u64) -> Cols {
    generated(["a", "b", "a_xor_b", "c", "y"], rows, seed, |rng| {
        let (a, b, c) = (
            rng.below(2) as u32,
            rng.below(2) as u32,
            rng.below(2) as u32,
        );
        let p = 0.1 + 0.3 * f64::from(a) + 0.35 * f64::from(b) + 0.12 * f64::from(c);
        let y = bern(rng, p);
        [a, b, a ^ b, c, y]
    })
}

#[test]
fn joint_conditions_on_the_chosen_features_together() {
    let st = state(&xor_of_two(8_000, 9), 1);
    // Given `a` alone `a_xor_b` tells `b`, and given `b` it tells `a`: both
    // pairwise terms are large, so JMI takes it after `a` and `b`.
    let jmi = select_target(&st, &TargetSelectParams::new(Method::Jmi).k(3)).unwrap();
    assert_eq!(names(&jmi), ["b", "a", "a_xor_b"], "{:?}", jmi.selected);
    // Given both (4 combinations: within the budget of one per 20 rows) it
    // adds nothing: Joint takes `c`, and never `a_xor_b`, a function of
    // the chosen pair.
    let joint = select_target(&st, &TargetSelectParams::new(Method::Joint).k(4)).unwrap();
    assert_eq!(names(&joint), ["b", "a", "c"], "{:?}", joint.selected);
    assert_eq!(joint.k_suggested, 3);
    assert!(joint.selected[2].z.unwrap() > 3.0);
    // The third step was measured given the 4 combinations of `b` and `a`;
    // the first alone, the second given one feature (pairwise).
    let levels: Vec<Option<usize>> = joint.selected.iter().map(|t| t.joint_levels).collect();
    assert_eq!(levels[..3], [None, None, Some(4)]);
    assert!(jmi.selected.iter().all(|t| t.joint_levels.is_none()));
}

#[test]
fn joint_levels_say_where_the_joint_ends() {
    // `d` has 120 values, half of them raising y: after `a`, `b` and `d`
    // the combinations (2 x 2 x 120 = 480) pass one per 20 rows (400), so
    // the fourth step is JMI's mean of pairwise terms.
    let cols = generated(["a", "b", "c", "d", "y"], 8_000, 31, |rng| {
        let (a, b, c, d) = (
            rng.below(2) as u32,
            rng.below(2) as u32,
            rng.below(2) as u32,
            rng.below(120) as u32,
        );
        let p = 0.05
            + 0.3 * f64::from(a)
            + 0.35 * f64::from(b)
            + 0.05 * f64::from(c)
            + 0.25 * f64::from(d < 60);
        [a, b, c, d, bern(rng, p)]
    });
    let st = state(&cols, 1);
    let sel = select_target(&st, &TargetSelectParams::new(Method::Joint).k(4)).unwrap();
    assert_eq!(names(&sel)[2..], ["d", "c"], "{:?}", sel.selected);
    let levels: Vec<Option<usize>> = sel.selected.iter().map(|t| t.joint_levels).collect();
    assert_eq!(levels, [None, None, Some(4), None]);
}

#[test]
fn a_function_of_chosen_features_stays_out_past_the_joint_budget() {
    // `xor_of_two` plus `d` and `e` of 30 values each, weakly informative:
    // once `d` and `e` are both chosen the combinations (2 x 2 x 2 x 30 x
    // 30) are past one per 20 rows, and the rest is JMI, whose pairwise
    // terms do not show that `a_xor_b` is a function of `a` and `b`.
    let mut cols = xor_of_two(8_000, 21);
    let mut rng = Rng(22);
    let y = cols.pop().unwrap();
    for name in ["d", "e"] {
        let v: Vec<u32> =
            y.1.iter()
                .map(|&yv| {
                    let x = rng.below(30) as u32;
                    if x < 3 && rng.below(2) == 0 {
                        yv
                    } else {
                        x
                    }
                })
                .collect();
        cols.push((name.to_string(), v));
    }
    cols.push(y);
    let st = state(&cols, 1);
    let sel = select_target(&st, &TargetSelectParams::new(Method::Joint).k(6)).unwrap();
    let got = names(&sel);
    assert!(!got.contains(&"a_xor_b"), "{got:?}");
    // Every other candidate taken, then nothing left but the function.
    assert_eq!(got.len(), 5, "{:?}", sel.selected);
}
