//! Everything shared by the tuples of one state while they are finished
//! (the members' margins, the shared EMI table, one set of buffers per
//! worker thread), and the measures of one tuple.

use std::sync::Mutex;

use rayon::prelude::*;

use super::cond::{pair_strata, CondScratch, Conditional};
use super::score::{Redundancy, TupleInteraction};
use super::strata::{conditional_on_codes, ByGiven, StrataWorker};
use crate::counts::tuples::{Cells, Scratch};
use crate::counts::{JointCounts, PairState};
use crate::error::{Error, Result};
use crate::measures::{self, ExactSum};
use crate::state::RankState;

/// MI and EMI of one feature against the target.
pub(super) struct Single {
    totals: Vec<u64>,
    /// `sum (a/N) ln a` over the totals (the margin part of a pair's MI).
    xlnx: ExactSum,
    /// The totals' distinct values with multiplicities (for the EMI).
    pub(super) groups: Vec<(u64, u64)>,
    entropy: f64,
    pub(super) mi: f64,
    adjusted: f64,
    z: Option<f64>,
}

/// Everything shared by the tuples of one state while they are finished:
/// the members' margins, the shared EMI table, and one set of buffers per
/// worker thread.
pub(crate) struct Finisher<'a> {
    pairs: &'a PairState,
    pub(super) singles: Vec<Single>,
    pub(super) joints: Vec<&'a JointCounts>,
    table: Option<measures::EmiTable>,
    ranks: Vec<Vec<u32>>,
    pub(super) cards: Vec<usize>,
    pub(super) n_classes: usize,
    pub(super) target: Target<'a>,
    workers: Vec<Mutex<Worker>>,
}

/// The measures of one tuple; for a pair also both orders of its
/// conditional relevance (`[first given second, second given first]`).
pub(crate) type Scored = (
    Option<Redundancy>,
    TupleInteraction,
    Option<[Conditional; 2]>,
);

impl<'a> Finisher<'a> {
    /// Checks the state and computes its features' margins.
    pub(crate) fn new(state: &'a RankState) -> Result<Finisher<'a>> {
        let pairs = state.pairs.as_ref().ok_or(Error::InvalidParameter {
            name: "pairs",
            value: "none".into(),
            expected: "a state built with RankParams::pairs",
        })?;
        if state.rows == 0 {
            return Err(Error::NoRows);
        }
        if state.class_counts.iter().filter(|&&c| c > 0).count() < 2 {
            // Ranking reports the constant target with its value.
            crate::ranking::Ranking::from_state(state, crate::Score::Adjusted)?;
        }
        let n = state.rows;
        let cols = pairs.resolve(&state.features)?;
        let singles: Vec<Single> = cols
            .par_iter()
            .map(|&i| {
                let t = crate::ranking::contingency(&state.features[i], &state.class_counts, n);
                let mi = measures::mutual_info(&t);
                let emi = measures::expected_mutual_info(&t.rows, &t.cols, n);
                let sd = measures::null_sd(&t.rows, &t.cols, n);
                let groups = measures::distinct_counts(&t.rows);
                Single {
                    entropy: measures::entropy(&t.rows, n),
                    z: measures::z_score(mi, emi, sd),
                    xlnx: measures::xlnx_grouped(&groups, n),
                    groups,
                    totals: t.rows,
                    mi,
                    adjusted: mi - emi,
                }
            })
            .collect();
        // The EMI terms of every two distinct value counts among the
        // features, shared by all pairs (when the table is small enough).
        let table = measures::EmiTable::new(
            singles.iter().map(|s| s.groups.as_slice()),
            n,
            EMI_TABLE_CELLS,
        );
        let ranks: Vec<Vec<u32>> = match &table {
            Some(t) => singles.iter().map(|s| t.ranks(&s.groups)).collect(),
            None => Vec::new(),
        };
        // One set of buffers and memos per worker thread, kept across
        // tuples: no buffer is allocated (and paged in) afresh per tuple,
        // and pairs share their members' margins.
        let workers: Vec<Mutex<Worker>> = (0..rayon::current_num_threads().max(1))
            .map(|_| Mutex::default())
            .collect();
        Ok(Finisher {
            pairs,
            joints: cols.iter().map(|&i| &state.features[i].joint).collect(),
            singles,
            table,
            ranks,
            cards: cols.iter().map(|&i| state.features[i].dict.len()).collect(),
            n_classes: state.target_dict.len(),
            target: Target::new(&state.class_counts, n),
            workers,
        })
    }

    /// The pair state being finished.
    pub(crate) fn pairs(&self) -> &'a PairState {
        self.pairs
    }

    /// MI - EMI and z of involved feature `k` with the target.
    pub(crate) fn relevance(&self, k: usize) -> (f64, Option<f64>) {
        (self.singles[k].adjusted, self.singles[k].z)
    }

    /// The joint value of involved features `given` as one feature: `None`
    /// unless every row is buffered and their observed combinations are at
    /// most `budget`.
    pub(crate) fn joint_feature(
        &self,
        given: &[u32],
        budget: usize,
        name: String,
    ) -> Option<JointGiven> {
        let (codes, levels, classes) = self.pairs.joint_codes(given, budget)?;
        let mut per_class = vec![vec![0u64; levels]; self.n_classes];
        for (&c, &y) in codes.iter().zip(classes) {
            per_class[y as usize][c as usize] += 1;
        }
        let joint = JointCounts::Dense { per_class, levels };
        let mut cells = Vec::new();
        joint.for_each_cell(|l, y, c| cells.push((l, y, c)));
        let mi = measures::mutual_info(&measures::Contingency {
            n: self.target.n,
            rows: joint.level_totals(),
            cols: self.target.counts.to_vec(),
            cells,
        });
        let by = ByGiven::with_counts(levels, self.n_classes, &joint);
        Some(JointGiven {
            name,
            codes,
            levels,
            #[cfg(test)]
            joint,
            mi,
            by,
        })
    }

    /// What involved feature `x` adds beyond a joint feature, with the
    /// buffers of `w` (the rows grouped by the joint value once, in
    /// [`Finisher::joint_feature`]; the memo kept from candidate to
    /// candidate).
    pub(crate) fn given_joint(
        &self,
        x: u32,
        given: &JointGiven,
        w: &mut StrataWorker,
    ) -> Conditional {
        conditional_on_codes(
            self,
            x,
            &given.codes,
            &given.by,
            (&given.name, given.mi, given.levels),
            w,
        )
    }

    /// [`Finisher::given_joint`] from the whole `(x, joint, y)` table, both
    /// orders of it measured (the way it was first done): the oracle of
    /// the grouped rows' way.
    #[cfg(test)]
    pub(crate) fn given_joint_from_table(&self, x: u32, given: &JointGiven) -> Conditional {
        let k = self.n_classes;
        let n = self.target.n;
        let mut scratch = Scratch::default();
        let cells = self.pairs.cells_with(
            x,
            self.cards[x as usize],
            &given.codes,
            given.levels,
            k,
            &mut scratch,
        );
        // MI(XZ; Y) and MI(Z; Y) from their contingency tables.
        let mut rows = Vec::new();
        let mut cells_xz = Vec::new();
        cells.for_each_level(2, |_, level| {
            let i = rows.len() as u32;
            rows.push(level.iter().map(|&(_, c)| c).sum());
            cells_xz.extend(level.iter().map(|&(y, c)| (i, y, c)));
        });
        let levels_xz = rows.len();
        let table = |rows: Vec<u64>, cells| measures::Contingency {
            n,
            rows,
            cols: self.target.counts.to_vec(),
            cells,
        };
        let mi_xz = measures::mutual_info(&table(rows, cells_xz));
        let mut cells_z = Vec::new();
        given.joint.for_each_cell(|l, y, c| cells_z.push((l, y, c)));
        let mi_z = measures::mutual_info(&table(given.joint.level_totals(), cells_z));
        let mut cond = CondScratch::default();
        let [x_given_z, _] = pair_strata(
            &cells,
            [self.joints[x as usize], &given.joint],
            k,
            n,
            &mut cond,
        );
        let x_name = &self.pairs.features()[x as usize];
        Conditional::new(
            (x_name, &given.name),
            (mi_xz - mi_z).max(0.0),
            &x_given_z,
            levels_xz <= given.levels,
        )
    }

    /// Scores tuple `t` of the pair state (from any thread).
    pub(crate) fn score(&self, t: usize) -> Scored {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.workers.len();
        let margins = Margins {
            table: self.table.as_ref(),
            ranks: &self.ranks,
        };
        let tuple = &self.pairs.tuple_indices()[t];
        let score = |w: &mut Worker| {
            let Worker {
                scratch,
                memos,
                cond,
            } = w;
            let cells = self.pairs.cells(t, &self.cards, self.n_classes, scratch);
            let (redundancy, joint) = score_tuple(
                &cells,
                tuple,
                self.pairs.features(),
                &self.singles,
                &margins,
                &self.target,
                memos,
            );
            let conditional = (tuple.len() == 2).then(|| {
                let (i, j) = (tuple[0] as usize, tuple[1] as usize);
                let strata = pair_strata(
                    &cells,
                    [self.joints[i], self.joints[j]],
                    self.n_classes,
                    self.target.n,
                    cond,
                );
                let names = &joint.features;
                // CMI(A; Y | B) = MI(AB; Y) - MI(B; Y), never below 0.
                let cmi = |other: usize| (joint.joint_mi - self.singles[other].mi).max(0.0);
                // X is a function of Z when the pair has no more levels
                // than Z has values.
                let levels = |k: usize| -> usize {
                    self.singles[k]
                        .groups
                        .iter()
                        .map(|&(_, m)| m as usize)
                        .sum()
                };
                [
                    Conditional::new(
                        (&names[0], &names[1]),
                        cmi(j),
                        &strata[0],
                        joint.cardinality <= levels(j),
                    ),
                    Conditional::new(
                        (&names[1], &names[0]),
                        cmi(i),
                        &strata[1],
                        joint.cardinality <= levels(i),
                    ),
                ]
            });
            (redundancy, joint, conditional)
        };
        match self.workers[slot].try_lock() {
            Ok(mut w) => score(&mut w),
            // Taken (a caller's thread outside the pool): fresh ones.
            Err(_) => score(&mut Worker::default()),
        }
    }
}

/// The target's side of every joint table.
pub(super) struct Target<'a> {
    pub(super) counts: &'a [u64],
    pub(super) n: u64,
    /// `sum (c/N) ln c` over the class counts.
    pub(super) xlnx: ExactSum,
    /// Distinct class counts with multiplicities.
    groups: Vec<(u64, u64)>,
}

impl Target<'_> {
    fn new(counts: &[u64], n: u64) -> Target<'_> {
        let groups = measures::distinct_counts(counts);
        Target {
            counts,
            n,
            xlnx: measures::xlnx_grouped(&groups, n),
            groups,
        }
    }
}

/// Most cells of the shared EMI table (`f64` each: 64 MiB).
const EMI_TABLE_CELLS: usize = 1 << 23;

/// The shared EMI table of the features' margins, if one was made, and each
/// feature's value positions in it.
struct Margins<'a> {
    table: Option<&'a measures::EmiTable>,
    ranks: &'a [Vec<u32>],
}

impl Margins<'_> {
    /// The EMI of features `i` and `j`.
    fn emi(&self, singles: &[Single], i: usize, j: usize, memo: &mut Memos, n: u64) -> f64 {
        let (a, b) = (&singles[i], &singles[j]);
        match self.table {
            Some(t) => t.expected_mutual_info(&a.groups, &self.ranks[i], &b.groups, &self.ranks[j]),
            None => measures::expected_mutual_info_memo(&a.groups, &b.groups, n, &mut memo.emi),
        }
    }
}

/// Several features' observed combinations taken as one feature (see
/// [`super::PairProbe::joint_of`]).
#[derive(Debug, Clone)]
pub struct JointGiven {
    name: String,
    codes: Vec<u32>,
    levels: usize,
    /// Its counts against the target (for the test oracle).
    #[cfg(test)]
    joint: JointCounts,
    /// `MI(Z; Y)` of the joint value.
    mi: f64,
    /// The rows grouped by the joint value.
    by: ByGiven,
}

impl JointGiven {
    /// Observed combinations.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// The members' names joined by ` & `.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What one worker thread keeps from tuple to tuple.
#[derive(Default)]
struct Worker {
    scratch: Scratch,
    memos: Memos,
    cond: CondScratch,
}

/// Memos of the EMI terms and null moments.
#[derive(Default)]
struct Memos {
    emi: measures::EmiMemo,
    moments: measures::MomentMemo,
}

fn score_tuple(
    cells: &Cells<'_>,
    tuple: &[u32],
    names: &[String],
    singles: &[Single],
    margins: &Margins<'_>,
    target: &Target<'_>,
    memo: &mut Memos,
) -> (Option<Redundancy>, TupleInteraction) {
    let arity = tuple.len();
    let n = target.n;
    let members: Vec<&Single> = tuple.iter().map(|&k| &singles[k as usize]).collect();
    // A level of the joint feature (a distinct code tuple) has one cell per
    // class; its total is the joint table's row total and, for a pair, the
    // pair table's cell count. Large tables need only the multisets of
    // these counts (`measures::mutual_info_from_counts`): no table is
    // built and no margin is looked up per cell.
    let tally = cells.tally(arity);
    let cardinality = tally.levels.nonzero();
    let small_joint = tally.cells.nonzero() < measures::FAST_MIN_CELLS;
    let small_pair = arity == 2 && cardinality < measures::FAST_MIN_CELLS;
    let cell_groups = tally.cells.groups();
    let groups = tally.levels.groups();
    // Small tables are summed cell by cell with their margins, accurate
    // when the MI is tiny: one more walk, over few cells.
    let mut joint = measures::InfoSum::new(n);
    let mut pair = measures::InfoSum::new(n);
    if small_joint || small_pair {
        cells.for_each_level(arity, |codes, level| {
            let total: u64 = level.iter().map(|&(_, k)| k).sum();
            if small_joint {
                for &(y, k) in level {
                    if let Some(&b) = target.counts.get(y as usize) {
                        joint.add(total, b, k);
                    }
                }
            }
            if small_pair {
                let (a, b) = (members[0], members[1]);
                if let (Some(&ta), Some(&tb)) = (
                    a.totals.get(codes[0] as usize),
                    b.totals.get(codes[1] as usize),
                ) {
                    pair.add(ta, tb, total);
                }
            }
        });
    }
    // As `measures::mutual_info` of the two tables: no information when
    // either side has fewer than two levels.
    let mi = if cardinality < 2 || target.counts.len() < 2 {
        0.0
    } else if small_joint {
        joint.value()
    } else {
        let mut margins = measures::xlnx_grouped(&groups, n);
        margins.add_sum(&target.xlnx);
        measures::mutual_info_from_counts(n, &cell_groups, &margins)
    };
    let emi = measures::expected_mutual_info_memo(&groups, &target.groups, n, &mut memo.emi);
    let sd = measures::null_sd_memo(&groups, &target.groups, n, &mut memo.moments);
    let interaction = TupleInteraction {
        features: tuple.iter().map(|&k| names[k as usize].clone()).collect(),
        cardinality,
        joint_mi: mi,
        joint_expected_mi: emi,
        joint_adjusted: mi - emi,
        joint_null_sd: sd,
        joint_z: measures::z_score(mi, emi, sd),
        log10_q: None,
        synergy: mi - members.iter().map(|s| s.mi).sum::<f64>(),
        // A member below chance counts as 0, not as a negative: else an
        // ID-like column (MI far below its EMI) would make every pair it is
        // in look synergistic.
        adjusted_synergy: (mi - emi) - members.iter().map(|s| s.adjusted.max(0.0)).sum::<f64>(),
        gain_over_pairs: None,
    };
    let redundancy = (arity == 2).then(|| {
        let (a, b) = (members[0], members[1]);
        let mi = if a.totals.len() < 2 || b.totals.len() < 2 {
            0.0
        } else if small_pair {
            pair.value()
        } else {
            let mut margins = a.xlnx;
            margins.add_sum(&b.xlnx);
            measures::mutual_info_from_counts(n, &groups, &margins)
        };
        let emi = margins.emi(singles, tuple[0] as usize, tuple[1] as usize, memo, n);
        let ami = measures::adjusted_mutual_info(
            mi,
            emi,
            a.entropy,
            b.entropy,
            a.totals.len(),
            b.totals.len(),
        );
        let h_min = a.entropy.min(b.entropy);
        Redundancy {
            features: interaction.features.clone(),
            mi,
            expected_mi: emi,
            ami,
            score: mi - emi,
            normalized: if h_min > 0.0 {
                (mi / h_min).min(1.0)
            } else {
                0.0
            },
        }
    });
    (redundancy, interaction)
}
