//! `cardrank compare A.json B.json`: how two rankings differ (rank-biased
//! overlap, movers; computed by [`cardrank_run::compare`]), as a table or
//! JSON.

use cardrank_run::compare::{compare_files, Comparison};

use crate::args::CompareArgs;
use crate::error::CliError;

fn table(c: &Comparison) -> String {
    let opt = |x: Option<f64>| x.map_or("-".into(), cardrank_report::svg::short);
    let mut s = format!(
        "A: {} ({} features)\nB: {} ({} features)\nrank-biased overlap (p = {}, extrapolated): {:.4}\n",
        c.a, c.features_a, c.b, c.features_b, c.p, c.rbo
    );
    if c.moved.is_empty() {
        s.push_str("\nno feature changed rank\n");
    } else {
        let width = c
            .moved
            .iter()
            .map(|m| m.feature.chars().count())
            .max()
            .unwrap_or(7)
            .clamp(7, 40);
        s.push_str(&format!(
            "\nmoved most:\n{:<width$}  {:>6}  {:>6}  {:>7}  {:>10}  {:>10}\n",
            "feature", "rank A", "rank B", "change", "score A", "score B"
        ));
        for m in &c.moved {
            s.push_str(&format!(
                "{:<width$}  {:>6}  {:>6}  {:>+7}  {:>10}  {:>10}\n",
                m.feature,
                m.rank_a,
                m.rank_b,
                m.change,
                opt(m.score_a),
                opt(m.score_b)
            ));
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    s.push_str(&format!("\nappeared in B: {}\n", list(&c.appeared)));
    s.push_str(&format!("vanished from A: {}\n", list(&c.vanished)));
    s
}

/// Runs `cardrank compare`.
pub fn run(args: &CompareArgs) -> Result<(), CliError> {
    let c = compare_files(&args.a, &args.b, args.p, args.top)?;
    let text = if args.json {
        serde_json::to_string_pretty(&c)
            .map_err(|e| CliError::output("JSON", std::io::Error::other(e)))?
            + "\n"
    } else {
        table(&c)
    };
    crate::output::print(&text)
}
