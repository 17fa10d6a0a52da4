//! Ranking parameters, checked once.

use serde::{Deserialize, Serialize};

use crate::counts::PairSpec;
use crate::encode::MissingTokens;
use crate::error::{Error, Result};

/// The score features are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Score {
    /// MI - EMI: information beyond what a random feature with the same value
    /// counts would show by chance (the default).
    #[default]
    Adjusted,
    /// Plug-in mutual information (biased towards many-valued features).
    Mi,
    /// Adjusted mutual information, (MI - EMI) / (mean(H(X), H(Y)) - EMI).
    Ami,
    /// (MI - EMI) / sd under the permutation null (binary targets; others
    /// fall back to the adjusted score).
    Z,
    /// The cross-fitted log-loss gain over the base rate (see
    /// [`crate::gain`]; switches its counting on). A multivalue feature,
    /// which has none, falls back to the adjusted score.
    Gain,
}

impl std::str::FromStr for Score {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "adjusted" => Ok(Score::Adjusted),
            "mi" => Ok(Score::Mi),
            "ami" => Ok(Score::Ami),
            "z" => Ok(Score::Z),
            "gain" => Ok(Score::Gain),
            _ => Err(Error::InvalidParameter {
                name: "score",
                value: s.to_string(),
                expected: "one of adjusted, mi, ami, z, gain",
            }),
        }
    }
}

impl Score {
    /// The score's name as the CLI and JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Score::Adjusted => "adjusted",
            Score::Mi => "mi",
            Score::Ami => "ami",
            Score::Z => "z",
            Score::Gain => "gain",
        }
    }
}

/// The most worker threads a run may ask for (`threads`,
/// `CARDRANK_THREADS`); more is an [`Error::InvalidParameter`].
///
/// Threads beyond the cores buy nothing here (the work is CPU-bound), and a
/// pool of 100,000 threads takes minutes and gigabytes to start. 1,024 is a
/// fixed number rather than a multiple of the cores so that the same
/// command is valid on every machine.
pub const MAX_THREADS: usize = 1024;

/// What to rank and how. Build with [`RankParams::new`] and the setters, then
/// [`RankParams::check`] validates once.
///
/// # Example
/// ```
/// let params = cardrank::RankParams::new("click").missing(&["", "NA"]).threads(2);
/// assert!(params.check().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankParams {
    /// The target column.
    pub target: String,
    /// Values counted as missing (one category of their own). Default `[""]`.
    pub missing: Vec<String>,
    /// Only these features, if given.
    pub features: Option<Vec<String>>,
    /// Features left out.
    pub exclude: Vec<String>,
    /// Worker threads, 1 to [`MAX_THREADS`]; `None` reads
    /// `CARDRANK_THREADS`, else all cores. A count (given or from the
    /// variable) builds the ranker a rayon pool of its own; with neither,
    /// the work runs on rayon's global pool. A process that forks after
    /// using the global pool must not use it in the child (its threads do
    /// not exist there, and the child waits for them for ever): a program
    /// that forks should give a count.
    pub threads: Option<usize>,
    /// The ranking score.
    pub score: Score,
    /// Feature pairs and triples to count as well (see [`crate::pairs`]).
    #[serde(default)]
    pub pairs: Option<PairSpec>,
    /// Most distinct values kept per feature; rarer ones fold into one
    /// `<other>` level (see [`crate::fold`]). `None`: no limit.
    #[serde(default)]
    pub max_distinct: Option<usize>,
    /// Rows whose target is missing (null, NaN or a missing token) are
    /// never counted; with `false` (the default) finishing is then an error
    /// naming how many ([`crate::Error::MissingTargetValues`]), with `true`
    /// they are dropped and counted ([`crate::RankState::missing_target_rows`]).
    #[serde(default)]
    pub drop_missing_target: bool,
    /// Counts by fold for the cross-fitted gain (see [`crate::gain`]), so
    /// that each feature's `gain` is reported; on whenever the score is
    /// [`Score::Gain`]. It costs a pass over the rows' values per batch
    /// and five times the counts.
    #[serde(default)]
    pub gain: bool,
}

impl RankParams {
    /// Defaults for a target column.
    pub fn new(target: impl Into<String>) -> Self {
        RankParams {
            target: target.into(),
            missing: vec![String::new()],
            features: None,
            exclude: Vec::new(),
            threads: None,
            score: Score::Adjusted,
            pairs: None,
            max_distinct: None,
            drop_missing_target: false,
            gain: false,
        }
    }

    /// Drops the rows whose target is missing (and counts them) instead of
    /// failing on them.
    pub fn drop_missing_target(mut self, drop: bool) -> Self {
        self.drop_missing_target = drop;
        self
    }

    /// Sets the missing tokens.
    pub fn missing<S: AsRef<str>>(mut self, tokens: &[S]) -> Self {
        self.missing = tokens.iter().map(|t| t.as_ref().to_string()).collect();
        self
    }

    /// Sets the thread count.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n);
        self
    }

    /// Ranks only these features.
    pub fn features<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.features = Some(names.iter().map(|t| t.as_ref().to_string()).collect());
        self
    }

    /// Leaves these features out.
    pub fn exclude<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.exclude = names.iter().map(|t| t.as_ref().to_string()).collect();
        self
    }

    /// Sets the score.
    pub fn score(mut self, score: Score) -> Self {
        self.score = score;
        self
    }

    /// Also reports each feature's cross-fitted gain (see [`crate::gain`]).
    pub fn gain(mut self, on: bool) -> Self {
        self.gain = on;
        self
    }

    /// Whether the gain is counted: asked for, or the score.
    pub fn counts_gain(&self) -> bool {
        self.gain || self.score == Score::Gain
    }

    /// Keeps at most `k` distinct values per feature, folding the rarest
    /// into one `<other>` level (see [`crate::fold`]).
    pub fn max_distinct(mut self, k: usize) -> Self {
        self.max_distinct = Some(k);
        self
    }

    /// Also counts these feature pairs and triples, for
    /// [`crate::Interactions::from_state`].
    pub fn pairs(mut self, spec: PairSpec) -> Self {
        self.pairs = Some(spec);
        self
    }

    /// Validates the parameters.
    pub fn check(self) -> Result<CheckedParams> {
        if self.target.is_empty() {
            return Err(Error::InvalidParameter {
                name: "target",
                value: "\"\"".into(),
                expected: "a column name",
            });
        }
        check_exclude(&self.target, &self.exclude)?;
        let threads = match self.threads {
            Some(n) => Some(check_threads("threads", n, &n.to_string())?),
            None => threads_from_env()?,
        };
        if let Some(spec) = &self.pairs {
            spec.check()?;
        }
        match (self.max_distinct, &self.pairs) {
            (Some(0), _) => {
                return Err(Error::InvalidParameter {
                    name: "max_distinct",
                    value: "0".into(),
                    expected: "at least 1 value per feature",
                })
            }
            (Some(k), Some(_)) => {
                return Err(Error::InvalidParameter {
                    name: "max_distinct",
                    value: k.to_string(),
                    expected:
                        "no limit when pairs or triples are counted (folding renumbers values)",
                })
            }
            _ => {}
        }
        let missing = MissingTokens::new(&self.missing);
        Ok(CheckedParams {
            missing,
            threads,
            params: self,
        })
    }
}

/// Fails when `exclude` names the target: the target is never a feature,
/// so excluding it is a mistake (of column names, most likely).
///
/// # Example
/// ```
/// assert!(cardrank::check_exclude("click", &["site".to_string()]).is_ok());
/// assert!(cardrank::check_exclude("click", &["click".to_string()]).is_err());
/// ```
pub fn check_exclude(target: &str, exclude: &[String]) -> Result<()> {
    if exclude.iter().any(|e| e == target) {
        return Err(Error::InvalidParameter {
            name: "exclude",
            value: format!("`{target}`"),
            expected:
                "feature columns only: that is the target, which is never ranked as a feature",
        });
    }
    Ok(())
}

/// What a thread count must be (kept in step with [`MAX_THREADS`]).
const THREADS_EXPECTED: &str = "a thread count from 1 to 1024";

/// Checks a thread count (`value` is how it was given).
fn check_threads(name: &'static str, n: usize, value: &str) -> Result<usize> {
    if n == 0 || n > MAX_THREADS {
        return Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            expected: THREADS_EXPECTED,
        });
    }
    Ok(n)
}

fn threads_from_env() -> Result<Option<usize>> {
    match std::env::var("CARDRANK_THREADS") {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<usize>() {
            Ok(n) => check_threads("CARDRANK_THREADS", n, &v).map(Some),
            _ => Err(Error::InvalidParameter {
                name: "CARDRANK_THREADS",
                value: v,
                expected: THREADS_EXPECTED,
            }),
        },
        _ => Ok(None),
    }
}

/// Parameters that passed [`RankParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedParams {
    pub(crate) params: RankParams,
    pub(crate) missing: MissingTokens,
    pub(crate) threads: Option<usize>,
}

impl CheckedParams {
    /// The parameters as given.
    pub fn params(&self) -> &RankParams {
        &self.params
    }

    /// The resolved thread count (`None`: all cores).
    pub fn threads(&self) -> Option<usize> {
        self.threads
    }
}
