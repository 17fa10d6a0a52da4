//! Sampling, multivalue columns and numeric binning.

use cardrank_io::{
    open_with, write_data, GenParams, NumericMode, Projection, ReadOptions, Transforms,
};

use crate::common::TempDir;
use crate::formats::column_text;

type Columns = Vec<Vec<Option<String>>>;

fn read(
    paths: &[std::path::PathBuf],
    batch_size: usize,
    t: &Transforms,
) -> (Columns, cardrank_io::InputReport) {
    let opts = ReadOptions {
        columns: Projection {
            target: t.target.clone(),
            ..Projection::all()
        },
        csv: cardrank_io::CsvOptions {
            batch_size,
            ..Default::default()
        },
        ..ReadOptions::default()
    };
    let src = open_with(paths, &opts, t).unwrap_or_else(|e| panic!("{e}"));
    let progress = src.progress();
    let mut cols: Vec<Vec<Option<String>>> = Vec::new();
    for b in src {
        let b = b.unwrap_or_else(|e| panic!("{e}"));
        cols.resize(b.num_columns(), Vec::new());
        for (i, c) in b.columns().iter().enumerate() {
            cols[i].extend(column_text(c.as_ref()));
        }
    }
    (cols, progress.report())
}

#[test]
fn sampling_is_reproducible_across_formats_and_batch_sizes() {
    let dir = TempDir::new();
    let params = GenParams {
        rows: 5_000,
        columns: 16,
        ..GenParams::default()
    };
    let csv = dir.path("s.csv");
    let pq = dir.path("s.parquet");
    write_data(&params, &csv).unwrap();
    write_data(&params, &pq).unwrap();
    let t = Transforms {
        target: Some("click".into()),
        sample_rate: Some(0.3),
        seed: 9,
        ..Transforms::default()
    };
    let (a, ra) = read(std::slice::from_ref(&csv), 700, &t);
    let (b, rb) = read(&[pq], 4096, &t);
    assert_eq!(a, b);
    assert_eq!((ra.rows_read, ra.rows_sampled), (5_000, rb.rows_sampled));
    let kept = ra.rows_sampled.unwrap();
    assert!((1_300..1_700).contains(&kept), "{kept}");
    assert_eq!((ra.sample_rate, ra.seed), (Some(0.3), Some(9)));
    let (c, rc) = read(&[csv], 700, &Transforms { seed: 10, ..t });
    assert_ne!(a, c);
    assert_ne!(rc.rows_sampled, None);
}

#[test]
fn multivalue_columns_split_into_occurrences() {
    let dir = TempDir::new();
    let p = dir.write("m.csv", b"y,tags\n1,b;a;b\n0,\n1,;;\n0,c\n");
    let t = Transforms {
        target: Some("y".into()),
        multivalue: vec![("tags".into(), ";".into())],
        ..Transforms::default()
    };
    let (cols, report) = read(&[p], 10, &t);
    assert_eq!(
        cols[1],
        vec![Some("a b".into()), None, None, Some("c".into())]
    );
    assert_eq!(report.multivalue[0].column, "tags");
}

#[test]
fn quantile_bins_are_the_same_for_text_and_typed_numbers() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    let dir = TempDir::new();
    let n = 2_000;
    let prices: Vec<f64> = (0..n).map(|i| ((i * 37) % 1000) as f64 / 4.0).collect();
    let ys: Vec<&str> = (0..n).map(|i| if i % 3 == 0 { "1" } else { "0" }).collect();
    let mut text = String::from("y,price\n");
    for (y, p) in ys.iter().zip(&prices) {
        text.push_str(&format!("{y},{p}\n"));
    }
    let csv = dir.write("q.csv", text.as_bytes());
    let pq = dir.path("q.parquet");
    let batch = RecordBatch::try_from_iter([
        ("y", Arc::new(StringArray::from(ys)) as ArrayRef),
        ("price", Arc::new(Float64Array::from(prices)) as ArrayRef),
    ])
    .unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&pq).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let t = Transforms {
        target: Some("y".into()),
        numeric: NumericMode::Quantile(4),
        ..Transforms::default()
    };
    let (a, ra) = read(&[csv], 300, &t);
    let (b, rb) = read(&[pq], 1000, &t);
    assert_eq!(a, b);
    assert_eq!(ra.numeric, rb.numeric);
    assert_eq!(ra.numeric.mode, "quantile:4");
    assert_eq!(ra.numeric.columns[0].edges.len(), 3);
    let mut bins: Vec<&Option<String>> = a[1].iter().collect();
    bins.sort();
    bins.dedup();
    assert_eq!(bins.len(), 4, "{bins:?}");
    // The target is never binned.
    assert!(a[0]
        .iter()
        .all(|v| v.as_deref() == Some("0") || v.as_deref() == Some("1")));
}

#[test]
fn stdin_cannot_be_read_twice() {
    let t = Transforms {
        numeric: NumericMode::Quantile(4),
        ..Transforms::default()
    };
    let e = open_with(&["-".into()], &ReadOptions::default(), &t)
        .err()
        .unwrap();
    assert_eq!(e.kind_name(), "unsupported");
    assert!(e.to_string().contains("--numeric log"), "{e}");
}
