//! `cardrank rank --redundancy --interactions` and `cardrank select` end to
//! end on a generated click log with an XOR pair and a relabelled copy.

mod common;

use common::scratch;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use tempfile::TempDir;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cardrank"))
}

/// A generated log of 100,000 rows and 16 columns (15 features), made once
/// (its bytes are kept) and written into `tmp` as `clicks.csv`.
fn generated(tmp: &TempDir) -> PathBuf {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        let made = scratch("pairs");
        let path = made.path().join("clicks.csv");
        let out = bin()
            .args(["generate", "--rows", "100000", "--columns", "16", "--out"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&path).unwrap()
    });
    let path = tmp.path().join("clicks.csv");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run(path: &Path, args: &[&str]) -> Output {
    bin()
        .args(&args[..1])
        .arg(path)
        .args(&args[1..])
        .arg("--quiet")
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn names(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[test]
fn pairs_triples_and_selection_on_generated_data() {
    let tmp = scratch("pairs");
    let path = generated(&tmp);
    let out_dir = tmp.path().join("out");
    let v = json(&run(
        &path,
        &[
            "rank",
            "--target",
            "click",
            "--json",
            "--redundancy",
            "--interactions",
            "3",
            "--triple-pairs",
            "2",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    ));
    let budget = &v["pair_budget"];
    assert_eq!(budget["pairs_tested"], 105);
    assert_eq!(budget["passes"], 2);
    let pairs = v["pairs"].as_array().unwrap();
    let mut top = names(&pairs[0]["features"]);
    top.sort();
    assert_eq!(top, ["xor_a", "xor_b"]);
    assert!(pairs[0]["log10_q"].as_f64().unwrap() < -10.0);
    let red = v["redundancy"].as_array().unwrap();
    assert_eq!(red.len(), 105);
    let partner = red
        .iter()
        .find(|r| names(&r["features"]).contains(&"inf_c1000"))
        .unwrap();
    assert!(names(&partner["features"]).contains(&"copy_of_inf_c1000"));
    for key in ["mi", "expected_mi", "ami", "score"] {
        assert!(partner[key].is_f64(), "{key}");
    }
    let triples = v["triples"].as_array().unwrap();
    // The best two pairs, each extended by the 13 other features (a triple
    // both pairs extend to is counted once).
    assert!((25..=26).contains(&triples.len()), "{}", triples.len());
    assert!(triples[0]["gain_over_pairs"].is_f64());
    for f in [
        "ranking.tsv",
        "ranking.json",
        "redundancy.tsv",
        "pairs.tsv",
        "triples.tsv",
    ] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
    let tsv = std::fs::read_to_string(out_dir.join("redundancy.tsv")).unwrap();
    assert_eq!(tsv.lines().count(), 106);

    let s = json(&run(
        &path,
        &["select", "--target", "click", "--k", "9", "--json"],
    ));
    let chosen: Vec<&str> = s["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["feature"].as_str().unwrap())
        .collect();
    assert_eq!(chosen.len(), 9);
    assert!(!(chosen.contains(&"inf_c1000") && chosen.contains(&"copy_of_inf_c1000")));
    assert!(
        chosen.contains(&"xor_a") && chosen.contains(&"xor_b"),
        "{chosen:?}"
    );
}

#[test]
fn pair_usage_errors_are_one_line() {
    let tmp = scratch("pairs");
    let path = generated(&tmp);
    for (args, needle) in [
        (
            vec![
                "rank",
                "--target",
                "click",
                "--redundancy",
                "--max-pairs",
                "0",
            ],
            "at least 2 features",
        ),
        (
            vec![
                "select",
                "--target",
                "click",
                "--k",
                "3",
                "--aggregate",
                "mode",
            ],
            "mean, max, median",
        ),
        (
            vec!["select", "--target", "click", "--k", "3", "--alpha=-1"],
            "alpha",
        ),
    ] {
        let out = run(&path, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

#[test]
fn select_refuses_rank_only_options_and_writes_its_files() {
    let tmp = scratch("pairs");
    let dir = tmp.path().join("select_flags");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("d.csv");
    let mut text = String::from("a,b,c,y\n");
    for i in 0..200u32 {
        text.push_str(&format!(
            "{},{},{},{}\n",
            i % 2,
            (i / 2) % 2,
            i % 5,
            (i % 2) ^ ((i / 2) % 2)
        ));
    }
    std::fs::write(&csv, text).unwrap();
    for flag in [
        &["--redundancy"][..],
        &["--interactions", "2"],
        &["--top", "3"],
    ] {
        let out = bin()
            .args(["select", csv.to_str().unwrap(), "--target", "y", "--k", "2"])
            .args(flag)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(flag[0]) && err.contains("cardrank rank"),
            "{err}"
        );
    }
    let out_dir = dir.join("out");
    let out = bin()
        .args([
            "select",
            csv.to_str().unwrap(),
            "--target",
            "y",
            "--k",
            "2",
            "--quiet",
        ])
        .args(["--out", out_dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "selection.tsv",
        "selection.json",
        "ranking.tsv",
        "ranking.json",
    ] {
        assert!(out_dir.join(name).exists(), "{name}");
    }
}
