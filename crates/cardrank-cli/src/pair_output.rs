//! Writing pair results: the ranking's JSON with `pair_budget`,
//! `redundancy`, `pairs` and `triples` added, readable tables, TSV files.

use std::fs;
use std::path::Path;

use cardrank::{Ranking, Redundancy, TupleInteraction};
use serde::Serialize;

use crate::args::{PairArgs, RankOptions};
use crate::error::CliError;
use crate::input::InputJson;
use crate::output::{self, fixed, print};
use crate::pairs::{Budget, PairRun};

/// Rows shown per list in the table output when `--top` is not given.
const SHOWN: usize = 20;

#[derive(Serialize)]
struct JsonOut<'a> {
    source: &'a str,
    seconds: f64,
    input: &'a InputJson,
    #[serde(flatten)]
    ranking: &'a Ranking,
    pair_budget: &'a Budget,
    #[serde(skip_serializing_if = "Option::is_none")]
    redundancy: Option<&'a [Redundancy]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pairs: Option<&'a [TupleInteraction]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    triples: Option<&'a [TupleInteraction]>,
}

/// Serialises to pretty JSON.
pub fn to_json<T: Serialize>(v: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(v).map_err(|e| CliError::output("JSON", std::io::Error::other(e)))
}

/// Writes a file, naming it in the error.
pub fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    fs::write(path, text).map_err(|e| CliError::output(path.display().to_string(), e))
}

/// Prints the ranking with the pair lists (table or JSON) and writes
/// `--out` files.
pub fn emit(run: &PairRun, pa: &PairArgs, opts: &RankOptions) -> Result<(), CliError> {
    let mut ranking = run.ranking.clone();
    if let Some(k) = opts.top {
        ranking.features.truncate(k);
    }
    let inter = &run.interactions;
    let redundancy = pa.redundancy.then_some(inter.redundancy.as_slice());
    let pairs = pa.interactions.is_some().then_some(inter.pairs.as_slice());
    let triples = (pa.interactions == Some(3)).then_some(inter.triples.as_slice());
    let json = JsonOut {
        source: &run.meta.source,
        seconds: run.meta.seconds,
        input: &run.input,
        ranking: &ranking,
        pair_budget: &run.budget,
        redundancy,
        pairs,
        triples,
    };
    if let Some(dir) = &opts.out {
        fs::create_dir_all(dir).map_err(|e| CliError::output(dir.display().to_string(), e))?;
        write_file(&dir.join("ranking.tsv"), &output::tsv(&ranking))?;
        write_file(&dir.join("ranking.json"), &(to_json(&json)? + "\n"))?;
        if let Some(r) = redundancy {
            write_file(&dir.join("redundancy.tsv"), &redundancy_tsv(r))?;
        }
        if let Some(p) = pairs {
            write_file(&dir.join("pairs.tsv"), &tuples_tsv(p, 2))?;
        }
        if let Some(t) = triples {
            write_file(&dir.join("triples.tsv"), &tuples_tsv(t, 3))?;
        }
    }
    if opts.json {
        return print(&(to_json(&json)? + "\n"));
    }
    let shown = opts.top.unwrap_or(SHOWN);
    let mut s = output::table(&ranking, &run.meta, None);
    s.push_str(&format!("\nBudget: {}.\n", run.budget.note));
    if let Some(r) = redundancy {
        s.push_str(&redundancy_table(r, shown));
    }
    if let Some(p) = pairs {
        s.push_str(&tuples_table("Pairs", p, shown));
    }
    if let Some(t) = triples {
        s.push_str(&tuples_table("Triples", t, shown));
    }
    print(&s)
}

fn clean(name: &str) -> String {
    name.replace(['\t', '\n'], " ")
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

/// Every redundancy field, tab-separated, most redundant first.
pub fn redundancy_tsv(list: &[Redundancy]) -> String {
    let mut s =
        String::from("rank\tfeature_a\tfeature_b\tmi\texpected_mi\tami\tscore\tnormalized\n");
    for (i, r) in list.iter().enumerate() {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            i + 1,
            clean(&r.features[0]),
            clean(&r.features[1]),
            r.mi,
            r.expected_mi,
            r.ami,
            r.score,
            r.normalized
        ));
    }
    s
}

/// Every pair or triple field, tab-separated, largest adjusted synergy first.
pub fn tuples_tsv(list: &[TupleInteraction], arity: usize) -> String {
    let names = ["feature_a", "feature_b", "feature_c"];
    let mut s = format!(
        "rank\t{}\tcardinality\tjoint_mi\tjoint_expected_mi\tjoint_adjusted\tjoint_null_sd\tjoint_z\tlog10_q\tsynergy\tadjusted_synergy{}\n",
        names[..arity].join("\t"),
        if arity == 3 { "\tgain_over_pairs" } else { "" }
    );
    for (i, t) in list.iter().enumerate() {
        let feats: Vec<String> = t.features.iter().map(|f| clean(f)).collect();
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            i + 1,
            feats.join("\t"),
            t.cardinality,
            t.joint_mi,
            t.joint_expected_mi,
            t.joint_adjusted,
            opt(t.joint_null_sd),
            opt(t.joint_z),
            opt(t.log10_q),
            t.synergy,
            t.adjusted_synergy
        ));
        if arity == 3 {
            s.push_str(&format!("\t{}", opt(t.gain_over_pairs)));
        }
        s.push('\n');
    }
    s
}

fn width<'a>(names: impl Iterator<Item = &'a String>) -> usize {
    names
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(7)
        .clamp(9, 30)
}

fn redundancy_table(list: &[Redundancy], shown: usize) -> String {
    let w = width(list.iter().take(shown).flat_map(|r| r.features.iter()));
    let mut s = format!(
        "\nRedundancy (MI - EMI between features, nats), {} of {} pairs:\n{:>4}  {:<w$}  {:<w$}  {:>9}  {:>9}  {:>9}  {:>7}\n",
        list.len().min(shown),
        list.len(),
        "rank",
        "feature a",
        "feature b",
        "mi",
        "expected",
        "mi-emi",
        "ami"
    );
    for (i, r) in list.iter().take(shown).enumerate() {
        s.push_str(&format!(
            "{:>4}  {:<w$}  {:<w$}  {:>9}  {:>9}  {:>9}  {:>7}\n",
            i + 1,
            r.features[0],
            r.features[1],
            fixed(r.mi, 5),
            fixed(r.expected_mi, 5),
            fixed(r.score, 5),
            fixed(r.ami, 4)
        ));
    }
    s
}

fn tuples_table(title: &str, list: &[TupleInteraction], shown: usize) -> String {
    let w = width(list.iter().take(shown).flat_map(|t| t.features.iter()));
    let arity = list.first().map_or(2, |t| t.features.len());
    let mut s = format!(
        "\n{title} by adjusted synergy (joint MI - EMI minus each member's), {} of {}:\n{:>4}  {}  {:>10}  {:>10}  {:>10}  {:>8}  {:>8}\n",
        list.len().min(shown),
        list.len(),
        "rank",
        (0..arity)
            .map(|i| format!("{:<w$}", format!("feature {}", ["a", "b", "c"][i])))
            .collect::<Vec<_>>()
            .join("  "),
        "joint adj",
        "synergy",
        "adj syn",
        "z",
        "log10 q"
    );
    for (i, t) in list.iter().take(shown).enumerate() {
        s.push_str(&format!(
            "{:>4}  {}  {:>10}  {:>10}  {:>10}  {:>8}  {:>8}\n",
            i + 1,
            t.features
                .iter()
                .map(|f| format!("{f:<w$}"))
                .collect::<Vec<_>>()
                .join("  "),
            fixed(t.joint_adjusted, 6),
            fixed(t.synergy, 6),
            fixed(t.adjusted_synergy, 6),
            t.joint_z.map_or("-".into(), |z| format!("{z:.1}")),
            t.log10_q.map_or("-".into(), |q| format!("{q:.1}")),
        ));
    }
    s
}
