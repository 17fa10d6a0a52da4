//! Row-level anomaly scores: a second pass once the value counts are known.
//!
//! A row's score is its surprise, `sum over columns of ln(N / count of its
//! value)`: the negative log-likelihood of the row if columns were
//! independent, up to a constant. A multivalue (list) column adds one such
//! term per value of the row, as the ranking counts one occurrence per value
//! (a term is never negative: a value can occur more often than there are
//! rows). The most unusual rows are kept (a bounded heap), with the values
//! that contribute most.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use arrow_array::RecordBatch;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::column::{encode_array, encode_list, is_list};
use crate::encode::{Dictionary, MissingTokens};
use crate::error::{Error, Result};
use crate::state::RankState;

/// One value of an unusual row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusualValue {
    /// The column.
    pub column: String,
    /// The value (`<missing>` for a missing one).
    pub value: String,
    /// Rows with this value in the whole input.
    pub count: u64,
    /// `ln(N / count)`, its part of the row's score.
    pub surprise: f64,
}

/// One of the most unusual rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusualRow {
    /// 1-based number of the data row (the header aside): line `row + 1`
    /// of a CSV file with one header line and no multi-line fields.
    pub row: u64,
    /// `sum of ln(N / count)` over the scored columns.
    pub score: f64,
    /// Its values (a multivalue column's each on its own), most surprising
    /// first.
    pub values: Vec<UnusualValue>,
}

struct Scored {
    name: String,
    dict: Dictionary,
    counts: Vec<u64>,
    surprise: Vec<f64>,
}

/// A kept row, ordered so that the heap's top is the least unusual.
struct Candidate {
    score: f64,
    row: u64,
    /// `(column, code)`: one per column, several for a multivalue column.
    codes: Vec<(u32, u32)>,
}

/// One column's codes in a batch.
struct BatchCodes {
    codes: Vec<u32>,
    /// For a multivalue column, row `r`'s codes are
    /// `codes[bounds[r]..bounds[r + 1]]`; else one code per row.
    bounds: Option<Vec<usize>>,
}

impl BatchCodes {
    fn of_row(&self, r: usize) -> &[u32] {
        match &self.bounds {
            Some(b) => &self.codes[b[r]..b[r + 1]],
            None => &self.codes[r..r + 1],
        }
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    /// Greater = less unusual (lower score; on ties, the later row).
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.row.cmp(&other.row))
    }
}

/// Scores rows against the value counts of a finished first pass.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::quality::RowScorer;
/// use cardrank::{RankParams, Ranker};
///
/// let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("a", col(&["x", "x", "x", "x", "q"])),
///     ("b", col(&["u", "u", "v", "v", "w"])),
///     ("y", col(&["1", "0", "1", "0", "1"])),
/// ]).unwrap();
/// let mut ranker = Ranker::new(RankParams::new("y")).unwrap();
/// ranker.update(&batch).unwrap();
/// let mut scorer = RowScorer::new(ranker.state(), &["a".into(), "b".into()], 1).unwrap();
/// scorer.score_batch(&batch).unwrap();
/// let top = scorer.finish();
/// assert_eq!(top[0].row, 5);
/// assert_eq!(top[0].values[0].value, "q");
/// ```
pub struct RowScorer {
    missing: MissingTokens,
    columns: Vec<Scored>,
    k: usize,
    heap: BinaryHeap<Candidate>,
    rows: u64,
    ln_n: f64,
}

impl RowScorer {
    /// A scorer of the given features of `state`, keeping the `k` most
    /// unusual rows. A value not seen in the first pass (the input changed)
    /// counts as seen once.
    pub fn new(state: &RankState, columns: &[String], k: usize) -> Result<Self> {
        let n = state.rows().max(1) as f64;
        let scored = columns
            .iter()
            .map(|name| {
                let f = state
                    .features()
                    .iter()
                    .find(|f| &f.name == name)
                    .ok_or_else(|| Error::UnknownColumn {
                        column: name.clone(),
                        available: state.features().iter().map(|f| f.name.clone()).collect(),
                    })?;
                let counts = f.joint.level_totals();
                let surprise = counts
                    .iter()
                    .map(|&c| (n / c.max(1) as f64).ln().max(0.0))
                    .collect();
                Ok(Scored {
                    name: name.clone(),
                    dict: f.dict.clone(),
                    counts,
                    surprise,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RowScorer {
            missing: state.missing.clone(),
            columns: scored,
            k,
            heap: BinaryHeap::with_capacity(k + 1),
            rows: 0,
            ln_n: n.ln(),
        })
    }

    /// Rows scored so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Scores one batch (columns are found by name).
    pub fn score_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let schema = batch.schema();
        let missing = &self.missing;
        let rows = batch.num_rows();
        let codes: Vec<BatchCodes> = self
            .columns
            .par_iter_mut()
            .map(|c| {
                let i = schema.index_of(&c.name).map_err(|_| Error::UnknownColumn {
                    column: c.name.clone(),
                    available: schema.fields().iter().map(|f| f.name().clone()).collect(),
                })?;
                let unsupported = |u: crate::column::Unsupported| Error::UnsupportedType {
                    column: c.name.clone(),
                    data_type: u.0.to_string(),
                };
                let col = batch.column(i).as_ref();
                let mut out = Vec::with_capacity(rows);
                if !is_list(col.data_type()) {
                    encode_array(&mut c.dict, missing, col, &mut out).map_err(unsupported)?;
                    return Ok(BatchCodes {
                        codes: out,
                        bounds: None,
                    });
                }
                // Each occurrence's "class" is its row, so the rows' bounds
                // follow from counting.
                let row_ids: Vec<u32> = (0..rows as u32).collect();
                let mut of_row = Vec::with_capacity(rows);
                encode_list(&mut c.dict, missing, col, &row_ids, &mut out, &mut of_row)
                    .map_err(unsupported)?;
                let mut bounds = vec![0usize; rows + 1];
                for &r in &of_row {
                    bounds[r as usize + 1] += 1;
                }
                for r in 0..rows {
                    bounds[r + 1] += bounds[r];
                }
                Ok(BatchCodes {
                    codes: out,
                    bounds: Some(bounds),
                })
            })
            .collect::<Result<_>>()?;
        for r in 0..rows {
            let mut score = 0.0;
            for (c, col) in codes.iter().zip(&self.columns) {
                for &code in c.of_row(r) {
                    score += col
                        .surprise
                        .get(code as usize)
                        .copied()
                        .unwrap_or(self.ln_n);
                }
            }
            self.rows += 1;
            let row = self.rows;
            let keep = self.heap.len() < self.k
                || self.heap.peek().is_some_and(|least| score > least.score);
            if keep && self.k > 0 {
                let codes = codes
                    .iter()
                    .enumerate()
                    .flat_map(|(j, c)| c.of_row(r).iter().map(move |&code| (j as u32, code)))
                    .collect();
                self.heap.push(Candidate { score, row, codes });
                if self.heap.len() > self.k {
                    self.heap.pop();
                }
            }
        }
        Ok(())
    }

    /// The kept rows, most unusual first.
    pub fn finish(self) -> Vec<UnusualRow> {
        let columns = self.columns;
        let ln_n = self.ln_n;
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|cand| {
                let mut values: Vec<UnusualValue> = cand
                    .codes
                    .iter()
                    .map(|&(j, code)| {
                        let col = &columns[j as usize];
                        UnusualValue {
                            column: col.name.clone(),
                            value: col.dict.label(code),
                            count: col.counts.get(code as usize).copied().unwrap_or(0),
                            surprise: col.surprise.get(code as usize).copied().unwrap_or(ln_n),
                        }
                    })
                    .collect();
                values.sort_by(|a, b| b.surprise.total_cmp(&a.surprise));
                UnusualRow {
                    row: cand.row,
                    score: cand.score,
                    values,
                }
            })
            .collect()
    }
}
