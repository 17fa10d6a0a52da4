//! Sorted runs of distinct cells: the sparse form of a tuple table, built
//! per batch by packing each row's codes and class into one `u64`, an LSD
//! radix sort and run-length counting, and merged by size.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::measures::CountGroups;

/// Radix digit width of the batch sort: 256 buckets, whose write positions
/// stay in the first-level cache (11-bit digits, a pass fewer, measured
/// slower on 1M keys of 26 to 36 bits).
const DIGIT: u32 = 8;

/// Distinct cells sorted by `(codes, class)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Run {
    /// `arity` codes per cell.
    pub codes: Vec<u32>,
    /// The class of each cell.
    pub class: Vec<u32>,
    /// The count of each cell (> 0).
    pub n: Vec<u64>,
}

impl Run {
    pub(crate) fn len(&self) -> usize {
        self.n.len()
    }

    pub(crate) fn key(&self, arity: usize, i: usize) -> (u128, u32) {
        (pack(&self.codes[i * arity..(i + 1) * arity]), self.class[i])
    }

    #[inline]
    pub(crate) fn push(&mut self, codes: &[u32], class: u32, n: u64) {
        // Pairs push two codes without a call to `memcpy`.
        if let [a, b] = codes {
            self.codes.push(*a);
            self.codes.push(*b);
        } else {
            self.codes.extend_from_slice(codes);
        }
        self.class.push(class);
        self.n.push(n);
    }
}

/// Codes packed so that integer order is lexicographic order (arity <= 4).
#[inline]
pub(crate) fn pack(codes: &[u32]) -> u128 {
    codes.iter().fold(0u128, |k, &c| (k << 32) | u128::from(c))
}

/// Bits needed for values `0..card`.
#[inline]
fn bits_for(card: usize) -> u32 {
    if card <= 1 {
        0
    } else {
        usize::BITS - (card - 1).leading_zeros()
    }
}

/// Reusable buffers of one worker.
#[derive(Default)]
pub(crate) struct Scratch {
    keys: Vec<u64>,
    tmp: Vec<u64>,
    dense: Vec<u32>,
}

/// Counts rows into `scratch` as a dense array indexed by the codes (below
/// `cards`, mixed radix, first code most significant) and the class (below
/// `n_classes`); the caller checks that the array is small and that no
/// count passes `u32::MAX`.
pub(crate) fn count_dense<'s>(
    cols: &[&[u32]],
    classes: &[u32],
    cards: &[usize],
    n_classes: usize,
    scratch: &'s mut Scratch,
) -> &'s [u32] {
    let size = cards.iter().product::<usize>() * n_classes;
    let counts = &mut scratch.dense;
    counts.clear();
    counts.resize(size, 0);
    if let ([a, b], [_, cb]) = (cols, cards) {
        for ((&a, &b), &y) in a.iter().zip(b.iter()).zip(classes) {
            counts[(a as usize * cb + b as usize) * n_classes + y as usize] += 1;
        }
    } else {
        for (r, &y) in classes.iter().enumerate() {
            let level = cols
                .iter()
                .zip(cards)
                .fold(0usize, |acc, (col, &card)| acc * card + col[r] as usize);
            counts[level * n_classes + y as usize] += 1;
        }
    }
    counts
}

/// How a row's codes and class are packed into one `u64` key: the codes
/// in order, most significant first, then the class.
pub(crate) struct KeyLayout {
    widths: Vec<u32>,
    class_bits: u32,
}

impl KeyLayout {
    /// The layout for codes below `cards` and classes below `n_classes`;
    /// `None` when the key would pass 64 bits.
    pub(crate) fn new(cards: &[usize], n_classes: usize) -> Option<KeyLayout> {
        let widths: Vec<u32> = cards.iter().map(|&c| bits_for(c)).collect();
        let class_bits = bits_for(n_classes);
        let total = widths.iter().sum::<u32>() + class_bits;
        (total <= 64).then_some(KeyLayout { widths, class_bits })
    }

    fn bits(&self) -> u32 {
        self.widths.iter().sum::<u32>() + self.class_bits
    }

    /// The class of a key.
    #[inline]
    pub(crate) fn class(&self, key: u64) -> u32 {
        (key & ((1u64 << self.class_bits) - 1)) as u32
    }

    /// The codes part of a key (equal for the cells of one code tuple).
    #[inline]
    pub(crate) fn level(&self, key: u64) -> u64 {
        key >> self.class_bits
    }

    /// Writes the codes of a key into `codes`.
    #[inline]
    pub(crate) fn codes(&self, key: u64, codes: &mut [u32]) {
        let mut rest = self.level(key);
        for d in (0..codes.len()).rev() {
            codes[d] = (rest & ((1u64 << self.widths[d]) - 1)) as u32;
            rest >>= self.widths[d];
        }
    }
}

/// Packs one key per row into `scratch` and sorts them (see [`KeyLayout`]).
pub(crate) fn sort_keys<'s>(
    cols: &[&[u32]],
    classes: &[u32],
    layout: &KeyLayout,
    scratch: &'s mut Scratch,
) -> &'s [u64] {
    let keys = &mut scratch.keys;
    keys.clear();
    if let [a, b] = cols {
        let (sa, sb) = (layout.widths[1] + layout.class_bits, layout.class_bits);
        keys.extend(
            a.iter()
                .zip(b.iter())
                .zip(classes)
                .map(|((&a, &b), &y)| (u64::from(a) << sa) | (u64::from(b) << sb) | u64::from(y)),
        );
    } else {
        keys.extend(classes.iter().map(|&y| u64::from(y)));
        let mut shift = layout.class_bits;
        for d in (0..cols.len()).rev() {
            for (k, &c) in keys.iter_mut().zip(cols[d]) {
                *k |= u64::from(c) << shift;
            }
            shift += layout.widths[d];
        }
    }
    // Rows whose first code is unique per row (an ID-like column, coded in
    // order of appearance) come sorted already: a check that stops at the
    // first descent costs little either way.
    if !keys.windows(2).all(|w| w[0] <= w[1]) {
        radix_sort(keys, &mut scratch.tmp, layout.bits());
    }
    keys
}

/// Counts one batch into a sorted run.
pub(crate) fn sparse_batch(
    cols: &[&[u32]],
    classes: &[u32],
    cards: &[usize],
    n_classes: usize,
    scratch: &mut Scratch,
) -> Run {
    let arity = cols.len();
    let mut run = Run::default();
    let Some(layout) = KeyLayout::new(cards, n_classes) else {
        // Codes too wide to pack into 64 bits: sort tuples instead.
        let mut rows: Vec<(u128, u32)> = (0..classes.len())
            .map(|r| {
                let codes: Vec<u32> = cols.iter().map(|c| c[r]).collect();
                (pack(&codes), classes[r])
            })
            .collect();
        rows.sort_unstable();
        let mut codes = vec![0u32; arity];
        let mut i = 0;
        while i < rows.len() {
            let mut j = i + 1;
            while j < rows.len() && rows[j] == rows[i] {
                j += 1;
            }
            for (d, c) in codes.iter_mut().enumerate() {
                *c = (rows[i].0 >> (32 * (arity - 1 - d))) as u32;
            }
            run.push(&codes, rows[i].1, (j - i) as u64);
            i = j;
        }
        return run;
    };
    let keys = sort_keys(cols, classes, &layout, scratch);
    let distinct = 1 + keys.windows(2).filter(|w| w[0] != w[1]).count();
    run.codes.reserve_exact(distinct * arity);
    run.class.reserve_exact(distinct);
    run.n.reserve_exact(distinct);
    let mut codes = vec![0u32; arity];
    let mut i = 0;
    while i < keys.len() {
        let k = keys[i];
        let mut j = i + 1;
        while j < keys.len() && keys[j] == k {
            j += 1;
        }
        layout.codes(k, &mut codes);
        run.push(&codes, layout.class(k), (j - i) as u64);
        i = j;
    }
    run
}

/// The counts of a table's cells and of its levels (distinct code tuples,
/// whose totals are their cells' sums), as multisets.
#[derive(Default)]
pub(crate) struct Tally {
    pub cells: CountGroups,
    pub levels: CountGroups,
}

/// The sorted cells of one tuple table, as scoring reads them: a run of
/// distinct cells, or (for rows not yet counted into a table) the sorted
/// keys of the rows themselves, one per row, so that no run is built.
pub(crate) enum Cells<'a> {
    Run(std::borrow::Cow<'a, Run>),
    Keys {
        keys: &'a [u64],
        layout: KeyLayout,
    },
    /// Counts made by [`count_dense`] with these `cards` and `n_classes`.
    Dense {
        counts: &'a [u32],
        cards: Vec<usize>,
        n_classes: usize,
    },
}

impl Cells<'_> {
    /// The multisets of cell counts and level totals. Sorted keys are
    /// tallied in one pass that only compares neighbours: a key unlike the
    /// one before ends a cell, and a level when its codes differ too.
    pub(crate) fn tally(&self, arity: usize) -> Tally {
        let mut t = Tally::default();
        match self {
            Cells::Keys { keys, layout } if !keys.is_empty() => {
                let shift = layout.class_bits;
                // Single-row cells and levels (most of a sparse table's)
                // are counted apart, in registers.
                let (mut cell_ones, mut level_ones) = (0u64, 0u64);
                let (mut cell, mut level) = (1u64, 1u64);
                for w in keys.windows(2) {
                    let (prev, cur) = (w[0], w[1]);
                    if cur != prev {
                        if cell == 1 {
                            cell_ones += 1;
                        } else {
                            t.cells.push(cell);
                        }
                        cell = 0;
                        if cur >> shift != prev >> shift {
                            if level == 1 {
                                level_ones += 1;
                            } else {
                                t.levels.push(level);
                            }
                            level = 0;
                        }
                    }
                    cell += 1;
                    level += 1;
                }
                t.cells.push(cell);
                t.levels.push(level);
                t.cells.push_many(1, cell_ones);
                t.levels.push_many(1, level_ones);
            }
            _ => self.for_each_level(arity, |_, cells| {
                let mut total = 0;
                for &(_, k) in cells {
                    t.cells.push(k);
                    total += k;
                }
                t.levels.push(total);
            }),
        }
        t
    }

    /// Calls `f(codes, cells)` for each distinct code tuple in increasing
    /// order, with its `(class, count)` cells in increasing class order.
    pub(crate) fn for_each_level(&self, arity: usize, mut f: impl FnMut(&[u32], &[(u32, u64)])) {
        let mut cells: Vec<(u32, u64)> = Vec::new();
        match self {
            Cells::Run(run) => {
                let mut start = 0;
                while start < run.len() {
                    let codes = &run.codes[start * arity..(start + 1) * arity];
                    let mut end = start + 1;
                    // Element by element: a slice comparison of two or
                    // three codes would call `memcmp`.
                    while end < run.len()
                        && codes
                            .iter()
                            .zip(&run.codes[end * arity..(end + 1) * arity])
                            .all(|(x, y)| x == y)
                    {
                        end += 1;
                    }
                    cells.clear();
                    cells.extend((start..end).map(|i| (run.class[i], run.n[i])));
                    f(codes, &cells);
                    start = end;
                }
            }
            Cells::Keys { keys, layout } => {
                let mut codes = vec![0u32; arity];
                let mut i = 0;
                while i < keys.len() {
                    let level = layout.level(keys[i]);
                    cells.clear();
                    while i < keys.len() && layout.level(keys[i]) == level {
                        let k = keys[i];
                        let mut j = i + 1;
                        while j < keys.len() && keys[j] == k {
                            j += 1;
                        }
                        cells.push((layout.class(k), (j - i) as u64));
                        i = j;
                    }
                    layout.codes(level << layout.class_bits, &mut codes);
                    f(&codes, &cells);
                }
            }
            Cells::Dense {
                counts,
                cards,
                n_classes,
            } => {
                let mut codes = vec![0u32; arity];
                for (level, row) in counts.chunks_exact(*n_classes).enumerate() {
                    if row.iter().all(|&k| k == 0) {
                        continue;
                    }
                    cells.clear();
                    cells.extend(
                        row.iter()
                            .enumerate()
                            .filter(|&(_, &k)| k > 0)
                            .map(|(y, &k)| (y as u32, u64::from(k))),
                    );
                    let mut rest = level;
                    for (c, &card) in codes.iter_mut().zip(cards).rev() {
                        *c = (rest % card) as u32;
                        rest /= card;
                    }
                    f(&codes, &cells);
                }
            }
        }
    }
}

/// LSD radix sort of keys below `2^bits`.
///
/// Each pass cuts the keys into four quarters with their own bucket
/// positions (a quarter's keys of a bucket go after the quarters before
/// it, so the pass stays stable) and moves one key of each quarter per
/// step: four independent chains of position updates instead of one, which
/// matters when many keys in a row share a digit (a frequent value, the
/// class bits), where a single chain waits on its own last store.
pub(crate) fn radix_sort(keys: &mut Vec<u64>, tmp: &mut Vec<u64>, bits: u32) {
    const LANES: usize = 4;
    let buckets = 1usize << DIGIT;
    let mask = (buckets - 1) as u64;
    let n = keys.len();
    let q = n / LANES;
    // Lane `l` holds keys `starts[l]..starts[l + 1]`; the last takes the rest.
    let starts = [0, q, 2 * q, 3 * q, n];
    let mut counts = vec![[0usize; LANES]; buckets];
    let mut shift = 0;
    while shift < bits {
        counts.iter_mut().for_each(|c| *c = [0; LANES]);
        let digit = |k: u64| ((k >> shift) & mask) as usize;
        for i in 0..q {
            for l in 0..LANES {
                counts[digit(keys[starts[l] + i])][l] += 1;
            }
        }
        for &k in &keys[starts[LANES - 1] + q..] {
            counts[digit(k)][LANES - 1] += 1;
        }
        // A digit shared by every key leaves the order as it is.
        if counts.iter().any(|c| c.iter().sum::<usize>() == n) {
            shift += DIGIT;
            continue;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            for x in c.iter_mut() {
                let v = *x;
                *x = sum;
                sum += v;
            }
        }
        tmp.clear();
        tmp.resize(n, 0);
        for i in 0..q {
            for l in 0..LANES {
                let k = keys[starts[l] + i];
                let at = &mut counts[digit(k)][l];
                tmp[*at] = k;
                *at += 1;
            }
        }
        for &k in &keys[starts[LANES - 1] + q..] {
            let at = &mut counts[digit(k)][LANES - 1];
            tmp[*at] = k;
            *at += 1;
        }
        std::mem::swap(keys, tmp);
        shift += DIGIT;
    }
}

/// Pushes a run and merges runs of similar size (binary-counter scheme):
/// each run is at least twice the size of the next.
pub(crate) fn push_run(runs: &mut Vec<Run>, run: Run, arity: usize) {
    if run.len() == 0 {
        return;
    }
    runs.push(run);
    while runs.len() >= 2 && runs[runs.len() - 2].len() <= 2 * runs[runs.len() - 1].len() {
        let b = runs.pop().unwrap_or_default();
        let a = runs.pop().unwrap_or_default();
        runs.push(merge_runs(&a, &b, arity));
    }
}

/// Merges two sorted runs, summing equal cells.
pub(crate) fn merge_runs(a: &Run, b: &Run, arity: usize) -> Run {
    let mut out = if arity == 2 {
        let key = |r: &Run, i: usize| {
            (
                (u64::from(r.codes[2 * i]) << 32) | u64::from(r.codes[2 * i + 1]),
                r.class[i],
            )
        };
        merge_by(a, b, 2, key)
    } else {
        merge_by(a, b, arity, |r: &Run, i| r.key(arity, i))
    };
    // Runs stay in memory: give back what duplicates left unused.
    if out.n.capacity() > out.n.len() + out.n.len() / 8 {
        out.codes.shrink_to_fit();
        out.class.shrink_to_fit();
        out.n.shrink_to_fit();
    }
    out
}

fn merge_by<K: Ord>(a: &Run, b: &Run, arity: usize, key: impl Fn(&Run, usize) -> K) -> Run {
    let mut out = Run {
        codes: Vec::with_capacity(a.codes.len() + b.codes.len()),
        class: Vec::with_capacity(a.len() + b.len()),
        n: Vec::with_capacity(a.len() + b.len()),
    };
    let (mut i, mut j) = (0, 0);
    let cell = |i: usize| i * arity..(i + 1) * arity;
    while i < a.len() && j < b.len() {
        match key(a, i).cmp(&key(b, j)) {
            Ordering::Less => {
                out.push(&a.codes[cell(i)], a.class[i], a.n[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(&b.codes[cell(j)], b.class[j], b.n[j]);
                j += 1;
            }
            Ordering::Equal => {
                out.push(&a.codes[cell(i)], a.class[i], a.n[i] + b.n[j]);
                i += 1;
                j += 1;
            }
        }
    }
    out.codes.extend_from_slice(&a.codes[i * arity..]);
    out.class.extend_from_slice(&a.class[i..]);
    out.n.extend_from_slice(&a.n[i..]);
    out.codes.extend_from_slice(&b.codes[j * arity..]);
    out.class.extend_from_slice(&b.class[j..]);
    out.n.extend_from_slice(&b.n[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64, bound: u32) -> u32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 33) % u64::from(bound)) as u32
    }

    #[test]
    fn keys_tally_like_the_cells_they_make() {
        let mut seed = 11;
        let n = 5_000;
        // Few values in `a` and many repeats: cells of every size.
        let a: Vec<u32> = (0..n).map(|_| lcg(&mut seed, 30)).collect();
        let b: Vec<u32> = (0..n)
            .map(|_| lcg(&mut seed, 7) * lcg(&mut seed, 40))
            .collect();
        let y: Vec<u32> = (0..n).map(|_| lcg(&mut seed, 3)).collect();
        let (cards, classes) = ([30, 240], 3);
        let layout = KeyLayout::new(&cards, classes).unwrap();
        let mut scratch = Scratch::default();
        let keys = sort_keys(&[&a, &b], &y, &layout, &mut scratch).to_vec();
        let from_keys = Cells::Keys {
            keys: &keys,
            layout,
        }
        .tally(2);
        let run = sparse_batch(&[&a, &b], &y, &cards, classes, &mut Scratch::default());
        let from_run = Cells::Run(std::borrow::Cow::Owned(run.clone())).tally(2);
        assert_eq!(from_keys.cells.nonzero(), run.len());
        assert_eq!(from_keys.levels.nonzero(), from_run.levels.nonzero());
        assert_eq!(from_keys.cells.groups(), from_run.cells.groups());
        assert_eq!(from_keys.levels.groups(), from_run.levels.groups());
        let empty = Cells::Keys {
            keys: &[],
            layout: KeyLayout::new(&cards, classes).unwrap(),
        }
        .tally(2);
        assert_eq!(empty.cells.nonzero(), 0);
    }

    #[test]
    fn radix_sort_sorts() {
        let mut seed = 3;
        // Lengths around the four lanes' cuts, and runs of equal digits.
        for len in [0, 1, 3, 4, 5, 7, 10_000, 10_003] {
            let mut keys: Vec<u64> = (0..len)
                .map(|i| {
                    let hi = if i % 3 == 0 {
                        7
                    } else {
                        lcg(&mut seed, u32::MAX)
                    };
                    u64::from(hi) << 20 | u64::from(lcg(&mut seed, 1 << 20))
                })
                .collect();
            let mut want = keys.clone();
            want.sort_unstable();
            radix_sort(&mut keys, &mut Vec::new(), 52);
            assert_eq!(keys, want, "{len} keys");
        }
    }
}
