//! The streaming entry point: feed Arrow batches, get a ranking.

use std::sync::Arc;

use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_schema::Schema;
use arrow_select::filter::filter_record_batch;
use rayon::prelude::*;

use crate::column::{encode_array, encode_list, is_list, is_supported, missing_rows};
use crate::counts::FeatureState;
use crate::counts::PairState;
use crate::error::{Error, Result};
use crate::gain::{add_crossfit, crossfit_classes, CodeHashes};
use crate::pairs::Interactions;
use crate::params::{CheckedParams, RankParams};
use crate::quality::{BatchPlan, TrackOptions, Tracker};
use crate::ranking::Ranking;
use crate::state::RankState;

/// Rows encoded at a time for a feature whose codes are only counted.
const ENCODE_CHUNK: usize = 1 << 14;

/// Whether a column is encoded a slice at a time: longer than a chunk, and
/// not dictionary-encoded (a dictionary array's entries are coded once per
/// call, which slicing would repeat).
fn chunked(col: &dyn Array) -> bool {
    col.len() > ENCODE_CHUNK && !matches!(col.data_type(), arrow_schema::DataType::Dictionary(..))
}

/// Accumulates batches and finishes to a [`Ranking`].
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::{RankParams, Ranker};
///
/// let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("site", col(&["a", "a", "b", "b", "c", "c"])),
///     ("noise", col(&["x", "y", "x", "y", "x", "y"])),
///     ("click", col(&["1", "1", "0", "0", "0", "0"])),
/// ]).unwrap();
/// let mut ranker = Ranker::new(RankParams::new("click")).unwrap();
/// ranker.update(&batch).unwrap();
/// let ranking = ranker.finish().unwrap();
/// assert_eq!(ranking.features[0].feature, "site");
/// ```
pub struct Ranker {
    params: CheckedParams,
    state: RankState,
    pool: Option<Arc<rayon::ThreadPool>>,
    /// Column index of the target and of each feature in the current schema.
    layout: Option<(Arc<Schema>, usize, Vec<usize>)>,
    target_codes: Vec<u32>,
    /// Per feature: its batch codes, kept when it is part of a counted pair.
    kept: Vec<Option<Vec<u32>>>,
    /// The features of the pair tables, as indices of the state's features.
    pair_cols: Vec<usize>,
    /// The data-quality tracker, when switched on ([`Ranker::track_quality`]).
    quality: Option<Tracker>,
    /// For the gain's folds: the value hashes of each feature's codes, and
    /// each row's `class * FOLDS + fold`.
    code_hashes: Vec<CodeHashes>,
    fold_classes: Vec<u32>,
}

impl Ranker {
    /// A ranker for the given parameters (checked here, once).
    pub fn new(params: RankParams) -> Result<Self> {
        let params = params.check()?;
        let pool = build_pool(params.threads())?;
        Ok(Ranker::empty(params, pool))
    }

    fn empty(params: CheckedParams, pool: Option<Arc<rayon::ThreadPool>>) -> Self {
        let mut state = RankState::new(params.params.target.clone(), params.missing.clone());
        state.pairs = params.params.pairs.as_ref().map(PairState::new);
        state.max_distinct = params.params.max_distinct;
        state.gain = params.params.counts_gain();
        Ranker {
            params,
            state,
            pool,
            layout: None,
            target_codes: Vec::new(),
            kept: Vec::new(),
            pair_cols: Vec::new(),
            quality: None,
            code_hashes: Vec::new(),
            fold_classes: Vec::new(),
        }
    }

    /// An empty ranker with the same parameters and the same thread pool
    /// (no pool is built): one per part of the data, each fed its own
    /// batches, whose states are then merged with [`Ranker::merge_state`]
    /// (e.g. the byte ranges of `cardrank_io::split`). The data-quality
    /// tracker is not carried over.
    ///
    /// # Example
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, RecordBatch, StringArray};
    /// use cardrank::{RankParams, Ranker};
    ///
    /// let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    /// let part = |site: &[&str], click: &[&str]| {
    ///     RecordBatch::try_from_iter([("site", col(site)), ("click", col(click))]).unwrap()
    /// };
    /// let mut ranker = Ranker::new(RankParams::new("click")).unwrap();
    /// let mut other = ranker.sibling();
    /// ranker.update(&part(&["a", "b"], &["1", "0"])).unwrap();
    /// other.update(&part(&["b", "a"], &["0", "1"])).unwrap();
    /// ranker.merge_state(other.state()).unwrap();
    /// assert_eq!(ranker.state().rows(), 4);
    /// ```
    pub fn sibling(&self) -> Ranker {
        Ranker::empty(self.params.clone(), self.pool.clone())
    }

    /// A ranker that continues from a state (e.g. one decoded from bytes).
    pub fn from_state(params: RankParams, state: RankState) -> Result<Self> {
        let mut r = Ranker::new(params)?;
        if r.state.target != state.target {
            return Err(Error::StateMismatch(format!(
                "parameters name target `{}`, the state `{}`",
                r.state.target, state.target
            )));
        }
        if r.state.max_distinct != state.max_distinct {
            return Err(Error::StateMismatch(
                "different max_distinct budgets".into(),
            ));
        }
        if r.state.gain != state.gain {
            return Err(Error::StateMismatch(
                "the parameters and the state differ in counting the gain".into(),
            ));
        }
        if r.state.missing != state.missing {
            return Err(Error::StateMismatch("different missing tokens".into()));
        }
        if r.state.pairs.as_ref().map(|p| (p.features(), p.tuples()))
            != state.pairs.as_ref().map(|p| (p.features(), p.tuples()))
        {
            return Err(Error::StateMismatch(
                "the parameters and the state count different feature pairs".into(),
            ));
        }
        r.state = state;
        Ok(r)
    }

    /// The checked parameters.
    pub fn params(&self) -> &RankParams {
        self.params.params()
    }

    /// The threads of this ranker's own pool (`None`: it runs on rayon's
    /// global pool, one thread per core).
    pub fn threads(&self) -> Option<usize> {
        self.params.threads()
    }

    /// The accumulated state so far.
    pub fn state(&self) -> &RankState {
        &self.state
    }

    /// Gives up the accumulated state (to serialise or merge it).
    pub fn into_state(self) -> RankState {
        self.state
    }

    /// Merges another ranker's or worker's state into this one.
    pub fn merge_state(&mut self, other: &RankState) -> Result<()> {
        self.state.merge(other)
    }

    /// Joins two rankers of the same parameters (e.g. of adjacent ranges
    /// of one input); a ranker that saw no row is dropped, not merged.
    pub fn join(mut self, other: Ranker) -> Result<Ranker> {
        if other.state.features().is_empty() {
            return Ok(self);
        }
        if self.state.features().is_empty() {
            return Ok(other);
        }
        self.merge_state(&other.state)?;
        Ok(self)
    }

    /// Runs `f` on this ranker's thread pool.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// Adds one batch of rows. Rows whose target is missing (null, NaN or
    /// a missing token) are left out and counted: a missing target is not a
    /// class (see [`RankParams::drop_missing_target`]).
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        self.update_all(std::slice::from_ref(batch))
    }

    /// Adds several batches, as [`Ranker::update`] with each in turn (the
    /// same state), but coding each column through all of them in one go:
    /// its dictionary stays in cache, which makes a table of many small
    /// chunks (a pandas frame, say) pass about as fast as one batch.
    pub fn update_all(&mut self, batches: &[RecordBatch]) -> Result<()> {
        let mut kept: Vec<std::borrow::Cow<'_, RecordBatch>> = Vec::with_capacity(batches.len());
        for batch in batches {
            let target = batch.schema().index_of(&self.state.target).ok();
            match target.and_then(|t| missing_rows(batch.column(t).as_ref(), &self.params.missing))
            {
                None => kept.push(std::borrow::Cow::Borrowed(batch)),
                Some(missing) => {
                    let keep =
                        BooleanArray::from(missing.iter().map(|&m| !m).collect::<Vec<bool>>());
                    let rows =
                        filter_record_batch(batch, &keep).map_err(|e| Error::UnsupportedType {
                            column: self.state.target.clone(),
                            data_type: format!(
                                "(rows with a missing target cannot be left out: {e})"
                            ),
                        })?;
                    self.state.missing_target_rows += (batch.num_rows() - rows.num_rows()) as u64;
                    kept.push(std::borrow::Cow::Owned(rows));
                }
            }
        }
        let kept: Vec<&RecordBatch> = kept.iter().map(|b| b.as_ref()).collect();
        if self.quality.is_some() {
            // The tracker's partitions follow the batches: one at a time.
            return kept.iter().try_for_each(|b| self.update_rows(&[b]));
        }
        self.update_rows(&kept)
    }

    /// Fails on rows with a missing target unless they are to be dropped.
    fn check_missing_target(&self) -> Result<()> {
        let rows = self.state.missing_target_rows;
        if rows > 0 && !self.params.params.drop_missing_target {
            return Err(Error::MissingTargetValues {
                target: self.state.target.clone(),
                rows,
                total: rows + self.state.rows,
            });
        }
        Ok(())
    }

    /// Adds batches of rows, all with a target value: each feature's
    /// column is coded through every batch by one task.
    fn update_rows(&mut self, batches: &[&RecordBatch]) -> Result<()> {
        let mut layouts: Vec<(usize, Vec<usize>)> = Vec::with_capacity(batches.len());
        for batch in batches {
            self.state.batches += 1;
            let batch_no = self.state.batches;
            layouts.push(self.layout_for(batch, batch_no)?);
        }
        if batches.is_empty() {
            return Ok(());
        }
        if self.kept.len() != self.state.features.len() {
            self.prepare_pairs()?;
        }
        self.target_codes.clear();
        let missing = &self.params.missing;
        // Where each batch's rows start in the classes.
        let mut starts = vec![0usize];
        for (batch, (target_idx, _)) in batches.iter().zip(&layouts) {
            let target = batch.column(*target_idx);
            encode_array(
                &mut self.state.target_dict,
                missing,
                target.as_ref(),
                &mut self.target_codes,
            )
            .map_err(|u| Error::UnsupportedType {
                column: self.state.target.clone(),
                data_type: u.0.to_string(),
            })?;
            starts.push(self.target_codes.len());
        }
        let n_classes = self.state.target_dict.len();
        self.state.class_counts.resize(n_classes, 0);
        for &c in &self.target_codes {
            self.state.class_counts[c as usize] += 1;
        }
        self.state.rows += self.target_codes.len() as u64;
        let classes = &self.target_codes;
        let features = &mut self.state.features;
        let code_hashes = &mut self.code_hashes;
        let fold_classes = &mut self.fold_classes;
        let (kept, pairs, pair_cols) = (&mut self.kept, &mut self.state.pairs, &self.pair_cols);
        let max_distinct = self.state.max_distinct;
        let gain = self.state.gain;
        // With the gain, every feature's codes are kept for the second pass
        // (the folds need every value of a row), and the budget applies
        // after it (folding renumbers codes).
        let first_bound = if gain { None } else { max_distinct };
        let paired: Vec<bool> = (0..features.len())
            .map(|i| pair_cols.contains(&i))
            .collect();
        // The data-quality tracker (off unless `track_quality`; then one
        // batch at a time): a hook per feature.
        let (plan, mut hooks) = match (self.quality.as_mut(), batches) {
            (Some(q), [batch]) => {
                let lists: Vec<bool> = layouts[0]
                    .1
                    .iter()
                    .map(|&i| is_list(batch.column(i).data_type()))
                    .collect();
                q.begin_batch(batch.num_rows(), &lists, classes, &self.state.target_dict)
            }
            _ => (
                BatchPlan::default(),
                features.iter().map(|_| None).collect(),
            ),
        };
        let layouts = &layouts;
        let mut work = || {
            features
                .par_iter_mut()
                .enumerate()
                .zip(kept.par_iter_mut())
                .zip(hooks.par_iter_mut())
                .zip(paired.par_iter())
                .try_for_each_init(Vec::new, |scratch, ((((i, f), keep), hook), &in_pair)| {
                    let keep_codes = keep.is_some();
                    let codes = keep.as_mut().unwrap_or(scratch);
                    codes.clear();
                    let name = f.name.clone();
                    let unsupported = |u: crate::column::Unsupported| Error::UnsupportedType {
                        column: name.clone(),
                        data_type: u.0.to_string(),
                    };
                    for (b, batch) in batches.iter().enumerate() {
                        let col = batch.column(layouts[b].1[i]);
                        let classes = &classes[starts[b]..starts[b + 1]];
                        if is_list(col.data_type()) {
                            // A multivalue feature: one code per occurrence.
                            add_list(f, col.as_ref(), in_pair, missing, classes, n_classes)?;
                            bound(f, first_bound);
                            continue;
                        }
                        if !keep_codes && hook.is_none() && chunked(col.as_ref()) {
                            // Codes needed only to count: a slice at a time, so
                            // the codes stay in cache and no column-long buffer
                            // is allocated (and its pages cleared) per batch.
                            for start in (0..col.len()).step_by(ENCODE_CHUNK) {
                                let len = ENCODE_CHUNK.min(col.len() - start);
                                codes.clear();
                                let part = col.slice(start, len);
                                encode_array(&mut f.dict, missing, part.as_ref(), codes)
                                    .map_err(unsupported)?;
                                f.add_rows(codes, &classes[start..start + len], n_classes);
                            }
                            bound(f, first_bound);
                            continue;
                        }
                        // Kept codes run on through the batches; others are
                        // this batch's only.
                        if !keep_codes {
                            codes.clear();
                        }
                        let at = codes.len();
                        encode_array(&mut f.dict, missing, col.as_ref(), codes)
                            .map_err(unsupported)?;
                        f.add_rows(&codes[at..], classes, n_classes);
                        bound(f, first_bound);
                        if let Some(track) = hook.as_mut() {
                            track.observe(&codes[at..], &plan, &f.dict);
                        }
                    }
                    Ok::<(), Error>(())
                })?;
            if gain {
                let folds = crossfit_classes(features, kept, code_hashes, classes, fold_classes);
                add_crossfit(features, kept, folds, n_classes, max_distinct);
            }
            if let Some(p) = pairs.as_mut() {
                let codes: Vec<&[u32]> = pair_cols
                    .iter()
                    .map(|&i| kept[i].as_deref().unwrap_or_default())
                    .collect();
                let cards: Vec<usize> = pair_cols.iter().map(|&i| features[i].dict.len()).collect();
                p.add_batch(&codes, &cards, classes, n_classes);
            }
            Ok(())
        };
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// Switches on the data-quality tracker (partition hashes and drift
    /// counts, see [`crate::quality`]); only before the first batch.
    pub fn track_quality(&mut self, options: TrackOptions) -> Result<()> {
        if self.state.rows > 0 {
            return Err(Error::InvalidParameter {
                name: "track_quality",
                value: format!("after {} rows", self.state.rows),
                expected: "to be switched on before the first batch",
            });
        }
        self.quality = Some(Tracker::new(options)?);
        Ok(())
    }

    /// The data-quality tracker, when switched on.
    pub fn quality_tracker(&self) -> Option<&Tracker> {
        self.quality.as_ref()
    }

    /// Finishes: computes every measure and sorts.
    pub fn finish(&self) -> Result<Ranking> {
        self.check_missing_target()?;
        self.install(|| Ranking::from_state(&self.state, self.params.params.score))
    }

    /// Finishes the pair and triple tables asked for with
    /// [`RankParams::pairs`]: redundancy, joint relevance and synergy.
    pub fn interactions(&self) -> Result<Interactions> {
        self.check_missing_target()?;
        self.install(|| Interactions::from_state(&self.state))
    }

    /// Sets up the code buffers of the features in counted pairs (of
    /// every feature when the gain is counted).
    fn prepare_pairs(&mut self) -> Result<()> {
        let gain = self.state.gain;
        self.kept = vec![gain.then(Vec::new); self.state.features.len()];
        self.code_hashes = vec![CodeHashes::default(); self.state.features.len()];
        if let Some(p) = &self.state.pairs {
            self.pair_cols = p.resolve(&self.state.features)?;
            for &i in &self.pair_cols {
                self.kept[i] = Some(Vec::new());
            }
        }
        Ok(())
    }

    /// Resolves the target and feature columns of a batch's schema.
    fn layout_for(&mut self, batch: &RecordBatch, batch_no: u64) -> Result<(usize, Vec<usize>)> {
        let schema = batch.schema();
        if let Some((s, t, f)) = &self.layout {
            if Arc::ptr_eq(s, &schema) || **s == *schema {
                return Ok((*t, f.clone()));
            }
        }
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        let target_idx = find(&self.state.target).ok_or_else(|| Error::MissingTarget {
            target: self.state.target.clone(),
            available: names.clone(),
        })?;
        if !is_supported(batch.column(target_idx).data_type()) {
            return Err(Error::UnsupportedType {
                column: self.state.target.clone(),
                data_type: batch.column(target_idx).data_type().to_string(),
            });
        }
        let feature_idx: Vec<usize> = if self.state.initialised {
            let idx = self
                .state
                .features
                .iter()
                .map(|f| {
                    find(&f.name).ok_or_else(|| Error::SchemaChanged {
                        batch: batch_no,
                        column: f.name.clone(),
                        added: false,
                    })
                })
                .collect::<Result<Vec<usize>>>()?;
            // A column that would have been ranked, had the first batch had
            // it, is not dropped in silence.
            let p = &self.params.params;
            if p.features.is_none() {
                let known = |i: usize| i == target_idx || idx.contains(&i);
                if let Some(i) =
                    (0..names.len()).find(|&i| !known(i) && !p.exclude.contains(&names[i]))
                {
                    return Err(Error::SchemaChanged {
                        batch: batch_no,
                        column: names[i].clone(),
                        added: true,
                    });
                }
            }
            idx
        } else {
            let p = &self.params.params;
            for name in p.features.iter().flatten().chain(&p.exclude) {
                if find(name).is_none() {
                    return Err(Error::UnknownColumn {
                        column: name.clone(),
                        available: names.clone(),
                    });
                }
            }
            let chosen: Vec<usize> = (0..names.len())
                .filter(|&i| i != target_idx)
                .filter(|&i| match &p.features {
                    Some(list) => list.contains(&names[i]),
                    None => true,
                })
                .filter(|&i| !p.exclude.contains(&names[i]))
                .collect();
            if chosen.is_empty() {
                return Err(Error::NoFeatures);
            }
            self.state.features = chosen
                .iter()
                .map(|&i| FeatureState::new(names[i].clone()))
                .collect();
            self.state.initialised = true;
            chosen
        };
        for &i in &feature_idx {
            let dt = batch.column(i).data_type();
            if !is_supported(dt) {
                return Err(Error::UnsupportedType {
                    column: names[i].clone(),
                    data_type: dt.to_string(),
                });
            }
        }
        self.layout = Some((schema, target_idx, feature_idx.clone()));
        Ok((target_idx, feature_idx))
    }
}

/// Counts a multivalue (list) column: each element is an occurrence with
/// its row's class (see `column.rs`).
fn add_list(
    f: &mut FeatureState,
    col: &dyn Array,
    in_pair: bool,
    missing: &crate::encode::MissingTokens,
    classes: &[u32],
    n_classes: usize,
) -> Result<()> {
    let unsupported = |data_type: String| Error::UnsupportedType {
        column: f.name.clone(),
        data_type,
    };
    if in_pair {
        return Err(unsupported(format!(
            "{} (a multivalue column cannot be part of a pair or triple)",
            col.data_type()
        )));
    }
    let (mut codes, mut occurrence_classes) = (Vec::new(), Vec::new());
    encode_list(
        &mut f.dict,
        missing,
        col,
        classes,
        &mut codes,
        &mut occurrence_classes,
    )
    .map_err(|u| unsupported(u.0.to_string()))?;
    f.add_rows(&codes, &occurrence_classes, n_classes);
    Ok(())
}

/// Applies the distinct-value budget, if any (see [`crate::fold`]).
fn bound(f: &mut FeatureState, max_distinct: Option<usize>) {
    if let Some(k) = max_distinct {
        f.bound(k);
    }
}

fn build_pool(threads: Option<usize>) -> Result<Option<Arc<rayon::ThreadPool>>> {
    match threads {
        None => Ok(None),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("cardrank-{i}"))
            .build()
            .map(|p| Some(Arc::new(p)))
            .map_err(|e| Error::ThreadPool(e.to_string())),
    }
}
