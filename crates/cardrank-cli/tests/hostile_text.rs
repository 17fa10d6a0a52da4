//! Hostile and wide text input end to end (issue 17): thread counts past
//! the cap, unterminated quotes, VW features that never appear, and the
//! report on list columns (VW namespaces, `--multivalue`).

mod common;

use common::{scratch, write};

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cardrank"))
}

fn rank(path: &Path, target: &str, extra: &[&str]) -> Output {
    bin()
        .arg("rank")
        .arg(path)
        .args(["--target", target, "--quiet"])
        .args(extra)
        .output()
        .unwrap()
}

/// Exit code 2 and exactly one `error:` line containing every needle.
fn assert_bad_input(out: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
    assert!(out.stdout.is_empty());
}

fn ok(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn thread_counts_past_the_cap_are_refused() {
    let tmp = scratch("hostile");
    let p = write(&tmp, "threads.csv", b"a,y\n1,1\n2,0\n");
    // 100,000 used to start 100,000 threads (minutes, a gigabyte).
    let out = rank(&p, "y", &["--threads", "100000"]);
    assert_bad_input(&out, &["`threads` = 100000", "1 to 1024"]);
    assert_bad_input(&rank(&p, "y", &["--threads", "1025"]), &["1025", "1024"]);
    let out = bin()
        .arg("rank")
        .arg(&p)
        .args(["--target", "y", "--quiet"])
        .env("CARDRANK_THREADS", "5000")
        .output()
        .unwrap();
    assert_bad_input(&out, &["CARDRANK_THREADS", "5000", "1024"]);
    ok(&rank(&p, "y", &["--threads", "3"]));
}

#[test]
fn an_unterminated_quote_names_its_line() {
    let tmp = scratch("hostile");
    // At the end of the file: the last field swallowed the last lines and
    // was accepted.
    let p = write(&tmp, "open_end.csv", b"a,y\n1,1\n2,\"0\n3,1\n4,0\n");
    let out = rank(&p, "y", &[]);
    assert_bad_input(
        &out,
        &[
            "open_end.csv",
            "unterminated quote starting at line 3",
            "`y`",
        ],
    );
    // Mid-file, leaving a record too short: was "line 3 has 1 fields".
    let p = write(&tmp, "open_mid.csv", b"a,y\n1,1\n\"2,0\n3,1\n");
    let out = rank(&p, "y", &[]);
    assert_bad_input(&out, &["unterminated quote starting at line 3", "`a`"]);
    // In a CRLF file after blank lines, the quote's own line is named.
    let p = write(
        &tmp,
        "open_crlf.csv",
        b"a,y\r\n1,1\r\n\r\n\r\n2,0\r\n3,\"1\r\n",
    );
    let out = rank(&p, "y", &[]);
    assert_bad_input(&out, &["unterminated quote starting at line 6"]);
    // Skipping bad rows does not hide it: the rest of the file is lost.
    let out = rank(&p, "y", &["--skip-bad-rows"]);
    assert_bad_input(&out, &["unterminated quote starting at line 6"]);
}

#[test]
fn closed_quotes_are_not_taken_for_open_ones() {
    let tmp = scratch("hostile");
    // Quoted line feeds, doubled quotes, a quoted last field ending the file
    // with or without a line end, and a quote inside an unquoted field.
    for (name, text) in [
        ("q1.csv", &b"a,y\n\"x\ny\",1\n\"p\"\"q\",0\n"[..]),
        ("q2.csv", b"a,y\n1,\"1\"\n2,\"0\""),
        ("q3.csv", b"a,y\n1,\"1\n\"\n2,0\n"),
        ("q4.csv", b"a,y\nx\"y,1\n2,0\n"),
    ] {
        let p = write(&tmp, name, text);
        ok(&rank(&p, "y", &[]));
    }
    // A record too short for a reason other than a quote is still ragged.
    let p = write(&tmp, "short.csv", b"a,b,y\n1,\"2\",0\n3,1\n");
    assert_bad_input(
        &rank(&p, "y", &[]),
        &["line 3 has 2 fields, the header has 3"],
    );
}

fn vw_lines() -> String {
    let mut s = String::new();
    for i in 0..200 {
        let y = i % 2;
        s.push_str(&format!("{y} |u u{} |s s{} s{}\n", i % 5, i % 3, 4 + i % 7));
    }
    s
}

#[test]
fn vw_features_that_never_appear_are_an_error() {
    let tmp = scratch("hostile");
    let p = write(&tmp, "listed.vw", vw_lines().as_bytes());
    let out = rank(&p, "label", &["--features", "u,nope"]);
    assert_bad_input(
        &out,
        &["listed.vw", "feature column `nope` not found", "`u`"],
    );
    // A namespace first seen on the last line, or only in a second file, is
    // there.
    let late = write(
        &tmp,
        "late.vw",
        format!("{}1 |late x\n", vw_lines()).as_bytes(),
    );
    ok(&rank(&late, "label", &["--features", "u,late"]));
    let out = bin()
        .arg("rank")
        .arg(&p)
        .arg(&late)
        .args(["--target", "label", "--quiet", "--features", "late"])
        .output()
        .unwrap();
    ok(&out);
}

/// Runs `report` on `input` into the folder `out-NAME` of `tmp`.
fn report(tmp: &TempDir, input: &Path, name: &str, extra: &[&str]) -> Value {
    let out_dir = tmp.path().join(format!("out-{name}"));
    let out = bin()
        .arg("report")
        .arg(input)
        .args(["--quiet", "--out"])
        .arg(&out_dir)
        .args(extra)
        .output()
        .unwrap();
    ok(&out);
    let text = std::fs::read_to_string(out_dir.join("quality.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The columns named in the unusual rows of a report.
fn unusual_columns(q: &Value) -> Vec<String> {
    let mut cols: Vec<String> = q["unusual_rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["values"].as_array().unwrap().iter())
        .map(|v| v["column"].as_str().unwrap().to_string())
        .collect();
    cols.sort();
    cols.dedup();
    cols
}

#[test]
fn report_reads_list_columns_in_its_second_pass() {
    let tmp = scratch("hostile");
    // VW: every namespace is a list column (`u` has one value per line, so
    // it used to pass as a one-value column and fail in the second pass).
    let p = write(&tmp, "report.vw", vw_lines().as_bytes());
    let q = report(&tmp, &p, "vw", &["--target", "label"]);
    assert_eq!(q["rows"], 200);
    assert_eq!(unusual_columns(&q), ["s", "u"]);
    // `s` has two values per line: one term each in the row's score.
    let row = &q["unusual_rows"][0];
    let s_values = row["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["column"] == "s")
        .count();
    assert_eq!(s_values, 2, "{row}");
    // A --multivalue column, which the second pass's projection used to
    // leave out while still splitting it.
    let mut csv = String::from("y,m,z\n");
    for i in 0..300 {
        let m = ["a", "b", "a;b", "c"][i % 4];
        csv.push_str(&format!("{},{m},{}\n", i % 2, i % 5));
    }
    let p = write(&tmp, "multi.csv", csv.as_bytes());
    let q = report(&tmp, &p, "multi", &["--target", "y", "--multivalue", "m:;"]);
    assert_eq!(unusual_columns(&q), ["m", "z"]);
    // The heatmap leaves list columns out (pairs of them are not counted).
    let p = write(
        &tmp,
        "multi3.csv",
        {
            let mut s = String::from("y,m,z,w\n");
            for i in 0..300 {
                let m = ["a", "b", "a;b", "c"][i % 4];
                s.push_str(&format!("{},{m},{},{}\n", i % 2, i % 5, i % 3));
            }
            s
        }
        .as_bytes(),
    );
    let q = report(
        &tmp,
        &p,
        "multi3",
        &["--target", "y", "--multivalue", "m:;"],
    );
    assert_eq!(q["rows"], 300);
}
