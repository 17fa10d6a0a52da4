//! Every format, multi-file inputs, globs, projection and format detection.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use cardrank_io::{
    open, open_reader, write_data, Error, Format, GenParams, Progress, Projection, ReadOptions,
};

use crate::common::TempDir;

/// A column's values as text: `None` for missing (null, empty field, empty
/// list); a list's elements joined by a space.
pub fn column_text(array: &dyn Array) -> Vec<Option<String>> {
    (0..array.len())
        .map(|r| {
            if array.is_null(r) {
                return None;
            }
            let v = match array.data_type() {
                DataType::Utf8 => array.as_string::<i32>().value(r).to_string(),
                DataType::List(_) => {
                    let item = array.as_list::<i32>().value(r);
                    let s: Vec<&str> = item.as_string::<i32>().iter().flatten().collect();
                    s.join(" ")
                }
                other => panic!("unexpected type {other}"),
            };
            (!v.is_empty()).then_some(v)
        })
        .collect()
}

/// Columns by name, each as text values.
pub type Table = BTreeMap<String, Vec<Option<String>>>;

/// A whole input as `column -> values`, plus its progress handle.
pub fn table(paths: &[PathBuf], opts: &ReadOptions) -> Result<(Table, Progress), Error> {
    let source = open(paths, opts)?;
    let progress = source.progress();
    let names: Vec<String> = source
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches: Vec<RecordBatch> = source.collect::<Result<_, _>>()?;
    let mut out: BTreeMap<String, Vec<Option<String>>> =
        names.iter().map(|n| (n.clone(), Vec::new())).collect();
    for b in &batches {
        for (i, n) in names.iter().enumerate() {
            out.get_mut(n)
                .unwrap()
                .extend(column_text(b.column(i).as_ref()));
        }
    }
    Ok((out, progress))
}

fn params(rows: usize) -> GenParams {
    GenParams {
        rows,
        columns: 18,
        seed: 11,
        batch_size: 1000,
        ..GenParams::default()
    }
}

fn with_target(target: &str) -> ReadOptions {
    ReadOptions {
        columns: Projection {
            target: Some(target.into()),
            ..Projection::all()
        },
        ..ReadOptions::default()
    }
}

#[test]
fn every_format_reads_the_same_table() {
    let dir = TempDir::new();
    let p = params(3_000);
    let names = [
        "d.csv",
        "d.csv.gz",
        "d.csv.zst",
        "d.tsv",
        "d.parquet",
        "d.arrow",
        "d.arrows",
        "d.vw",
        "d.vw.zst",
    ];
    let mut tables = Vec::new();
    for n in names {
        let path = dir.path(n);
        write_data(&p, &path).unwrap_or_else(|e| panic!("{n}: {e}"));
        let (t, progress) =
            table(&[path], &with_target("click")).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(progress.rows_read(), 3_000, "{n}");
        let report = progress.report();
        assert_eq!(report.files.len(), 1);
        let expected = Format::from_name(Path::new(n)).unwrap();
        assert_eq!(report.files[0].format, expected, "{n}");
        tables.push((n, t));
    }
    let (_, csv) = &tables[0];
    assert_eq!(csv.len(), 18);
    for (n, t) in &tables[1..] {
        assert_eq!(t, csv, "{n} differs from the CSV");
    }
}

#[test]
fn parquet_projection_reads_only_the_asked_columns() {
    let dir = TempDir::new();
    let path = dir.path("wide.parquet");
    write_data(
        &GenParams {
            rows: 20_000,
            columns: 60,
            ..params(0)
        },
        &path,
    )
    .unwrap();
    let total = std::fs::metadata(&path).unwrap().len();
    let mut opts = with_target("click");
    opts.columns.features = Some(vec!["inf_c10".into()]);
    let (t, progress) = table(std::slice::from_ref(&path), &opts).unwrap();
    assert_eq!(t.keys().collect::<Vec<_>>(), ["click", "inf_c10"]);
    let (_, all) = table(&[path], &with_target("click")).unwrap();
    let (narrow, wide) = (progress.bytes_read(), all.bytes_read());
    assert!(
        wide >= total / 2,
        "reading all columns read {wide} of {total} bytes"
    );
    assert!(
        narrow * 10 < wide,
        "projection read {narrow} bytes, all columns {wide}"
    );
}

#[test]
fn exclude_drops_columns_and_unknown_names_fail() {
    let dir = TempDir::new();
    let path = dir.write("x.csv", b"y,a,b,c\n1,p,q,r\n");
    let mut opts = with_target("y");
    opts.columns.exclude = vec!["b".into()];
    let (t, _) = table(std::slice::from_ref(&path), &opts).unwrap();
    assert_eq!(t.keys().collect::<Vec<_>>(), ["a", "c", "y"]);
    opts.columns.exclude = vec!["zz".into()];
    let err = table(std::slice::from_ref(&path), &opts).unwrap_err();
    assert_eq!(err.kind_name(), "unknown_column");
    assert!(
        err.to_string().contains("excluded column `zz` not found"),
        "{err}"
    );
    let err = table(&[path], &with_target("nope")).unwrap_err();
    assert!(
        err.to_string()
            .contains(": target column `nope` not found (it has `y`, `a`, `b`, `c`)"),
        "{err}"
    );
}

#[test]
fn magic_bytes_beat_the_name_and_format_overrides() {
    let dir = TempDir::new();
    let pq = dir.path("d.parquet");
    write_data(&params(500), &pq).unwrap();
    let disguised = dir.path("really-parquet.csv");
    std::fs::copy(&pq, &disguised).unwrap();
    let (t, p) = table(&[disguised], &with_target("click")).unwrap();
    assert_eq!(t["click"].len(), 500);
    assert_eq!(p.report().files[0].format, Format::Parquet);
    // A CSV named .vw, read as CSV on request.
    let csv = dir.write("named.vw", b"click,a\n1,x\n0,y\n");
    let mut opts = with_target("click");
    opts.format = Some(Format::Csv);
    let (t, _) = table(std::slice::from_ref(&csv), &opts).unwrap();
    assert_eq!(t["a"], vec![Some("x".into()), Some("y".into())]);
    // Without the override it is VW, and CSV lines have no `|`.
    let err = table(&[csv], &with_target("click")).unwrap_err();
    assert_eq!(err.kind_name(), "vw_syntax");
}

#[test]
fn several_files_and_globs_are_one_data_set() {
    let dir = TempDir::new();
    dir.write("part-1.csv", b"y,a,b\n1,x,u\n0,y,v\n");
    dir.write("part-2.csv", b"b,y,a\nw,1,z\n");
    dir.write("part-3.csv.gz", &gzip(b"y,a,b\n0,q,r\n"));
    let pattern = dir.path("part-*");
    let (t, p) = table(&[pattern], &with_target("y")).unwrap();
    assert_eq!(
        t["a"],
        vec![
            Some("x".into()),
            Some("y".into()),
            Some("z".into()),
            Some("q".into())
        ]
    );
    assert_eq!(t["b"][2], Some("w".into()));
    let report = p.report();
    assert_eq!(report.files.len(), 3);
    assert_eq!(report.rows_read, 4);
    let odd = dir.write("odd.csv", b"y,a,c\n1,x,u\n");
    let err = table(&[dir.path("part-1.csv"), odd], &with_target("y")).unwrap_err();
    assert_eq!(err.kind_name(), "schema_mismatch");
    let msg = err.to_string();
    assert!(
        msg.contains("odd.csv") && msg.contains("part-1.csv"),
        "{msg}"
    );
    assert!(
        msg.contains("lacks `b`") && msg.contains("`c` in addition"),
        "{msg}"
    );
    let err = table(&[dir.path("none-*.csv")], &with_target("y")).unwrap_err();
    assert_eq!(err.kind_name(), "no_match");
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn ipc_stream_and_file_read_without_random_access() {
    let dir = TempDir::new();
    let stream = dir.path("d.arrows");
    write_data(&params(700), &stream).unwrap();
    let gz = dir.write("d.arrows.gz", &gzip(&std::fs::read(&stream).unwrap()));
    let (t, p) = table(&[gz], &with_target("click")).unwrap();
    assert_eq!(t["click"].len(), 700);
    assert_eq!(p.report().files[0].compression, "gzip");
    // An IPC *file* through a pipe is read as the stream it contains.
    let file = dir.path("d.arrow");
    write_data(&params(700), &file).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let src = open_reader(
        "piped",
        Box::new(std::io::Cursor::new(bytes)),
        None,
        &with_target("click"),
    )
    .unwrap();
    let rows: usize = src.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 700);
}

#[test]
fn vw_lines_become_columns() {
    let dir = TempDir::new();
    let text = b"1 |user u1 |site s1 s2 s1\n\
                 -1 2.0 'ad7|user u2 |geo:0.5 fr\n\
                 \n\
                 1 'x|site s3 n:3.5 | d1\n";
    let path = dir.write("t.vw", text);
    let (t, p) = table(std::slice::from_ref(&path), &with_target("click")).unwrap();
    assert_eq!(
        t.keys().collect::<Vec<_>>(),
        ["click", "default", "geo", "site", "user"]
    );
    assert_eq!(
        t["click"],
        vec![Some("1".into()), Some("-1".into()), Some("1".into())]
    );
    assert_eq!(t["user"], vec![Some("u1".into()), Some("u2".into()), None]);
    // Sorted, each feature once per line; `name:value` kept as text.
    assert_eq!(
        t["site"],
        vec![Some("s1 s2".into()), None, Some("n:3.5 s3".into())]
    );
    assert_eq!(t["geo"], vec![None, Some("fr".into()), None]);
    assert_eq!(t["default"], vec![None, None, Some("d1".into())]);
    assert_eq!(p.rows_read(), 3);
    // The map renames namespaces; listing features skips the scan.
    let mut opts = with_target("y");
    opts.vw = cardrank_io::VwOptions::parse_map("user=user_id,default=misc").unwrap();
    opts.columns.features = Some(vec!["user_id".into(), "misc".into()]);
    let (t, _) = table(std::slice::from_ref(&path), &opts).unwrap();
    assert_eq!(t.keys().collect::<Vec<_>>(), ["misc", "user_id", "y"]);
    assert_eq!(t["misc"], vec![None, None, Some("d1".into())]);
    assert_eq!(t["user_id"][1], Some("u2".into()));
    // A listed namespace that no line has is an error once all is read.
    opts.columns.features = Some(vec!["user_id".into(), "never".into()]);
    let err = table(&[path], &opts).unwrap_err();
    assert_eq!(err.kind_name(), "unknown_column");
    assert!(err.to_string().contains("`never` not found"), "{err}");
}

#[test]
fn a_vw_line_of_many_namespaces_reserves_little() {
    // One line of 20,000 namespaces: each column's builders used to reserve
    // 1,024 values (about 10 KB each, 200 MB), and fixing the columns
    // compared every namespace with every other (quadratic).
    let dir = TempDir::new();
    let mut line = String::from("1");
    for i in 0..20_000 {
        line.push_str(&format!(" |n{i} f{}", i % 3));
    }
    line.push('\n');
    let path = dir.write("wide.vw", line.as_bytes());
    let src = open(&[path], &with_target("y")).unwrap();
    assert_eq!(src.schema().fields().len(), 20_001);
    let batches: Vec<RecordBatch> = src.collect::<Result<_, _>>().unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    let bytes = batches[0].get_array_memory_size();
    assert!(bytes < 64 << 20, "{bytes} bytes for one line");
}

#[test]
fn vw_from_a_stream_fixes_columns_from_the_first_batch() {
    let mut text = String::new();
    for i in 0..10 {
        text.push_str(&format!("1 |a x{i}\n"));
    }
    text.push_str("0 |a y |late z\n");
    let mut opts = with_target("y");
    opts.csv.batch_size = 4;
    let src = open_reader(
        "<stdin>",
        Box::new(std::io::Cursor::new(text.clone())),
        Some(Format::Vw),
        &opts,
    )
    .unwrap();
    let err = src.collect::<Result<Vec<_>, _>>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "`<stdin>` line 11: namespace `late` first appears here, after the columns were fixed \
         from the first 4 lines; list the features to read (--features) or read from a file"
    );
    opts.columns.features = Some(vec!["a".into(), "late".into()]);
    let src = open_reader(
        "<stdin>",
        Box::new(std::io::Cursor::new(text)),
        Some(Format::Vw),
        &opts,
    )
    .unwrap();
    let rows: usize = src.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 11);
}
