//! Broken input in every format: a clear error or documented behaviour,
//! never a panic.

use std::path::PathBuf;

use cardrank_io::{
    open_with, write_data, Error, GenParams, NumericMode, Projection, ReadOptions, Transforms,
};

use crate::common::TempDir;
use crate::formats::{gzip, table};

fn opts(target: &str) -> ReadOptions {
    ReadOptions {
        columns: Projection {
            target: Some(target.into()),
            ..Projection::all()
        },
        ..ReadOptions::default()
    }
}

fn err(paths: &[PathBuf], o: &ReadOptions) -> Error {
    match table(paths, o) {
        Err(e) => e,
        Ok((t, _)) => panic!("expected an error, read {t:?}"),
    }
}

fn small(rows: usize) -> GenParams {
    GenParams {
        rows,
        columns: 16,
        ..GenParams::default()
    }
}

#[test]
fn empty_files_in_every_format() {
    let dir = TempDir::new();
    for name in ["e.csv", "e.tsv", "e.vw", "e.arrow", "e.csv.gz"] {
        let p = dir.write(name, b"");
        let e = err(&[p], &opts("y"));
        assert_eq!(e.kind_name(), "empty", "{name}: {e}");
    }
    let p = dir.write("e.parquet", b"");
    let e = err(&[p], &opts("y"));
    assert_eq!(e.kind_name(), "parquet", "{e}");
    assert!(e.to_string().starts_with("`"), "{e}");
}

#[test]
fn header_only_reads_no_rows() {
    let dir = TempDir::new();
    let p = dir.write("h.csv", b"y,a\n");
    let (t, progress) = table(&[p], &opts("y")).unwrap();
    assert!(t["a"].is_empty());
    assert_eq!(progress.rows_read(), 0);
}

#[test]
fn ragged_rows_fail_or_are_skipped_and_counted() {
    let dir = TempDir::new();
    let p = dir.write("r.csv", b"y,a,b\n1,x,u\n0,y\n1,z,w,extra\n0,q,r\n");
    let e = err(std::slice::from_ref(&p), &opts("y"));
    assert_eq!(
        e.to_string(),
        format!("`{}` line 3 has 2 fields, the header has 3", p.display())
    );
    let mut o = opts("y");
    o.csv.skip_bad_rows = true;
    let (t, progress) = table(std::slice::from_ref(&p), &o).unwrap();
    assert_eq!(t["a"], vec![Some("x".into()), Some("q".into())]);
    let report = progress.report();
    assert_eq!((report.rows_read, report.rows_skipped), (2, 2));
    assert_eq!(
        report.first_skipped.as_deref(),
        Some(format!("`{}` line 3 has 2 fields, the header has 3", p.display()).as_str())
    );
}

#[test]
fn invalid_utf8_in_csv_and_vw() {
    let dir = TempDir::new();
    let p = dir.write("u.vw", b"1 |a ok\n0 |a b\xffd\n1 |a fine\n");
    let e = err(std::slice::from_ref(&p), &opts("y"));
    assert_eq!(e.kind_name(), "invalid_utf8");
    assert!(
        e.to_string().contains("line 2") && e.to_string().contains("b\\xFFd"),
        "{e}"
    );
    let mut o = opts("y");
    o.csv.skip_bad_rows = true;
    let (t, progress) = table(&[p], &o).unwrap();
    assert_eq!(t["a"].len(), 2);
    assert_eq!(progress.rows_skipped(), 1);
    // Bad bytes in a column that is not read do not matter.
    let p = dir.write("u.csv", b"y,a,b\n1,x,\xff\n");
    let mut o = opts("y");
    o.columns.exclude = vec!["b".into()];
    let (t, _) = table(std::slice::from_ref(&p), &o).unwrap();
    assert_eq!(t["a"], vec![Some("x".into())]);
    assert_eq!(err(&[p], &opts("y")).kind_name(), "invalid_utf8");
}

#[test]
fn truncated_compressed_and_binary_files() {
    let dir = TempDir::new();
    for name in [
        "t.csv.gz",
        "t.csv.zst",
        "t.parquet",
        "t.arrow",
        "t.arrows",
        "t.vw.gz",
    ] {
        let full = dir.path(&format!("full-{name}"));
        write_data(&small(20_000), &full).unwrap();
        let bytes = std::fs::read(&full).unwrap();
        let cut = dir.write(name, &bytes[..bytes.len() * 2 / 3]);
        let e = err(&[cut], &opts("click"));
        let kind = e.kind_name();
        assert!(
            ["decompress", "parquet", "ipc"].contains(&kind),
            "{name}: {kind}: {e}"
        );
        let msg = e.to_string();
        assert!(msg.contains(name) && !msg.contains('\n'), "{msg}");
    }
    // Garbage after a valid header of each binary format.
    for (name, bytes) in [
        ("g.parquet", b"PAR1garbagegarbagePAR1".to_vec()),
        (
            "g.arrow",
            b"ARROW1\0\0\xff\xff\xff\xff\x10\0\0\0garbage".to_vec(),
        ),
        (
            "g.arrows",
            vec![0xff, 0xff, 0xff, 0xff, 0xf0, 0xff, 0xff, 0x7f, 1, 2, 3],
        ),
    ] {
        let p = dir.write(name, &bytes);
        let e = err(&[p], &opts("click"));
        assert!(["parquet", "ipc"].contains(&e.kind_name()), "{name}: {e}");
    }
    // Parquet cannot come through a stream.
    let gz = dir.write(
        "p.parquet.gz",
        &gzip(&std::fs::read(dir.path("full-t.parquet")).unwrap()),
    );
    assert_eq!(err(&[gz], &opts("click")).kind_name(), "unsupported");
}

#[test]
fn vw_lines_without_label_or_bar() {
    let dir = TempDir::new();
    for (text, needle) in [
        (
            &b"1 |a x\n|a y\n"[..],
            "line 2: no label before the first `|`",
        ),
        (b"1 |a x\n 'tag|a y\n", "line 2: no label"),
        (b"1 |a x\n1 a y\n", "line 2: no `|` in \"1 a y\""),
    ] {
        let p = dir.write("l.vw", text);
        let e = err(&[p], &opts("y"));
        assert_eq!(e.kind_name(), "vw_syntax");
        assert!(e.to_string().contains(needle), "{e}");
    }
    let p = dir.write("skip.vw", b"1 |a x\n|a y\n0 |a z\n");
    let mut o = opts("y");
    o.csv.skip_bad_rows = true;
    let (t, progress) = table(&[p], &o).unwrap();
    assert_eq!(t["y"], vec![Some("1".into()), Some("0".into())]);
    assert_eq!(progress.rows_skipped(), 1);
}

#[test]
fn ten_megabyte_lines_are_read() {
    let dir = TempDir::new();
    let big = "v".repeat(10 << 20);
    let p = dir.write("big.csv", format!("y,a,b\n1,{big},x\n0,s,t\n").as_bytes());
    let (t, _) = table(&[p], &opts("y")).unwrap();
    assert_eq!(t["a"][0].as_ref().map(String::len), Some(10 << 20));
    // A VW line of 10 MB: a million features in one namespace.
    let mut line = String::from("1 |f");
    for i in 0..1_000_000 {
        line.push_str(&format!(" f{i}"));
    }
    assert!(line.len() > 7_000_000);
    let p = dir.write("big.vw", format!("{line}\n0 |f a\n").as_bytes());
    let src = cardrank_io::open(&[p], &opts("y")).unwrap();
    let batches: Vec<_> = src.collect::<Result<_, _>>().unwrap();
    let list = arrow_array::cast::AsArray::as_list::<i32>(batches[0].column(1));
    assert_eq!(list.value(0).len(), 1_000_000);
}

#[test]
fn nan_and_infinity_in_numeric_columns() {
    let dir = TempDir::new();
    let p = dir.write(
        "n.csv",
        b"y,price\n1,3\n0,NaN\n1,inf\n0,-inf\n1,12.5\n0,\n1,abc\n",
    );
    // The first batch decides: `abc` (not a number) is only in a later batch.
    let mut read = opts("y");
    read.csv.batch_size = 5;
    let t = Transforms {
        target: Some("y".into()),
        numeric: NumericMode::Log(2.0),
        ..Transforms::default()
    };
    let src = open_with(std::slice::from_ref(&p), &read, &t).unwrap();
    let progress = src.progress();
    let mut values = Vec::new();
    for b in src {
        values.extend(crate::formats::column_text(b.unwrap().column(1).as_ref()));
    }
    let v: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
    assert_eq!(
        v,
        [
            Some("[2^1,2^2)"),
            Some("NaN"),
            Some("inf"),
            Some("-inf"),
            Some("[2^3,2^4)"),
            None,
            Some("abc")
        ]
    );
    assert_eq!(progress.report().numeric.columns[0].column, "price");
    // Quantile edges ignore NaN and infinities.
    let t = Transforms {
        numeric: NumericMode::Quantile(2),
        ..t
    };
    let src = open_with(&[p], &read, &t).unwrap();
    let progress = src.progress();
    for b in src {
        b.unwrap();
    }
    let r = progress.report();
    assert_eq!(r.passes, 2);
    assert_eq!(r.numeric.columns[0].edges.len(), 1);
    assert!(r.numeric.columns[0].edges[0].is_finite());
}

#[test]
fn column_names_with_line_breaks_stay_on_one_line() {
    // Found by the fuzz run: a quoted header field may hold a line break.
    let dir = TempDir::new();
    let p = dir.write("nl.csv", b"y,\"a\nb\"\n1,\xff\n1,x\n1,x\n");
    let e = err(std::slice::from_ref(&p), &opts("y"));
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "{msg}");
    assert!(msg.contains("column `a\\nb`"), "{msg}");
    let p = dir.write("dup.csv", b"\"a\nb\",\"a\nb\"\n1,2\n");
    let msg = err(&[p], &opts("y")).to_string();
    assert!(!msg.contains('\n'), "{msg}");
}
