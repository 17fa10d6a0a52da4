//! `cardrank rank --redundancy / --interactions 2|3`: feature pairs and
//! triples, within a stated budget.
//!
//! Pass 1 ranks every feature; pass 2 counts every pair among the best M by
//! relevance (one pass only when all features fit in M); with
//! `--interactions 3`, pass 3 counts triples: the best T pairs by adjusted
//! synergy, each extended by every other of the M features.

use std::path::PathBuf;
use std::time::Instant;

use cardrank::{Interactions, PairSpec, Ranker, Ranking};
use cardrank_io::BatchSource;
use clap::Args;
use serde::Serialize;

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

/// What was counted, and why not more.
#[derive(Serialize, Debug, Clone)]
pub struct Budget {
    /// Features ranked.
    pub features_ranked: usize,
    /// `--max-features`.
    pub max_features: usize,
    /// `--max-pairs`, if given.
    pub max_pairs: Option<usize>,
    /// The features whose pairs were counted, best first.
    pub pair_features: Vec<String>,
    /// Pairs counted.
    pub pairs_tested: usize,
    /// `--triple-pairs`, when triples were counted.
    pub triple_pairs: Option<usize>,
    /// Triples counted.
    pub triples_tested: usize,
    /// Passes over the input.
    pub passes: usize,
    /// The budget in words.
    pub note: String,
}

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

/// The largest M <= `max_features` with M (M - 1) / 2 <= `max_pairs`.
pub fn budget_features(max_features: usize, max_pairs: Option<usize>) -> usize {
    let mut m = max_features;
    if let Some(p) = max_pairs {
        while m > 1 && m * (m - 1) / 2 > p {
            m -= 1;
        }
    }
    m
}

/// Ranks, then counts pairs (and triples when `triples`) within the budget.
pub fn run_pairs(a: &RankArgs, pa: &PairArgs, triples: bool) -> Result<PairRun, CliError> {
    let start = Instant::now();
    if a.input.max_distinct.is_some() {
        return Err(CliError::Usage(
            "--max-distinct cannot be combined with pairs (--redundancy, --interactions, select): folding renumbers values".into(),
        ));
    }
    let m = budget_features(pa.max_features, pa.max_pairs);
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
    let one_pass = pairable.len() <= m;
    if !one_pass && stdin {
        return Err(CliError::Usage(format!(
            "standard input can be read once: pairs among the best {m} of {} features need a second pass; pass a file or --max-features {}",
            pairable.len(),
            pairable.len()
        )));
    }
    let first_params = if one_pass {
        params.clone().pairs(PairSpec::among(&pairable))
    } else {
        params.clone()
    };
    let mut ranker = Ranker::new(first_params)?;
    pass(reader, &mut ranker, a.opts.quiet)?;
    let ranking = ranker.finish()?;
    let input = InputJson::new(progress.report(), None, Vec::new());
    let (mut interactions, chosen, mut passes) = if one_pass {
        (ranker.interactions()?, pairable.clone(), 1)
    } else {
        let chosen: Vec<String> = ranking
            .features
            .iter()
            .map(|f| f.feature.clone())
            .filter(|f| pairable.contains(f))
            .take(m)
            .collect();
        let mut second = Ranker::new(
            params
                .clone()
                .features(&chosen)
                .pairs(PairSpec::among(&chosen)),
        )?;
        pass(open(a, Some(chosen.clone()))?, &mut second, a.opts.quiet)?;
        (second.interactions()?, chosen, 2)
    };
    drop(ranker);
    // Relevance order for the budget's list.
    let mut pair_features = chosen;
    let rank_of = |f: &String| ranking.features.iter().position(|s| &s.feature == f);
    pair_features.sort_by_key(rank_of);
    let mut triple_pairs = None;
    if triples {
        let t = pa.triple_pairs;
        triple_pairs = Some(t);
        let candidates = triple_candidates(&interactions, &pair_features, t);
        if !candidates.is_empty() {
            let mut names: Vec<String> = Vec::new();
            for c in candidates.iter().flatten() {
                if !names.contains(c) {
                    names.push(c.clone());
                }
            }
            let spec = PairSpec::default().with_triples(candidates);
            let mut third = Ranker::new(params.features(&names).pairs(spec))?;
            pass(open(a, Some(names))?, &mut third, a.opts.quiet)?;
            interactions.add_triples(third.interactions()?);
            passes += 1;
        }
    }
    let note = format!(
        "pairs among the best {} of {} features by relevance ({} pairs{}){}",
        pair_features.len(),
        all.len(),
        interactions.pairs_tested,
        if m < pa.max_features {
            format!(", --max-pairs {} lowered --max-features {} to {m}", pa.max_pairs.unwrap_or(0), pa.max_features)
        } else {
            String::new()
        },
        match triple_pairs {
            Some(t) => format!(
                "; triples: the best {t} pairs by adjusted synergy, each extended by every other of those features ({} triples)",
                interactions.triples_tested
            ),
            None => String::new(),
        }
    );
    let budget = Budget {
        features_ranked: all.len(),
        max_features: pa.max_features,
        max_pairs: pa.max_pairs,
        pair_features,
        pairs_tested: interactions.pairs_tested,
        triple_pairs,
        triples_tested: interactions.triples_tested,
        passes,
        note,
    };
    let meta = Meta {
        source: crate::input::source_name(&a.files),
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok(PairRun {
        ranking,
        interactions,
        budget,
        input,
        meta,
    })
}

/// Triples: each of the best `t` pairs by adjusted synergy, extended by
/// every other feature of `features`; each triple once, its names in the
/// order of `features`.
fn triple_candidates(inter: &Interactions, features: &[String], t: usize) -> Vec<[String; 3]> {
    let pos = |f: &String| features.iter().position(|g| g == f).unwrap_or(usize::MAX);
    let mut out: Vec<[String; 3]> = Vec::new();
    for p in inter.pairs.iter().take(t) {
        for c in features {
            if p.features.contains(c) {
                continue;
            }
            let mut tri = [p.features[0].clone(), p.features[1].clone(), c.clone()];
            tri.sort_by_key(pos);
            if !out.contains(&tri) {
                out.push(tri);
            }
        }
    }
    out
}

/// `cardrank rank` with pair output.
pub fn run_rank(a: &RankArgs) -> Result<(), CliError> {
    let triples = a.pairs.interactions == Some(3);
    let run = run_pairs(a, &a.pairs, triples)?;
    crate::pair_output::emit(&run, &a.pairs, &a.opts)
}
