//! The `cardrank` binary end to end: outputs, exit codes, bad input.

mod common;

use common::{scratch, write};

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

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

/// Exit code 2, exactly one line on stderr that contains `needle`, no panic.
fn assert_bad_input(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(out.stdout.is_empty());
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn empty_file() {
    let tmp = scratch("cli");
    let p = write(&tmp, "empty.csv", b"");
    assert_bad_input(&rank(&p, "y", &[]), "empty.csv");
}

#[test]
fn header_only() {
    let tmp = scratch("cli");
    let p = write(&tmp, "header.csv", b"a,b,y\n");
    assert_bad_input(&rank(&p, "y", &[]), "no data rows");
}

#[test]
fn ragged_row_names_line_and_counts() {
    let tmp = scratch("cli");
    let p = write(&tmp, "ragged.csv", b"a,b,y\n1,2,0\n1,2\n");
    let out = rank(&p, "y", &[]);
    assert_bad_input(&out, "ragged.csv");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains('2') && err.contains('3'),
        "{err}"
    );
}

#[test]
fn missing_target_column() {
    let tmp = scratch("cli");
    let p = write(&tmp, "notarget.csv", b"a,b\n1,2\n");
    assert_bad_input(&rank(&p, "click", &[]), "target column `click` not found");
}

#[test]
fn constant_target() {
    let tmp = scratch("cli");
    let p = write(&tmp, "constant.csv", b"a,y\n1,1\n2,1\n");
    assert_bad_input(&rank(&p, "y", &[]), "single value `1`");
}

#[test]
fn non_utf8_bytes() {
    let tmp = scratch("cli");
    let p = write(&tmp, "latin1.csv", b"a,y\ncaf\xe9,1\nx,0\n");
    let out = rank(&p, "y", &[]);
    assert_bad_input(&out, "latin1.csv");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2") && err.contains("\\xE9") || err.contains("\\xe9"),
        "{err}"
    );
}

#[test]
fn truncated_gzip() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..20_000 {
        writeln!(enc, "{},{}", i % 97, i % 2).unwrap();
    }
    let bytes = enc.finish().unwrap();
    let mut all = b"".to_vec();
    all.extend_from_slice(&bytes[..bytes.len() / 2]);
    let tmp = scratch("cli");
    let p = write(&tmp, "cut.csv.gz", &all);
    assert_bad_input(&rank(&p, "1", &[]), "cut.csv.gz");
}

#[test]
fn missing_file_and_bad_options() {
    assert_bad_input(&rank(Path::new("/nonexistent/x.csv"), "y", &[]), "x.csv");
    let tmp = scratch("cli");
    let p = write(&tmp, "ok.csv", b"a,y\n1,1\n2,0\n");
    assert_bad_input(&rank(&p, "y", &["--delimiter", "ab"]), "--delimiter");
    assert_bad_input(&rank(&p, "y", &["--threads", "0"]), "threads");
    assert_bad_input(&rank(&p, "y", &["--score", "best"]), "score");
    // clap usage errors exit 2 as well
    let out = bin().arg("rank").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_tsv_and_out_dir() {
    let tmp = scratch("cli");
    let p = write(
        &tmp,
        "small.tsv",
        b"site\tuser\tclick\na\tu1\t1\na\tu2\t1\nb\tu3\t0\nb\tu4\t0\nc\tu5\t0\nc\tu6\t1\n",
    );
    let dir = tmp.path().join("out");
    let out = rank(&p, "click", &["--json", "--out", dir.to_str().unwrap()]);
    let v = json(&out);
    assert_eq!(v["rows"], 6);
    assert_eq!(v["target"], "click");
    let feats = v["features"].as_array().unwrap();
    assert_eq!(feats[0]["rank"], 1);
    assert_eq!(feats[0]["feature"], "site");
    for key in [
        "cardinality",
        "missing_share",
        "mi",
        "expected_mi",
        "ami",
        "score",
    ] {
        assert!(feats[0].get(key).is_some(), "{key}");
    }
    let tsv = std::fs::read_to_string(dir.join("ranking.tsv")).unwrap();
    assert!(tsv.starts_with("rank\tfeature\tcardinality"));
    assert_eq!(tsv.lines().count(), 3);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ranking.json")).unwrap()).unwrap();
    assert_eq!(saved["features"], v["features"]);
    // the table names the columns
    let table = rank(&p, "click", &["--top", "1"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("feature") && text.contains("site") && !text.contains("user"));
}

#[test]
fn stdin_input() {
    let mut child = bin()
        .args(["rank", "-", "--target", "y", "--json", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a,y\n1,1\n1,1\n2,0\n2,0\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let v = json(&out);
    assert_eq!(v["rows"], 4);
}

#[test]
fn generated_data_ranks_every_informative_feature_above_every_noise_feature() {
    let tmp = scratch("cli");
    let p = tmp.path().join("gen.csv.gz");
    let out = bin()
        .args([
            "generate",
            "--rows",
            "200000",
            "--columns",
            "30",
            "--seed",
            "7",
            "--out",
        ])
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut truth_path = p.as_os_str().to_owned();
    truth_path.push(".truth.json");
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&truth_path).unwrap()).unwrap();
    let one = json(&rank(&p, "click", &["--json", "--threads", "1"]));
    let two = json(&rank(&p, "click", &["--json", "--threads", "2"]));
    assert_eq!(
        one["features"], two["features"],
        "thread count changed results"
    );
    let rank_of = |name: &str| {
        one["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["feature"] == name)
            .map(|f| f["rank"].as_u64().unwrap())
            .unwrap_or_else(|| panic!("{name} not ranked"))
    };
    let names = |key: &str| -> Vec<String> {
        truth[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let (inf, noise) = (names("informative"), names("noise"));
    assert!(inf.len() >= 6 && noise.len() >= 5);
    let worst_inf = inf.iter().map(|n| rank_of(n)).max().unwrap();
    let best_noise = noise.iter().map(|n| rank_of(n)).min().unwrap();
    assert!(
        worst_inf < best_noise,
        "informative down to {worst_inf}, noise from {best_noise}"
    );
}

#[test]
fn demo_runs_and_explains() {
    let out = bin()
        .args(["demo", "--rows", "20000", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("truth") && text.contains("informative") && text.contains("Raw MI alone")
    );
}

/// `--score gain` goes through the core's score parser: ranked by the
/// cross-fitted gain, reported in the JSON and as the TSV's last column.
#[test]
fn score_gain() {
    let mut csv = String::from("site,user,click\n");
    for r in 0..600 {
        let site = r % 6;
        let click = u8::from((site < 3) ^ (r % 7 == 0));
        csv.push_str(&format!("s{site},u{r},{click}\n"));
    }
    let tmp = scratch("cli");
    let p = write(&tmp, "gain.csv", csv.as_bytes());
    let dir = tmp.path().join("gain-out");
    let v = json(&rank(
        &p,
        "click",
        &["--score", "gain", "--json", "--out", dir.to_str().unwrap()],
    ));
    assert_eq!(v["score_name"], "gain");
    let feats = v["features"].as_array().unwrap();
    assert_eq!(feats[0]["feature"], "site");
    assert!(feats[0]["gain"].as_f64().unwrap() > 0.1);
    assert_eq!(feats[0]["score"], feats[0]["gain"]);
    // A unique id is never seen out of its fold: exactly the base.
    assert_eq!(feats[1]["gain"].as_f64(), Some(0.0));
    let tsv = std::fs::read_to_string(dir.join("ranking.tsv")).unwrap();
    assert!(tsv.lines().next().unwrap().ends_with("\tgain"));
    // Without it, the column is there and empty.
    let v = json(&rank(&p, "click", &["--json"]));
    assert!(v["features"][0]["gain"].is_null());
}
