//! Mistakes that used to change the answer silently (issue 17, points 13
//! and 15): a missing target value, `--exclude` naming the target, negative
//! zeros in the tables.

mod common;

use common::{scratch, write};

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cardrank"))
}

fn run(args: &[&str], path: &PathBuf) -> Output {
    bin()
        .args(&args[..1])
        .arg(path)
        .args(&args[1..])
        .arg("--quiet")
        .output()
        .unwrap()
}

/// Exit code 2 and exactly one `error:` line containing every needle.
fn assert_bad_input(out: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
    }
}

fn json(out: &Output) -> serde_json::Value {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// 8 rows, 2 with an empty target, 1 with the `NA` token.
const MISSING_TARGET: &[u8] = b"site,y\na,1\nb,0\na,\nb,0\na,1\nc,NA\nb,\na,1\n";

#[test]
fn a_missing_target_is_an_error_naming_how_many_rows() {
    let tmp = scratch("hardening");
    let p = write(&tmp, "missing-target.csv", MISSING_TARGET);
    for command in [
        &["rank", "--target", "y"][..],
        &["select", "--target", "y", "-k", "1"],
    ] {
        assert_bad_input(
            &run(command, &p),
            &["`y`", "2 of 8 rows", "--drop-missing-target"],
        );
    }
    let out = run(
        &["rank", "--target", "y", "--missing", "", "--missing", "NA"],
        &p,
    );
    assert_bad_input(&out, &["3 of 8 rows"]);
    let dir = tmp.path().join("report");
    let out = bin()
        .arg("report")
        .arg(&p)
        .args(["--target", "y", "--quiet", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, &["2 of 8 rows"]);
}

#[test]
fn dropped_missing_targets_are_counted_in_the_output() {
    let tmp = scratch("hardening");
    let p = write(&tmp, "missing-target-drop.csv", MISSING_TARGET);
    let args = ["rank", "--target", "y", "--drop-missing-target", "--json"];
    let j = json(&run(&args, &p));
    assert_eq!(j["input"]["dropped_missing_target"], 2);
    assert_eq!(j["rows"], 6);
    // `NA` is not a missing token unless named with --missing.
    assert_eq!(j["classes"], 3);
    let table = run(&args[..4], &p);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("note: dropped 2 rows with a missing target"),
        "{text}"
    );
    // The same ranking as the file without those rows.
    let clean = write(
        &tmp,
        "missing-target-clean.csv",
        b"site,y\na,1\nb,0\nb,0\na,1\nc,NA\na,1\n",
    );
    let c = json(&run(&["rank", "--target", "y", "--json"], &clean));
    assert_eq!(c["features"], j["features"]);
    assert_eq!(c["input"]["dropped_missing_target"], 0);
}

#[test]
fn excluding_the_target_is_an_error() {
    // Before, `--exclude y` was accepted silently (exit 0).
    let tmp = scratch("hardening");
    let p = write(&tmp, "exclude.csv", b"site,u,y\na,p,1\nb,q,0\n");
    for command in ["rank", "report"] {
        let mut args = vec![command, "--target", "y", "--exclude", "y"];
        if command == "report" {
            args.extend(["--out", "unused-report-dir"]);
        }
        assert_bad_input(&run(&args, &p), &["`exclude`", "`y`", "target"]);
    }
}
