//! What the data-quality report needs beyond the [`RankState`], gathered in
//! the same pass: a hash of each column's partition of the rows (duplicate
//! columns) and per-value counts by position in the stream (drift).
//!
//! **Partition hash.** Codes are given in first-seen order, so two columns
//! that split the rows the same way (equal values in the same rows, whatever
//! the values' spelling) have identical code sequences. Each column keeps a
//! running XXH3 hash of its code sequence, batch by batch; equal hashes (and
//! equal value counts) mean duplicate columns. The hash stops (`None`) for a
//! column whose dictionary folds (`max_distinct`: codes are renumbered) and
//! for multivalue columns. After [`Tracker::merge`] the hash combines the
//! parts' hashes in merge order: two columns then count as duplicates when
//! they were identical within every part; a pairing of values that differs
//! between parts is not detected.
//!
//! **Drift buckets.** Rows are cut into at most [`DRIFT_SLOTS`] consecutive
//! buckets of equal capacity; when all are full, neighbours merge pairwise
//! and the capacity doubles, so the buckets always cover the whole stream
//! in order, each at most a quarter of it once the stream is long. Each
//! column keeps its value counts per bucket (4 bytes per value per bucket),
//! up to [`TrackOptions::drift_max_values`] values; past that its drift is
//! not tracked. The report compares the first and the last part.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use twox_hash::XxHash3_64;

use crate::encode::Dictionary;
use crate::error::{Error, Result};
use crate::state::RankState;

/// Most drift buckets kept at once.
pub const DRIFT_SLOTS: usize = 8;

/// Seed of every partition hash.
const HASH_SEED: u64 = 0x6361_7264_7261_6e6b; // "cardrank"

/// Codes hashed per chunk (the chunking is the same for every column).
const HASH_CHUNK: usize = 1024;

/// What the tracker keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackOptions {
    /// Rows per drift bucket at the start (the capacity doubles as the
    /// stream grows).
    pub first_bucket_rows: u64,
    /// Columns with more distinct values than this stop tracking drift
    /// (memory: 4 bytes per value per bucket).
    pub drift_max_values: usize,
}

impl Default for TrackOptions {
    fn default() -> Self {
        TrackOptions {
            first_bucket_rows: 128,
            drift_max_values: 100_000,
        }
    }
}

/// One column's partition hash and drift counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnTrack {
    /// Running hash of the code sequence (`None`: not a canonical partition).
    hash: Option<u64>,
    /// Per drift bucket, counts by code (`None`: drift not tracked).
    buckets: Option<Vec<Vec<u32>>>,
}

impl ColumnTrack {
    fn new() -> Self {
        ColumnTrack {
            hash: Some(HASH_SEED),
            buckets: Some(Vec::new()),
        }
    }

    /// The partition hash, if the column's codes are a canonical partition.
    pub fn partition_hash(&self) -> Option<u64> {
        self.hash
    }

    /// Counts by code of each drift bucket, if tracked.
    pub fn bucket_counts(&self) -> Option<&[Vec<u32>]> {
        self.buckets.as_deref()
    }

    fn stop(&mut self) {
        self.hash = None;
        self.buckets = None;
    }

    /// Adds one batch of codes (`plan` from [`Tracker::begin_batch`]).
    pub(crate) fn observe(&mut self, codes: &[u32], plan: &BatchPlan, dict: &Dictionary) {
        if dict.other_code().is_some() || codes.len() != plan.rows {
            // Folded (renumbered) or multivalue: no longer one code per row.
            self.stop();
            return;
        }
        if let Some(h) = self.hash.as_mut() {
            let mut bytes = [0u8; 4 * HASH_CHUNK];
            for chunk in codes.chunks(HASH_CHUNK) {
                for (b, c) in bytes.chunks_exact_mut(4).zip(chunk) {
                    b.copy_from_slice(&c.to_le_bytes());
                }
                *h = XxHash3_64::oneshot_with_seed(*h, &bytes[..4 * chunk.len()]);
            }
        }
        let Some(buckets) = self.buckets.as_mut() else {
            return;
        };
        if dict.len() > plan.max_values {
            self.buckets = None;
            return;
        }
        for _ in 0..plan.rounds {
            merge_pairs(buckets);
        }
        buckets.resize_with(plan.buckets, Vec::new);
        for (b, range) in &plan.segments {
            let counts = &mut buckets[*b];
            if counts.len() < dict.len() {
                counts.resize(dict.len(), 0);
            }
            for &c in &codes[range.clone()] {
                if let Some(n) = counts.get_mut(c as usize) {
                    *n = n.saturating_add(1);
                }
            }
        }
    }
}

/// Sums neighbouring buckets: `[a, b, c, d, e] -> [a+b, c+d, e]`.
fn merge_pairs(buckets: &mut Vec<Vec<u32>>) {
    let old = std::mem::take(buckets);
    let mut it = old.into_iter();
    while let Some(mut a) = it.next() {
        if let Some(b) = it.next() {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(&b) {
                *x = x.saturating_add(*y);
            }
        }
        buckets.push(a);
    }
}

/// Where one batch's rows go among the drift buckets.
#[derive(Debug, Clone, Default)]
pub(crate) struct BatchPlan {
    /// Rows in the batch.
    pub(crate) rows: usize,
    /// Pairwise merges to apply to the buckets before adding the batch.
    rounds: u32,
    /// Buckets after the batch.
    buckets: usize,
    /// `(bucket, rows of the batch)` after the merges.
    segments: Vec<(usize, Range<usize>)>,
    max_values: usize,
}

/// The extra accumulator of one pass: a `ColumnTrack` per feature (in the
/// state's order) and one for the target (last).
///
/// Enable it with [`crate::Ranker::track_quality`] before the first batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    options: TrackOptions,
    /// Current rows per bucket; 0 once drift tracking stopped (overflow).
    bucket_capacity: u64,
    /// Rows in each bucket, in stream order.
    bucket_rows: Vec<u64>,
    columns: Vec<ColumnTrack>,
    /// Streams merged into this one.
    parts: u32,
}

impl Tracker {
    /// A tracker that has seen nothing.
    pub fn new(options: TrackOptions) -> Result<Self> {
        if options.first_bucket_rows == 0 || options.first_bucket_rows > u64::from(u32::MAX) {
            return Err(Error::InvalidParameter {
                name: "first_bucket_rows",
                value: options.first_bucket_rows.to_string(),
                expected: "1 to 4294967295 rows",
            });
        }
        Ok(Tracker {
            bucket_capacity: options.first_bucket_rows,
            options,
            bucket_rows: Vec::new(),
            columns: Vec::new(),
            parts: 1,
        })
    }

    /// Rows in each drift bucket, in stream order.
    pub fn bucket_rows(&self) -> &[u64] {
        &self.bucket_rows
    }

    /// How many streams were merged into this tracker (1 for one pass).
    pub fn parts(&self) -> u32 {
        self.parts
    }

    /// The track of feature `i` (in the state's order).
    pub fn feature(&self, i: usize) -> Option<&ColumnTrack> {
        if i + 1 < self.columns.len() {
            self.columns.get(i)
        } else {
            None
        }
    }

    /// The target's track.
    pub fn target(&self) -> Option<&ColumnTrack> {
        if self.columns.is_empty() {
            None
        } else {
            self.columns.last()
        }
    }

    /// Plans a batch of `rows` rows: which buckets they go to.
    fn plan(&mut self, rows: usize) -> BatchPlan {
        let mut plan = BatchPlan {
            rows,
            max_values: self.options.drift_max_values,
            ..BatchPlan::default()
        };
        let mut pos = 0usize;
        while pos < rows && self.bucket_capacity > 0 {
            let cap = self.bucket_capacity;
            let full = self.bucket_rows.last().is_none_or(|&r| r >= cap);
            if full {
                if self.bucket_rows.len() < DRIFT_SLOTS {
                    self.bucket_rows.push(0);
                    continue;
                }
                if cap > u64::from(u32::MAX) / 2 {
                    // Counts could overflow u32: stop tracking drift.
                    self.bucket_capacity = 0;
                    self.bucket_rows.clear();
                    for c in &mut self.columns {
                        c.buckets = None;
                    }
                    plan.segments.clear();
                    break;
                }
                self.bucket_rows = self.bucket_rows.chunks(2).map(|p| p.iter().sum()).collect();
                self.bucket_capacity = cap * 2;
                plan.rounds += 1;
                for s in &mut plan.segments {
                    s.0 /= 2;
                }
                continue;
            }
            let last = self.bucket_rows.len() - 1;
            let room = (cap - self.bucket_rows[last]).min((rows - pos) as u64) as usize;
            plan.segments.push((last, pos..pos + room));
            self.bucket_rows[last] += room as u64;
            pos += room;
        }
        plan.buckets = self.bucket_rows.len();
        plan
    }

    /// Starts a batch: plans its buckets, adds the target's codes and hands
    /// out one track per feature (`None` for multivalue features, whose
    /// tracks stop).
    pub(crate) fn begin_batch(
        &mut self,
        rows: usize,
        list_features: &[bool],
        target_codes: &[u32],
        target_dict: &Dictionary,
    ) -> (BatchPlan, Vec<Option<&mut ColumnTrack>>) {
        let n = list_features.len();
        if self.columns.len() != n + 1 {
            self.columns = vec![ColumnTrack::new(); n + 1];
        }
        let plan = self.plan(rows);
        let (features, target) = self.columns.split_at_mut(n);
        target[0].observe(target_codes, &plan, target_dict);
        let hooks = features
            .iter_mut()
            .zip(list_features)
            .map(|(t, &list)| {
                if list {
                    t.stop();
                    None
                } else {
                    Some(t)
                }
            })
            .collect();
        (plan, hooks)
    }

    /// Adds `other`'s stream after this one's.
    ///
    /// `state` must be this tracker's state already merged with
    /// `other_state` (see [`RankState::merge`]): codes of `other` are
    /// translated through the dictionaries. Drift buckets are concatenated
    /// (and merged pairwise down to [`DRIFT_SLOTS`]); partition hashes are
    /// combined in order (see the module documentation).
    pub fn merge(
        &mut self,
        state: &RankState,
        other: &Tracker,
        other_state: &RankState,
    ) -> Result<()> {
        if other.columns.is_empty() {
            return Ok(());
        }
        if self.columns.is_empty() {
            *self = other.clone();
            return Ok(());
        }
        let n = state.features().len();
        if self.columns.len() != n + 1 || other.columns.len() != other_state.features().len() + 1 {
            return Err(Error::StateMismatch(
                "the quality trackers do not match their states".into(),
            ));
        }
        let mut mine: Vec<ColumnTrack> = Vec::with_capacity(n + 1);
        for (i, f) in state.features().iter().enumerate() {
            let j = other_state
                .features()
                .iter()
                .position(|g| g.name == f.name)
                .ok_or_else(|| {
                    Error::StateMismatch(format!("feature `{}` is in one state only", f.name))
                })?;
            let theirs = &other.columns[j];
            let map = code_map(&f.dict, &other_state.features()[j].dict);
            mine.push(self.merge_column(i, theirs, map.as_deref()));
        }
        let map = code_map(state.target_dictionary(), other_state.target_dictionary());
        mine.push(self.merge_column(n, &other.columns[n], map.as_deref()));
        self.columns = mine;
        self.bucket_rows.extend_from_slice(&other.bucket_rows);
        while self.bucket_rows.len() > DRIFT_SLOTS {
            self.bucket_rows = self.bucket_rows.chunks(2).map(|p| p.iter().sum()).collect();
            for c in &mut self.columns {
                if let Some(b) = c.buckets.as_mut() {
                    merge_pairs(b);
                }
            }
        }
        let biggest = self.bucket_rows.iter().copied().max().unwrap_or(0);
        self.bucket_capacity = if self.bucket_capacity == 0 || other.bucket_capacity == 0 {
            0
        } else {
            biggest.max(self.bucket_capacity).max(other.bucket_capacity)
        };
        self.parts += other.parts;
        Ok(())
    }

    fn merge_column(&self, i: usize, theirs: &ColumnTrack, map: Option<&[u32]>) -> ColumnTrack {
        let ours = &self.columns[i];
        let hash = match (ours.hash, theirs.hash, map) {
            (Some(a), Some(b), Some(_)) => Some(XxHash3_64::oneshot_with_seed(a, &b.to_le_bytes())),
            _ => None,
        };
        let buckets = match (&ours.buckets, &theirs.buckets, map) {
            (Some(a), Some(b), Some(map)) => {
                let mut out = a.clone();
                out.resize_with(self.bucket_rows.len(), Vec::new);
                for counts in b {
                    let mut moved: Vec<u32> = Vec::new();
                    for (code, &k) in counts.iter().enumerate() {
                        let to = map[code] as usize;
                        if moved.len() <= to {
                            moved.resize(to + 1, 0);
                        }
                        moved[to] = moved[to].saturating_add(k);
                    }
                    out.push(moved);
                }
                Some(out)
            }
            _ => None,
        };
        ColumnTrack { hash, buckets }
    }
}

/// For each code of `theirs`, the code of the same value in `ours` (which
/// has absorbed `theirs`); `None` if a value is not found (it was folded).
fn code_map(ours: &Dictionary, theirs: &Dictionary) -> Option<Vec<u32>> {
    if ours.other_code().is_some() || theirs.other_code().is_some() {
        return None;
    }
    (0..theirs.len() as u32)
        .map(|c| {
            if Some(c) == theirs.missing_code() {
                ours.missing_code()
            } else {
                ours.lookup(theirs.value(c))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_double_and_cover_the_stream_in_order() {
        let mut t = Tracker::new(TrackOptions {
            first_bucket_rows: 2,
            drift_max_values: 10,
        })
        .unwrap();
        t.columns = vec![ColumnTrack::new()];
        let mut all = Vec::new();
        let mut dict = Dictionary::new();
        for batch in 0..7u32 {
            // 5 rows per batch; the value is the batch number.
            let codes: Vec<u32> = (0..5).map(|_| dict.code(&batch.to_le_bytes())).collect();
            let plan = t.plan(5);
            t.columns[0].observe(&codes, &plan, &dict);
            all.extend(codes);
        }
        assert_eq!(t.bucket_rows().iter().sum::<u64>(), 35);
        assert!(t.bucket_rows().len() <= DRIFT_SLOTS);
        // Buckets hold consecutive rows: replaying the sizes gives the counts.
        let b = t.columns[0].bucket_counts().unwrap();
        let mut start = 0usize;
        for (k, &rows) in t.bucket_rows().iter().enumerate() {
            let mut expect = vec![0u32; dict.len()];
            for &c in &all[start..start + rows as usize] {
                expect[c as usize] += 1;
            }
            let mut got = b[k].clone();
            got.resize(dict.len(), 0);
            assert_eq!(got, expect, "bucket {k}");
            start += rows as usize;
        }
    }

    #[test]
    fn identical_partitions_hash_equal() {
        let plan = BatchPlan {
            rows: 6,
            max_values: 0,
            ..BatchPlan::default()
        };
        let hash_of = |values: &[&str]| {
            let mut d = Dictionary::new();
            let codes: Vec<u32> = values.iter().map(|v| d.code(v.as_bytes())).collect();
            let mut t = ColumnTrack::new();
            t.observe(&codes, &plan, &d);
            t.partition_hash()
        };
        let a = hash_of(&["x", "y", "x", "z", "y", "x"]);
        let b = hash_of(&["1", "2", "1", "3", "2", "1"]);
        let c = hash_of(&["1", "2", "1", "3", "2", "2"]);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
