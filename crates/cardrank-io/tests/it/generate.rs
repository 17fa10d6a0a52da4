//! The synthetic click log: reproducible, batch-size independent, and true
//! to its ground truth.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use cardrank_io::{write_csv, GenParams, Generator};

use crate::common::{rows_of, TempDir};

fn batches(params: &GenParams) -> Vec<RecordBatch> {
    Generator::new(params).expect("valid params").collect()
}

/// The values of one column over all batches.
fn column(batches: &[RecordBatch], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let idx = b.schema().index_of(name).expect("column exists");
        let col = b.column(idx).as_string::<i32>();
        out.extend((0..col.len()).map(|r| col.value(r).to_string()));
    }
    out
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    let params = GenParams {
        rows: 3_000,
        columns: 20,
        seed: 5,
        ..GenParams::default()
    };
    let a = rows_of(&batches(&params));
    assert_eq!(a, rows_of(&batches(&params)));
    let other = rows_of(&batches(&GenParams { seed: 6, ..params }));
    assert_ne!(a, other);
}

#[test]
fn batch_size_does_not_change_the_data() {
    let base = GenParams {
        rows: 10_007,
        columns: 16,
        seed: 3,
        batch_size: 65_536,
        ..GenParams::default()
    };
    let reference = rows_of(&batches(&base));
    assert_eq!(reference.len(), 10_007);
    for batch_size in [1_000, 4_096, 4_097, 9_999] {
        let params = GenParams {
            batch_size,
            ..base.clone()
        };
        let got = batches(&params);
        assert!(got.iter().all(|b| b.num_rows() <= batch_size));
        assert_eq!(rows_of(&got), reference, "batch size {batch_size}");
    }
}

#[test]
fn base_rate_near_five_percent_at_200k_rows() {
    let params = GenParams {
        rows: 200_000,
        columns: 15,
        ..GenParams::default()
    };
    let clicks = column(&batches(&params), "click");
    assert!(clicks.iter().all(|c| c == "0" || c == "1"));
    let rate = clicks.iter().filter(|c| *c == "1").count() as f64 / clicks.len() as f64;
    assert!((0.03..=0.07).contains(&rate), "click rate {rate}");
}

#[test]
fn copy_is_a_bijection_of_its_original() {
    let params = GenParams {
        rows: 50_000,
        columns: 15,
        ..GenParams::default()
    };
    let got = batches(&params);
    let truth = Generator::new(&params).expect("valid").truth();
    assert_eq!(
        truth.copies,
        vec![("inf_c1000".to_string(), "copy_of_inf_c1000".to_string())]
    );
    let original = column(&got, "inf_c1000");
    let copy = column(&got, "copy_of_inf_c1000");
    let mut forward: HashMap<&str, &str> = HashMap::new();
    let mut backward: HashMap<&str, &str> = HashMap::new();
    let mut renamed = 0;
    for (o, c) in original.iter().zip(&copy) {
        assert_eq!(*forward.entry(o).or_insert(c), c.as_str());
        assert_eq!(*backward.entry(c).or_insert(o), o.as_str());
        renamed += usize::from(o != c);
    }
    assert!(forward.len() > 500, "{} levels seen", forward.len());
    assert!(renamed > original.len() * 99 / 100, "values are renamed");
}

#[test]
fn xor_halves_are_balanced_and_alone_uninformative() {
    let params = GenParams {
        rows: 100_000,
        columns: 15,
        ..GenParams::default()
    };
    let got = batches(&params);
    let a = column(&got, "xor_a");
    let b = column(&got, "xor_b");
    let click = column(&got, "click");
    let n = a.len() as f64;
    for half in [&a, &b] {
        assert!(half.iter().all(|v| v == "0" || v == "1"));
        let ones = half.iter().filter(|v| *v == "1").count() as f64 / n;
        assert!((0.49..=0.51).contains(&ones), "share of ones {ones}");
    }
    // Click rate by xor_a alone barely moves; by xor_a != xor_b it does.
    let rate = |keep: &dyn Fn(usize) -> bool| {
        let (mut k, mut c) = (0.0, 0.0);
        for i in (0..a.len()).filter(|&i| keep(i)) {
            k += 1.0;
            c += f64::from(u8::from(click[i] == "1"));
        }
        c / k
    };
    let a0 = rate(&|i| a[i] == "0");
    let a1 = rate(&|i| a[i] == "1");
    let same = rate(&|i| a[i] == b[i]);
    let differ = rate(&|i| a[i] != b[i]);
    assert!((a0 / a1 - 1.0).abs() < 0.1, "{a0} vs {a1}");
    assert!(differ > 1.5 * same, "{differ} vs {same}");
}

#[test]
fn missing_values_and_id_like_column() {
    let params = GenParams {
        rows: 40_000,
        columns: 15,
        ..GenParams::default()
    };
    let got = batches(&params);
    for name in ["inf_c100", "noise_c100"] {
        let col = column(&got, name);
        let share = col.iter().filter(|v| v.is_empty()).count() as f64 / col.len() as f64;
        assert!(
            (0.09..=0.11).contains(&share),
            "{name} missing share {share}"
        );
    }
    for name in ["inf_c1000", "noise_c10k", "row_id_like"] {
        assert!(column(&got, name).iter().all(|v| !v.is_empty()), "{name}");
    }
    let ids = column(&got, "row_id_like");
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len());
}

#[test]
fn schema_and_truth_agree() {
    let params = GenParams::default();
    let gen = Generator::new(&params).expect("valid");
    let schema = gen.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names.len(), 50);
    assert_eq!(names[0], "click");
    let truth = gen.truth();
    let mut listed: Vec<&str> = truth
        .informative
        .iter()
        .chain(&truth.noise)
        .map(String::as_str)
        .chain([
            truth.xor_pair.0.as_str(),
            truth.xor_pair.1.as_str(),
            truth.target.as_str(),
        ])
        .collect();
    listed.sort_unstable();
    let mut all = names.clone();
    all.sort_unstable();
    assert_eq!(listed, all, "every column is listed exactly once");
    for expected in [
        "inf_c2",
        "inf_c10",
        "inf_c100",
        "inf_c1000",
        "inf_c10k",
        "inf_c100k",
        "copy_of_inf_c1000",
    ] {
        assert!(
            truth.informative.iter().any(|n| n == expected),
            "{expected}"
        );
    }
    for expected in [
        "noise_c2",
        "noise_c100",
        "noise_c10k",
        "noise_c100k",
        "row_id_like",
        "noise_extra_35",
    ] {
        assert!(truth.noise.iter().any(|n| n == expected), "{expected}");
    }
    assert_eq!(truth.id_like, vec!["row_id_like"]);
    let json = serde_json::to_value(&truth).expect("serialise");
    assert_eq!(json["xor_pair"][0], "xor_a");
    assert_eq!(json["target"], "click");
}

#[test]
fn invalid_params_are_rejected() {
    for params in [
        GenParams {
            columns: 14,
            ..GenParams::default()
        },
        GenParams {
            batch_size: 0,
            ..GenParams::default()
        },
        GenParams {
            base_rate: 0.0,
            ..GenParams::default()
        },
        GenParams {
            base_rate: f64::NAN,
            ..GenParams::default()
        },
    ] {
        let err = Generator::new(&params).err().expect("rejected");
        assert_eq!(err.kind_name(), "invalid_option", "{err}");
    }
}

#[test]
fn zero_rows_gives_no_batches_and_a_header_only_file() {
    let params = GenParams {
        rows: 0,
        columns: 15,
        ..GenParams::default()
    };
    assert_eq!(Generator::new(&params).expect("valid").count(), 0);
    let dir = TempDir::new();
    let path = dir.path("h.csv");
    write_csv(&params, &path).expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.starts_with("click,inf_c2,"));
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn write_to_missing_folder_is_write_error() {
    let dir = TempDir::new();
    let path = dir.path("missing/out.csv");
    let err = write_csv(&GenParams::default(), &path).expect_err("no folder");
    assert_eq!(err.kind_name(), "write");
    assert!(err.to_string().starts_with("cannot write `"), "{err}");
}
