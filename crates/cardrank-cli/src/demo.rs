//! `cardrank demo` and `cardrank generate`: synthetic data with known truth.

use std::path::Path;
use std::time::Instant;

use cardrank::{RankParams, Ranker};
use cardrank_io::{GenParams, Generator, GroundTruth};

use crate::args::{DemoArgs, GenerateArgs};
use crate::error::CliError;
use crate::output::{self, Meta};

fn gen_params(rows: usize, columns: usize, seed: u64) -> GenParams {
    GenParams {
        rows,
        columns,
        seed,
        ..GenParams::default()
    }
}

/// What the generator made of a column.
fn truth_of(truth: &GroundTruth, name: &str) -> &'static str {
    let has = |v: &[String]| v.iter().any(|x| x == name);
    if truth.copies.iter().any(|(_, c)| c == name) {
        "informative (relabelled copy)"
    } else if has(&truth.informative) {
        "informative"
    } else if truth.xor_pair.0 == name || truth.xor_pair.1 == name {
        "xor half (informative only jointly)"
    } else if has(&truth.id_like) {
        "noise (id-like)"
    } else if has(&truth.noise) {
        "noise"
    } else {
        ""
    }
}

/// Runs `cardrank demo`.
pub fn run_demo(a: &DemoArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let (rows, columns, seed, opts) = (a.rows, a.columns, a.seed, &a.opts);
    let params = gen_params(rows, columns, seed);
    let generator = Generator::new(&params)?;
    let truth = generator.truth();
    let mut rank = RankParams::new(&truth.target)
        .score(opts.score.parse()?)
        .drop_missing_target(opts.drop_missing_target);
    if let Some(t) = opts.threads {
        rank = rank.threads(t);
    }
    let mut ranker = Ranker::new(rank)?;
    for batch in generator {
        ranker.update(&batch)?;
    }
    let ranking = ranker.finish()?;
    let meta = Meta {
        source: format!("generated: {rows} rows x {columns} columns, seed {seed}"),
        seconds: start.elapsed().as_secs_f64(),
    };
    let note = |name: &str| truth_of(&truth, name).to_string();
    output::emit(&ranking, &meta, opts, Some(&note))?;
    if opts.json {
        return Ok(());
    }
    let rank_of = |name: &str| {
        ranking
            .features
            .iter()
            .find(|f| f.feature == name)
            .map(|f| f.rank)
    };
    let worst_informative = truth.informative.iter().filter_map(|n| rank_of(n)).max();
    let best_noise = truth.noise.iter().filter_map(|n| rank_of(n)).min();
    println!();
    if let (Some(w), Some(b)) = (worst_informative, best_noise) {
        let verdict = if w < b { "yes" } else { "NO" };
        println!(
            "Every informative feature ranks above every noise feature: {verdict} (lowest informative rank {w}, best noise rank {b})."
        );
    }
    let mut by_mi = ranking.features.clone();
    by_mi.sort_by(|a, b| b.mi.total_cmp(&a.mi));
    if let Some(top) = by_mi.first() {
        println!(
            "Raw MI alone would put `{}` first ({}, {} values, MI {:.4} but MI - EMI {}).",
            top.feature,
            match truth_of(&truth, &top.feature) {
                "" => "unknown",
                t => t,
            },
            top.cardinality,
            top.mi,
            output::fixed(top.adjusted, 6)
        );
    }
    println!(
        "The XOR pair `{}` x `{}` tells nothing alone; pair interactions find it.",
        truth.xor_pair.0, truth.xor_pair.1
    );
    Ok(())
}

/// Runs `cardrank generate`.
pub fn run_generate(a: &GenerateArgs) -> Result<(), CliError> {
    let (rows, columns, out) = (a.rows, a.columns, a.out.as_path());
    let params = gen_params(rows, columns, a.seed);
    let truth = cardrank_io::write_data(&params, out)?;
    let mut truth_path = out.as_os_str().to_owned();
    truth_path.push(".truth.json");
    let text = serde_json::to_string_pretty(&truth)
        .map_err(|e| CliError::output("ground truth", std::io::Error::other(e)))?;
    std::fs::write(&truth_path, text + "\n")
        .map_err(|e| CliError::output(Path::new(&truth_path).display().to_string(), e))?;
    eprintln!(
        "wrote {} ({rows} rows, {columns} columns, target `{}`) and {}",
        out.display(),
        truth.target,
        Path::new(&truth_path).display()
    );
    Ok(())
}
