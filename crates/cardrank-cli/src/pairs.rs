//! `cardrank rank --redundancy / --interactions 2|3`: feature pairs and
//! triples, within a stated budget (the passes are the run layer's
//! [`cardrank_run::PairPlan`]).

use std::time::Instant;

use cardrank::{Interactions, Ranking};

use crate::args::{PairArgs, RankArgs};
use crate::error::CliError;
use crate::input::InputJson;
use crate::output::Meta;
use crate::watch::Bar;

/// What was counted, and why not more (the JSON's `pair_budget`).
pub use cardrank_run::BudgetUsed as Budget;

/// Everything a pair run produces.
pub struct PairRun {
    pub ranking: Ranking,
    pub interactions: Interactions,
    pub budget: Budget,
    pub input: InputJson,
    pub meta: Meta,
}

/// Ranks, then counts pairs (and triples when `triples`) within the budget.
pub fn run_pairs(a: &RankArgs, pa: &PairArgs, triples: bool) -> Result<PairRun, CliError> {
    let start = Instant::now();
    let spec = a.spec()?;
    let done = cardrank_run::pairs(&spec, &pa.budget(triples), &Bar::new(a.opts.quiet))?;
    let input = InputJson::new(done.read.progress.report(), None, Vec::new());
    let meta = Meta {
        source: spec.source_name(),
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok(PairRun {
        ranking: done.run.ranking,
        interactions: done.run.interactions,
        budget: done.run.budget,
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
