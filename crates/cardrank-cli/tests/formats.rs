//! `cardrank rank` over every input format, several files, standard input,
//! transforms and budgets, and the `input` report.

mod common;

use common::scratch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cardrank"))
}

/// Generates `rows` rows into `dir/name`.
fn generate(dir: &Path, name: &str, rows: usize) -> PathBuf {
    let out = dir.join(name);
    let st = bin()
        .args([
            "generate",
            "--rows",
            &rows.to_string(),
            "--columns",
            "20",
            "--seed",
            "3",
            "--out",
        ])
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

fn rank(files: &[&Path], target: &str, extra: &[&str]) -> Output {
    bin()
        .arg("rank")
        .args(files)
        .args(["--target", target, "--quiet", "--json"])
        .args(extra)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn bad(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in {err}");
}

#[test]
fn every_format_gives_the_same_ranking() {
    let names = [
        "same.csv",
        "same.csv.gz",
        "same.csv.zst",
        "same.tsv",
        "same.parquet",
        "same.arrow",
        "same.arrows",
        "same.vw",
    ];
    let tmp = scratch("cli-formats");
    let mut results: Vec<(&str, Value)> = Vec::new();
    for n in names {
        let p = generate(tmp.path(), n, 30_000);
        let j = json(&rank(&[&p], "click", &[]));
        results.push((n, j));
    }
    let (_, first) = &results[0];
    assert_eq!(first["features"].as_array().unwrap().len(), 19);
    for (n, j) in &results[1..] {
        assert_eq!(
            j["features"], first["features"],
            "{n} ranks differently from CSV"
        );
        for k in ["rows", "classes", "target_entropy"] {
            assert_eq!(j[k], first[k], "{n}: {k}");
        }
        assert_eq!(j["input"]["rows_read"], 30_000, "{n}");
    }
    let formats: Vec<&str> = results
        .iter()
        .map(|(_, j)| j["input"]["format"].as_str().unwrap())
        .collect();
    assert_eq!(
        formats,
        ["csv", "csv", "csv", "tsv", "parquet", "ipc", "ipc", "vw"]
    );
}

#[test]
fn several_files_a_glob_and_stdin() {
    let tmp = scratch("cli-formats");
    let d = tmp.path().join("parts");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("a.csv"), "y,x\n1,p\n0,q\n1,p\n").unwrap();
    std::fs::write(d.join("b.csv"), "x,y\nq,0\np,1\nq,0\n").unwrap();
    let j = json(&rank(&[&d.join("*.csv")], "y", &[]));
    assert_eq!(j["rows"], 6);
    assert_eq!(j["input"]["files"].as_array().unwrap().len(), 2);
    let both = json(&rank(&[&d.join("a.csv"), &d.join("b.csv")], "y", &[]));
    assert_eq!(both["features"], j["features"]);
    // VW through standard input, gzip-compressed.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"1 |x p\n0 |x q\n1 |x p\n0 |x q\n1 |x p\n0 |x q\n")
        .unwrap();
    let bytes = gz.finish().unwrap();
    let mut child = bin()
        .args([
            "rank", "-", "--target", "y", "--format", "vw", "--json", "--quiet",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    let v = json(&out);
    assert_eq!(v["features"][0]["mi"], j["features"][0]["mi"]);
    assert_eq!(v["input"]["files"][0]["compression"], "gzip");
    assert_eq!(v["input"]["files"][0]["path"], "<stdin>");
}

#[test]
fn sampling_folds_and_skips_are_reported() {
    let tmp = scratch("cli-formats");
    let p = generate(tmp.path(), "report.csv", 20_000);
    let j = json(&rank(
        &[&p],
        "click",
        &["--sample-rate", "0.25", "--seed", "4"],
    ));
    let input = &j["input"];
    assert_eq!(input["sample_rate"], 0.25);
    assert_eq!(input["seed"], 4);
    let kept = input["rows_sampled"].as_u64().unwrap();
    assert_eq!(j["rows"].as_u64().unwrap(), kept);
    assert!((4_500..5_500).contains(&kept), "{kept}");
    let again = json(&rank(
        &[&p],
        "click",
        &["--sample-rate", "0.25", "--seed", "4"],
    ));
    assert_eq!(again["features"], j["features"]);

    let j = json(&rank(&[&p], "click", &["--max-distinct", "50"]));
    let folded = j["input"]["folded"].as_array().unwrap();
    let names: Vec<&str> = folded
        .iter()
        .map(|f| f["feature"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"noise_c10k") && !names.contains(&"inf_c10"),
        "{names:?}"
    );
    for f in &j["features"].as_array().unwrap()[..] {
        assert!(f["cardinality"].as_u64().unwrap() <= 52, "{f}");
    }
    // The table says so too.
    let out = bin()
        .arg("rank")
        .arg(&p)
        .args(["--target", "click", "--quiet", "--max-distinct", "50"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("note: folded: `noise_c10k` keeps its 50 most frequent values"),
        "{text}"
    );

    let bad_rows = tmp.path().join("bad.csv");
    std::fs::write(&bad_rows, "y,a\n1,x\n0\n1,x\n0,z\n").unwrap();
    let j = json(&rank(&[&bad_rows], "y", &["--skip-bad-rows"]));
    assert_eq!(j["input"]["rows_skipped"], 1);
    assert!(j["input"]["first_skipped"]
        .as_str()
        .unwrap()
        .contains("line 3"));
}

#[test]
fn numeric_binning_and_multivalue() {
    let tmp = scratch("cli-formats");
    let p = tmp.path().join("num.csv");
    let mut text = String::from("y,price,tags\n");
    for i in 0..400 {
        let y = u8::from(i % 4 == 0);
        text.push_str(&format!("{y},{}.5,t{};u{}\n", i * 7 % 300, i % 3, y));
    }
    std::fs::write(&p, text).unwrap();
    let raw = json(&rank(&[&p], "y", &[]));
    let q = json(&rank(
        &[&p],
        "y",
        &["--numeric", "quantile:5", "--multivalue", "tags:;"],
    ));
    let card = |j: &Value, name: &str| {
        j["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["feature"] == name)
            .unwrap()["cardinality"]
            .as_u64()
            .unwrap()
    };
    assert!(card(&raw, "price") > 100);
    assert!(card(&q, "price") <= 5);
    assert_eq!(card(&q, "tags"), 5);
    assert_eq!(q["input"]["numeric"]["mode"], "quantile:5");
    assert_eq!(q["input"]["passes"], 2);
    assert_eq!(q["input"]["multivalue"][0]["separator"], ";");
    let l = json(&rank(&[&p], "y", &["--numeric", "log:10"]));
    assert!(card(&l, "price") <= 4);
    bad(
        &rank(&[&p], "y", &["--numeric", "bins"]),
        "invalid numeric mode",
    );
    bad(&rank(&[&p], "y", &["--multivalue", "nope"]), "--multivalue");
    bad(
        &rank(&[&p], "y", &["--multivalue", "zz:;"]),
        "multivalue column `zz` not found",
    );
}

#[test]
fn bad_inputs_in_other_formats() {
    let tmp = scratch("cli-formats");
    let d = tmp.path();
    let p = d.join("nolabel.vw");
    std::fs::write(&p, "1 |a x\n|a y\n").unwrap();
    bad(&rank(&[&p], "y", &[]), "line 2: no label");
    let p = d.join("cut.parquet");
    let full = generate(d, "full.parquet", 5_000);
    let bytes = std::fs::read(full).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    bad(&rank(&[&p], "click", &[]), "cut.parquet");
    let out = bin()
        .args([
            "rank", "-", "--target", "click", "--format", "parquet", "--quiet",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    bad(&out, "random access");
    bad(
        &rank(&[&p], "click", &["--format", "xls"]),
        "unknown format `xls`",
    );
    bad(
        &rank(&[&d.join("nothing-*.csv")], "y", &[]),
        "no file matches",
    );
    std::fs::write(d.join("h.csv"), "y,a\n1,b\n").unwrap();
    bad(
        &rank(&[&d.join("h.csv")], "y", &["--sample-rate", "1.5"]),
        "sample rate",
    );
}
