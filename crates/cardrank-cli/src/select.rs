//! `cardrank select`: greedy selection over the best features, in target
//! units (Joint, JMI, CMIM, mRMR, 3MR: [`crate::conditional`]) or by the OutRank
//! paper's 3MR over counted pairs (`--method outrank`, here).

use cardrank::{Aggregate, Method, SelectParams, SelectStep, Selection};
use serde::Serialize;

use crate::args::SelectArgs;
use crate::error::CliError;
use crate::output::{fixed, print};
use crate::pair_output::{to_json, write_file};
use crate::pairs::{run_pairs, Budget};

#[derive(Serialize)]
struct JsonOut<'a> {
    source: &'a str,
    seconds: f64,
    rows: u64,
    target: &'a str,
    k: usize,
    #[serde(flatten)]
    selection: &'a Selection,
    pair_budget: &'a Budget,
}

/// Runs `cardrank select`.
pub fn run(a: &SelectArgs) -> Result<(), CliError> {
    let aggregate = a.aggregate.parse::<Aggregate>()?;
    if a.method != "outrank" {
        let method = a.method.parse::<Method>().map_err(|_| {
            CliError::Usage(format!(
                "--method: unknown method `{}`: expected one of joint, jmi, cmim, mrmr, 3mr, outrank",
                a.method
            ))
        })?;
        return crate::conditional::run_select(a, method);
    }
    if !a.rank.pairs.given.is_empty() {
        return Err(CliError::Usage(
            "--method outrank does not take --given: use a method in target units (joint, jmi, cmim, mrmr, 3mr)".into(),
        ));
    }
    let Some(k) = a.k else {
        return Err(CliError::Usage(
            "--method outrank needs -k: it has no significance rule to stop at".into(),
        ));
    };
    let params = SelectParams {
        k,
        alpha: a.alpha,
        beta: a.beta,
        aggregate,
        pair_steps: !a.no_pair_steps,
    };
    let pa = &a.rank.pairs;
    let rank_only = [
        (pa.redundancy, "--redundancy"),
        (pa.interactions.is_some(), "--interactions"),
        (a.rank.opts.top.is_some(), "--top"),
    ];
    if let Some((_, flag)) = rank_only.iter().find(|(given, _)| *given) {
        return Err(CliError::Usage(format!(
            "`cardrank select` does not take {flag}: it is an option of `cardrank rank`"
        )));
    }
    let run = run_pairs(&a.rank, pa, false)?;
    let selection = cardrank::select(&run.interactions, &params)?;
    let json = JsonOut {
        source: &run.meta.source,
        seconds: run.meta.seconds,
        rows: run.ranking.rows,
        target: &run.ranking.target,
        k,
        selection: &selection,
        pair_budget: &run.budget,
    };
    let opts = &a.rank.opts;
    if let Some(dir) = &opts.out {
        std::fs::create_dir_all(dir).map_err(|e| CliError::output(dir.display().to_string(), e))?;
        write_file(&dir.join("selection.tsv"), &tsv(&selection.selected))?;
        write_file(&dir.join("ranking.tsv"), &crate::output::tsv(&run.ranking))?;
        write_file(&dir.join("ranking.json"), &(to_json(&run.ranking)? + "\n"))?;
        write_file(&dir.join("selection.json"), &(to_json(&json)? + "\n"))?;
    }
    if opts.json {
        return print(&(to_json(&json)? + "\n"));
    }
    print(&table(
        &selection,
        &run.budget,
        run.ranking.rows,
        run.meta.seconds,
    ))
}

fn tsv(steps: &[SelectStep]) -> String {
    let mut s = String::from("step\tfeature\trelevance\tredundancy\tsynergy\tscore\tpartner\n");
    for t in steps {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            t.step,
            t.feature.replace(['\t', '\n'], " "),
            // + 0.0: -0.0 is written as 0.
            t.relevance + 0.0,
            t.redundancy + 0.0,
            t.synergy + 0.0,
            t.score + 0.0,
            t.partner.as_deref().unwrap_or("")
        ));
    }
    s
}

fn table(sel: &Selection, budget: &Budget, rows: u64, seconds: f64) -> String {
    let w = sel
        .selected
        .iter()
        .map(|s| s.feature.chars().count())
        .max()
        .unwrap_or(7)
        .clamp(7, 40);
    let mut s = format!(
        "{rows} rows; {} selection of {} from {} candidates (alpha {}, beta {}, {} aggregate) in {seconds:.2} s\n\n{:>4}  {:<w$}  {:>10}  {:>10}  {:>10}  {:>10}  partner\n",
        sel.method,
        sel.selected.len(),
        sel.candidates,
        sel.alpha,
        sel.beta,
        sel.aggregate,
        "step",
        "feature",
        "relevance",
        "redundancy",
        "synergy",
        "score"
    );
    for t in &sel.selected {
        s.push_str(&format!(
            "{:>4}  {:<w$}  {:>10}  {:>10}  {:>10}  {:>10}  {}\n",
            t.step,
            t.feature,
            fixed(t.relevance, 6),
            fixed(t.redundancy, 6),
            fixed(t.synergy, 6),
            fixed(t.score, 6),
            t.partner.as_deref().unwrap_or("")
        ));
    }
    s.push_str(&format!("\nCandidates: {}.\n", budget.note));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_never_show_a_negative_zero() {
        // The first step has nothing to be redundant with: its terms are
        // zeros, possibly negative ones after a subtraction.
        let step = SelectStep {
            step: 1,
            feature: "site".into(),
            relevance: 0.25,
            redundancy: -0.0,
            synergy: -3e-10,
            score: 0.25,
            partner: None,
        };
        let sel = Selection {
            method: "3mr".into(),
            alpha: 1.0,
            beta: 1.0,
            aggregate: "mean".into(),
            candidates: 1,
            selected: vec![step],
        };
        let budget = Budget {
            features_ranked: 1,
            max_features: 50,
            max_pairs: None,
            pair_features: Vec::new(),
            pairs_tested: 0,
            triple_pairs: None,
            triples_tested: 0,
            passes: 1,
            note: String::new(),
        };
        let text = table(&sel, &budget, 10, 0.0);
        assert!(!text.contains("-0.000000"), "{text}");
        assert!(text.contains("0.000000"), "{text}");
        let tsv = tsv(&sel.selected);
        assert!(!tsv.contains("\t-0\t"), "{tsv}");
    }
}
