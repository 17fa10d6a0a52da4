//! Selection in target units and ranking given features, over the state a
//! conditional [`PairPlan`](crate::PairPlan) leaves: the candidates' codes,
//! whose pairs `cardrank` measures on demand.

use cardrank::{GivenRanking, Score, TargetSelectParams, TargetSelection};

use crate::error::Result;
use crate::plan::ProbeRun;

/// Default budget of the given features' joint value: when their observed
/// combinations are at most this many, a candidate is scored given all of
/// them at once (else given the one that explains it best).
pub const DEFAULT_JOINT_LEVELS: usize = 10_000;

/// The method `cardrank select` and `CardinalitySelector` use by default:
/// Joint (JMI past the chosen features' first combinations), chosen by the
/// selection study of BENCHMARKS.md (the best mean AUC change there, and
/// no cell more than 0.02 below LightGBM's own importance).
pub const DEFAULT_METHOD: cardrank::Method = cardrank::Method::Joint;

impl ProbeRun {
    /// Selects features in target units: `params` with the plan's M, given
    /// features and the run's relevance score (which orders the candidates).
    pub fn select(&self, params: &TargetSelectParams) -> Result<TargetSelection> {
        let mut params = params.clone();
        params.max_candidates = self.max_candidates;
        params.given = self.given.clone();
        params.relevance = self.relevance();
        Ok(cardrank::select_target(&self.state, &params)?)
    }

    /// Ranks the candidates by what they add beyond the given features
    /// (given their joint value when it has at most `joint_levels`
    /// observed combinations).
    pub fn rank_given(&self, joint_levels: usize) -> Result<GivenRanking> {
        Ok(cardrank::rank_given(
            &self.state,
            &self.given,
            joint_levels,
        )?)
    }

    /// The score the run ranked by.
    fn relevance(&self) -> Score {
        self.ranking.score_name.parse().unwrap_or(Score::Adjusted)
    }
}
