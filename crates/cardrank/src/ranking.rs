//! Finishing a state into a ranked table of features.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::counts::FeatureState;
use crate::error::{Error, Result};
use crate::measures::{self, Contingency};
use crate::params::Score;
use crate::state::RankState;

/// The measures of one feature against the target (all in nats).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureScore {
    /// 1 is the best.
    pub rank: usize,
    /// Column name.
    pub feature: String,
    /// Distinct values, the missing category included.
    pub cardinality: usize,
    /// Share of rows whose value is missing.
    pub missing_share: f64,
    /// H(X) of the feature.
    pub entropy: f64,
    /// Plug-in mutual information MI(X; Y).
    pub mi: f64,
    /// Expected MI under random permutation of the target (exact).
    pub expected_mi: f64,
    /// Adjusted mutual information (arithmetic mean normalisation).
    pub ami: f64,
    /// The score the ranking is sorted by (`score_name` in [`Ranking`]).
    pub score: f64,
    /// MI - EMI.
    pub adjusted: f64,
    /// Standard deviation of MI under the permutation null (`None` for a
    /// column with fewer than two values).
    pub null_sd: Option<f64>,
    /// (MI - EMI) / null_sd.
    pub z: Option<f64>,
    /// log10 of the G-test p-value (reported only: badly calibrated on
    /// sparse tables, never used to rank).
    pub g_test_log10_p: f64,
    /// log10 of the Benjamini-Hochberg q-value of the z-score (one-sided
    /// normal tail) across the features that have a z-score; `None` exactly
    /// when `z` is.
    pub log10_q: Option<f64>,
    /// The cross-fitted log-loss gain over the base rate, in nats (see
    /// [`crate::gain`]), when counted ([`crate::RankParams::gain`]).
    #[serde(default)]
    pub gain: Option<f64>,
}

/// A finished ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Rows seen.
    pub rows: u64,
    /// Target column.
    pub target: String,
    /// Number of target classes.
    pub classes: usize,
    /// H(Y) of the target.
    pub target_entropy: f64,
    /// Name of the score sorted by.
    pub score_name: String,
    /// Features, best first.
    pub features: Vec<FeatureScore>,
}

impl Ranking {
    /// Computes every measure of every feature (in parallel) and sorts by `score`.
    pub fn from_state(state: &RankState, score: Score) -> Result<Ranking> {
        if state.rows == 0 {
            return Err(Error::NoRows);
        }
        if !state.initialised || state.features.is_empty() {
            return Err(Error::NoFeatures);
        }
        let classes: Vec<u64> = state
            .class_counts
            .iter()
            .copied()
            .filter(|&n| n > 0)
            .collect();
        if classes.len() < 2 {
            let code = state.class_counts.iter().position(|&n| n > 0).unwrap_or(0) as u32;
            return Err(Error::ConstantTarget {
                target: state.target.clone(),
                value: state.target_dict.label(code),
                rows: state.rows,
            });
        }
        let n = state.rows;
        let h_y = measures::entropy(&classes, n);
        let mut features: Vec<FeatureScore> = state
            .features
            .par_iter()
            .map(|f| {
                let f = f.folded(state.max_distinct);
                score_feature(&f, &state.class_counts, n, h_y, score)
            })
            .collect();
        // Benjamini-Hochberg on the z-score's one-sided p, across the
        // features that have one: a column without a null sd (constant, or
        // one row per value, whose MI never varies) has no q-value, and
        // takes none away from the others.
        let log10_p: Vec<f64> = features
            .iter()
            .filter_map(|f| f.z)
            .map(measures::log10_normal_sf)
            .collect();
        let mut q = measures::benjamini_hochberg(&log10_p).into_iter();
        for f in features.iter_mut().filter(|f| f.z.is_some()) {
            f.log10_q = q.next();
        }
        sort_features(&mut features);
        Ok(Ranking {
            rows: n,
            target: state.target.clone(),
            classes: classes.len(),
            target_entropy: h_y,
            score_name: score.name().to_string(),
            features,
        })
    }
}

/// Best first: by score (NaN last), ties by name; then numbers the ranks.
pub(crate) fn sort_features(features: &mut [FeatureScore]) {
    features.sort_by(|a, b| {
        let (x, y) = (a.score, b.score);
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => y.total_cmp(&x),
        }
        .then_with(|| a.feature.cmp(&b.feature))
    });
    for (i, f) in features.iter_mut().enumerate() {
        f.rank = i + 1;
    }
}

/// The contingency table of a feature against the target.
pub fn contingency(f: &FeatureState, class_counts: &[u64], n: u64) -> Contingency {
    let rows = f.joint.level_totals();
    let mut cells = Vec::with_capacity(f.joint.nonzero());
    f.joint.for_each_cell(|l, c, k| cells.push((l, c, k)));
    Contingency {
        n,
        rows,
        cols: class_counts.to_vec(),
        cells,
    }
}

fn score_feature(
    f: &FeatureState,
    class_counts: &[u64],
    n: u64,
    h_y: f64,
    score: Score,
) -> FeatureScore {
    // A multivalue feature counts occurrences, not rows: its N and target
    // margins are its own.
    let own: Vec<u64>;
    let (class_counts, n, h_y) = match occurrence_margins(f, class_counts, n) {
        Some((margins, n_f, h)) => {
            own = margins;
            (own.as_slice(), n_f, h)
        }
        None => (class_counts, n, h_y),
    };
    let t = contingency(f, class_counts, n);
    let mi = measures::mutual_info(&t);
    let emi = measures::expected_mutual_info(&t.rows, &t.cols, n);
    let h_x = measures::entropy(&t.rows, n);
    let ami = measures::adjusted_mutual_info(mi, emi, h_x, h_y, t.rows.len(), t.cols.len());
    let null_sd = measures::null_sd(&t.rows, &t.cols, n);
    let z = measures::z_score(mi, emi, null_sd);
    let df = (t.rows.len().saturating_sub(1) * t.cols.len().saturating_sub(1)) as f64;
    let missing = f
        .dict
        .missing_code()
        .map(|c| t.rows[c as usize])
        .unwrap_or(0);
    let adjusted = mi - emi;
    let gain = f
        .crossfit
        .as_ref()
        .and_then(|c| crate::gain::crossfit_gain(c, crate::gain::PRIOR_STRENGTH));
    let value = match score {
        Score::Adjusted => adjusted,
        Score::Mi => mi,
        Score::Ami => ami,
        Score::Z => z.unwrap_or(adjusted),
        Score::Gain => gain.unwrap_or(adjusted),
    };
    FeatureScore {
        rank: 0,
        feature: f.name.clone(),
        cardinality: t.rows.len(),
        missing_share: missing as f64 / n as f64,
        entropy: h_x,
        mi,
        expected_mi: emi,
        ami,
        score: value,
        adjusted,
        null_sd,
        z,
        g_test_log10_p: measures::g_test_log10_p(mi, n, df),
        log10_q: None,
        gain,
    }
}

/// The target margins, N and H(Y) of a feature whose counts are not one per
/// row (a multivalue feature); `None` for an ordinary feature.
fn occurrence_margins(
    f: &FeatureState,
    class_counts: &[u64],
    n: u64,
) -> Option<(Vec<u64>, u64, f64)> {
    let mut margins = f.joint.class_totals();
    let total: u64 = margins.iter().sum();
    if total == n {
        return None;
    }
    margins.resize(class_counts.len().max(margins.len()), 0);
    let nonzero: Vec<u64> = margins.iter().copied().filter(|&m| m > 0).collect();
    let h = measures::entropy(&nonzero, total);
    Some((margins, total, h))
}
