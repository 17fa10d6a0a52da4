//! Whole runs over files: rank, and rank with pairs within a budget. Each
//! plans its passes here, once, for every front end.

use cardrank::{Grouping, Ranker, Ranking};

use crate::columns::Features;
use crate::error::{Error, Result};
use crate::options::RunSpec;
use crate::plan::{PairBudget, PairPlan, PairRun, ProbeRun};
use crate::read::{read_into, Read, Watch};

/// The missing tokens of `rank`, `select` and the pairs when none are
/// given: only the empty field, so that results equal scikit-learn's on the
/// raw strings.
pub const RANK_MISSING: &[&str] = &[""];

/// A ranked input: the ranking, the ranker (its state: folds, merges) and
/// how the input was read.
pub struct Ranked {
    /// Every feature, best first.
    pub ranking: Ranking,
    /// The ranker that saw every row.
    pub ranker: Ranker,
    /// What was read, and how.
    pub read: Read,
}

/// Ranks every feature of the run's inputs in one pass (in parallel byte
/// ranges where the input allows).
pub fn rank(spec: &RunSpec, watch: &dyn Watch) -> Result<Ranked> {
    let mut ranker = Ranker::new(spec.params(RANK_MISSING))?;
    let (read, transforms) = spec.reader(RANK_MISSING, None)?;
    let read = read_into(&mut ranker, &spec.inputs, &read, &transforms, true, watch)?;
    let ranking = ranker.finish()?;
    Ok(Ranked {
        ranking,
        ranker,
        read,
    })
}

/// A pair run with what the first pass read.
pub struct PairsRead {
    /// The ranking, the counted tuples and the budget used.
    pub run: PairRun,
    /// What the first pass read.
    pub read: Read,
}

/// Ranks, then counts pairs (and triples when the budget says so) over the
/// run's inputs: the passes of a [`PairPlan`], each a fresh read by one
/// reader (parallel ranges would keep a pair buffer per range).
pub fn pairs(spec: &RunSpec, budget: &PairBudget, watch: &dyn Watch) -> Result<PairsRead> {
    let (plan, read) = drive(spec, budget, None, watch)?;
    Ok(PairsRead {
        run: plan.finish()?,
        read,
    })
}

/// A conditional run with what the first pass read.
pub struct ProbeRead {
    /// The ranking and the candidates' state.
    pub run: ProbeRun,
    /// What the first pass read.
    pub read: Read,
}

/// Ranks, then keeps the best M candidates (by the run's score) and the
/// `given` features as codes, for a selection in target units
/// ([`ProbeRun::select`]) or a ranking given features
/// ([`ProbeRun::rank_given`]), their values grouped into levels by
/// `grouping`.
pub fn probe(
    spec: &RunSpec,
    budget: &PairBudget,
    given: &[String],
    grouping: &Grouping,
    watch: &dyn Watch,
) -> Result<ProbeRead> {
    let (plan, read) = drive(spec, budget, Some(given), watch)?;
    Ok(ProbeRead {
        run: plan.finish_probe(grouping)?,
        read,
    })
}

/// Every pass of the plan over the run's inputs; the first reads the
/// source opened to learn the schema.
fn drive(
    spec: &RunSpec,
    budget: &PairBudget,
    given: Option<&[String]>,
    watch: &dyn Watch,
) -> Result<(PairPlan, Read)> {
    if spec.read.max_distinct.is_some() {
        return Err(Error::Usage(
            "max_distinct cannot be combined with pairs (redundancy, interactions, select, given): folding renumbers values".into(),
        ));
    }
    let m = budget.check()?;
    let stdin = spec.reads_stdin();
    if stdin && budget.triple_pairs.is_some() {
        return Err(Error::Usage(
            "triples read the input three times; standard input can be read once: pass a file"
                .into(),
        ));
    }
    let (read, transforms) = spec.reader(RANK_MISSING, None)?;
    // The schema as the reader projects it (multivalue columns as lists).
    let first = cardrank_io::open_with(&spec.inputs, &read, &transforms)?;
    let features = Features::of(
        &first.schema(),
        &spec.target,
        spec.features.as_deref(),
        &spec.exclude,
    );
    let n_given = given.map_or(0, <[String]>::len);
    let candidates = features.pairable.len().saturating_sub(n_given);
    if stdin && !budget.one_pass(candidates) {
        return Err(Error::Usage(format!(
            "standard input can be read once: the best {m} of {candidates} features need a second pass; pass a file or max_features {candidates}"
        )));
    }
    let mut plan = PairPlan::new(
        spec.params(RANK_MISSING),
        features.ranked.len(),
        &features.pairable,
        budget,
    )?;
    if let Some(given) = given {
        plan = plan.conditional(given)?;
    }
    let mut first = Some(first);
    let mut read_first = None;
    while let Some(pass) = plan.next() {
        let mut ranker = Ranker::new(pass.params)?;
        let done = match (first.take(), &pass.columns) {
            // The first pass reads the source opened above.
            (Some(source), None) => {
                let progress = source.progress();
                watch.start(&progress);
                let done = crate::read::each_group(
                    source,
                    watch,
                    crate::read::GROUP_ROWS,
                    crate::read::GROUP_BYTES,
                    |group| -> Result<()> { Ok(ranker.update_all(group)?) },
                );
                watch.done();
                done.map(|()| Read {
                    progress,
                    how: crate::read::How::OneReader("pairs read with one reader".into()),
                })
            }
            (_, columns) => {
                let (read, transforms) = spec.reader(RANK_MISSING, columns.as_deref())?;
                read_into(&mut ranker, &spec.inputs, &read, &transforms, false, watch)
            }
        };
        let done = done?;
        read_first.get_or_insert(done);
        plan.take(ranker)?;
    }
    let read = read_first.ok_or_else(|| Error::Usage("the plan made no pass".into()))?;
    Ok((plan, read))
}
