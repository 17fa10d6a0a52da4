//! The data-quality report: which columns are broken before anything is
//! ranked.
//!
//! Nearly every figure follows from the [`RankState`] of one pass: value
//! counts (the joint counts summed over classes), the dictionary's values
//! (bytes per value, numbers), the missing level, MI with the target. A
//! [`Tracker`], switched on with [`crate::Ranker::track_quality`], adds in
//! the same pass what the state cannot tell: a hash of each column's
//! partition of the rows (duplicates) and value counts by position in the
//! stream (drift). A second pass with a [`RowScorer`] finds unusual rows.
//!
//! Per column ([`ColumnQuality`]): rows, missing share, exact distinct
//! values (a HyperLogLog estimate with its standard error once the
//! `max_distinct` budget folded values, see [`DistinctSketch`]), entropy,
//! share of the top value, values seen once, rare values, top values, bytes
//! per value, numeric summary (min, max, mean, exact quantiles) of the
//! values that parse as numbers, MI - EMI with the target, drift and
//! duplicates, and its [`Flag`]s, each with the threshold that raised it
//! ([`Thresholds`]).
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
//! use cardrank::quality::{QualityParams, QualityReport, TrackOptions};
//! use cardrank::{RankParams, Ranker};
//!
//! let col = |v: Vec<String>| Arc::new(StringArray::from(v)) as ArrayRef;
//! let y: Vec<String> = (0..200).map(|i| (i % 2).to_string()).collect();
//! let batch = RecordBatch::try_from_iter([
//!     ("const", col(vec!["a".to_string(); 200])),
//!     ("row_id", col((0..200).map(|i| format!("r{i}")).collect())),
//!     ("label_copy", col(y.iter().map(|v| format!("c{v}")).collect())),
//!     ("noise", col((0..200).map(|i| (i % 7).to_string()).collect())),
//!     ("y", col(y.clone())),
//! ]).unwrap();
//! let mut ranker = Ranker::new(RankParams::new("y")).unwrap();
//! ranker.track_quality(TrackOptions::default()).unwrap();
//! ranker.update(&batch).unwrap();
//! let ranking = ranker.finish().unwrap();
//! let report = QualityReport::from_state(
//!     ranker.state(), ranker.quality_tracker(), Some(&ranking), &QualityParams::default(),
//! ).unwrap();
//! let flags = |name: &str| -> Vec<String> {
//!     report.column(name).unwrap().flags.iter().map(|f| f.flag.clone()).collect()
//! };
//! assert_eq!(flags("const"), ["constant"]);
//! assert_eq!(flags("row_id"), ["id_like"]);
//! assert_eq!(flags("label_copy"), ["duplicate", "label_leak"]);
//! assert!(flags("noise").is_empty());
//! ```

mod anomaly;
mod drift;
mod figures;
mod flags;
#[cfg(test)]
mod tests;
mod tracker;

use hashbrown::HashMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use self::anomaly::{RowScorer, UnusualRow, UnusualValue};
pub use self::drift::Drift;
pub use self::figures::{NumericSummary, Quantile, TopValue};
pub use self::flags::{Flag, Thresholds, THRESHOLD_NAMES};
pub(crate) use self::tracker::{BatchPlan, ColumnTrack};
pub use self::tracker::{TrackOptions, Tracker, DRIFT_SLOTS};
use crate::encode::Dictionary;
use crate::error::{Error, Result};
use crate::ranking::{FeatureScore, Ranking};
pub use crate::sketch::DistinctSketch;
use crate::state::RankState;

/// What the report computes besides the thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityParams {
    /// The flags' thresholds.
    pub thresholds: Thresholds,
    /// Most frequent values listed per column.
    pub top_values: usize,
    /// Quantiles of numeric columns.
    pub quantiles: Vec<f64>,
}

impl Default for QualityParams {
    fn default() -> Self {
        QualityParams {
            thresholds: Thresholds::default(),
            top_values: 10,
            quantiles: vec![0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99],
        }
    }
}

/// Whether a column is a feature or the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A feature.
    Feature,
    /// The target.
    Target,
}

/// Every figure of one column, and its flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnQuality {
    /// Column name.
    pub name: String,
    /// Feature or target.
    pub role: Role,
    /// Rank by the ranking's score (features, when ranked).
    pub rank: Option<usize>,
    /// Rows (occurrences for a multivalue feature).
    pub rows: u64,
    /// Rows whose value is a missing token (or null).
    pub missing: u64,
    /// `missing / rows`.
    pub missing_share: f64,
    /// Levels as ranked: distinct values, plus `<missing>` and `<other>`.
    pub cardinality: usize,
    /// Distinct non-missing values: exact, or a HyperLogLog estimate once
    /// values were folded (`distinct_exact` false).
    pub distinct: u64,
    /// Whether `distinct` is an exact count.
    pub distinct_exact: bool,
    /// The relative standard error of the estimate (`1.04 / sqrt(m)`);
    /// `None` when exact.
    pub distinct_rel_std_error: Option<f64>,
    /// Non-missing rows per distinct value (1 for a row id).
    pub rows_per_value: f64,
    /// H(X) in nats, missing as one value.
    pub entropy: f64,
    /// Share of the rows with the most common value (missing counts as a
    /// value; the `<other>` level of folded values does not).
    pub top_share: f64,
    /// Values seen exactly once.
    pub singletons: u64,
    /// Values seen at most `rare_count` times.
    pub rare_values: u64,
    /// Rows with such a value.
    pub rare_rows: u64,
    /// Mean bytes of a value per row (missing rows count 0).
    pub bytes_per_value: f64,
    /// Bytes of all distinct values kept.
    pub distinct_bytes: u64,
    /// Min, max, mean and quantiles when most values are numbers.
    pub numeric: Option<NumericSummary>,
    /// MI(X; Y) (features).
    pub mi: Option<f64>,
    /// Its expectation by chance, EMI.
    pub expected_mi: Option<f64>,
    /// MI - EMI, the ranking's default score.
    pub adjusted: Option<f64>,
    /// Adjusted mutual information.
    pub ami: Option<f64>,
    /// `(MI - EMI) / H(Y)`: the share of the target's entropy the feature
    /// explains beyond chance.
    pub leak_share: Option<f64>,
    /// First vs last part of the stream, when tracked.
    pub drift: Option<Drift>,
    /// The first column with the same partition of the rows.
    pub duplicate_of: Option<String>,
    /// True when the `max_distinct` budget folded values into `<other>`:
    /// the counts are then those of the kept values, and the ranking scores
    /// the folded feature (not exact).
    pub folded: bool,
    /// The most frequent values.
    pub top_values: Vec<TopValue>,
    /// What is wrong with the column (empty: nothing found).
    pub flags: Vec<Flag>,
}

/// The row ranges compared for drift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftParts {
    /// Rows in each bucket of the stream, in order.
    pub bucket_rows: Vec<u64>,
    /// Rows in the first part.
    pub first_rows: u64,
    /// Rows in the last part.
    pub last_rows: u64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Rows seen.
    pub rows: u64,
    /// Target column.
    pub target: String,
    /// Target classes.
    pub classes: usize,
    /// H(Y) in nats.
    pub target_entropy: f64,
    /// The tokens counted as missing.
    pub missing_tokens: Vec<String>,
    /// The distinct-value budget per feature, if any.
    pub max_distinct: Option<usize>,
    /// The thresholds of the flags.
    pub thresholds: Thresholds,
    /// The parts compared for drift (`None`: not tracked or too few rows).
    pub drift_parts: Option<DriftParts>,
    /// The target first, then the features in input order.
    pub columns: Vec<ColumnQuality>,
    /// The most unusual rows (filled by a second pass, see [`RowScorer`]).
    pub unusual_rows: Vec<UnusualRow>,
    /// Remarks on what could not be computed.
    pub notes: Vec<String>,
}

impl QualityReport {
    /// Computes every figure and flag.
    ///
    /// `tracker` (from [`crate::Ranker::quality_tracker`]) adds drift and
    /// duplicates; `ranking` adds MI, EMI, the rank and the label-leak flag.
    /// Errors only on a state that saw no rows or no features.
    pub fn from_state(
        state: &RankState,
        tracker: Option<&Tracker>,
        ranking: Option<&Ranking>,
        params: &QualityParams,
    ) -> Result<QualityReport> {
        if state.rows() == 0 {
            return Err(Error::NoRows);
        }
        if state.features().is_empty() {
            return Err(Error::NoFeatures);
        }
        let t = &params.thresholds;
        let scores: HashMap<&str, &FeatureScore> = ranking
            .map(|r| r.features.iter().map(|f| (f.feature.as_str(), f)).collect())
            .unwrap_or_default();
        let target_entropy = ranking.map(|r| r.target_entropy);
        let parts = tracker.and_then(|tr| drift::parts(tr.bucket_rows()));
        let column = |dict: &Dictionary,
                      totals: &[u64],
                      name: &str,
                      role: Role,
                      track: Option<&ColumnTrack>| {
            let mut c = base_column(dict, totals, name, role, params);
            if let (Some((a, b)), Some(buckets)) =
                (parts, track.and_then(ColumnTrack::bucket_counts))
            {
                c.drift = drift::drift(buckets, a, b);
            }
            if let Some(s) = scores.get(name) {
                c.rank = Some(s.rank);
                c.mi = Some(s.mi);
                c.expected_mi = Some(s.expected_mi);
                c.adjusted = Some(s.adjusted);
                c.ami = Some(s.ami);
                c.leak_share = target_entropy.filter(|&h| h > 0.0).map(|h| s.adjusted / h);
            }
            c
        };
        let mut columns: Vec<ColumnQuality> = Vec::with_capacity(state.features().len() + 1);
        columns.push(column(
            state.target_dictionary(),
            state.class_counts(),
            state.target(),
            Role::Target,
            tracker.and_then(Tracker::target),
        ));
        let features: Vec<ColumnQuality> = state
            .features()
            .par_iter()
            .enumerate()
            .map(|(i, f)| {
                let f = f.folded(state.max_distinct());
                let totals = f.joint.level_totals();
                let track = tracker.and_then(|tr| tr.feature(i));
                column(&f.dict, &totals, &f.name, Role::Feature, track)
            })
            .collect();
        columns.extend(features);
        // Duplicates: same partition hash and the same value counts.
        let tracks: Vec<Option<&ColumnTrack>> = std::iter::once(tracker.and_then(Tracker::target))
            .chain((0..state.features().len()).map(|i| tracker.and_then(|tr| tr.feature(i))))
            .collect();
        let keys: Vec<Option<(u64, Vec<u64>)>> = columns
            .iter()
            .zip(&tracks)
            .zip(
                std::iter::once(state.class_counts().to_vec())
                    .chain(state.features().iter().map(|f| f.joint.level_totals())),
            )
            .map(|((c, track), mut counts)| {
                let hash = track.and_then(|t| t.partition_hash())?;
                (!c.folded).then_some(())?;
                counts.retain(|&n| n > 0);
                // Constant and all-unique columns share their partition
                // trivially: not worth a flag (constant and id_like say it).
                (counts.len() > 1 && counts.iter().any(|&n| n > 1)).then_some(())?;
                counts.sort_unstable();
                Some((hash, counts))
            })
            .collect();
        let dups = drift::duplicates(&keys);
        for (i, d) in dups.into_iter().enumerate() {
            columns[i].duplicate_of = d.map(|j| columns[j].name.clone());
        }
        let target = state.target().to_string();
        for c in &mut columns {
            c.flags = flags::flags_of(c, t, &target);
        }
        let mut notes = Vec::new();
        if tracker.is_none() {
            notes.push("drift and duplicates were not tracked".to_string());
        } else if parts.is_none() {
            notes.push("too few rows to compare the first and last part of the stream".to_string());
        }
        if ranking.is_none() {
            notes.push("no ranking: MI and the label-leak flag are not computed".to_string());
        }
        let folded = columns.iter().filter(|c| c.folded).count();
        if folded > 0 {
            notes.push(format!(
                "{folded} columns passed the budget of {} distinct values: their distinct counts are HyperLogLog estimates and their ranking scores the folded feature",
                state.max_distinct().unwrap_or(0)
            ));
        }
        Ok(QualityReport {
            rows: state.rows(),
            target,
            classes: state.class_counts().iter().filter(|&&n| n > 0).count(),
            target_entropy: columns[0].entropy,
            missing_tokens: state
                .missing
                .tokens()
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .collect(),
            max_distinct: state.max_distinct(),
            thresholds: t.clone(),
            drift_parts: parts.and_then(|(a, b)| {
                let rows = tracker?.bucket_rows();
                Some(DriftParts {
                    bucket_rows: rows.to_vec(),
                    first_rows: rows[..a].iter().sum(),
                    last_rows: rows[b..].iter().sum(),
                })
            }),
            columns,
            unusual_rows: Vec::new(),
            notes,
        })
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&ColumnQuality> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Every flag, with its column, in column order.
    pub fn flagged(&self) -> impl Iterator<Item = (&ColumnQuality, &Flag)> {
        self.columns
            .iter()
            .flat_map(|c| c.flags.iter().map(move |f| (c, f)))
    }

    /// The features whose values make a row unusual: all but the constant,
    /// ID-like and folded ones (an ID makes every row look equally unusual).
    /// A multivalue feature is scored per value (see [`RowScorer`]).
    pub fn anomaly_columns(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.role == Role::Feature && !c.folded)
            .filter(|c| {
                !c.flags
                    .iter()
                    .any(|f| f.flag == "constant" || f.flag == "id_like")
            })
            .map(|c| c.name.clone())
            .collect()
    }
}

/// The figures that need only the column's own counts.
fn base_column(
    dict: &Dictionary,
    totals: &[u64],
    name: &str,
    role: Role,
    params: &QualityParams,
) -> ColumnQuality {
    let f = figures::count_figures(
        dict,
        totals,
        params.top_values,
        params.thresholds.rare_count,
        &params.quantiles,
    );
    let present = f.rows - f.missing;
    ColumnQuality {
        name: name.to_string(),
        role,
        rank: None,
        rows: f.rows,
        missing: f.missing,
        missing_share: f.missing as f64 / f.rows.max(1) as f64,
        cardinality: f.cardinality,
        distinct: f.distinct,
        distinct_exact: f.distinct_exact,
        distinct_rel_std_error: (!f.distinct_exact).then(figures::sketch_error),
        rows_per_value: present as f64 / f.distinct.max(1) as f64,
        entropy: f.entropy,
        top_share: f.top_share,
        singletons: f.singletons,
        rare_values: f.rare_values,
        rare_rows: f.rare_rows,
        bytes_per_value: f.bytes_per_value,
        distinct_bytes: f.distinct_bytes,
        numeric: f.numeric,
        mi: None,
        expected_mi: None,
        adjusted: None,
        ami: None,
        leak_share: None,
        drift: None,
        duplicate_of: None,
        folded: dict.other_code().is_some(),
        top_values: f.top_values,
        flags: Vec::new(),
    }
}
