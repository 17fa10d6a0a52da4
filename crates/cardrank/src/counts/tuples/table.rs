//! Exact joint counts of a tuple of features (a pair or a triple) with the
//! target, keyed by the tuple of dense codes.
//!
//! A table is **dense** (one flat `u64` array indexed by the codes and the
//! class) while the product of the cardinalities times the classes stays at
//! or below [`DENSE_CELLS`], and **sparse** past it: sorted runs of distinct
//! `(codes, class, count)` cells. A batch is added to a sparse table by
//! packing each row's codes and class into one `u64`, radix-sorting the
//! batch, run-length counting it into a sorted run, and merging runs of
//! similar size (a binary-counter scheme), so no hash map is touched per row
//! and the total work is `O(rows log batches)` per tuple.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::runs::{merge_runs, pack, push_run, sparse_batch, Run, Scratch};

/// Most cells (codes product times class capacity) of a dense table: 8 MiB
/// of counts.
pub const DENSE_CELLS: usize = 1 << 20;

/// Exact counts of `(codes of the tuple, target class)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TupleTable {
    arity: usize,
    repr: Repr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Repr {
    /// `cells[((c0 * inner[0] + c1) * inner[1] + c2) * kcap + class]`.
    Dense {
        /// Capacity of the first code (grows by appending).
        outer: usize,
        /// Capacities of the other codes (powers of two).
        inner: Vec<usize>,
        /// Capacity of the class (a power of two).
        kcap: usize,
        cells: Vec<u64>,
    },
    /// Sorted runs of distinct cells, largest first.
    Sparse { runs: Vec<Run> },
}

impl TupleTable {
    /// An empty table of `arity` codes.
    pub(crate) fn new(arity: usize) -> Self {
        TupleTable {
            arity,
            repr: Repr::Dense {
                outer: 0,
                inner: vec![0; arity.saturating_sub(1)],
                kcap: 0,
                cells: Vec::new(),
            },
        }
    }

    /// Number of codes per cell.
    pub(crate) fn arity(&self) -> usize {
        self.arity
    }

    /// Whether the table is dense.
    pub(crate) fn is_dense(&self) -> bool {
        matches!(self.repr, Repr::Dense { .. })
    }

    /// Whether the table holds no cells.
    pub(crate) fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Dense { cells, .. } => cells.iter().all(|&n| n == 0),
            Repr::Sparse { runs } => runs.iter().all(|r| r.len() == 0),
        }
    }

    /// Whether an empty table would count codes below `cards` and classes
    /// below `classes` densely (as [`TupleTable::add_batch`] decides).
    pub(crate) fn dense_for(cards: &[usize], classes: usize) -> bool {
        let inner = vec![0; cards.len().saturating_sub(1)];
        let (.., size) = grown_shape(0, &inner, 0, cards, classes);
        size.is_some_and(|s| s <= DENSE_CELLS)
    }

    /// The cells as one owned sorted run.
    pub(crate) fn into_cells(self) -> Run {
        match self.repr {
            Repr::Sparse { mut runs } if runs.len() == 1 => runs.pop().unwrap_or_default(),
            _ => self.cells().into_owned(),
        }
    }

    /// Makes room for codes below `cards` and classes below `classes`,
    /// turning sparse when a dense table would pass [`DENSE_CELLS`].
    fn reserve(&mut self, cards: &[usize], classes: usize) {
        let Repr::Dense {
            outer,
            inner,
            kcap,
            cells,
        } = &mut self.repr
        else {
            return;
        };
        let (new_inner, new_kcap, new_outer, size) =
            grown_shape(*outer, inner, *kcap, cards, classes);
        if size.is_none_or(|s| s > DENSE_CELLS) {
            let run = self.dense_run();
            self.repr = Repr::Sparse {
                runs: if run.len() > 0 { vec![run] } else { Vec::new() },
            };
            return;
        }
        if new_inner != *inner || new_kcap != *kcap {
            let mut fresh = vec![0u64; size.unwrap_or(0)];
            for_each_dense(*outer, inner, *kcap, cells, |codes, class, n| {
                fresh[dense_index(&new_inner, new_kcap, codes, class)] = n;
            });
            *cells = fresh;
            *inner = new_inner;
            *kcap = new_kcap;
        } else if new_outer > *outer {
            cells.resize(size.unwrap_or(0), 0);
        }
        *outer = new_outer;
    }

    /// The dense cells as one sorted run.
    fn dense_run(&self) -> Run {
        let mut run = Run::default();
        if let Repr::Dense {
            outer,
            inner,
            kcap,
            cells,
        } = &self.repr
        {
            for_each_dense(*outer, inner, *kcap, cells, |codes, class, n| {
                run.push(codes, class, n)
            });
        }
        run
    }

    /// Adds one row per index: `cols[d][r]` is the code of dimension `d` in
    /// row `r`, `classes[r]` its class; codes are below `cards`, classes
    /// below `n_classes`.
    pub(crate) fn add_batch(
        &mut self,
        cols: &[&[u32]],
        classes: &[u32],
        cards: &[usize],
        n_classes: usize,
        scratch: &mut Scratch,
    ) {
        debug_assert_eq!(cols.len(), self.arity);
        if classes.is_empty() {
            return;
        }
        self.reserve(cards, n_classes);
        match &mut self.repr {
            Repr::Dense {
                inner, kcap, cells, ..
            } => count_dense(cols, classes, inner, *kcap, cells),
            Repr::Sparse { runs } => {
                let run = sparse_batch(cols, classes, cards, n_classes, scratch);
                push_run(runs, run, self.arity);
            }
        }
    }

    /// Adds the cells of `other`, with its codes of dimension `d` mapped
    /// through `maps[d]` and its classes through `class_map`.
    pub(crate) fn absorb(
        &mut self,
        other: &TupleTable,
        maps: &[&[u32]],
        class_map: &[u32],
        cards: &[usize],
        n_classes: usize,
    ) {
        self.reserve(cards, n_classes);
        let arity = self.arity;
        let mut mapped = vec![0u32; arity];
        match &mut self.repr {
            Repr::Dense {
                inner, kcap, cells, ..
            } => other.for_each_cell(|codes, class, n| {
                for d in 0..arity {
                    mapped[d] = maps[d][codes[d] as usize];
                }
                cells[dense_index(inner, *kcap, &mapped, class_map[class as usize])] += n;
            }),
            Repr::Sparse { runs } => {
                let mut cells: Vec<(u128, u32, u64)> = Vec::new();
                other.for_each_cell(|codes, class, n| {
                    for d in 0..arity {
                        mapped[d] = maps[d][codes[d] as usize];
                    }
                    cells.push((pack(&mapped), class_map[class as usize], n));
                });
                // A cell of `other` can be in several of its runs (each run
                // holds the distinct cells of some batches): equal cells are
                // summed here, so the run stays one of distinct cells.
                cells.sort_unstable_by_key(|&(k, c, _)| (k, c));
                let mut run = Run::default();
                let mut i = 0;
                while i < cells.len() {
                    let (k, c, mut n) = cells[i];
                    i += 1;
                    while i < cells.len() && (cells[i].0, cells[i].1) == (k, c) {
                        n += cells[i].2;
                        i += 1;
                    }
                    for d in (0..arity).rev() {
                        mapped[arity - 1 - d] = (k >> (32 * d)) as u32;
                    }
                    run.push(&mapped, c, n);
                }
                push_run(runs, run, arity);
            }
        }
    }

    /// All nonzero cells in increasing `(codes, class)` order (one sorted run).
    pub(crate) fn cells(&self) -> Cow<'_, Run> {
        match &self.repr {
            Repr::Dense { .. } => Cow::Owned(self.dense_run()),
            Repr::Sparse { runs } => match runs.len() {
                0 => Cow::Owned(Run::default()),
                1 => Cow::Borrowed(&runs[0]),
                _ => {
                    let mut acc = merge_runs(&runs[0], &runs[1], self.arity);
                    for r in &runs[2..] {
                        acc = merge_runs(&acc, r, self.arity);
                    }
                    Cow::Owned(acc)
                }
            },
        }
    }

    /// Calls `f(codes, class, count)` for every nonzero cell (each cell once,
    /// in no particular order for sparse tables with several runs).
    pub(crate) fn for_each_cell(&self, mut f: impl FnMut(&[u32], u32, u64)) {
        match &self.repr {
            Repr::Dense {
                outer,
                inner,
                kcap,
                cells,
            } => for_each_dense(*outer, inner, *kcap, cells, f),
            Repr::Sparse { runs } => {
                for r in runs {
                    for i in 0..r.len() {
                        f(
                            &r.codes[i * self.arity..(i + 1) * self.arity],
                            r.class[i],
                            r.n[i],
                        );
                    }
                }
            }
        }
    }

    /// Checks the shape of a decoded table: codes below `cards`, classes
    /// below `n_classes`, sorted runs; returns the total count.
    pub(crate) fn check(&self, cards: &[usize], n_classes: usize) -> Option<u64> {
        if cards.len() != self.arity {
            return None;
        }
        let mut total = 0u64;
        let mut ok = true;
        match &self.repr {
            Repr::Dense {
                outer,
                inner,
                kcap,
                cells,
            } => {
                if inner.len() + 1 != self.arity {
                    return None;
                }
                if !cells.is_empty() {
                    let size = inner
                        .iter()
                        .chain([kcap, outer])
                        .try_fold(1usize, |a, &x| a.checked_mul(x.max(1)));
                    let zero = inner.iter().chain([kcap, outer]).any(|&x| x == 0);
                    if zero || size != Some(cells.len()) {
                        return None;
                    }
                }
            }
            Repr::Sparse { runs } => {
                for r in runs {
                    if r.codes.len() != r.len() * self.arity || r.class.len() != r.len() {
                        return None;
                    }
                    ok &= (1..r.len()).all(|i| r.key(self.arity, i - 1) < r.key(self.arity, i));
                }
            }
        }
        self.for_each_cell(|codes, class, n| {
            ok &= codes.iter().zip(cards).all(|(&c, &k)| (c as usize) < k)
                && (class as usize) < n_classes;
            total = total.saturating_add(n);
        });
        ok.then_some(total)
    }
}

#[inline]
/// The dense shape `(inner, kcap, outer, cells)` of a table of shape
/// `(outer, inner, kcap)` grown to hold codes below `cards` and classes
/// below `classes` (`cells` is `None` on overflow).
fn grown_shape(
    outer: usize,
    inner: &[usize],
    kcap: usize,
    cards: &[usize],
    classes: usize,
) -> (Vec<usize>, usize, usize, Option<usize>) {
    let new_inner: Vec<usize> = inner
        .iter()
        .zip(&cards[1..])
        .map(|(&cap, &card)| {
            if card > cap {
                card.next_power_of_two()
            } else {
                cap
            }
        })
        .collect();
    let new_kcap = if classes > kcap {
        classes.next_power_of_two()
    } else {
        kcap
    };
    let new_outer = outer.max(cards[0]);
    let size = new_inner
        .iter()
        .chain([&new_kcap, &new_outer])
        .try_fold(1usize, |acc, &x| acc.checked_mul(x.max(1)));
    (new_inner, new_kcap, new_outer, size)
}

fn dense_index(inner: &[usize], kcap: usize, codes: &[u32], class: u32) -> usize {
    let mut idx = codes[0] as usize;
    for (d, &cap) in inner.iter().enumerate() {
        idx = idx * cap + codes[d + 1] as usize;
    }
    idx * kcap + class as usize
}

fn for_each_dense(
    outer: usize,
    inner: &[usize],
    kcap: usize,
    cells: &[u64],
    mut f: impl FnMut(&[u32], u32, u64),
) {
    if cells.is_empty() || outer == 0 {
        return;
    }
    let mut codes = vec![0u32; inner.len() + 1];
    for (idx, &n) in cells.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let mut rest = idx / kcap;
        for d in (0..inner.len()).rev() {
            codes[d + 1] = (rest % inner[d]) as u32;
            rest /= inner[d];
        }
        codes[0] = rest as u32;
        f(&codes, (idx % kcap) as u32, n);
    }
}

fn count_dense(cols: &[&[u32]], classes: &[u32], inner: &[usize], kcap: usize, cells: &mut [u64]) {
    match (cols, inner) {
        ([a, b], [cb]) => {
            for ((&a, &b), &y) in a.iter().zip(b.iter()).zip(classes) {
                cells[(a as usize * cb + b as usize) * kcap + y as usize] += 1;
            }
        }
        ([a, b, c], [cb, cc]) => {
            for (((&a, &b), &c), &y) in a.iter().zip(b.iter()).zip(c.iter()).zip(classes) {
                cells[((a as usize * cb + b as usize) * cc + c as usize) * kcap + y as usize] += 1;
            }
        }
        _ => {
            let mut codes = vec![0u32; cols.len()];
            for (r, &y) in classes.iter().enumerate() {
                for (d, col) in cols.iter().enumerate() {
                    codes[d] = col[r];
                }
                cells[dense_index(inner, kcap, &codes, y)] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts by brute force: sorted ((codes), class, n).
    fn brute(cols: &[Vec<u32>], classes: &[u32]) -> Vec<(Vec<u32>, u32, u64)> {
        let mut m: std::collections::BTreeMap<(Vec<u32>, u32), u64> = Default::default();
        for (r, &y) in classes.iter().enumerate() {
            let codes: Vec<u32> = cols.iter().map(|c| c[r]).collect();
            *m.entry((codes, y)).or_insert(0) += 1;
        }
        m.into_iter().map(|((c, y), n)| (c, y, n)).collect()
    }

    fn listed(t: &TupleTable) -> Vec<(Vec<u32>, u32, u64)> {
        let run = t.cells();
        (0..run.len())
            .map(|i| {
                (
                    run.codes[i * t.arity..(i + 1) * t.arity].to_vec(),
                    run.class[i],
                    run.n[i],
                )
            })
            .collect()
    }

    fn lcg(seed: &mut u64, bound: u32) -> u32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 33) % u64::from(bound)) as u32
    }

    #[test]
    fn dense_sparse_and_growth_agree_with_brute_force() {
        for (arity, cards, k) in [
            (2, vec![3, 5], 2),
            (2, vec![2000, 3000], 2),
            (3, vec![7, 3, 40], 3),
            (3, vec![300, 200, 100], 2),
        ] {
            let mut seed = 7;
            let rows = 5000;
            let cols: Vec<Vec<u32>> = cards
                .iter()
                .map(|&c| (0..rows).map(|_| lcg(&mut seed, c)).collect())
                .collect();
            let classes: Vec<u32> = (0..rows).map(|_| lcg(&mut seed, k)).collect();
            let mut t = TupleTable::new(arity);
            let mut s = Scratch::default();
            // Batches whose maximum codes grow, as dictionaries do.
            for (lo, hi) in [(0, 10), (10, 700), (700, 2500), (2500, rows)] {
                let sl: Vec<&[u32]> = cols.iter().map(|c| &c[lo..hi]).collect();
                let seen: Vec<usize> = cols
                    .iter()
                    .map(|c| *c[..hi].iter().max().unwrap() as usize + 1)
                    .collect();
                let kk = *classes[..hi].iter().max().unwrap() as usize + 1;
                t.add_batch(&sl, &classes[lo..hi], &seen, kk, &mut s);
            }
            assert_eq!(listed(&t), brute(&cols, &classes), "{cards:?}");
            let cards: Vec<usize> = cards.iter().map(|&c| c as usize).collect();
            assert_eq!(t.check(&cards, k as usize), Some(rows as u64));
        }
    }

    #[test]
    fn absorb_remaps_codes() {
        let mut a = TupleTable::new(2);
        let mut b = TupleTable::new(2);
        let mut s = Scratch::default();
        a.add_batch(&[&[0, 1], &[0, 0]], &[0, 1], &[2, 1], 2, &mut s);
        b.add_batch(&[&[0, 1], &[0, 1]], &[0, 0], &[2, 2], 1, &mut s);
        // b's code 0 of the first feature is a's 1, its 1 is new (2).
        let mut sparse = a.clone();
        sparse.repr = Repr::Sparse {
            runs: vec![sparse.dense_run()],
        };
        for t in [&mut a, &mut sparse] {
            t.absorb(&b, &[&[1, 2], &[0, 1]], &[0], &[3, 2], 2);
            assert_eq!(
                listed(t),
                vec![
                    (vec![0, 0], 0, 1),
                    (vec![1, 0], 0, 1),
                    (vec![1, 0], 1, 1),
                    (vec![2, 1], 0, 1)
                ]
            );
        }
    }
}
