//! `cardrank`: rank the features of large categorical data sets by
//! chance-adjusted mutual information with a target.
//!
//! Exit codes: 0 on success, 2 on bad input or usage (one line on stderr),
//! 1 when writing results fails.

/// mimalloc keeps freed memory for reuse: repeated calls (and the many
/// short-lived buffers of one call) do not fault fresh, zeroed pages in.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod compare;
mod demo;
mod error;
mod input;
mod output;
mod pair_output;
mod pairs;
mod rank;
mod report;
mod select;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::CliError;

/// Cardinality-aware feature ranking for large, sparse, categorical data.
#[derive(Parser, Debug)]
#[command(name = "cardrank", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Rank the features of one or more files (CSV/TSV plain, .gz or .zst;
    /// Parquet; Arrow IPC; Vowpal Wabbit; `-` for stdin; globs allowed).
    Rank(RankArgs),
    /// Generate a synthetic click log in memory, rank it, and show which
    /// features the generator made informative.
    Demo(DemoArgs),
    /// Write a synthetic click log with known ground truth to a CSV file.
    Generate(GenerateArgs),
    /// Select K features by greedy mRMR / 3MR: relevant, not redundant,
    /// complementary (pairs among the best --max-features features).
    Select(select::SelectArgs),
    /// Data-quality report: per-column figures and flags (constant, mostly
    /// missing, ID-like, duplicate, label leak, drift, rare values), unusual
    /// rows, report.html with charts.
    Report(Box<report::ReportArgs>),
    /// Compare two rankings (`rank --json` outputs): rank-biased overlap,
    /// the features that moved, appeared or vanished.
    Compare(compare::CompareArgs),
}

/// Options shared by commands that rank.
#[derive(Args, Debug, Clone)]
pub struct RankOptions {
    /// Write results as one JSON object to stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write ranking.tsv and ranking.json into this directory (`select`: selection.tsv and selection.json too; with pairs: redundancy.tsv, pairs.tsv, triples.tsv).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads, 1 to 1024 (default: CARDRANK_THREADS, else all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Show only the best K features.
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
    /// Sort by this score: adjusted (MI - EMI, the default), mi, ami, z.
    #[arg(long, default_value = "adjusted", value_name = "SCORE")]
    pub score: String,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
struct RankArgs {
    /// Input files or glob patterns (`-` reads standard input), read as one
    /// data set.
    #[arg(required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// The target (label) column.
    #[arg(long, short)]
    target: String,
    /// Field delimiter (default: tab for .tsv/.tab, else comma). `\t` is a tab.
    #[arg(long, short, value_name = "C")]
    delimiter: Option<String>,
    /// A value that counts as missing (repeatable). Default: the empty field.
    #[arg(long, value_name = "TOKEN")]
    missing: Vec<String>,
    /// Rank only these features (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    features: Option<Vec<String>>,
    /// Leave these features out (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    exclude: Vec<String>,
    /// Rows per batch.
    #[arg(long, default_value_t = 65_536, value_name = "ROWS")]
    batch_size: usize,
    #[command(flatten)]
    input: input::InputArgs,
    #[command(flatten)]
    opts: RankOptions,
    #[command(flatten)]
    pairs: pairs::PairArgs,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Rows to generate.
    #[arg(long, default_value_t = 200_000)]
    rows: usize,
    /// Columns to generate (the target included).
    #[arg(long, default_value_t = 30)]
    columns: usize,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    opts: RankOptions,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Rows to generate.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Columns to generate (the target included).
    #[arg(long, default_value_t = 50)]
    columns: usize,
    /// Output file, its format by extension: .csv, .tsv, .vw (each also .gz
    /// or .zst), .parquet, .arrow/.feather (IPC file), .arrows (IPC stream).
    /// The ground truth goes to FILE.truth.json.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Rank(a) if a.pairs.wanted() => pairs::run_rank(&a),
        Command::Select(a) => select::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Compare(a) => compare::run(&a),
        Command::Rank(a) => rank::run(
            &a.files,
            &a.target,
            a.delimiter.as_deref(),
            &a.missing,
            a.features,
            a.exclude,
            a.batch_size,
            &a.input,
            &a.opts,
        ),
        Command::Demo(a) => demo::run_demo(a.rows, a.columns, a.seed, &a.opts),
        Command::Generate(a) => demo::run_generate(a.rows, a.columns, a.seed, &a.out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Builds ranking parameters from the shared options.
fn params(
    target: &str,
    missing: &[String],
    opts: &RankOptions,
) -> Result<cardrank::RankParams, CliError> {
    let mut p = cardrank::RankParams::new(target).score(opts.score.parse()?);
    if !missing.is_empty() {
        p = p.missing(missing);
    }
    if let Some(t) = opts.threads {
        p = p.threads(t);
    }
    Ok(p)
}
