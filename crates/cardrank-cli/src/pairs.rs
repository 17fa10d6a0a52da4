//! `cardrank rank --redundancy / --interactions 2|3`: feature pairs and
//! triples, within a stated budget.
//!
//! Pass 1 ranks every feature; pass 2 counts every pair among the best M by
//! relevance (one pass only when all features fit in M); with
//! `--interactions 3`, pass 3 counts triples: the best T pairs by adjusted
//! synergy, each extended by every other of the M features.

use std::path::PathBuf;
use std::time::Instant;

use cardrank::{Interactions, PairBudget, Ranker, Ranking};
use cardrank_io::BatchSource;
use clap::Args;

use crate::error::CliError;
use crate::input::InputJson;
use crate::output::Meta;
use crate::rank::{consume, parse_delimiter, progress_bar};
use crate::RankArgs;

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
    /// Pairs are counted among the best M features by relevance.
    #[arg(long, default_value_t = 50, value_name = "M")]
    pub max_features: usize,
    /// At most P pairs: M is lowered until M (M - 1) / 2 <= P.
    #[arg(long, value_name = "P")]
    pub max_pairs: Option<usize>,
    /// Triples extend the best T pairs by adjusted synergy.
    #[arg(long, default_value_t = 10, value_name = "T")]
    pub triple_pairs: usize,
}

impl PairArgs {
    /// Whether any pair output was asked for.
    pub fn wanted(&self) -> bool {
        self.redundancy || self.interactions.is_some()
    }
}

/// What was counted, and why not more (the JSON's `pair_budget`).
pub use cardrank::BudgetUsed as Budget;

/// Everything a pair run produces.
pub struct PairRun {
    pub ranking: Ranking,
    pub interactions: Interactions,
    pub budget: Budget,
    pub input: InputJson,
    pub meta: Meta,
}

fn is_stdin(files: &[PathBuf]) -> bool {
    files.iter().any(|f| f.as_os_str() == "-")
}

/// Opens the input, reading only `features` (and the target) if given.
fn open(a: &RankArgs, features: Option<Vec<String>>) -> Result<Box<dyn BatchSource>, CliError> {
    let delimiter = a.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let (read, transforms) = crate::input::options(
        &a.input,
        &a.target,
        delimiter,
        &a.missing,
        features,
        a.exclude.clone(),
        a.batch_size,
    )?;
    Ok(cardrank_io::open_with(&a.files, &read, &transforms)?)
}

/// Streams a reader through a ranker with a progress bar.
fn pass(reader: Box<dyn BatchSource>, ranker: &mut Ranker, quiet: bool) -> Result<(), CliError> {
    let bar = progress_bar(&reader.progress(), quiet);
    consume(reader, ranker, &bar)?;
    bar.finish_and_clear();
    Ok(())
}

/// Ranks, then counts pairs (and triples when `triples`) within the budget
/// (the passes are [`cardrank::pairs::run`]'s).
pub fn run_pairs(a: &RankArgs, pa: &PairArgs, triples: bool) -> Result<PairRun, CliError> {
    let start = Instant::now();
    if a.input.max_distinct.is_some() {
        return Err(CliError::Usage(
            "--max-distinct cannot be combined with pairs (--redundancy, --interactions, select): folding renumbers values".into(),
        ));
    }
    let budget = PairBudget {
        max_features: pa.max_features,
        max_pairs: pa.max_pairs,
        triple_pairs: triples.then_some(pa.triple_pairs),
    };
    let m = budget.features();
    if m < 2 {
        return Err(CliError::Usage(format!(
            "pairs need at least 2 features: --max-features {} with --max-pairs {} leaves {m}",
            pa.max_features,
            pa.max_pairs.map_or("none".into(), |p| p.to_string())
        )));
    }
    let stdin = is_stdin(&a.files);
    if stdin && triples {
        return Err(CliError::Usage(
            "--interactions 3 reads the input three times; standard input can be read once: pass a file".into(),
        ));
    }
    let mut params = crate::params(&a.target, &a.missing, &a.opts)?;
    if let Some(f) = &a.features {
        params = params.features(f);
    }
    let reader = open(a, a.features.clone())?;
    let progress = reader.progress();
    // The ranked features: every column but the target, as the reader
    // projects them; list (multivalue) columns have no pair tables.
    let schema = reader.schema();
    let all: Vec<String> = schema
        .fields()
        .iter()
        .filter(|f| f.name() != &a.target && !a.exclude.contains(f.name()))
        .filter(|f| a.features.as_ref().is_none_or(|l| l.contains(f.name())))
        .map(|f| f.name().clone())
        .collect();
    let pairable: Vec<String> = schema
        .fields()
        .iter()
        .filter(|f| all.contains(f.name()))
        .filter(|f| !f.data_type().is_nested())
        .map(|f| f.name().clone())
        .collect();
    if !budget.one_pass(pairable.len()) && stdin {
        return Err(CliError::Usage(format!(
            "standard input can be read once: pairs among the best {m} of {} features need a second pass; pass a file or --max-features {}",
            pairable.len(),
            pairable.len()
        )));
    }
    let mut first = Some(reader);
    let run = cardrank::pairs::run(params, all.len(), &pairable, &budget, |ranker, cols| {
        let reader = match (first.take(), cols) {
            (Some(reader), None) => reader,
            (_, cols) => open(a, cols.map(<[String]>::to_vec))?,
        };
        pass(reader, ranker, a.opts.quiet)
    })?;
    let input = InputJson::new(progress.report(), None, Vec::new());
    let meta = Meta {
        source: crate::input::source_name(&a.files),
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok(PairRun {
        ranking: run.ranking,
        interactions: run.interactions,
        budget: run.budget,
        input,
        meta,
    })
}

/// `cardrank rank` with pair output.
pub fn run_rank(a: &RankArgs) -> Result<(), CliError> {
    let triples = a.pairs.interactions == Some(3);
    let run = run_pairs(a, &a.pairs, triples)?;
    crate::pair_output::emit(&run, &a.pairs, &a.opts)
}
