//! Bad input gives a clear error, never a panic.

use cardrank::{Error, RankParams, Ranker};

use crate::batch;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn missing_target_names_the_columns() {
    let mut r = Ranker::new(RankParams::new("click")).unwrap();
    let err = r
        .update(&batch(&[("a", s(&["1"])), ("b", s(&["2"]))]))
        .unwrap_err();
    assert!(matches!(err, Error::MissingTarget { .. }));
    let msg = err.to_string();
    assert!(msg.contains("`click`") && msg.contains("`a`, `b`"), "{msg}");
}

#[test]
fn constant_target_is_an_error() {
    let mut r = Ranker::new(RankParams::new("y")).unwrap();
    r.update(&batch(&[("a", s(&["1", "2"])), ("y", s(&["1", "1"]))]))
        .unwrap();
    let err = r.finish().unwrap_err();
    assert_eq!(err.kind_name(), "constant_target");
    assert!(
        err.to_string().contains("single value `1` in all 2 rows"),
        "{err}"
    );
}

#[test]
fn no_rows_and_no_features() {
    let r = Ranker::new(RankParams::new("y")).unwrap();
    assert_eq!(r.finish().unwrap_err(), Error::NoRows);
    let mut r = Ranker::new(RankParams::new("y")).unwrap();
    let err = r.update(&batch(&[("y", s(&["1", "0"]))])).unwrap_err();
    assert_eq!(err, Error::NoFeatures);
}

#[test]
fn unknown_feature_and_bad_threads() {
    let mut r = Ranker::new(RankParams::new("y").features(&["nope"])).unwrap();
    let err = r
        .update(&batch(&[("a", s(&["1"])), ("y", s(&["1"]))]))
        .unwrap_err();
    assert_eq!(err.kind_name(), "unknown_column");
    assert!(Ranker::new(RankParams::new("y").threads(0)).is_err());
}

#[test]
fn later_batch_without_a_column() {
    let mut r = Ranker::new(RankParams::new("y")).unwrap();
    r.update(&batch(&[("a", s(&["1"])), ("y", s(&["1"]))]))
        .unwrap();
    let err = r
        .update(&batch(&[("b", s(&["1"])), ("y", s(&["0"]))]))
        .unwrap_err();
    assert!(
        err.to_string().contains("batch 2 has no column `a`"),
        "{err}"
    );
}

#[test]
fn later_batch_with_a_column_the_first_had_not() {
    let first = batch(&[("a", s(&["1"])), ("y", s(&["1"]))]);
    let more = batch(&[("a", s(&["2"])), ("new", s(&["1"])), ("y", s(&["0"]))]);
    let mut r = Ranker::new(RankParams::new("y")).unwrap();
    r.update(&first).unwrap();
    let err = r.update(&more).unwrap_err();
    assert_eq!(err.kind_name(), "schema_changed");
    assert!(
        err.to_string()
            .contains("batch 2 has a column `new` the first batch had not"),
        "{err}"
    );
    assert_eq!(r.state().rows(), 1, "the failed batch adds nothing");
    // Not an error when the column would not be ranked anyway: the ranker
    // has a list of features.
    let mut r = Ranker::new(RankParams::new("y").features(&["a"])).unwrap();
    r.update(&first).unwrap();
    r.update(&more).unwrap();
    assert_eq!(r.state().rows(), 2);
}

#[test]
fn unsupported_type_names_the_column() {
    use std::sync::Arc;

    use cardrank::arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray};
    // (Lists are multivalue features; dates are not read.)
    let dates = Date32Array::from(vec![19_000]);
    let b = RecordBatch::try_from_iter([
        ("l", Arc::new(dates) as ArrayRef),
        ("y", Arc::new(StringArray::from(vec!["1"])) as ArrayRef),
    ])
    .unwrap();
    let mut r = Ranker::new(RankParams::new("y")).unwrap();
    let err = r.update(&b).unwrap_err();
    assert!(
        err.to_string().contains("column `l` has Arrow type Date32"),
        "{err}"
    );
}
