//! Multivalue (list) features and the `max_distinct` fold.

use std::sync::Arc;

use cardrank::arrow_array::builder::{
    ArrayBuilder, LargeStringBuilder, ListBuilder, StringBuilder, StringViewBuilder,
};
use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
use cardrank::{fold_report, RankParams, RankState, Ranker, Ranking, Score};
use proptest::prelude::*;

/// A list column: `None` is a null list, `Some(vec![])` an empty one.
fn list(rows: &[Option<Vec<&str>>]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for r in rows {
        match r {
            Some(vs) => {
                for v in vs {
                    b.values().append_value(v);
                }
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Arc::new(b.finish())
}

fn strings(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn rank(batch: &RecordBatch, params: RankParams) -> Ranking {
    let mut r = Ranker::new(params).unwrap();
    r.update(batch).unwrap();
    r.finish().unwrap()
}

#[test]
fn one_element_lists_rank_exactly_like_plain_columns() {
    let values = ["a", "b", "", "a", "c", "b", "a", ""];
    let y = ["1", "0", "1", "1", "0", "0", "1", "0"];
    let as_list: Vec<Option<Vec<&str>>> = values
        .iter()
        .map(|v| if v.is_empty() { None } else { Some(vec![*v]) })
        .collect();
    let plain = RecordBatch::try_from_iter([("x", strings(&values)), ("y", strings(&y))]).unwrap();
    let listed = RecordBatch::try_from_iter([("x", list(&as_list)), ("y", strings(&y))]).unwrap();
    let a = rank(&plain, RankParams::new("y"));
    let b = rank(&listed, RankParams::new("y"));
    assert_eq!(a, b);
}

/// Lists whose elements are `Utf8`, `LargeUtf8` or `Utf8View` text, with a
/// null element, rank alike (each element coded from its bytes).
#[test]
fn lists_of_every_text_type_rank_alike() {
    fn listed<B: ArrayBuilder + Default>(push: impl Fn(&mut B, Option<&str>)) -> ArrayRef {
        let mut b = ListBuilder::new(B::default());
        for row in [
            vec![Some("a"), None],
            vec![Some("b")],
            vec![],
            vec![Some("a"), Some("c")],
        ] {
            for v in row {
                push(b.values(), v);
            }
            b.append(true);
        }
        Arc::new(b.finish())
    }
    let y = strings(&["1", "0", "0", "1"]);
    let columns = [
        listed::<StringBuilder>(|b, v| b.append_option(v)),
        listed::<LargeStringBuilder>(|b, v| b.append_option(v)),
        listed::<StringViewBuilder>(|b, v| b.append_option(v)),
    ];
    let ranked: Vec<Ranking> = columns
        .into_iter()
        .map(|x| {
            let batch = RecordBatch::try_from_iter([("x", x), ("y", y.clone())]).unwrap();
            rank(&batch, RankParams::new("y"))
        })
        .collect();
    assert_eq!(ranked[0], ranked[1]);
    assert_eq!(ranked[0], ranked[2]);
    // a, <missing>, b, c.
    assert_eq!(ranked[0].features[0].cardinality, 4);
}

#[test]
fn each_element_is_an_occurrence_with_its_row_class() {
    // Rows: {a, b} -> 1, {a} -> 1, {} -> 0, null -> 0, {c} -> 0.
    let x = list(&[
        Some(vec!["a", "b"]),
        Some(vec!["a"]),
        Some(vec![]),
        None,
        Some(vec!["c"]),
    ]);
    let batch =
        RecordBatch::try_from_iter([("x", x), ("y", strings(&["1", "1", "0", "0", "0"]))]).unwrap();
    let r = rank(&batch, RankParams::new("y"));
    let f = &r.features[0];
    // Levels a, b, <missing>, c over 6 occurrences.
    assert_eq!(f.cardinality, 4);
    assert!((f.missing_share - 2.0 / 6.0).abs() < 1e-12);
    // The same table as plain rows: (a,1) (b,1) (a,1) (-,0) (-,0) (c,0).
    let plain = RecordBatch::try_from_iter([
        ("x", strings(&["a", "b", "a", "", "", "c"])),
        ("y", strings(&["1", "1", "1", "0", "0", "0"])),
    ])
    .unwrap();
    let p = rank(&plain, RankParams::new("y"));
    assert_eq!(f.mi, p.features[0].mi);
    assert_eq!(f.expected_mi, p.features[0].expected_mi);
    assert_eq!(f.ami, p.features[0].ami);
    // The state with more occurrences than rows survives bytes.
    let mut ranker = Ranker::new(RankParams::new("y")).unwrap();
    ranker.update(&batch).unwrap();
    let bytes = ranker.into_state().to_bytes();
    let back = RankState::from_bytes(&bytes).unwrap();
    assert_eq!(Ranking::from_state(&back, Score::Adjusted).unwrap(), r);
}

fn ids(n: usize, distinct: usize, seed: usize) -> Vec<String> {
    // Zipf-ish: value k appears about n / (k + 1) times.
    (0..n)
        .map(|i| {
            let h = (i.wrapping_mul(2_654_435_761) ^ seed) % (distinct * distinct);
            format!("v{}", (h as f64).sqrt() as usize % distinct)
        })
        .collect()
}

#[test]
fn the_fold_bounds_every_dictionary_and_is_reported() {
    let n = 20_000;
    let x: Vec<String> = (0..n).map(|i| format!("id{i}")).collect();
    let small: Vec<String> = (0..n).map(|i| format!("s{}", i % 7)).collect();
    let y: Vec<String> = (0..n).map(|i| (i % 3 == 0).to_string()).collect();
    let mut r = Ranker::new(RankParams::new("y").max_distinct(100)).unwrap();
    for start in (0..n).step_by(1000) {
        let b = crate::batch(&[
            ("x", x[start..start + 1000].to_vec()),
            ("small", small[start..start + 1000].to_vec()),
            ("y", y[start..start + 1000].to_vec()),
        ]);
        r.update(&b).unwrap();
        for f in r.state().features() {
            assert!(
                f.dict.len() <= 2 * 100 + 2 + 1000,
                "{}: {}",
                f.name,
                f.dict.len()
            );
        }
    }
    let ranking = r.finish().unwrap();
    let x_score = ranking.features.iter().find(|f| f.feature == "x").unwrap();
    assert_eq!(x_score.cardinality, 101); // 100 values and <other>
    let small_score = ranking
        .features
        .iter()
        .find(|f| f.feature == "small")
        .unwrap();
    assert_eq!(small_score.cardinality, 7);
    let folds = fold_report(r.state());
    assert_eq!(folds.len(), 1);
    assert_eq!(folds[0].feature, "x");
    assert_eq!(folds[0].rows_folded, (n - 100) as u64);
    assert!(folds[0].values_folded >= (n - 100) as u64);
    // The state keeps the fold through bytes, and merges.
    let state = r.into_state();
    let back = RankState::from_bytes(&state.to_bytes()).unwrap();
    assert_eq!(back, state);
    let mut merged = back.clone();
    merged.merge(&state).unwrap();
    let x_merged = merged.features().iter().find(|f| f.name == "x").unwrap();
    assert!(x_merged.dict.len() <= 2 * 100 + 2);
}

#[test]
fn without_folding_nothing_changes() {
    let x = ids(5_000, 40, 1);
    let y: Vec<String> = x.iter().map(|v| (v.len() % 2).to_string()).collect();
    let b = crate::batch(&[("x", x), ("y", y)]);
    let plain = rank(&b, RankParams::new("y"));
    let budget = rank(&b, RankParams::new("y").max_distinct(40));
    assert_eq!(plain, budget);
    assert!(Ranker::new(RankParams::new("y").max_distinct(0)).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A heavy value is never folded, whatever the order of the stream.
    #[test]
    fn heavy_values_keep_every_row(seed in 0usize..1000, k in 2usize..20) {
        let mut x = ids(3_000, 400, seed);
        for (i, v) in x.iter_mut().enumerate() {
            if i % 5 == 0 {
                *v = "heavy".into();
            }
        }
        let y: Vec<String> = (0..x.len()).map(|i| (i % 2).to_string()).collect();
        let mut r = Ranker::new(RankParams::new("y").max_distinct(k)).unwrap();
        for start in (0..x.len()).step_by(250) {
            let b = crate::batch(&[("x", x[start..start + 250].to_vec()), ("y", y[start..start + 250].to_vec())]);
            r.update(&b).unwrap();
        }
        let f = &r.state().features()[0];
        let code = f.dict.lookup(b"heavy").unwrap();
        prop_assert_eq!(f.joint.level_totals()[code as usize], 600);
        prop_assert!(r.finish().unwrap().features[0].cardinality <= k + 1);
    }
}
