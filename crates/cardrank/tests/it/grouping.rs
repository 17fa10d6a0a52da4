//! Grouping values into levels ([`RankState::regroup`]): the measures of a
//! regrouped state equal those of a state counted from the rows grouped
//! beforehand by a plain implementation of the rule, pairs included, and a
//! merged state groups as one pass.

use std::collections::BTreeMap;

use cardrank::{
    select_target, Grouping, Method, PairProbe, PairSpec, RankParams, RankState, Ranker, Ranking,
    Score, TargetSelectParams,
};

use crate::batch;
use crate::conditional::Rng;

type Cols = Vec<(&'static str, Vec<String>)>;

/// `amount`: a number with a few rows per value (thin), informative above
/// its median; `id`: mostly values seen once or twice, plus four frequent
/// ones; `c`: five frequent values, informative; `code`: integers with many
/// rows each (not thin: its values stay); `y`: the target.
fn rows(n: usize, seed: u64) -> Cols {
    let mut rng = Rng(seed);
    let mut cols: Cols = ["amount", "id", "c", "code", "y"]
        .into_iter()
        .map(|name| (name, Vec::new()))
        .collect();
    for _ in 0..n {
        let amount = rng.below(3_000) as f64 / 4.0;
        let id = if rng.below(3) == 0 {
            format!("f{}", rng.below(4))
        } else {
            format!("r{}", rng.below(n as u64))
        };
        let c = rng.below(5);
        let code = rng.below(12);
        let p = 0.15 + 0.4 * f64::from(u8::from(amount > 375.0)) + 0.08 * c as f64;
        let y = u8::from((rng.below(1_000) as f64) < p * 1_000.0);
        let row = [
            format!("{amount}"),
            id,
            format!("c{c}"),
            format!("{code}"),
            y.to_string(),
        ];
        for (col, v) in cols.iter_mut().zip(row) {
            col.1.push(v);
        }
    }
    cols
}

/// The rule of `cardrank::grouping`, written plainly over the raw rows.
fn grouped_by_hand(cols: &Cols, g: &Grouping) -> Cols {
    cols.iter()
        .map(|(name, values)| {
            if *name == "y" {
                return (*name, values.clone());
            }
            let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
            for v in values {
                *counts.entry(v.as_str()).or_default() += 1;
            }
            let rows = values.len() as u64;
            let rare: u64 = counts.values().filter(|&&n| n < g.min_count).sum();
            let numbers: Option<Vec<(f64, &str)>> = counts
                .keys()
                .map(|v| v.parse::<f64>().ok().map(|x| (x, *v)))
                .collect();
            let binned = match numbers {
                Some(mut nums) if 2 * rare > rows && counts.len() > g.bins => {
                    nums.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let mut bin: BTreeMap<&str, usize> = BTreeMap::new();
                    let mut below = 0u64;
                    for (_, v) in nums {
                        let mid = below as f64 + counts[v] as f64 / 2.0;
                        bin.insert(
                            v,
                            ((mid / rows as f64 * g.bins as f64) as usize).min(g.bins - 1),
                        );
                        below += counts[v];
                    }
                    Some(bin)
                }
                _ => None,
            };
            let out = values
                .iter()
                .map(|v| match &binned {
                    Some(bin) => format!("bin{}", bin[v.as_str()]),
                    None if counts[v.as_str()] < g.min_count => "<rare>".to_string(),
                    None => v.clone(),
                })
                .collect();
            (*name, out)
        })
        .collect()
}

fn state(cols: &Cols, parts: usize) -> RankState {
    let features = ["amount", "id", "c", "code"];
    let n = cols[0].1.len();
    let step = n.div_ceil(parts);
    let mut merged: Option<RankState> = None;
    for lo in (0..n).step_by(step) {
        let hi = (lo + step).min(n);
        let part: Vec<(&str, Vec<String>)> = cols
            .iter()
            .map(|(name, v)| (*name, v[lo..hi].to_vec()))
            .collect();
        let mut r = Ranker::new(RankParams::new("y").pairs(PairSpec::among(features))).unwrap();
        r.update(&batch(&part)).unwrap();
        let s = r.into_state();
        match &mut merged {
            None => merged = Some(s),
            Some(m) => m.merge(&s).unwrap(),
        }
    }
    merged.unwrap()
}

/// MI, MI - EMI and cardinality of every feature of `s`, by name.
fn measures(s: &RankState) -> BTreeMap<String, (f64, f64, usize)> {
    let r = Ranking::from_state(s, Score::Adjusted).unwrap();
    r.features
        .iter()
        .map(|f| (f.feature.clone(), (f.mi, f.adjusted, f.cardinality)))
        .collect()
}

/// `a` and `b` rank every feature with the same measures (to 1e-12).
fn assert_same_measures(a: &RankState, b: &RankState) {
    let (a, b) = (measures(a), measures(b));
    assert_eq!(a.len(), b.len());
    for (name, (mi, adj, card)) in &a {
        let (mi2, adj2, card2) = b[name];
        assert_eq!(*card, card2, "{name}");
        assert!(
            (mi - mi2).abs() < 1e-12 && (adj - adj2).abs() < 1e-12,
            "{name}"
        );
    }
}

#[test]
fn a_regrouped_state_measures_as_rows_grouped_beforehand() {
    let cols = rows(6_000, 3);
    let g = Grouping::SELECT;
    let mut st = state(&cols, 1);
    let info = st.regroup(&g).unwrap();
    let how: BTreeMap<&str, &str> = info
        .iter()
        .map(|i| (i.feature.as_str(), i.how.as_str()))
        .collect();
    assert_eq!(
        how,
        BTreeMap::from([("amount", "binned"), ("id", "pooled")])
    );
    let amount = info.iter().find(|i| i.feature == "amount").unwrap();
    let distinct: std::collections::BTreeSet<&String> = cols[0].1.iter().collect();
    assert_eq!(
        (amount.levels_before, amount.levels_after),
        (distinct.len(), 32)
    );

    let plain = state(&grouped_by_hand(&cols, &g), 1);
    assert_same_measures(&st, &plain);
    // The pairs too: both orders of every pair, from the regrouped codes.
    let (p, q) = (
        PairProbe::new(&st).unwrap(),
        PairProbe::new(&plain).unwrap(),
    );
    for (x, z) in [
        ("amount", "c"),
        ("id", "amount"),
        ("c", "code"),
        ("id", "c"),
    ] {
        let (u, v) = (p.conditional(x, z).unwrap(), q.conditional(x, z).unwrap());
        for (s, t) in u.iter().zip(&v) {
            assert!((s.cmi - t.cmi).abs() < 1e-12, "{x} | {z}");
            assert!((s.adjusted - t.adjusted).abs() < 1e-12, "{x} | {z}");
        }
    }
    let params = TargetSelectParams::new(Method::Jmi).k(4);
    let names = |s: &RankState| -> Vec<String> {
        let sel = select_target(s, &params).unwrap();
        sel.selected.into_iter().map(|t| t.feature).collect()
    };
    assert_eq!(names(&st), names(&plain));
    // Binned, `amount` keeps its signal and sheds the chance part of its
    // 2,500-odd raw values: a larger MI - EMI.
    let (a, raw) = (measures(&st), measures(&state(&cols, 1)));
    assert!(
        a["amount"].1 > raw["amount"].1,
        "{:?} {:?}",
        a["amount"],
        raw["amount"]
    );
}

#[test]
fn a_merged_state_groups_as_one_pass() {
    let cols = rows(4_000, 8);
    let mut one = state(&cols, 1);
    let mut merged = state(&cols, 3);
    let g = Grouping::SELECT;
    assert_eq!(one.regroup(&g).unwrap(), merged.regroup(&g).unwrap());
    assert_same_measures(&one, &merged);
}

#[test]
fn nothing_rare_nothing_grouped() {
    let cols = rows(2_000, 5);
    let mut st = state(&cols, 1);
    assert!(st.regroup(&Grouping::NONE).unwrap().is_empty());
    let only_code = Grouping {
        min_count: 2,
        bins: 0,
    };
    // With bins 0 the thin number column pools its rare values instead.
    let info = st.regroup(&only_code).unwrap();
    assert!(info.iter().all(|i| i.how == "pooled"));
    assert!(!info.iter().any(|i| i.feature == "c" || i.feature == "code"));
}
