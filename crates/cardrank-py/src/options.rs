//! The options of every binding call, as Python passes them (keyword
//! arguments), converted once into the run layer's values.
//!
//! Python's wrappers (`python/cardrank`) pass what the user gave as keyword
//! arguments; this is the one place they become a [`RankParams`], a
//! [`ReadArgs`], a [`PairBudget`] or the report's options. Names and
//! defaults are the CLI's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cardrank::{PairSpec, RankParams, Score};
use cardrank_run::{PairBudget, ReadArgs, RunSpec, DEFAULT_BATCH_SIZE};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::Failure;

/// Every keyword a binding call takes; each call uses those it needs.
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub threads: Option<i64>,
    pub missing: Option<Vec<String>>,
    pub features: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
    pub score: Option<String>,
    pub pairs: Option<Vec<String>>,
    pub triples: Option<Vec<[String; 3]>>,
    // Reading files (the CLI's input options, same names).
    pub format: Option<String>,
    pub delimiter: Option<String>,
    pub numeric: Option<String>,
    pub multivalue: Option<Vec<String>>,
    pub sample_rate: Option<f64>,
    pub seed: Option<u64>,
    pub max_distinct: Option<usize>,
    pub skip_bad_rows: Option<bool>,
    pub vw_namespaces: Option<String>,
    pub batch_size: Option<usize>,
    // The pair budget.
    pub max_features: Option<usize>,
    pub max_pairs: Option<usize>,
    pub triple_pairs: Option<usize>,
    /// Features the model already has (a conditional plan).
    pub given: Option<Vec<String>>,
    /// A conditional plan's grouping of values into levels.
    pub min_count: Option<u64>,
    pub bins: Option<usize>,
    // The report.
    pub top_values: Option<usize>,
    pub unusual_rows: Option<usize>,
    pub heatmap: Option<usize>,
    pub thresholds: Option<BTreeMap<String, f64>>,
    /// Drop rows whose target is missing (counted) instead of failing.
    pub drop_missing_target: Option<bool>,
    /// What the report calls data in memory (its page title).
    pub source: Option<String>,
}

impl Options {
    /// The options of a call's keyword arguments (none: every default); an
    /// unknown keyword is an error, not ignored.
    pub fn from_kwargs(kwargs: Option<&Bound<'_, PyDict>>) -> Result<Options, Failure> {
        let mut o = Options::default();
        let Some(kwargs) = kwargs else {
            return Ok(o);
        };
        for (key, value) in kwargs.iter() {
            let key: String = key.extract()?;
            if value.is_none() {
                continue;
            }
            match key.as_str() {
                "threads" => o.threads = Some(value.extract()?),
                "missing" => o.missing = Some(value.extract()?),
                "features" => o.features = Some(value.extract()?),
                "exclude" => o.exclude = Some(value.extract()?),
                "score" => o.score = Some(value.extract()?),
                "pairs" => o.pairs = Some(value.extract()?),
                "triples" => o.triples = Some(value.extract()?),
                "format" => o.format = Some(value.extract()?),
                "delimiter" => o.delimiter = Some(value.extract()?),
                "numeric" => o.numeric = Some(value.extract()?),
                "multivalue" => o.multivalue = Some(value.extract()?),
                "sample_rate" => o.sample_rate = Some(value.extract()?),
                "seed" => o.seed = Some(value.extract()?),
                "max_distinct" => o.max_distinct = Some(value.extract()?),
                "skip_bad_rows" => o.skip_bad_rows = Some(value.extract()?),
                "vw_namespaces" => o.vw_namespaces = Some(value.extract()?),
                "batch_size" => o.batch_size = Some(value.extract()?),
                "max_features" => o.max_features = Some(value.extract()?),
                "max_pairs" => o.max_pairs = Some(value.extract()?),
                "triple_pairs" => o.triple_pairs = Some(value.extract()?),
                "given" => o.given = Some(value.extract()?),
                "min_count" => o.min_count = Some(value.extract()?),
                "bins" => o.bins = Some(value.extract()?),
                "top_values" => o.top_values = Some(value.extract()?),
                "unusual_rows" => o.unusual_rows = Some(value.extract()?),
                "heatmap" => o.heatmap = Some(value.extract()?),
                "thresholds" => o.thresholds = Some(value.extract()?),
                "drop_missing_target" => o.drop_missing_target = Some(value.extract()?),
                "source" => o.source = Some(value.extract()?),
                _ => {
                    return Err(cardrank::Error::InvalidParameter {
                        name: "option",
                        value: key,
                        expected: "a known keyword argument",
                    }
                    .into())
                }
            }
        }
        Ok(o)
    }

    /// The score, `adjusted` unless given.
    pub fn score(&self) -> Result<Score, Failure> {
        Ok(self
            .score
            .as_deref()
            .unwrap_or("adjusted")
            .parse::<Score>()?)
    }

    /// The thread count; zero goes to the core, which names the range.
    pub fn threads(&self) -> Result<Option<usize>, Failure> {
        self.threads
            .map(|n| {
                usize::try_from(n).map_err(|_| {
                    cardrank::Error::InvalidParameter {
                        name: "threads",
                        value: n.to_string(),
                        expected: "a thread count from 1 to 1024",
                    }
                    .into()
                })
            })
            .transpose()
    }

    /// The thread count a ranker for `target` would have: `threads`, else
    /// `CARDRANK_THREADS` (`None`: one per core).
    pub fn resolved_threads(&self, target: &str) -> Result<Option<usize>, Failure> {
        Ok(self.params(target.to_string())?.check()?.threads())
    }

    /// The ranker's parameters for `target`: score, threads, missing
    /// tokens, features, excluded columns, `max_distinct`, pairs.
    pub fn params(&self, target: String) -> Result<RankParams, Failure> {
        let mut p = RankParams::new(target)
            .score(self.score()?)
            .drop_missing_target(self.drop_missing_target.unwrap_or(false));
        if let Some(n) = self.threads()? {
            p = p.threads(n);
        }
        if let Some(tokens) = &self.missing {
            p = p.missing(tokens);
        }
        if let Some(names) = &self.features {
            p = p.features(names);
        }
        if let Some(names) = &self.exclude {
            p = p.exclude(names);
        }
        if let Some(k) = self.max_distinct {
            p = p.max_distinct(k);
        }
        if self.pairs.is_some() || self.triples.is_some() {
            let spec = PairSpec::among(self.pairs.clone().unwrap_or_default())
                .with_triples(self.triples.clone().unwrap_or_default());
            p = p.pairs(spec);
        }
        Ok(p)
    }

    /// The read options of files.
    pub fn read_args(&self) -> ReadArgs {
        let d = ReadArgs::default();
        ReadArgs {
            format: self.format.clone(),
            delimiter: self.delimiter.clone(),
            numeric: self.numeric.clone().unwrap_or(d.numeric),
            multivalue: self.multivalue.clone().unwrap_or_default(),
            sample_rate: self.sample_rate,
            seed: self.seed.unwrap_or(d.seed),
            max_distinct: self.max_distinct,
            skip_bad_rows: self.skip_bad_rows.unwrap_or(false),
            vw_namespaces: self.vw_namespaces.clone(),
            batch_size: self.batch_size.unwrap_or(DEFAULT_BATCH_SIZE),
        }
    }

    /// A run of `target` over the file (or glob) `path`.
    pub fn spec(&self, path: PathBuf, target: String) -> Result<RunSpec, Failure> {
        Ok(RunSpec {
            inputs: vec![path],
            target,
            missing: self.missing.clone().unwrap_or_default(),
            features: self.features.clone(),
            exclude: self.exclude.clone().unwrap_or_default(),
            score: self.score()?,
            threads: self.threads()?,
            drop_missing_target: self.drop_missing_target.unwrap_or(false),
            read: self.read_args(),
        })
    }

    /// The pair budget.
    pub fn budget(&self) -> PairBudget {
        PairBudget {
            max_features: self
                .max_features
                .unwrap_or(cardrank_run::plan::DEFAULT_MAX_FEATURES),
            max_pairs: self.max_pairs,
            triple_pairs: self.triple_pairs,
        }
    }

    /// The budget of a conditional plan (a selection in target units, a
    /// ranking given features): M candidates, no triples.
    pub fn candidates(&self) -> PairBudget {
        PairBudget {
            max_features: self
                .max_features
                .unwrap_or(cardrank_run::plan::DEFAULT_CANDIDATES),
            max_pairs: self.max_pairs,
            triple_pairs: None,
        }
    }

    /// The given features (none unless given).
    pub fn given(&self) -> Vec<String> {
        self.given.clone().unwrap_or_default()
    }

    /// How a conditional plan groups values into levels: none unless
    /// `min_count` is given (Python's `select` passes the selection's
    /// default).
    pub fn grouping(&self) -> cardrank::Grouping {
        cardrank::Grouping {
            min_count: self.min_count.unwrap_or(0),
            bins: self.bins.unwrap_or(cardrank::Grouping::SELECT.bins),
        }
    }
}
