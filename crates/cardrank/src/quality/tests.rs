//! Tests of the report on rankers: merges, the distinct budget, errors.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};

use super::*;
use crate::{RankParams, Ranker};

fn col(v: Vec<String>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

/// Rows `from..to`: `a` (7 values), `a2` (a renamed), `big` (unique),
/// `late` (changes at row 3000), `y`.
fn batch(from: usize, to: usize) -> RecordBatch {
    let r = from..to;
    RecordBatch::try_from_iter([
        ("a", col(r.clone().map(|i| format!("a{}", i % 7)).collect())),
        (
            "a2",
            col(r.clone().map(|i| format!("z{}", i % 7)).collect()),
        ),
        ("big", col(r.clone().map(|i| format!("id{i}")).collect())),
        (
            "late",
            col(r
                .clone()
                .map(|i| format!("{}", (i >= 3000) as u8 * 2 + i as u8 % 2))
                .collect()),
        ),
        (
            "y",
            col(r.map(|i| format!("{}", (i * 7 / 3) % 2)).collect()),
        ),
    ])
    .unwrap()
}

fn ranker(params: RankParams) -> Ranker {
    let mut r = Ranker::new(params).unwrap();
    r.track_quality(TrackOptions::default()).unwrap();
    r
}

fn flags(report: &QualityReport, name: &str) -> Vec<String> {
    report
        .column(name)
        .unwrap()
        .flags
        .iter()
        .map(|f| f.flag.clone())
        .collect()
}

#[test]
fn merged_trackers_keep_duplicates_and_drift() {
    let mut whole = ranker(RankParams::new("y"));
    let (mut a, mut b) = (ranker(RankParams::new("y")), ranker(RankParams::new("y")));
    for k in 0..8 {
        let part = batch(k * 500, (k + 1) * 500);
        whole.update(&part).unwrap();
        if k < 4 { &mut a } else { &mut b }.update(&part).unwrap();
    }
    let params = QualityParams::default();
    let one =
        QualityReport::from_state(whole.state(), whole.quality_tracker(), None, &params).unwrap();
    let mut state = a.state().clone();
    state.merge(b.state()).unwrap();
    let mut tracker = a.quality_tracker().unwrap().clone();
    tracker
        .merge(&state, b.quality_tracker().unwrap(), b.state())
        .unwrap();
    assert_eq!(tracker.parts(), 2);
    assert_eq!(tracker.bucket_rows().iter().sum::<u64>(), 4000);
    let merged = QualityReport::from_state(&state, Some(&tracker), None, &params).unwrap();
    for r in [&one, &merged] {
        assert_eq!(flags(r, "a2"), ["duplicate"]);
        assert_eq!(r.column("a2").unwrap().duplicate_of.as_deref(), Some("a"));
        assert_eq!(flags(r, "late"), ["drift"]);
        assert_eq!(flags(r, "big"), ["id_like"]);
        assert!(flags(r, "a").is_empty());
    }
    // Figures from counts are the same whichever way the state was built.
    for (x, y) in one.columns.iter().zip(&merged.columns) {
        assert_eq!(x.name, y.name);
        assert_eq!(
            (x.distinct, x.singletons, x.missing),
            (y.distinct, y.singletons, y.missing)
        );
        assert_eq!(x.entropy, y.entropy);
        assert_eq!(x.top_values, y.top_values);
    }
    // The tracker survives a round trip through bytes.
    let bytes = postcard::to_allocvec(&tracker).unwrap();
    assert_eq!(postcard::from_bytes::<Tracker>(&bytes).unwrap(), tracker);
}

#[test]
fn distinct_counts_are_exact_below_the_budget_and_sketched_past_it() {
    let mut r = ranker(RankParams::new("y").max_distinct(500));
    for k in 0..10 {
        r.update(&batch(k * 1000, (k + 1) * 1000)).unwrap();
    }
    let f = |name: &str| {
        r.state()
            .features()
            .iter()
            .find(|f| f.name == name)
            .unwrap()
    };
    assert!(f("a").dict.distinct_sketch().is_none());
    let sketch = f("big").dict.distinct_sketch().unwrap();
    let err = (sketch.estimate() / 10_000.0 - 1.0).abs();
    assert!(
        err <= 3.0 * DistinctSketch::relative_standard_error(),
        "{err}"
    );
    let report = QualityReport::from_state(
        r.state(),
        r.quality_tracker(),
        None,
        &QualityParams::default(),
    )
    .unwrap();
    let a = report.column("a").unwrap();
    assert!(a.distinct_exact && a.distinct == 7 && a.distinct_rel_std_error.is_none());
    let big = report.column("big").unwrap();
    assert!(!big.distinct_exact && big.folded);
    assert!(big.distinct_rel_std_error.is_some());
    assert_eq!(flags(&report, "big"), ["id_like"]);
    // A folded column has no partition hash and no drift.
    assert!(big.drift.is_none() && big.duplicate_of.is_none());
    assert!(report.notes.iter().any(|n| n.contains("HyperLogLog")));
    assert!(!report.anomaly_columns().contains(&"big".to_string()));
}

#[test]
fn merged_sketches_count_the_union() {
    let params = RankParams::new("y").max_distinct(100);
    let (mut a, mut b) = (ranker(params.clone()), ranker(params));
    a.update(&batch(0, 3000)).unwrap();
    b.update(&batch(2000, 6000)).unwrap();
    let mut state = a.state().clone();
    state.merge(b.state()).unwrap();
    let big = state.features().iter().find(|f| f.name == "big").unwrap();
    let est = big.dict.distinct_sketch().unwrap().estimate();
    assert!((est / 6000.0 - 1.0).abs() <= 3.0 * DistinctSketch::relative_standard_error());
    let bytes = state.to_bytes();
    assert_eq!(RankState::from_bytes(&bytes).unwrap(), state);
}

#[test]
fn tracking_starts_before_the_first_batch() {
    let mut r = Ranker::new(RankParams::new("y")).unwrap();
    r.update(&batch(0, 10)).unwrap();
    let err = r.track_quality(TrackOptions::default()).unwrap_err();
    assert_eq!(err.kind_name(), "invalid_parameter");
    assert!(Tracker::new(TrackOptions {
        first_bucket_rows: 0,
        ..TrackOptions::default()
    })
    .is_err());
    let err = RowScorer::new(r.state(), &["nope".to_string()], 5)
        .err()
        .unwrap();
    assert_eq!(err.kind_name(), "unknown_column");
}

#[test]
fn a_report_without_tracker_or_ranking_says_so() {
    let mut r = Ranker::new(RankParams::new("y")).unwrap();
    r.update(&batch(0, 100)).unwrap();
    let report =
        QualityReport::from_state(r.state(), None, None, &QualityParams::default()).unwrap();
    assert_eq!(report.notes.len(), 2);
    assert!(report
        .columns
        .iter()
        .all(|c| c.drift.is_none() && c.mi.is_none()));
    // The target comes first, then the features in input order.
    let names: Vec<&str> = report.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["y", "a", "a2", "big", "late"]);
}

#[test]
fn an_id_like_leak_is_still_a_leak() {
    // `leak` has a value of its own exactly in the rows where y = 1 (and is
    // missing elsewhere): ID-like, and it gives the label away. A row id is
    // ID-like too, but tells nothing beyond chance.
    let n = 20_000;
    let y = |i: usize| i % 100 == 0;
    let batch = RecordBatch::try_from_iter([
        (
            "leak",
            col((0..n)
                .map(|i| if y(i) { format!("u{i}") } else { String::new() })
                .collect()),
        ),
        ("rowid", col((0..n).map(|i| format!("r{i}")).collect())),
        ("y", col((0..n).map(|i| (y(i) as u8).to_string()).collect())),
    ])
    .unwrap();
    let mut r = ranker(RankParams::new("y"));
    r.update(&batch).unwrap();
    let ranking = r.finish().unwrap();
    let report = QualityReport::from_state(
        r.state(),
        r.quality_tracker(),
        Some(&ranking),
        &QualityParams::default(),
    )
    .unwrap();
    let leak = report.column("leak").unwrap();
    assert!(leak.leak_share.unwrap() > 0.95, "{:?}", leak.leak_share);
    let raised = flags(&report, "leak");
    assert!(
        raised.contains(&"id_like".to_string()) && raised.contains(&"label_leak".to_string()),
        "{raised:?}"
    );
    assert!(report.column("rowid").unwrap().leak_share.unwrap() < 0.05);
    assert_eq!(flags(&report, "rowid"), ["id_like"]);
}

#[test]
fn drift_compares_whole_buckets_of_at_least_a_quarter() {
    // What the report of a 47,923-row file compares, in batches of any size:
    // the buckets (at most 8, 8192 rows each by then) are whole, so the
    // first part is the first 16,384 rows and the last the last 15,155.
    for batch_rows in [47_923, 5000, 1000] {
        let mut r = ranker(RankParams::new("y"));
        let mut from = 0;
        while from < 47_923 {
            let to = (from + batch_rows).min(47_923);
            r.update(&batch(from, to)).unwrap();
            from = to;
        }
        let tracker = r.quality_tracker().unwrap();
        assert_eq!(tracker.bucket_rows(), [8192, 8192, 8192, 8192, 8192, 6963]);
        let report =
            QualityReport::from_state(r.state(), Some(tracker), None, &QualityParams::default())
                .unwrap();
        let d = report.column("a").unwrap().drift.clone().unwrap();
        assert_eq!((d.first_rows, d.last_rows), (16_384, 15_155));
    }
    // The rule: each part has at least a quarter of the rows and, past
    // 1,024 rows (8 buckets of 128), at most a half: every bucket then holds
    // at most a quarter of the rows.
    for total in [1025, 4097, 20_001, 100_003] {
        let mut r = ranker(RankParams::new("y"));
        let mut from = 0;
        while from < total {
            let to = (from + 4999).min(total);
            r.update(&batch(from, to)).unwrap();
            from = to;
        }
        let report = QualityReport::from_state(
            r.state(),
            r.quality_tracker(),
            None,
            &QualityParams::default(),
        )
        .unwrap();
        let d = report.column("a").unwrap().drift.clone().unwrap();
        let total = total as u64;
        for part in [d.first_rows, d.last_rows] {
            assert!(4 * part >= total && 2 * part <= total, "{total}: {d:?}");
        }
    }
}
