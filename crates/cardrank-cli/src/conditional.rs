//! Runs over the run layer's conditional plan: `cardrank rank --given` (what
//! each candidate adds to the features a model already has) and `cardrank
//! select` in target units (Joint, JMI, CMIM, mRMR, 3MR).

use std::time::Instant;

use cardrank::{
    GivenRanking, GroupInfo, Grouping, Method, TargetSelectParams, TargetSelection, TargetStep,
};
use cardrank_run::{BudgetUsed, ProbeRun};
use serde::Serialize;

use crate::args::{RankArgs, SelectArgs};
use crate::error::CliError;
use crate::output::{fixed, print, Meta};
use crate::pair_output::{to_json, write_file};
use crate::watch::Bar;

/// Ranks, then keeps the best M candidates and the given features, their
/// values grouped (`--min-count`, else `default_min_count`).
fn probe(
    a: &RankArgs,
    k: Option<usize>,
    default_min_count: u64,
) -> Result<(ProbeRun, String, Instant), CliError> {
    let start = Instant::now();
    let spec = a.spec()?;
    let done = cardrank_run::probe(
        &spec,
        &a.pairs.candidates(k),
        &a.pairs.given,
        &a.pairs.grouping(default_min_count),
        &Bar::new(a.opts.quiet),
    )?;
    Ok((done.run, spec.source_name(), start))
}

/// Rejects the pair outputs of `rank`, which a conditional run does not
/// count.
fn no_pair_outputs(a: &RankArgs, command: &str) -> Result<(), CliError> {
    let pa = &a.pairs;
    let counted = [
        (pa.redundancy, "--redundancy"),
        (pa.interactions.is_some(), "--interactions"),
    ];
    match counted.iter().find(|(on, _)| *on) {
        Some((_, flag)) => Err(CliError::Usage(format!(
            "{command} does not take {flag}: pairs are measured on demand there; run `cardrank rank {flag}` for them"
        ))),
        None => Ok(()),
    }
}

#[derive(Serialize)]
struct GivenJson<'a> {
    source: &'a str,
    seconds: f64,
    rows: u64,
    target: &'a str,
    #[serde(flatten)]
    given: &'a GivenRanking,
    pair_budget: &'a BudgetUsed,
    grouping: &'a Grouping,
    grouped: &'a [GroupInfo],
}

/// `cardrank rank --given a,b`: the candidates by what they add.
pub fn run_given(a: &RankArgs) -> Result<(), CliError> {
    no_pair_outputs(a, "`cardrank rank --given`")?;
    let (run, source, start) = probe(a, None, Grouping::NONE.min_count)?;
    let mut given = run.rank_given(a.pairs.joint_levels)?;
    let meta = Meta {
        source,
        seconds: start.elapsed().as_secs_f64(),
    };
    if let Some(k) = a.opts.top {
        given.features.truncate(k);
    }
    let json = GivenJson {
        source: &meta.source,
        seconds: meta.seconds,
        rows: run.ranking.rows,
        target: &run.ranking.target,
        given: &given,
        pair_budget: &run.budget,
        grouping: &run.grouping,
        grouped: &run.grouped,
    };
    if let Some(dir) = &a.opts.out {
        std::fs::create_dir_all(dir).map_err(|e| CliError::output(dir.display().to_string(), e))?;
        write_file(&dir.join("given.tsv"), &given_tsv(&given))?;
        write_file(&dir.join("given.json"), &(to_json(&json)? + "\n"))?;
    }
    if a.opts.json {
        return print(&(to_json(&json)? + "\n"));
    }
    print(&given_table(&given, &run, &meta))
}

fn clean(name: &str) -> String {
    name.replace(['\t', '\n'], " ")
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

fn given_tsv(g: &GivenRanking) -> String {
    let mut s = String::from(
        "rank\tfeature\trelevance\tscore\tz\tmin_adjusted\tworst\tdetermined\tjoint_adjusted\n",
    );
    for f in &g.features {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            f.rank,
            clean(&f.feature),
            f.relevance + 0.0,
            f.score + 0.0,
            opt(f.z),
            f.min_adjusted + 0.0,
            clean(&f.worst),
            f.determined,
            opt(f.joint.as_ref().map(|j| j.adjusted)),
        ));
    }
    s
}

fn width<'a>(names: impl Iterator<Item = &'a String>) -> usize {
    names
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(7)
        .clamp(7, 40)
}

fn given_table(g: &GivenRanking, run: &ProbeRun, meta: &Meta) -> String {
    let w = width(g.features.iter().map(|f| &f.feature));
    let joint = match g.joint_levels {
        Some(l) => format!("given their joint value ({l} combinations)"),
        None => "given the one that explains each best".into(),
    };
    let mut s = format!(
        "{} rows; {} candidates by what they add beyond {} ({joint}) in {:.2} s\n\n{:>4}  {:<w$}  {:>10}  {:>10}  {:>8}  {:>10}  worst\n",
        run.ranking.rows,
        g.features.len(),
        g.given.join(", "),
        meta.seconds,
        "rank",
        "feature",
        "relevance",
        "adds",
        "z",
        "min_adj",
    );
    for f in &g.features {
        s.push_str(&format!(
            "{:>4}  {:<w$}  {:>10}  {:>10}  {:>8}  {:>10}  {}{}\n",
            f.rank,
            f.feature,
            fixed(f.relevance, 6),
            fixed(f.score, 6),
            f.z.map(|z| fixed(z, 2)).unwrap_or_else(|| "-".into()),
            fixed(f.min_adjusted, 6),
            f.worst,
            if f.determined {
                "  (a function of it)"
            } else {
                ""
            }
        ));
    }
    s.push_str(&format!(
        "\nadds: adjusted CMI with the target given {}; {} pairs measured.\nBudget: {}.\n",
        if g.joint_levels.is_some() {
            "the given features' joint value"
        } else {
            "the given feature that explains it best"
        },
        g.pairs_measured,
        run.budget.note
    ));
    s.push_str(&grouping_note(run));
    s
}

#[derive(Serialize)]
struct SelectJson<'a> {
    source: &'a str,
    seconds: f64,
    rows: u64,
    target: &'a str,
    #[serde(flatten)]
    selection: &'a TargetSelection,
    pair_budget: &'a BudgetUsed,
    grouping: &'a Grouping,
    grouped: &'a [GroupInfo],
}

/// The core's parameters of a selection in target units.
pub fn target_params(a: &SelectArgs, method: Method) -> TargetSelectParams {
    let mut p = TargetSelectParams::new(method);
    p.k = a.k;
    p.min_z = a.min_z;
    p.alpha = a.alpha;
    p.beta = a.beta;
    if a.no_pair_steps {
        p.pair_pool = 0;
    }
    p
}

/// `cardrank select` in target units.
pub fn run_select(a: &SelectArgs, method: Method) -> Result<(), CliError> {
    no_pair_outputs(&a.rank, "`cardrank select`")?;
    if a.rank.opts.top.is_some() {
        return Err(CliError::Usage(
            "`cardrank select` does not take --top: it is an option of `cardrank rank` (-k sets how many to select)".into(),
        ));
    }
    let params = target_params(a, method);
    let (run, source, start) = probe(&a.rank, a.k, Grouping::SELECT.min_count)?;
    let selection = run.select(&params)?;
    let meta = Meta {
        source,
        seconds: start.elapsed().as_secs_f64(),
    };
    let json = SelectJson {
        source: &meta.source,
        seconds: meta.seconds,
        rows: run.ranking.rows,
        target: &run.ranking.target,
        selection: &selection,
        pair_budget: &run.budget,
        grouping: &run.grouping,
        grouped: &run.grouped,
    };
    if let Some(dir) = &a.rank.opts.out {
        std::fs::create_dir_all(dir).map_err(|e| CliError::output(dir.display().to_string(), e))?;
        write_file(&dir.join("selection.tsv"), &select_tsv(&selection.selected))?;
        write_file(&dir.join("ranking.tsv"), &crate::output::tsv(&run.ranking))?;
        write_file(&dir.join("ranking.json"), &(to_json(&run.ranking)? + "\n"))?;
        write_file(&dir.join("selection.json"), &(to_json(&json)? + "\n"))?;
    }
    if a.rank.opts.json {
        return print(&(to_json(&json)? + "\n"));
    }
    print(&select_table(&selection, &run, &meta))
}

fn select_tsv(steps: &[TargetStep]) -> String {
    let mut s = String::from(
        "step\tfeature\trelevance\tscore\tz\tsignificant\tworst\tpartner\tjoint_levels\n",
    );
    for t in steps {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            t.step,
            clean(&t.feature),
            t.relevance + 0.0,
            t.score + 0.0,
            opt(t.z),
            t.significant,
            t.worst.as_deref().map(clean).unwrap_or_default(),
            t.partner.as_deref().map(clean).unwrap_or_default(),
            t.joint_levels.map(|n| n.to_string()).unwrap_or_default(),
        ));
    }
    s
}

/// Joint: which steps were measured given the chosen features together
/// (their score is what the step adds to them all) and which pairwise past
/// the joint budget (JMI's mean over the chosen features, on another
/// scale). Nothing when no step could be either: the first two, with
/// nothing given, and pair steps are pairwise by definition.
fn joint_note(sel: &TargetSelection) -> String {
    if sel.method != "joint" {
        return String::new();
    }
    // A step after two or more chosen (or given) features, not a pair step.
    let eligible = |t: &&TargetStep| t.partner.is_none() && sel.given.len() + t.step > 2;
    let joint: Vec<&TargetStep> = sel
        .selected
        .iter()
        .filter(eligible)
        .filter(|t| t.joint_levels.is_some())
        .collect();
    let pairwise: Vec<usize> = sel
        .selected
        .iter()
        .filter(eligible)
        .filter(|t| t.joint_levels.is_none())
        .map(|t| t.step)
        .collect();
    let mut parts = Vec::new();
    if !joint.is_empty() {
        let levels: Vec<usize> = joint.iter().filter_map(|t| t.joint_levels).collect();
        let (lo, hi) = (
            levels.iter().min().copied().unwrap_or(0),
            levels.iter().max().copied().unwrap_or(0),
        );
        let range = if lo == hi {
            format!("{lo}")
        } else {
            format!("{lo} to {hi}")
        };
        let steps: Vec<usize> = joint.iter().map(|t| t.step).collect();
        parts.push(format!(
            "{} given the chosen features together ({range} combinations)",
            step_list(&steps)
        ));
    }
    if !pairwise.is_empty() {
        parts.push(format!(
            "{} given one chosen feature at a time, past the joint budget of one \
             combination per 20 rows (JMI's mean, a larger scale)",
            step_list(&pairwise)
        ));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!("joint: {}.\n", parts.join("; "))
}

/// "step 3", "steps 3-5", "steps 3-5, 8".
fn step_list(steps: &[usize]) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &s in steps {
        match runs.last_mut() {
            Some((_, hi)) if *hi + 1 == s => *hi = s,
            _ => runs.push((s, s)),
        }
    }
    let text: Vec<String> = runs
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect();
    let word = if steps.len() == 1 { "step" } else { "steps" };
    format!("{word} {}", text.join(", "))
}

fn select_table(sel: &TargetSelection, run: &ProbeRun, meta: &Meta) -> String {
    let w = width(sel.selected.iter().map(|s| &s.feature));
    let given = if sel.given.is_empty() {
        String::new()
    } else {
        format!(" given {}", sel.given.join(", "))
    };
    let mut s = format!(
        "{} rows; {} selection of {} from {} candidates{given} in {:.2} s; k_suggested {}\n\n{:>4}  {:<w$}  {:>10}  {:>10}  {:>8}  partner\n",
        run.ranking.rows,
        sel.method,
        sel.selected.len(),
        sel.candidates,
        meta.seconds,
        sel.k_suggested,
        "step",
        "feature",
        "relevance",
        "score",
        "z",
    );
    for t in &sel.selected {
        s.push_str(&format!(
            "{:>4}  {:<w$}  {:>10}  {:>10}  {:>8}  {}{}\n",
            t.step,
            t.feature,
            fixed(t.relevance, 6),
            fixed(t.score, 6),
            t.z.map(|z| fixed(z, 2)).unwrap_or_else(|| "-".into()),
            t.partner.as_deref().unwrap_or(""),
            if t.significant {
                ""
            } else {
                "  (not significant)"
            }
        ));
    }
    s.push_str(&format!(
        "\nscore: what the step adds about the target, in nats ({}); {} pairs measured ({}).\nBudget: {}.\n",
        sel.method, sel.pairs_measured, sel.source, run.budget.note
    ));
    s.push_str(&joint_note(sel));
    s.push_str(&grouping_note(run));
    s
}

/// One line on how values were grouped into levels (none when nothing
/// was grouped).
fn grouping_note(run: &ProbeRun) -> String {
    if run.grouping.is_none() {
        return String::new();
    }
    let list = |how: &str| {
        let names: Vec<&str> = run
            .grouped
            .iter()
            .filter(|g| g.how == how)
            .map(|g| g.feature.as_str())
            .collect();
        match names.len() {
            0 => "none".to_string(),
            1..=6 => names.join(", "),
            n => format!("{} and {} more", names[..5].join(", "), n - 5),
        }
    };
    format!(
        "Levels: values in fewer than {} rows are rare (--min-count; 0 keeps every value); binned into {}: {}; rare values pooled: {}.\n",
        run.grouping.min_count,
        run.grouping.bins,
        list("binned"),
        list("pooled"),
    )
}
