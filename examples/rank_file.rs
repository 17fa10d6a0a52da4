//! Reads a file with the readers and ranks its features with the core.
//!
//! ```sh
//! cargo run -p cardrank-cli --example rank_file -- FILE TARGET [TOP]
//! cargo run -p cardrank-cli --example rank_file                    # a generated click log
//! ```
//!
//! FILE is any input `cardrank rank` takes (CSV/TSV, plain, gzip or zstd;
//! Parquet; Arrow IPC; Vowpal Wabbit; a glob). With no arguments the example
//! writes a small generated click log to a temporary directory and ranks it.

use std::error::Error;
use std::path::PathBuf;

use cardrank::{RankParams, Ranker};
use cardrank_io::{GenParams, Projection, ReadOptions};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (path, target) = match (args.next(), args.next()) {
        (Some(path), Some(target)) => (PathBuf::from(path), target),
        (None, None) => generated()?,
        _ => return Err("usage: rank_file [FILE TARGET [TOP]]".into()),
    };
    let top: usize = args.next().map_or(Ok(10), |t| t.parse())?;

    // Read only the target and the features; every format streams batches.
    let opts = ReadOptions {
        columns: Projection {
            target: Some(target.clone()),
            ..Projection::all()
        },
        ..ReadOptions::default()
    };
    let source = cardrank_io::open(&[path.clone()], &opts)?;

    // Count each batch into the ranker's mergeable state, then finish.
    let mut ranker = Ranker::new(RankParams::new(&target))?;
    for batch in source {
        ranker.update(&batch?)?;
    }
    let ranking = ranker.finish()?;

    println!(
        "{}: {} rows, target `{}`, {} features; the best {}:",
        path.display(),
        ranking.rows,
        ranking.target,
        ranking.features.len(),
        top.min(ranking.features.len())
    );
    println!(
        "{:>4}  {:<24} {:>11} {:>10} {:>10}",
        "rank", "feature", "cardinality", "MI", "MI - EMI"
    );
    for f in ranking.features.iter().take(top) {
        println!(
            "{:>4}  {:<24} {:>11} {:>10.6} {:>10.6}",
            f.rank, f.feature, f.cardinality, f.mi, f.adjusted
        );
    }
    Ok(())
}

/// Writes a generated 20,000-row click log (and its ground truth) to a
/// temporary directory.
fn generated() -> Result<(PathBuf, String), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("cardrank-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("clicks.csv.gz");
    let params = GenParams {
        rows: 20_000,
        columns: 20,
        ..GenParams::default()
    };
    let truth = cardrank_io::write_csv(&params, &path)?;
    Ok((path, truth.target))
}
