//! Parameters and results of a selection in target units.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::params::Score;

/// How a candidate's terms against the chosen features combine. Every term
/// is information about the target, in nats: the adjusted conditional
/// relevance `adjCMI(f; Y | s) = CMI(f; Y | s) - E[CMI]` of candidate `f`
/// given a chosen (or given) feature `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Joint mutual information: the mean over `s` of `adjCMI(f; Y | s)`
    /// (Brown et al. 2012 found it the best trade-off over many sets).
    Jmi,
    /// Conditional mutual information maximisation: the minimum over `s`
    /// (Fleuret 2004): what `f` adds beyond the chosen feature that
    /// explains it best. Measured lazily (the minimum only falls as the
    /// set grows).
    Cmim,
    /// mRMR in target units: `rel(f) - alpha * mean_s max(0, red(f, s))`,
    /// with `red(f, s) = rel(f) - adjCMI(f; Y | s)` what `f` and `s` share
    /// *about the target*; a negative `red` (synergy) is no bonus.
    Mrmr,
    /// 3MR in target units: mRMR plus `beta * mean_s max(0, -red(f, s))`,
    /// the synergy of `f` and `s` about the target.
    ThreeMr,
    /// What `f` adds beyond the chosen features *together*:
    /// `adjCMI(f; Y | S)`, conditioned on the observed combinations of the
    /// chosen (and given) features, while they are at most one per
    /// [`JOINT_ROWS`] rows; past that, JMI's mean of the pairwise terms.
    /// The best selection method of this project's study (BENCHMARKS.md),
    /// so the default.
    #[default]
    Joint,
}

/// [`Method::Joint`] conditions on the chosen features' combinations while
/// there are at least this many rows per combination on average (the
/// `min_count` of the levels rule: a combination seen in fewer rows tells
/// little about the target).
pub const JOINT_ROWS: u64 = 20;

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "jmi" => Ok(Method::Jmi),
            "cmim" => Ok(Method::Cmim),
            "mrmr" => Ok(Method::Mrmr),
            "3mr" => Ok(Method::ThreeMr),
            "joint" => Ok(Method::Joint),
            _ => Err(Error::InvalidParameter {
                name: "method",
                value: s.to_string(),
                expected: "one of jmi, cmim, mrmr, 3mr, joint",
            }),
        }
    }
}

impl Method {
    /// The name as the CLI and JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Jmi => "jmi",
            Method::Cmim => "cmim",
            Method::Mrmr => "mrmr",
            Method::ThreeMr => "3mr",
            Method::Joint => "joint",
        }
    }
}

/// Parameters of [`super::select_target`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSelectParams {
    /// The criterion.
    pub method: Method,
    /// `Some(k)`: take `k` features (fewer only when candidates run out)
    /// even past the last significant step; `None`: stop at the first step
    /// that adds nothing significant (`k_suggested` features).
    pub k: Option<usize>,
    /// M: the candidates are the best M of the pair spec's features by
    /// `relevance` (default 500).
    pub max_candidates: usize,
    /// The score that orders the candidates (default MI - EMI).
    pub relevance: Score,
    /// A step adds significantly when its criterion is positive and its
    /// z-score is at least this (default 3).
    pub min_z: f64,
    /// mRMR / 3MR: weight of redundancy about the target (default 1).
    pub alpha: f64,
    /// 3MR: weight of synergy about the target (default 1).
    pub beta: f64,
    /// Pair steps: when no single candidate adds significantly, the best
    /// `pair_pool` candidates are tried in pairs (an XOR pair tells nothing
    /// alone); a pair whose second member adds significantly given the
    /// first is taken as two steps. 0 turns pair steps off (default 16).
    pub pair_pool: usize,
    /// Features the model already has: every criterion conditions on them
    /// as if chosen before the first step; they are never selected.
    pub given: Vec<String>,
}

impl TargetSelectParams {
    /// The given method with the defaults above.
    pub fn new(method: Method) -> Self {
        TargetSelectParams {
            method,
            k: None,
            max_candidates: 500,
            relevance: Score::Adjusted,
            min_z: 3.0,
            alpha: 1.0,
            beta: 1.0,
            pair_pool: 16,
            given: Vec::new(),
        }
    }

    /// Forces `k` steps.
    pub fn k(mut self, k: usize) -> Self {
        self.k = Some(k);
        self
    }

    /// Sets the features the model already has.
    pub fn given<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.given = names.iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        let bad = |name, value: String, expected| Error::InvalidParameter {
            name,
            value,
            expected,
        };
        if self.k == Some(0) {
            return Err(bad("k", "0".into(), "a positive number of features"));
        }
        if self.max_candidates == 0 {
            return Err(bad(
                "max_candidates",
                "0".into(),
                "a positive number of candidates",
            ));
        }
        for (name, v) in [("alpha", self.alpha), ("beta", self.beta)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(name, v.to_string(), "a finite number >= 0"));
            }
        }
        if self.min_z.is_nan() {
            return Err(bad("min_z", "NaN".into(), "a number"));
        }
        Ok(())
    }
}

/// One step of a selection in target units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetStep {
    /// 1 is the first feature taken.
    pub step: usize,
    /// The feature.
    pub feature: String,
    /// Its relevance alone, MI - EMI with the target.
    pub relevance: f64,
    /// The method's criterion when it was taken, in nats about the target
    /// (the first step without given features: its relevance).
    pub score: f64,
    /// The criterion's z-score against its permutation null (see the
    /// module docs); `None` when no null sd is available.
    pub z: Option<f64>,
    /// Whether this step added significantly (`score > 0`, `z >= min_z`).
    pub significant: bool,
    /// CMIM: the chosen or given feature that explains the candidate best
    /// (the minimum's argument).
    pub worst: Option<String>,
    /// Set when taken in a pair step, with this partner.
    pub partner: Option<String>,
    /// [`Method::Joint`]: the observed combinations of the chosen (and
    /// given) features that `score` was measured given, when it was
    /// measured given them together. `None` when it is a pairwise term:
    /// given one feature (where the two agree), past the joint budget (the
    /// mean over the chosen features, as JMI), in a pair step, or for
    /// another method.
    #[serde(default)]
    pub joint_levels: Option<usize>,
}

/// An ordered selection in target units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSelection {
    /// The method's name.
    pub method: String,
    /// Candidates considered (constant columns and given features excluded).
    pub candidates: usize,
    /// The given features conditioned on.
    pub given: Vec<String>,
    /// The number of leading steps that each added significantly: the
    /// suggested k.
    pub k_suggested: usize,
    /// Pair tables finished (the budget used).
    pub pairs_measured: usize,
    /// Where the pairs came from: `"buffered codes"` or `"counted tables"`
    /// (`pairs_from` in JSON, where `source` names the input).
    #[serde(rename = "pairs_from")]
    pub source: String,
    /// The features, in the order taken.
    pub selected: Vec<TargetStep>,
}
