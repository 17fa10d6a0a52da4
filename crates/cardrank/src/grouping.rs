//! Levels as a model can learn them: rare values pooled, thin numeric
//! columns cut into bins ([`Grouping`], [`RankState::regroup`]).
//!
//! MI - EMI is an unbiased score of a partition of the rows, but a value
//! seen in three rows tells a model almost nothing, however the score
//! counts it. A selection made for a model therefore measures each feature
//! with the levels the model can learn from. With `min_count = m`:
//!
//! - a value seen in fewer than `m` rows is *rare*;
//! - a column whose every value is a number (missing aside), with more than
//!   `bins` distinct values, most of whose rows are in rare values (a
//!   measurement such as a duration or an amount, not a code), is cut into
//!   `bins` equal-frequency bins of its sorted values: value `v` goes to bin
//!   `floor((rows below v + rows of v / 2) / rows * bins)`, one bin per
//!   number (equal numbers written differently share it), labelled
//!   `lo..hi` by the values it holds; its order is what a model uses;
//! - in any other column the rare values are pooled into one level,
//!   `<other>` (an id column of values seen once becomes one level, and
//!   tells nothing);
//! - the missing level stays its own.
//!
//! The rule reads only the exact per-value counts of the state, so it is
//! applied once the rows are all counted (after the last merge): grouping a
//! merged state equals grouping one pass over the same rows. The pair
//! state's buffered codes and counted tables are mapped with the features,
//! so every pair measure sees the grouped levels.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::counts::FeatureState;
use crate::encode::Dictionary;
use crate::error::Result;
use crate::state::RankState;

/// How values are grouped into levels (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grouping {
    /// A value seen in fewer rows than this is rare (0 or 1: none is, and
    /// nothing is grouped).
    pub min_count: u64,
    /// Bins of a numeric column most of whose rows are in rare values (at
    /// least 2; 0: never binned, its rare values are pooled instead).
    pub bins: usize,
}

impl Grouping {
    /// Nothing grouped: every value is its own level.
    pub const NONE: Grouping = Grouping {
        min_count: 0,
        bins: 0,
    };

    /// The default of a selection (`cardrank select`, `cardrank.select`),
    /// chosen by the selection study of BENCHMARKS.md: values seen in fewer
    /// than 20 rows are rare; thin numeric columns get 32 bins.
    pub const SELECT: Grouping = Grouping {
        min_count: 20,
        bins: 32,
    };

    /// Whether nothing is grouped.
    pub fn is_none(&self) -> bool {
        self.min_count <= 1
    }
}

/// What grouping did to one feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    /// The feature.
    pub feature: String,
    /// `binned` (a thin numeric column) or `pooled` (its rare values).
    pub how: String,
    /// Levels before.
    pub levels_before: usize,
    /// Levels after (the missing and `<other>` levels included).
    pub levels_after: usize,
    /// Rows in rare values.
    pub rare_rows: u64,
}

impl RankState {
    /// Groups every feature's values into levels (see the [module
    /// docs](self)); the pair state's codes and tables follow. Call it once
    /// every row is counted: a grouped state must not be merged or fed more
    /// rows. Returns what was grouped, feature by feature.
    pub fn regroup(&mut self, grouping: &Grouping) -> Result<Vec<GroupInfo>> {
        if grouping.bins == 1 {
            return Err(crate::Error::InvalidParameter {
                name: "bins",
                value: "1".into(),
                expected: "0 (never bin) or at least 2",
            });
        }
        if grouping.is_none() {
            return Ok(Vec::new());
        }
        let done: Vec<Option<(Vec<u32>, GroupInfo)>> = self
            .features
            .par_iter_mut()
            .map(|f| f.regroup(grouping))
            .collect();
        if let Some(pairs) = self.pairs.as_mut() {
            let cols = pairs.resolve(&self.features)?;
            let maps: Vec<Option<&[u32]>> = cols
                .iter()
                .map(|&i| done[i].as_ref().map(|(m, _)| m.as_slice()))
                .collect();
            let cards: Vec<usize> = cols.iter().map(|&i| self.features[i].dict.len()).collect();
            pairs.regroup(&maps, &cards, self.target_dict.len());
        }
        Ok(done.into_iter().flatten().map(|(_, info)| info).collect())
    }
}

impl FeatureState {
    /// Groups this feature's values; the map from old codes to new and what
    /// was done, or `None` when no value is rare.
    pub(crate) fn regroup(&mut self, g: &Grouping) -> Option<(Vec<u32>, GroupInfo)> {
        let totals = self.joint.level_totals();
        let count = |c: u32| totals.get(c as usize).copied().unwrap_or(0);
        let (missing, other) = (self.dict.missing_code(), self.dict.other_code());
        let values: Vec<u32> = (0..self.dict.len() as u32)
            .filter(|&c| Some(c) != missing && Some(c) != other)
            .collect();
        // Rows of the values, and of the rare ones, in one pass.
        let (mut rows, mut rare_rows, mut any_rare) = (0u64, 0u64, false);
        for &c in &values {
            let n = count(c);
            rows += n;
            if n < g.min_count {
                rare_rows += n;
                any_rare = true;
            }
        }
        if !any_rare {
            return None;
        }
        let thin = 2 * rare_rows > rows;
        let numbers = if g.bins >= 2 && values.len() > g.bins && thin {
            self.numbers(&values)
        } else {
            None
        };
        let levels_before = self.dict.len();
        let (dict, map, how) = match numbers {
            Some(numbers) => {
                let (dict, map) = self.binned(numbers, &count, rows, g.bins);
                (dict, map, "binned")
            }
            None => {
                let keep: Vec<bool> = (0..self.dict.len() as u32)
                    .map(|c| Some(c) == missing || Some(c) == other || count(c) >= g.min_count)
                    .collect();
                let (dict, map) = self.dict.fold(&keep);
                (dict, map, "pooled")
            }
        };
        self.joint = self.joint.remap(&map, dict.len());
        if let Some(counts) = &self.crossfit {
            self.crossfit = Some(counts.remap(&map, dict.len()));
        }
        self.dict = dict;
        let info = GroupInfo {
            feature: self.name.clone(),
            how: how.to_string(),
            levels_before,
            levels_after: self.dict.len(),
            rare_rows,
        };
        Some((map, info))
    }

    /// Every value as a finite number, or `None` if one is not.
    fn numbers(&self, values: &[u32]) -> Option<Vec<(f64, u32)>> {
        values
            .iter()
            .map(|&c| {
                let text = std::str::from_utf8(self.dict.value(c)).ok()?;
                let x: f64 = text.trim().parse().ok()?;
                x.is_finite().then_some((x, c))
            })
            .collect()
    }

    /// Equal-frequency bins of the sorted numbers; the missing and other
    /// levels keep their own.
    fn binned(
        &self,
        mut numbers: Vec<(f64, u32)>,
        count: &impl Fn(u32) -> u64,
        rows: u64,
        bins: usize,
    ) -> (Dictionary, Vec<u32>) {
        numbers.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        // The bin of each number (equal numbers, written differently, share
        // the first one's), and each bin's first and last value.
        let mut bin_of: Vec<usize> = Vec::with_capacity(numbers.len());
        let mut below = 0u64;
        for (i, &(x, c)) in numbers.iter().enumerate() {
            let b = if i > 0 && numbers[i - 1].0 == x {
                bin_of[i - 1]
            } else {
                let mid = below as f64 + count(c) as f64 / 2.0;
                ((mid / rows.max(1) as f64 * bins as f64) as usize).min(bins - 1)
            };
            bin_of.push(b);
            below += count(c);
        }
        let mut ends: Vec<Option<(u32, u32)>> = vec![None; bins];
        for (&(_, c), &b) in numbers.iter().zip(&bin_of) {
            let e = ends[b].get_or_insert((c, c));
            e.1 = c;
        }
        let mut out = Dictionary::new();
        let mut map = vec![0u32; self.dict.len()];
        if let Some(m) = self.dict.missing_code() {
            map[m as usize] = out.missing();
        }
        if let Some(o) = self.dict.other_code() {
            map[o as usize] = out.other();
        }
        let label = |(lo, hi): (u32, u32)| {
            let text = |c: u32| String::from_utf8_lossy(self.dict.value(c)).into_owned();
            format!("{}..{}", text(lo), text(hi))
        };
        // Each bin's label made once (a binned column has many values).
        let mut bin_code: Vec<Option<u32>> = vec![None; bins];
        for (&(_, c), &b) in numbers.iter().zip(&bin_of) {
            let code = *bin_code[b]
                .get_or_insert_with(|| out.code(label(ends[b].unwrap_or((c, c))).as_bytes()));
            map[c as usize] = code;
        }
        (out, map)
    }
}
