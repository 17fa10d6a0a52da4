//! `cardrank select` in target units and `cardrank rank --given` end to
//! end: y = a XOR b with label noise, `s` a noisy copy of y, `s_copy` a
//! relabelled copy of `s`, a constant and noise.

mod common;

use common::scratch;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use tempfile::TempDir;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cardrank"))
}

/// A fixed linear congruential sequence (no dependency on a random crate):
/// each call draws a number below `m`.
fn lcg(mut state: u64) -> impl FnMut(u64) -> u64 {
    move |m| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m
    }
}

/// A data file in a scratch folder of its own: both are removed when this
/// is dropped, so a test keeps it for as long as it runs the binary on it.
struct Data {
    _dir: TempDir,
    path: PathBuf,
}

/// Writes `text` as `file` into a new scratch folder `cardrank-TAG-...`.
fn write_temp(tag: &str, file: &str, text: &str) -> Data {
    let dir = scratch(tag);
    let path = dir.path().join(file);
    std::fs::write(&path, text).unwrap();
    Data { _dir: dir, path }
}

/// The data: 4,000 rows from [`lcg`], made once (the text is kept) and
/// written for each test that asks.
fn data() -> Data {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(|| {
        let mut next = lcg(0x2545_f491_4f6c_dd1d);
        let mut text = String::from("noise,a,s,const,b,s_copy,y\n");
        for _ in 0..4_000 {
            let (a, b) = (next(2), next(2));
            let y = if next(20) == 0 { next(2) } else { a ^ b };
            let s = if next(10) < 7 { y } else { next(2) } * 3 + next(3);
            text.push_str(&format!(
                "n{},a{a},s{s},k,b{b},z{},{y}\n",
                next(6),
                11 * s + 2
            ));
        }
        text
    });
    write_temp("selection", "truth.csv", text)
}

/// `cardrank SUBCOMMAND FILE ARGS... --target y --quiet`.
fn run_on(file: &Path, args: &[&str]) -> Output {
    bin()
        .args(&args[..1])
        .arg(file)
        .args(&args[1..])
        .args(["--target", "y", "--quiet"])
        .output()
        .unwrap()
}

fn run(data: &Data, args: &[&str]) -> Output {
    run_on(&data.path, args)
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn features(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["feature"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_method_takes_the_signal_then_the_xor_pair_and_never_a_copy_or_a_constant() {
    let data = data();
    for method in ["jmi", "joint", "cmim", "mrmr", "3mr"] {
        let v = json(&run(
            &data,
            &["select", "--method", method, "-k", "3", "--json"],
        ));
        let got = features(&v, "selected");
        assert_eq!(got[0], "s", "{method}: {got:?}");
        let mut rest = got[1..].to_vec();
        rest.sort();
        assert_eq!(rest, ["a", "b"], "{method}: {got:?}");
        assert_eq!(v["method"], method);
        let all = json(&run(
            &data,
            &["select", "--method", method, "-k", "5", "--json"],
        ));
        let all = features(&all, "selected");
        assert!(!all.contains(&"const".to_string()), "{method}: {all:?}");
        assert!(!all.contains(&"s_copy".to_string()), "{method}: {all:?}");
    }
}

#[test]
fn the_default_is_joint_and_stops_at_k_suggested() {
    let data = data();
    let out = run(&data, &["select", "--json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("\"source\"").count(),
        1,
        "one source key: {text}"
    );
    let v = json(&out);
    assert_eq!(v["method"], "joint");
    assert!(v["source"].as_str().unwrap().ends_with("truth.csv"), "{v}");
    assert_eq!(v["pairs_from"], "buffered codes");
    let k = v["k_suggested"].as_u64().unwrap() as usize;
    assert_eq!(features(&v, "selected").len(), k);
    assert!(k >= 3, "{v}");
    let table = run(&data, &["select"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("joint selection") && text.contains("k_suggested"),
        "{text}"
    );
    // Steps 2 and 3 are the XOR pair, pairwise by definition: no note.
    assert!(!text.contains("\njoint: "), "{text}");
    // Forced on, step 4 is measured given s, a and b together, and one
    // line of the text says so, as the JSON's joint_levels does.
    let v = json(&run(&data, &["select", "-k", "5", "--json"]));
    let joint: Vec<u64> = v["selected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["joint_levels"].is_u64())
        .map(|s| s["step"].as_u64().unwrap())
        .collect();
    assert_eq!(joint.first(), Some(&4), "{v}");
    let text = run(&data, &["select", "-k", "5"]);
    let text = String::from_utf8_lossy(&text.stdout);
    let note = text.lines().find(|l| l.starts_with("joint: ")).unwrap();
    let levels = v["selected"][3]["joint_levels"].as_u64().unwrap();
    assert_eq!(
        note,
        format!("joint: step 4 given the chosen features together ({levels} combinations).")
    );
}

#[test]
fn given_ranks_what_each_candidate_adds() {
    let data = data();
    let v = json(&run(&data, &["rank", "--given", "a", "--json"]));
    let got = features(&v, "features");
    assert_eq!(got[0], "b", "{got:?}");
    assert!(!got.contains(&"a".to_string()));
    assert_eq!(v["given"][0], "a");
    let plain = json(&run(&data, &["rank", "--json"]));
    let alone = features(&plain, "features");
    let pos = |f: &str| alone.iter().position(|g| g == f).unwrap();
    assert!(pos("b") > pos("s"), "b tells nothing alone: {alone:?}");
    let copy = json(&run(&data, &["rank", "--given", "s", "--json"]));
    let rows = copy["features"].as_array().unwrap();
    let last = rows.last().unwrap();
    assert_eq!(last["feature"], "s_copy");
    assert_eq!(last["determined"], true);
    // In a selection the given features condition every step.
    let sel = json(&run(
        &data,
        &[
            "select", "--given", "a", "-k", "1", "--method", "cmim", "--json",
        ],
    ));
    assert_eq!(features(&sel, "selected"), ["b"]);
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let data = data();
    for (args, needle) in [
        (vec!["select", "--method", "mifs"], "--method"),
        (vec!["select", "--method", "outrank"], "-k"),
        (
            vec!["select", "--method", "outrank", "-k", "2", "--given", "a"],
            "--given",
        ),
        (vec!["select", "--given", "nope"], "nope"),
        (vec!["rank", "--given", "nope"], "nope"),
        (vec!["rank", "--given", "a", "--redundancy"], "--redundancy"),
        (vec!["select", "-k", "0"], "k"),
        (vec!["select", "--max-distinct", "3"], "max_distinct"),
    ] {
        let out = run(&data, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error:"), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?} ({needle}): {err}");
    }
}

#[test]
fn out_writes_the_selection_and_the_given_ranking() {
    let data = data();
    let out_dir = scratch("selection-out");
    let dir = out_dir.path().join("out");
    let out = run(
        &data,
        &["select", "-k", "2", "--out", dir.to_str().unwrap()],
    );
    assert!(out.status.success());
    let tsv = std::fs::read_to_string(dir.join("selection.tsv")).unwrap();
    assert!(tsv.starts_with("step\tfeature\trelevance\tscore\tz\tsignificant"));
    assert!(tsv
        .lines()
        .next()
        .unwrap()
        .ends_with("\tpartner\tjoint_levels"));
    assert_eq!(tsv.lines().count(), 3);
    for f in ["selection.json", "ranking.tsv", "ranking.json"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let out = run(
        &data,
        &["rank", "--given", "a", "--out", dir.to_str().unwrap()],
    );
    assert!(out.status.success());
    let tsv = std::fs::read_to_string(dir.join("given.tsv")).unwrap();
    assert!(tsv.lines().nth(1).unwrap().contains("\tb\t"), "{tsv}");
}

/// A number with a few rows per value (`amount`, informative above its
/// median), an id of values seen once, a small code, and `y`; made once
/// (the text is kept) and written for each test that asks.
fn thin_data() -> Data {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(|| {
        let mut next = lcg(0x9e37_79b9_7f4a_7c15);
        let mut text = String::from("amount,id,code,y\n");
        for row in 0..4_000 {
            let amount = next(3_000);
            let code = next(4);
            let p = 30 + 40 * u64::from(amount > 1_500) + 5 * code;
            let y = u64::from(next(100) < p);
            text.push_str(&format!("{}.5,r{row},c{code},{y}\n", amount / 2));
        }
        text
    });
    write_temp("thin", "thin.csv", text)
}

fn run_thin(thin: &Data, args: &[&str]) -> serde_json::Value {
    json(&run_on(&thin.path, &[args, &["--json"]].concat()))
}

fn grouped(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    v["grouped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["feature"].as_str().unwrap().to_string(),
                g["how"].as_str().unwrap().to_string(),
                g["levels_after"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn select_groups_values_into_levels_a_model_can_learn() {
    let thin = thin_data();
    // By default: the thin number is binned (32 bins), the id pooled into
    // one level; the code is left alone.
    let v = run_thin(&thin, &["select"]);
    assert_eq!(v["grouping"]["min_count"], 20);
    assert_eq!(v["grouping"]["bins"], 32);
    let g = grouped(&v);
    assert_eq!(
        g,
        [
            ("amount".to_string(), "binned".to_string(), 32),
            ("id".to_string(), "pooled".to_string(), 1),
        ]
    );
    assert_eq!(features(&v, "selected")[0], "amount");
    assert!(!features(&v, "selected").contains(&"id".to_string()));
    // --bins 0 pools the number's rare values instead; --min-count 0 and
    // `rank --given` (by default) keep every value.
    let pooled = grouped(&run_thin(&thin, &["select", "--bins", "0"]));
    assert!(
        pooled.iter().all(|(_, how, _)| how == "pooled"),
        "{pooled:?}"
    );
    let none = run_thin(&thin, &["select", "--min-count", "0", "-k", "2"]);
    assert!(grouped(&none).is_empty());
    let given = run_thin(&thin, &["rank", "--given", "code"]);
    assert_eq!(given["grouping"]["min_count"], 0);
    assert!(grouped(&given).is_empty());
    let given = run_thin(&thin, &["rank", "--given", "code", "--min-count", "20"]);
    assert_eq!(grouped(&given).len(), 2);
    let bad = run_on(&thin.path, &["select", "--bins", "1"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(err.starts_with("error:") && err.contains("bins"), "{err}");
    // The table says what was grouped.
    let out = run_on(&thin.path, &["select"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("binned into 32: amount; rare values pooled: id."),
        "{text}"
    );
}
