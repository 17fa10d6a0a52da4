//! The streaming entry point: feed Arrow batches, get a ranking.

use std::sync::Arc;

use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use rayon::prelude::*;

use crate::column::{encode_array, is_supported};
use crate::error::{Error, Result};
use crate::params::{CheckedParams, RankParams};
use crate::ranking::Ranking;
use crate::state::{FeatureState, RankState};

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
}

impl Ranker {
    /// A ranker for the given parameters (checked here, once).
    pub fn new(params: RankParams) -> Result<Self> {
        let params = params.check()?;
        let pool = build_pool(params.threads())?;
        let state = RankState::new(params.params.target.clone(), params.missing.clone());
        Ok(Ranker {
            params,
            state,
            pool,
            layout: None,
            target_codes: Vec::new(),
        })
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
        if r.state.missing != state.missing {
            return Err(Error::StateMismatch("different missing tokens".into()));
        }
        r.state = state;
        Ok(r)
    }

    /// The checked parameters.
    pub fn params(&self) -> &RankParams {
        self.params.params()
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

    /// Runs `f` on this ranker's thread pool.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// Adds one batch of rows.
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        self.state.batches += 1;
        let batch_no = self.state.batches;
        let (target_idx, feature_idx) = self.layout_for(batch, batch_no)?;
        let target = batch.column(target_idx);
        self.target_codes.clear();
        let missing = &self.params.missing;
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
        let n_classes = self.state.target_dict.len();
        self.state.class_counts.resize(n_classes, 0);
        for &c in &self.target_codes {
            self.state.class_counts[c as usize] += 1;
        }
        self.state.rows += batch.num_rows() as u64;
        let classes = &self.target_codes;
        let features = &mut self.state.features;
        let mut work = || {
            features
                .par_iter_mut()
                .zip(feature_idx.par_iter())
                .try_for_each_init(Vec::new, |codes, (f, &i)| {
                    codes.clear();
                    let col = batch.column(i);
                    encode_array(&mut f.dict, missing, col.as_ref(), codes).map_err(|u| {
                        Error::UnsupportedType {
                            column: f.name.clone(),
                            data_type: u.0.to_string(),
                        }
                    })?;
                    f.add_rows(codes, classes, n_classes);
                    Ok(())
                })
        };
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// Finishes: computes every measure and sorts.
    pub fn finish(&self) -> Result<Ranking> {
        self.install(|| Ranking::from_state(&self.state, self.params.params.score))
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
            self.state
                .features
                .iter()
                .map(|f| {
                    find(&f.name).ok_or_else(|| Error::SchemaChanged {
                        batch: batch_no,
                        column: f.name.clone(),
                    })
                })
                .collect::<Result<_>>()?
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
