//! Every command-line argument of `cardrank`, and its conversion into the
//! run layer's values ([`cardrank_run::RunSpec`], [`cardrank_run::PairBudget`]).
//! Nothing here decides how a run goes: that is `cardrank_run`'s.

use std::path::PathBuf;

use cardrank_run::{PairBudget, ReadArgs, RunSpec};
use clap::{Args, Parser, Subcommand};

use crate::error::CliError;

/// Cardinality-aware feature ranking for large, sparse, categorical data.
#[derive(Parser, Debug)]
#[command(name = "cardrank", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Rank the features of one or more files (CSV/TSV plain, .gz or .zst;
    /// Parquet; Arrow IPC; Vowpal Wabbit; `-` for stdin; globs allowed).
    Rank(RankArgs),
    /// Generate a synthetic click log in memory, rank it, and show which
    /// features the generator made informative.
    Demo(DemoArgs),
    /// Write a synthetic click log with known ground truth to a CSV file.
    Generate(GenerateArgs),
    /// Select features greedily in target units (Joint by default; JMI,
    /// CMIM, mRMR, 3MR; or the OutRank paper's 3MR with --method outrank):
    /// relevant, not redundant about the target, complementary.
    Select(SelectArgs),
    /// Data-quality report: per-column figures and flags (constant, mostly
    /// missing, ID-like, duplicate, label leak, drift, rare values), unusual
    /// rows, report.html with charts.
    Report(Box<ReportArgs>),
    /// Compare two rankings (`rank --json` outputs): rank-biased overlap,
    /// the features that moved, appeared or vanished.
    Compare(CompareArgs),
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
    /// Sort by this score: adjusted (MI - EMI, the default), mi, ami, z, gain
    /// (the cross-fitted log-loss gain; also adds its column).
    #[arg(long, default_value = "adjusted", value_name = "SCORE")]
    pub score: String,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Drop the rows whose target is missing (empty, a --missing token, null
    /// or NaN) and report how many; without it they are an error.
    #[arg(long)]
    pub drop_missing_target: bool,
}

/// How to read the input (every option also exists in Python, same name).
#[derive(Args, Debug, Clone, Default)]
pub struct InputArgs {
    /// Input format: csv, tsv, parquet, ipc, vw (default: recognised from the
    /// first bytes, then the name; otherwise CSV).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Numeric columns: none (each value a category), quantile:K (K bins
    /// between quantile edges; files are read twice), log or log:B (a bin
    /// per power of B).
    #[arg(long, default_value = "none", value_name = "MODE")]
    pub numeric: String,
    /// A column holding several values per field, and their separator:
    /// `tags:;` or `tags:space` (repeatable). Each value is one occurrence.
    #[arg(long, value_name = "COL:SEP")]
    pub multivalue: Vec<String>,
    /// Rank a reproducible sample of this share of the rows, in (0, 1].
    #[arg(long, value_name = "R")]
    pub sample_rate: Option<f64>,
    /// Seed of the sampling hash.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Keep at most K distinct values per feature; the rarest fold into one
    /// `<other>` level, reported in the output.
    #[arg(long, value_name = "K")]
    pub max_distinct: Option<usize>,
    /// Skip rows with the wrong number of fields, invalid UTF-8 or (VW) no
    /// label, and report how many, instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Vowpal Wabbit namespace names: `a=user,b=site`, or a file with one
    /// `namespace=column` per line.
    #[arg(long, value_name = "MAP")]
    pub vw_namespaces: Option<String>,
}

impl InputArgs {
    /// The run layer's read options. The run layer checks every value; the
    /// delimiter and the multivalue specs are checked here first, so that
    /// the message names the flag.
    pub fn read_args(
        &self,
        delimiter: Option<&str>,
        batch_size: usize,
    ) -> Result<ReadArgs, CliError> {
        if let Some(d) = delimiter {
            cardrank_run::parse_delimiter(d).map_err(|e| flag("--delimiter", e))?;
        }
        for spec in &self.multivalue {
            cardrank_run::parse_multivalue(spec).map_err(|e| flag("--multivalue", e))?;
        }
        Ok(ReadArgs {
            format: self.format.clone(),
            delimiter: delimiter.map(str::to_string),
            numeric: self.numeric.clone(),
            multivalue: self.multivalue.clone(),
            sample_rate: self.sample_rate,
            seed: self.seed,
            max_distinct: self.max_distinct,
            skip_bad_rows: self.skip_bad_rows,
            vw_namespaces: self.vw_namespaces.clone(),
            batch_size,
        })
    }
}

/// A reader's option error, said of the command-line flag.
fn flag(name: &str, e: cardrank_io::Error) -> CliError {
    let message = match e {
        cardrank_io::Error::InvalidOption { message } => message,
        other => other.to_string(),
    };
    CliError::Usage(format!("{name}: {message}"))
}

/// Options of `cardrank rank` (and the input of `cardrank select`).
#[derive(Args, Debug)]
pub struct RankArgs {
    /// Input files or glob patterns (`-` reads standard input), read as one
    /// data set.
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// The target (label) column.
    #[arg(long, short)]
    pub target: String,
    /// Field delimiter (default: tab for .tsv/.tab, else comma). `\t` is a tab.
    #[arg(long, short, value_name = "C")]
    pub delimiter: Option<String>,
    /// A value that counts as missing (repeatable). Default: the empty field.
    #[arg(long, value_name = "TOKEN")]
    pub missing: Vec<String>,
    /// Rank only these features (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub features: Option<Vec<String>>,
    /// Leave these features out (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub exclude: Vec<String>,
    /// Rows per batch.
    #[arg(long, default_value_t = cardrank_run::DEFAULT_BATCH_SIZE, value_name = "ROWS")]
    pub batch_size: usize,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub opts: RankOptions,
    #[command(flatten)]
    pub pairs: PairArgs,
}

impl RankArgs {
    /// The run these arguments ask for.
    pub fn spec(&self) -> Result<RunSpec, CliError> {
        Ok(RunSpec {
            inputs: self.files.clone(),
            target: self.target.clone(),
            missing: self.missing.clone(),
            features: self.features.clone(),
            exclude: self.exclude.clone(),
            score: self.opts.score.parse()?,
            threads: self.opts.threads,
            drop_missing_target: self.opts.drop_missing_target,
            read: self
                .input
                .read_args(self.delimiter.as_deref(), self.batch_size)?,
        })
    }
}

/// Pair and triple options of `cardrank rank` (and the budget of `select`).
#[derive(Args, Debug, Clone)]
pub struct PairArgs {
    /// Add the redundancy (MI - EMI between features) of every pair among
    /// the best --max-features features.
    #[arg(long)]
    pub redundancy: bool,
    /// Add the joint relevance and synergy of pairs (2), or of pairs and
    /// triples (3).
    #[arg(long, value_name = "2|3", value_parser = clap::value_parser!(u8).range(2..=3))]
    pub interactions: Option<u8>,
    /// Pairs are counted among the best M features by relevance (default 50);
    /// `select` and `--given` take the best M as candidates (default 500).
    #[arg(long, value_name = "M")]
    pub max_features: Option<usize>,
    /// At most P pairs: M is lowered until M (M - 1) / 2 <= P.
    #[arg(long, value_name = "P")]
    pub max_pairs: Option<usize>,
    /// Triples extend the best T pairs by adjusted synergy.
    #[arg(long, default_value_t = cardrank_run::plan::DEFAULT_TRIPLE_PAIRS, value_name = "T")]
    pub triple_pairs: usize,
    /// Features the model already has (comma-separated): `rank` ranks the
    /// others by what they add beyond them; `select` conditions on them.
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub given: Vec<String>,
    /// With --given: score a candidate given the joint value of all given
    /// features when they have at most this many observed combinations.
    #[arg(long, default_value_t = cardrank_run::DEFAULT_JOINT_LEVELS, value_name = "L")]
    pub joint_levels: usize,
    /// `select` and `--given`: a value seen in fewer than N rows is rare; a
    /// numeric column mostly of rare values is cut into --bins bins, other
    /// columns pool their rare values into <other>. Default: 20 for
    /// `select`, 0 (every value its own level) for `rank --given`.
    #[arg(long, value_name = "N")]
    pub min_count: Option<u64>,
    /// Bins of a numeric column mostly of rare values (0: pool its rare
    /// values instead).
    #[arg(long, default_value_t = cardrank::Grouping::SELECT.bins, value_name = "B")]
    pub bins: usize,
}

impl PairArgs {
    /// Whether any pair output was asked for.
    pub fn wanted(&self) -> bool {
        self.redundancy || self.interactions.is_some()
    }

    /// The budget of counted pairs, with triples when `triples`.
    pub fn budget(&self, triples: bool) -> PairBudget {
        PairBudget {
            max_features: self
                .max_features
                .unwrap_or(cardrank_run::plan::DEFAULT_MAX_FEATURES),
            max_pairs: self.max_pairs,
            triple_pairs: triples.then_some(self.triple_pairs),
        }
    }

    /// How a conditional run groups values into levels: `--min-count`
    /// (else `default_min_count`) and `--bins`.
    pub fn grouping(&self, default_min_count: u64) -> cardrank::Grouping {
        cardrank::Grouping {
            min_count: self.min_count.unwrap_or(default_min_count),
            bins: self.bins,
        }
    }

    /// The budget of a conditional run (`select` in target units,
    /// `--given`): M candidates, at least `k`.
    pub fn candidates(&self, k: Option<usize>) -> PairBudget {
        PairBudget {
            max_features: self
                .max_features
                .unwrap_or(cardrank_run::plan::DEFAULT_CANDIDATES)
                .max(k.unwrap_or(0)),
            max_pairs: self.max_pairs,
            triple_pairs: None,
        }
    }
}

/// Options of `cardrank select`.
#[derive(Args, Debug)]
pub struct SelectArgs {
    #[command(flatten)]
    pub rank: RankArgs,
    /// Features to select. Default: stop at the last step that adds
    /// significantly (`k_suggested`); `--method outrank` needs it.
    #[arg(long, short)]
    pub k: Option<usize>,
    /// joint (default), jmi, cmim, mrmr, 3mr: every term information about
    /// the target; outrank: the OutRank paper's 3MR (redundancy between features).
    #[arg(long, default_value = cardrank_run::DEFAULT_METHOD.name(), value_name = "METHOD")]
    pub method: String,
    /// A step adds significantly when its score is positive with z >= Z.
    #[arg(long, default_value_t = 3.0, value_name = "Z")]
    pub min_z: f64,
    /// Weight of redundancy (mrmr, 3mr, outrank).
    #[arg(long, default_value_t = 1.0, value_name = "A")]
    pub alpha: f64,
    /// Weight of synergy (3mr; outrank: 0 is mRMR).
    #[arg(long, default_value_t = 1.0, value_name = "B")]
    pub beta: f64,
    /// outrank: how the terms over the selected features combine: mean, max, median.
    #[arg(long, default_value = "mean", value_name = "AGG")]
    pub aggregate: String,
    /// Never add two features in one step (see docs/selection.md: pair steps).
    #[arg(long)]
    pub no_pair_steps: bool,
}

/// Options of `cardrank report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Input files or glob patterns (`-` reads standard input, once: then
    /// there are no unusual rows and no heatmap).
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// The target (label) column.
    #[arg(long, short)]
    pub target: String,
    /// Write the report into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Field delimiter (default: tab for .tsv/.tab, else comma).
    #[arg(long, short, value_name = "C")]
    pub delimiter: Option<String>,
    /// A value that counts as missing (repeatable). Default for the report:
    /// the empty field and `?` (pass `--missing ''` for only the empty
    /// field, as `cardrank rank` does).
    #[arg(long, value_name = "TOKEN")]
    pub missing: Vec<String>,
    /// Only these features (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub features: Option<Vec<String>>,
    /// Leave these features out (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub exclude: Vec<String>,
    /// Rows per batch.
    #[arg(long, default_value_t = cardrank_run::DEFAULT_BATCH_SIZE, value_name = "ROWS")]
    pub batch_size: usize,
    #[command(flatten)]
    pub input: InputArgs,
    /// Worker threads, 1 to 1024 (default: CARDRANK_THREADS, else all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Rank by this score: adjusted (MI - EMI), mi, ami, z.
    #[arg(long, default_value = "adjusted", value_name = "SCORE")]
    pub score: String,
    /// Most frequent values listed per column.
    #[arg(long, default_value_t = 10, value_name = "K")]
    pub top_values: usize,
    /// Most unusual rows listed (a second pass; 0 for none).
    #[arg(long, default_value_t = 20, value_name = "K")]
    pub unusual_rows: usize,
    /// Redundancy heatmap of the best K features with at most 1,000
    /// distinct values (pairs counted in the second pass; 0 for none).
    #[arg(long, default_value_t = 15, value_name = "K")]
    pub heatmap: usize,
    /// Change a flag's threshold, NAME=VALUE (repeatable); names:
    /// near_constant, mostly_missing, id_like_rows_per_value, label_leak,
    /// drift_psi, drift_z, rare_count, rare_share.
    #[arg(long, value_name = "NAME=VALUE")]
    pub threshold: Vec<String>,
    /// Print quality.json to stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Drop the rows whose target is missing (empty, a --missing token, null
    /// or NaN) and report how many; without it they are an error.
    #[arg(long)]
    pub drop_missing_target: bool,
}

impl ReportArgs {
    /// The run these arguments ask for.
    pub fn spec(&self) -> Result<RunSpec, CliError> {
        Ok(RunSpec {
            inputs: self.files.clone(),
            target: self.target.clone(),
            missing: self.missing.clone(),
            features: self.features.clone(),
            exclude: self.exclude.clone(),
            score: self.score.parse()?,
            threads: self.threads,
            drop_missing_target: self.drop_missing_target,
            read: self
                .input
                .read_args(self.delimiter.as_deref(), self.batch_size)?,
        })
    }
}

/// Options of `cardrank compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The first ranking (`cardrank rank --json` output or ranking.json).
    pub a: PathBuf,
    /// The second ranking.
    pub b: PathBuf,
    /// RBO persistence p in (0, 1): the weight of depth d is p^(d-1).
    #[arg(long, default_value_t = 0.9, value_name = "P")]
    pub p: f64,
    /// Features listed as moved.
    #[arg(long, default_value_t = 10, value_name = "K")]
    pub top: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Options of `cardrank demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Rows to generate.
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Columns to generate (the target included).
    #[arg(long, default_value_t = 30)]
    pub columns: usize,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub opts: RankOptions,
}

/// Options of `cardrank generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Rows to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    /// Columns to generate (the target included).
    #[arg(long, default_value_t = 50)]
    pub columns: usize,
    /// Output file, its format by extension: .csv, .tsv, .vw (each also .gz
    /// or .zst), .parquet, .arrow/.feather (IPC file), .arrows (IPC stream).
    /// The ground truth goes to FILE.truth.json.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}
