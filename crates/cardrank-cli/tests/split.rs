//! `cardrank rank` on one plain CSV/TSV file read in parallel byte ranges:
//! the same JSON as one reader (the timing aside), the same errors, and a
//! fallback when a quoted line feed spans a cut. `CARDRANK_CSV_SPLIT_BYTES`
//! forces small ranges (and makes the CLI say how it read the file).

mod common;

use common::{scratch, write};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

fn generate(tmp: &TempDir, name: &str, rows: usize) -> PathBuf {
    let out = tmp.path().join(name);
    let st = Command::new(env!("CARGO_BIN_EXE_cardrank"))
        .args(["generate", "--rows", &rows.to_string(), "--columns", "24"])
        .args(["--seed", "9", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    out
}

/// `rank --json` with ranges of `split` bytes (`"0"`: one reader).
fn rank(path: &Path, target: &str, split: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cardrank"))
        .env("CARDRANK_CSV_SPLIT_BYTES", split)
        .arg("rank")
        .arg(path)
        .args(["--target", target, "--quiet", "--json"])
        .args(extra)
        .output()
        .unwrap()
}

/// The JSON output without its timing, and the note on how the file was
/// read.
fn result(out: &Output) -> (Value, String) {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_object_mut().unwrap().remove("seconds");
    (v, err)
}

/// The error line (without the note), for a run that must fail.
fn error(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("note: ")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    lines[0].to_string()
}

/// Ranks `path` with one reader, then cut every `size` bytes; asserts equal
/// JSON and returns the parallel run's note.
fn same_ranking(path: &Path, target: &str, size: &str, extra: &[&str]) -> String {
    let (one, note) = result(&rank(path, target, "0", extra));
    assert!(note.contains("one reader"), "{note}");
    let (split, note) = result(&rank(path, target, size, extra));
    assert_eq!(split, one, "{} cut every {size} bytes", path.display());
    note
}

fn ranges(note: &str) -> usize {
    note.split_whitespace()
        .skip_while(|w| *w != "in")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn parallel_ranking_equals_sequential() {
    let tmp = scratch("cli-split");
    let csv = generate(&tmp, "g.csv", 20_000);
    for size in ["50000", "7777", "300"] {
        let note = same_ranking(&csv, "click", size, &[]);
        assert!(ranges(&note) > 10, "{note}");
    }
    let tsv = generate(&tmp, "g.tsv", 5_000);
    let note = same_ranking(&tsv, "click", "3000", &["--score", "ami"]);
    assert!(ranges(&note) > 10, "{note}");
    // Projection and missing tokens go through the same reader.
    let note = same_ranking(
        &csv,
        "click",
        "5000",
        &[
            "--exclude",
            "row_id_like,inf_c2",
            "--missing",
            "",
            "--missing",
            "3",
        ],
    );
    assert!(ranges(&note) > 10, "{note}");
    let note = same_ranking(&csv, "click", "5000", &["--features", "inf_c10,noise_c2"]);
    assert!(ranges(&note) > 10, "{note}");
}

/// `y,a,b` rows ended by `end`.
fn text(end: &str, rows: usize, row: impl Fn(usize) -> String) -> Vec<u8> {
    let mut s = format!("y,a,b{end}");
    for i in 0..rows {
        s.push_str(&row(i));
        s.push_str(end);
    }
    s.into_bytes()
}

#[test]
fn crlf_no_final_line_end_and_a_file_smaller_than_a_range() {
    let tmp = scratch("cli-split");
    let row = |i: usize| format!("{},v{},\"w,{}\"", (i % 3 == 0) as u8, i % 11, i % 7);
    let crlf = write(&tmp, "crlf.csv", &text("\r\n", 2_000, row));
    let note = same_ranking(&crlf, "y", "500", &[]);
    assert!(ranges(&note) > 10, "{note}");
    let mut bytes = text("\n", 2_000, row);
    bytes.pop();
    let no_end = write(&tmp, "no_end.csv", &bytes);
    let note = same_ranking(&no_end, "y", "500", &[]);
    assert!(ranges(&note) > 10, "{note}");
    let small = write(&tmp, "small.csv", &text("\n", 20, row));
    let note = same_ranking(&small, "y", "1000000", &[]);
    assert!(note.contains("one range"), "{note}");
}

#[test]
fn quoted_line_feeds_across_cuts_fall_back_to_one_reader() {
    let tmp = scratch("cli-split");
    let row = |i: usize| format!("{},v{},\"x{}\ny\"", (i % 3 == 0) as u8, i % 11, i % 7);
    let path = write(&tmp, "quoted.csv", &text("\n", 2_000, row));
    let note = same_ranking(&path, "y", "301", &[]);
    assert!(note.contains("after all"), "{note}");
    // The same file cut where no quoted field spans a cut (one range).
    let note = same_ranking(&path, "y", "100000000", &[]);
    assert!(note.contains("one reader"), "{note}");
}

#[test]
fn errors_in_a_later_range_name_the_line_in_the_file() {
    let tmp = scratch("cli-split");
    for (name, end) in [("bad_lf.csv", "\n"), ("bad_crlf.csv", "\r\n")] {
        let path = write(
            &tmp,
            name,
            &text(end, 3_000, |i| match i {
                2_100 => "1,2".to_string(),
                _ => format!("{},{},{}", i % 2, i % 5, i % 3),
            }),
        );
        let expected = error(&rank(&path, "y", "0", &[]));
        assert!(
            expected.contains(name) && expected.contains("line "),
            "{expected}"
        );
        if end == "\n" {
            // The header is line 1, row 0 line 2.
            assert!(expected.contains("line 2102 "), "{expected}");
        }
        for size in ["1000", "777", "64"] {
            let out = rank(&path, "y", size, &[]);
            assert_eq!(error(&out), expected, "{name} cut every {size} bytes");
        }
    }
    let mut bytes = text("\n", 3_000, |i| format!("{},{},v{}", i % 2, i % 5, i % 3));
    let at = bytes.len() - 1_000;
    let at = at + bytes[at..].iter().position(|&b| b == b'v').unwrap();
    bytes[at] = 0xE9;
    let path = write(&tmp, "latin1.csv", &bytes);
    let expected = error(&rank(&path, "y", "0", &[]));
    assert!(
        expected.contains("\\xE9") && expected.contains("column `b`"),
        "{expected}"
    );
    assert_eq!(error(&rank(&path, "y", "500", &[])), expected);
}

#[test]
fn options_that_need_file_order_read_sequentially() {
    let tmp = scratch("cli-split");
    let csv = generate(&tmp, "order.csv", 3_000);
    for extra in [
        &["--max-distinct", "50"][..],
        &["--sample-rate", "0.5"],
        &["--numeric", "log"],
        &["--skip-bad-rows"],
    ] {
        let (one, _) = result(&rank(&csv, "click", "0", extra));
        let (split, note) = result(&rank(&csv, "click", "1000", extra));
        assert_eq!(split, one, "{extra:?}");
        assert!(note.contains("one reader"), "{extra:?}: {note}");
    }
}
