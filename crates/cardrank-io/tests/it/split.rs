//! Parallel reading of one CSV/TSV file in byte ranges (`cardrank_io::split`):
//! the ranges' rows, in file order, are the sequential reader's rows; cuts
//! inside quoted fields fall back; errors name the sequential reader's line.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use cardrank_io::split::{CsvSplit, Sequential, SplitError, SplitRun, SplitSize};
use cardrank_io::{open, write_csv, GenParams, Projection, ReadOptions, Transforms};

use crate::common::{rows_of, TempDir};

/// Every row read sequentially (through `open`, like the CLI).
fn sequential(path: &Path, opts: &ReadOptions) -> Result<Vec<Vec<String>>, String> {
    let source = open(&[path.to_path_buf()], opts).map_err(|e| e.to_string())?;
    let batches = source
        .collect::<Result<Vec<RecordBatch>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(rows_of(&batches))
}

fn plan(path: &Path, opts: &ReadOptions, size: SplitSize) -> Result<CsvSplit, Sequential> {
    CsvSplit::plan(&[path.to_path_buf()], opts, &Transforms::default(), size)
}

/// What a parallel read gave: the rows of every range in file order, a
/// fallback, or an error message.
#[derive(Debug, PartialEq)]
enum Parallel {
    Rows(Vec<Vec<String>>),
    Fallback(Sequential),
    Error(String),
}

fn parallel(split: &CsvSplit) -> Parallel {
    let run = split.run(
        Vec::new,
        |batches: &mut Vec<RecordBatch>, b| {
            batches.push(b.clone());
            Ok::<(), String>(())
        },
        |mut left, right| {
            left.extend(right);
            Ok(left)
        },
    );
    match run {
        Ok(SplitRun::Done(batches)) => Parallel::Rows(rows_of(&batches)),
        Ok(SplitRun::Fallback(why)) => Parallel::Fallback(why),
        Err(SplitError::Read(e)) => Parallel::Error(e.to_string()),
        Err(SplitError::Sink(e)) => panic!("sink failed: {e}"),
    }
}

/// Reads `path` cut every `size` bytes, asserts that it gives the
/// sequential rows (or falls back) and returns what it gave.
fn check_rows(path: &Path, opts: &ReadOptions, size: u64) -> Parallel {
    let split = plan(path, opts, SplitSize::Bytes(size))
        .unwrap_or_else(|why| panic!("{}: not split ({why})", path.display()));
    let got = parallel(&split);
    if let Parallel::Rows(rows) = &got {
        assert_eq!(
            rows,
            &sequential(path, opts).unwrap(),
            "{} cut every {size} bytes",
            path.display()
        );
        let report = split.progress().report();
        let len = std::fs::metadata(path).unwrap().len();
        assert_eq!(report.bytes_read, len, "bytes of {}", path.display());
        assert_eq!(report.rows_read, rows.len() as u64);
    }
    got
}

fn generated(dir: &TempDir, name: &str) -> PathBuf {
    let path = dir.path(name);
    let params = GenParams {
        rows: 3_000,
        columns: 20,
        seed: 5,
        ..GenParams::default()
    };
    write_csv(&params, &path).expect("write");
    path
}

#[test]
fn ranges_give_the_sequential_rows_in_order() {
    let dir = TempDir::new();
    for name in ["g.csv", "g.tsv"] {
        let path = generated(&dir, name);
        let len = std::fs::metadata(&path).unwrap().len();
        for size in [97, 1_000, 4_096, len / 3] {
            let split = plan(&path, &ReadOptions::default(), SplitSize::Bytes(size)).unwrap();
            assert!(split.ranges() >= 3, "{name}: {} ranges", split.ranges());
            assert!(
                matches!(
                    check_rows(&path, &ReadOptions::default(), size),
                    Parallel::Rows(_)
                ),
                "{name} cut every {size} bytes fell back"
            );
        }
    }
}

#[test]
fn projection_keeps_the_same_columns() {
    let dir = TempDir::new();
    let path = generated(&dir, "p.csv");
    let opts = ReadOptions {
        columns: Projection {
            target: Some("click".into()),
            features: None,
            exclude: vec!["row_id_like".into(), "inf_c2".into()],
        },
        ..ReadOptions::default()
    };
    let split = plan(&path, &opts, SplitSize::Bytes(2_000)).unwrap();
    let names: Vec<String> = split
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert!(!names.iter().any(|n| n == "row_id_like" || n == "inf_c2"));
    assert_eq!(names.len(), 18);
    assert!(matches!(check_rows(&path, &opts, 2_000), Parallel::Rows(_)));
}

/// `rows` lines of `y,a,b` data, each ended by `end`; `row(i)` gives the
/// fields of line i.
fn text(end: &str, rows: usize, row: impl Fn(usize) -> String) -> String {
    let mut s = format!("y,a,b{end}");
    for i in 0..rows {
        s.push_str(&row(i));
        s.push_str(end);
    }
    s
}

#[test]
fn crlf_no_final_line_end_blank_lines_and_quotes_without_line_feeds() {
    let dir = TempDir::new();
    let plain = |i: usize| format!("{},v{},\"q,{}\"", i % 2, i % 7, i % 3);
    let mut no_end = text("\r\n", 400, plain);
    no_end.truncate(no_end.len() - 2);
    let blanks = text("\n", 400, |i| {
        if i % 13 == 0 {
            format!("\n{}", plain(i))
        } else {
            plain(i)
        }
    });
    let files = [
        ("crlf.csv", text("\r\n", 400, plain)),
        ("no_end.csv", no_end),
        ("blank.csv", blanks),
        ("bom.csv", format!("\u{feff}{}", text("\n", 400, plain))),
    ];
    for (name, body) in files {
        let path = dir.write(name, body.as_bytes());
        for size in [1, 7, 50, 333] {
            let got = check_rows(&path, &ReadOptions::default(), size);
            assert!(matches!(got, Parallel::Rows(_)), "{name} / {size}: {got:?}");
        }
    }
}

#[test]
fn a_quoted_line_feed_across_a_cut_falls_back() {
    let dir = TempDir::new();
    // In the last column, a record cut after the quoted line feed has all
    // its fields: only the open quote gives it away.
    let last = text("\n", 300, |i| {
        format!("{},v{},\"x{}\ny\"", i % 2, i % 5, i % 3)
    });
    // In the first column, the cut record is short of fields.
    let first = text("\n", 300, |i| {
        format!("\"x{}\ny\",{},v{}", i % 3, i % 2, i % 5)
    });
    let crlf = text("\r\n", 300, |i| {
        format!("{},v{},\"x{}\r\ny\"", i % 2, i % 5, i % 3)
    });
    for (name, body) in [
        ("last.csv", last),
        ("first.csv", first),
        ("crlf_q.csv", crlf),
    ] {
        let path = dir.write(name, body.as_bytes());
        let mut fell_back = 0;
        for size in [3, 10, 17, 40, 101, 997] {
            match check_rows(&path, &ReadOptions::default(), size) {
                Parallel::Rows(_) => {}
                Parallel::Fallback(
                    Sequential::QuoteAcrossCut | Sequential::ErrorAtCut | Sequential::Abandoned,
                ) => fell_back += 1,
                other => panic!("{name} / {size}: {other:?}"),
            }
        }
        assert!(fell_back >= 4, "{name}: only {fell_back} fallbacks");
    }
    // The open quote is what is checked, not only the number of fields.
    let path = dir.path("last.csv");
    let split = plan(&path, &ReadOptions::default(), SplitSize::Bytes(3)).unwrap();
    assert_eq!(
        parallel(&split),
        Parallel::Fallback(Sequential::QuoteAcrossCut)
    );
}

#[test]
fn errors_name_the_line_of_the_whole_file() {
    let dir = TempDir::new();
    let ragged = |i: usize| {
        if i == 250 {
            "1,2".to_string()
        } else {
            format!("{},{},{}", i % 2, i % 5, i % 3)
        }
    };
    let bad_utf8 = |end: &str| {
        let mut bytes = text(end, 400, |i| format!("{},{},{}", i % 2, i % 5, i % 3)).into_bytes();
        let at = bytes.len() * 2 / 3;
        let at = at + bytes[at..].iter().position(|&b| b == b',').unwrap();
        bytes.insert(at + 1, 0xFF);
        bytes
    };
    let blank = text("\n", 400, |i| {
        if i % 10 == 0 {
            format!("\n\n{}", ragged(i))
        } else {
            ragged(i)
        }
    });
    let files: [(&str, Vec<u8>); 5] = [
        ("ragged_lf.csv", text("\n", 400, ragged).into_bytes()),
        ("ragged_crlf.csv", text("\r\n", 400, ragged).into_bytes()),
        ("ragged_blank.csv", blank.into_bytes()),
        ("utf8_lf.csv", bad_utf8("\n")),
        ("utf8_crlf.csv", bad_utf8("\r\n")),
    ];
    for (name, body) in files {
        let path = dir.write(name, &body);
        let expected = sequential(&path, &ReadOptions::default()).unwrap_err();
        // The physical line of the bad record: 1 + the line feeds before
        // its first byte (blank lines and CRLF ends counted right).
        let bad = if name.starts_with("ragged") {
            let at = body
                .windows(5)
                .position(|w| w == b"\n1,2\r" || w == b"\n1,2\n")
                .unwrap();
            at + 1
        } else {
            let at = body.iter().position(|&b| b == 0xFF).unwrap();
            body[..at].iter().rposition(|&b| b == b'\n').unwrap() + 1
        };
        let line = 1 + body[..bad].iter().filter(|&&b| b == b'\n').count();
        assert!(
            expected.contains(&format!(" line {line} ")),
            "{name}: {expected} (want line {line})"
        );
        let mut direct = 0;
        for size in 1..60 {
            let split = plan(&path, &ReadOptions::default(), SplitSize::Bytes(size)).unwrap();
            match parallel(&split) {
                Parallel::Error(e) => {
                    assert_eq!(e, expected, "{name} cut every {size} bytes");
                    direct += 1;
                }
                Parallel::Fallback(Sequential::ErrorAtCut) => {}
                other => panic!("{name} / {size}: {other:?}"),
            }
        }
        assert!(
            direct >= 30,
            "{name}: only {direct} errors reported in place"
        );
    }
}

#[test]
fn what_is_read_sequentially() {
    let dir = TempDir::new();
    let path = generated(&dir, "s.csv");
    let gz = generated(&dir, "s.csv.gz");
    let opts = ReadOptions::default();
    let t = Transforms::default();
    let split = |inputs: &[PathBuf], opts: &ReadOptions, t: &Transforms, size| {
        CsvSplit::plan(inputs, opts, t, size).err()
    };
    let p = std::slice::from_ref(&path);
    let b = SplitSize::Bytes(1_000);
    assert_eq!(split(p, &opts, &t, SplitSize::Off), Some(Sequential::Off));
    // A file smaller than one range.
    assert_eq!(
        split(p, &opts, &t, SplitSize::Bytes(1 << 30)),
        Some(Sequential::Small)
    );
    let tiny = dir.write("tiny.csv", b"y,a\n1,2\n0,3\n");
    assert!(matches!(
        split(&[tiny], &opts, &t, SplitSize::Auto),
        Some(Sequential::Small | Sequential::OneThread)
    ));
    assert_eq!(split(&[gz], &opts, &t, b), Some(Sequential::Compressed));
    assert_eq!(
        split(&[path.clone(), path.clone()], &opts, &t, b),
        Some(Sequential::SeveralInputs)
    );
    assert_eq!(
        split(&["-".into()], &opts, &t, b),
        Some(Sequential::NotAFile)
    );
    let sampled = Transforms {
        sample_rate: Some(0.5),
        ..Transforms::default()
    };
    assert_eq!(split(p, &opts, &sampled, b), Some(Sequential::Transforms));
    let skip = ReadOptions {
        csv: cardrank_io::CsvOptions {
            skip_bad_rows: true,
            ..Default::default()
        },
        ..ReadOptions::default()
    };
    assert_eq!(split(p, &skip, &t, b), Some(Sequential::SkipBadRows));
    let unknown = ReadOptions {
        columns: Projection {
            target: Some("nope".into()),
            ..Projection::all()
        },
        ..ReadOptions::default()
    };
    assert_eq!(split(p, &unknown, &t, b), Some(Sequential::Unreadable));
    assert!(split(p, &opts, &t, b).is_none());
}
