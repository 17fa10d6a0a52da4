//! `cardrank report` and `cardrank compare` end to end, on generated data
//! whose problems are known.

mod common;

use common::scratch;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cardrank"))
}

/// A small deterministic generator (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// 4,000 rows with known problems: `site_copy` renames `site`, `leak` is
/// the label with 0.5 % flipped, `label_copy` is the label renamed, `id`
/// is unique, `const` constant, `sparse` 70 % missing, `shift` changes its
/// values halfway through the file, `noise` is harmless; row 1234 is odd.
fn problem_csv(tmp: &TempDir, name: &str) -> PathBuf {
    let path = tmp.path().join(format!("{name}.csv"));
    let mut r = Lcg(7);
    let mut s = String::from("site,site_copy,leak,label_copy,id,const,sparse,shift,noise,y\n");
    let n = 4000;
    for i in 0..n {
        let site = r.below(12);
        let y = u64::from(r.below(100) < 20 + 5 * site);
        let leak = if r.below(200) == 0 { 1 - y } else { y };
        let sparse = if r.below(10) < 7 {
            String::new()
        } else {
            format!("s{}", r.below(4))
        };
        let shift = if i < n / 2 {
            r.below(3)
        } else {
            3 + r.below(3)
        };
        let noise = r.below(5);
        let (site, noise) = if i == 1233 {
            ("weird_site".to_string(), "weird_noise".to_string())
        } else {
            (format!("site{site}"), format!("n{noise}"))
        };
        let copy = site.replace("site", "S");
        s.push_str(&format!(
            "{site},{copy},{leak},{},row{i},k,{sparse},v{shift},{noise},{y}\n",
            if y == 1 { "yes" } else { "no" }
        ));
    }
    std::fs::write(&path, s).unwrap();
    path
}

fn report(input: &Path, out: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("report")
        .arg(input)
        .args(["--target", "y", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn quality(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("quality.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn flags(q: &Value, column: &str) -> Vec<String> {
    let c = q["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    c["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["flag"].as_str().unwrap().to_string())
        .collect()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn known_problems_are_flagged() {
    let tmp = scratch("report");
    let input = problem_csv(&tmp, "problems");
    let dir = tmp.path().join("out-problems");
    let out = report(&input, &dir, &[]);
    ok(&out);
    let q = quality(&dir);
    assert_eq!(q["rows"], 4000);
    assert_eq!(flags(&q, "site_copy"), ["duplicate"]);
    let copy = q["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "site_copy")
        .unwrap();
    assert_eq!(copy["duplicate_of"], "site");
    assert_eq!(flags(&q, "leak"), ["label_leak"]);
    assert_eq!(flags(&q, "label_copy"), ["duplicate", "label_leak"]);
    assert_eq!(flags(&q, "id"), ["id_like"]);
    assert_eq!(flags(&q, "const"), ["constant"]);
    assert_eq!(flags(&q, "sparse"), ["mostly_missing"]);
    assert_eq!(flags(&q, "shift"), ["drift"]);
    assert!(flags(&q, "noise").is_empty());
    assert!(flags(&q, "site").is_empty());
    assert!(flags(&q, "y").is_empty());
    // Every flag states its rule.
    for c in q["columns"].as_array().unwrap() {
        for f in c["flags"].as_array().unwrap() {
            assert!(
                f["threshold"].is_number() && f["observed"].is_number(),
                "{f}"
            );
            assert!(!f["note"].as_str().unwrap().is_empty());
        }
    }
    // The odd row is the most unusual one (its two values are unique).
    let rows = q["unusual_rows"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    assert_eq!(rows[0]["row"], 1234);
    assert_eq!(rows[0]["values"][0]["count"], 1);
    // The summary on stdout names the flags.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("label_leak") && stdout.contains("site_copy"),
        "{stdout}"
    );
    // quality.tsv: a header and one line per column, flags last.
    let tsv = std::fs::read_to_string(dir.join("quality.tsv")).unwrap();
    assert_eq!(tsv.lines().count(), 11);
    assert!(tsv
        .lines()
        .any(|l| l.starts_with("id\t") && l.ends_with("\tid_like")));
}

#[test]
fn html_is_self_contained_and_plots_are_written() {
    let tmp = scratch("report");
    let input = problem_csv(&tmp, "html");
    let dir = tmp.path().join("out-html");
    ok(&report(&input, &dir, &[]));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for needle in [
        "id=\"flags\"",
        "id=\"ranking\"",
        "id=\"redundancy\"",
        "id=\"columns\"",
        "id=\"rows\"",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    // No external resource and no script.
    for bad in ["src=", "href=", "<script", "@import", "url("] {
        assert!(!html.contains(bad), "report.html contains {bad}");
    }
    let svgs = html.matches("<svg").count();
    // The ranking, the heatmap and one histogram per column.
    assert_eq!(svgs, 2 + 10);
    for f in [
        "plots/ranking.svg",
        "plots/redundancy.svg",
        "ranking.json",
        "ranking.tsv",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let charts = std::fs::read_dir(dir.join("plots/columns"))
        .unwrap()
        .count();
    assert_eq!(charts, 10);
    let q = quality(&dir);
    let heat = &q["redundancy"];
    let names: Vec<&str> = heat["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // The best features, the ID-like and constant ones left out.
    assert!(names.contains(&"site") && !names.contains(&"id") && !names.contains(&"const"));
    let (i, j) = (
        names.iter().position(|n| *n == "site").unwrap(),
        names.iter().position(|n| *n == "site_copy").unwrap(),
    );
    assert!((heat["ami"][i][j].as_f64().unwrap() - 1.0).abs() < 1e-9);
}

#[test]
fn distinct_counts_are_exact_below_the_budget_and_sketched_above() {
    // 30,000 rows: `big` has 20,000 distinct values, `small` 50.
    let tmp = scratch("report");
    let path = tmp.path().join("budget.csv");
    let mut r = Lcg(11);
    let mut s = String::from("big,small,y\n");
    for i in 0..30_000u64 {
        let big = if i < 20_000 { i } else { r.below(20_000) };
        s.push_str(&format!("b{big},s{},{}\n", r.below(50), r.below(2)));
    }
    std::fs::write(&path, s).unwrap();
    let dir = tmp.path().join("out-budget");
    ok(&report(&path, &dir, &["--max-distinct", "1000"]));
    let q = quality(&dir);
    let col = |name: &str| {
        q["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let big = col("big");
    assert_eq!(big["distinct_exact"], false);
    assert_eq!(big["folded"], true);
    let se = big["distinct_rel_std_error"].as_f64().unwrap();
    assert!((se - 1.04 / 128.0).abs() < 1e-12);
    let est = big["distinct"].as_f64().unwrap();
    assert!((est / 20_000.0 - 1.0).abs() <= 3.0 * se, "estimate {est}");
    // The exact dictionary stopped growing: 1000 values + <other>.
    assert_eq!(big["cardinality"], 1001);
    let small = col("small");
    assert_eq!(small["distinct_exact"], true);
    assert_eq!(small["distinct"], 50);
    assert!(small["distinct_rel_std_error"].is_null());
    let notes = q["notes"].as_array().unwrap();
    assert!(notes
        .iter()
        .any(|n| n.as_str().unwrap().contains("HyperLogLog")));
}

#[test]
fn standard_input_gets_one_pass_and_a_note() {
    let tmp = scratch("report");
    let input = problem_csv(&tmp, "stdin");
    let dir = tmp.path().join("out-stdin");
    let out = bin()
        .args(["report", "-", "--target", "y", "--quiet", "--out"])
        .arg(&dir)
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    ok(&out);
    let q = quality(&dir);
    assert!(q["unusual_rows"].as_array().unwrap().is_empty());
    assert!(q["redundancy"].is_null());
    assert_eq!(flags(&q, "id"), ["id_like"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("standard input is read once"));
}

#[test]
fn thresholds_can_be_changed_and_bad_ones_are_refused() {
    let tmp = scratch("report");
    let input = problem_csv(&tmp, "thresholds");
    let dir = tmp.path().join("out-thresholds");
    ok(&report(
        &input,
        &dir,
        &[
            "--threshold",
            "mostly_missing=0.8",
            "--unusual-rows",
            "0",
            "--heatmap",
            "0",
        ],
    ));
    let q = quality(&dir);
    assert!(flags(&q, "sparse").is_empty());
    assert_eq!(q["thresholds"]["mostly_missing"], 0.8);
    for bad in ["mostly_missing=2", "nope=1", "mostly_missing", "drift_z=x"] {
        let out = report(&input, &dir, &["--threshold", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: ") && err.contains("threshold"),
            "{err}"
        );
    }
}

#[test]
fn compare_two_rankings() {
    let tmp = scratch("report");
    let input = problem_csv(&tmp, "compare");
    let dir = tmp.path().join("out-compare");
    ok(&report(
        &input,
        &dir,
        &["--unusual-rows", "0", "--heatmap", "0"],
    ));
    let a = dir.join("ranking.json");
    // The same ranking: RBO 1, nothing moved.
    let out = bin()
        .arg("compare")
        .arg(&a)
        .arg(&a)
        .arg("--json")
        .output()
        .unwrap();
    ok(&out);
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((c["rbo"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    assert!(c["moved"].as_array().unwrap().is_empty());
    // B: the first two swapped, the last dropped, a new feature added.
    let mut b: Value = serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    let feats = b["features"].as_array_mut().unwrap();
    let first = feats[0]["feature"].clone();
    let second = feats[1]["feature"].clone();
    let last = feats.pop().unwrap()["feature"]
        .as_str()
        .unwrap()
        .to_string();
    feats[0]["feature"] = second.clone();
    feats[1]["feature"] = first.clone();
    feats.push(serde_json::json!({"rank": 99, "feature": "brand_new", "score": 0.0}));
    let bp = dir.join("b.json");
    std::fs::write(&bp, serde_json::to_string(&b).unwrap()).unwrap();
    let out = bin()
        .arg("compare")
        .arg(&a)
        .arg(&bp)
        .arg("--json")
        .output()
        .unwrap();
    ok(&out);
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rbo = c["rbo"].as_f64().unwrap();
    assert!(rbo > 0.5 && rbo < 1.0, "{rbo}");
    assert_eq!(c["appeared"], serde_json::json!(["brand_new"]));
    assert_eq!(c["vanished"], serde_json::json!([last]));
    let moved: Vec<&str> = c["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["feature"].as_str().unwrap())
        .collect();
    assert_eq!(moved.len(), 2);
    assert!(moved.contains(&first.as_str().unwrap()));
    // The table form.
    let out = bin().arg("compare").arg(&a).arg(&bp).output().unwrap();
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("rank-biased overlap") && text.contains("brand_new"),
        "{text}"
    );
    // Not a ranking: exit 2, one line naming the file.
    let out = bin()
        .arg("compare")
        .arg(&a)
        .arg(dir.join("quality.tsv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("quality.tsv") && err.trim_end().lines().count() == 1,
        "{err}"
    );
}
