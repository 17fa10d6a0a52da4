//! Joint counts of one feature with the target ([`JointCounts`]), the
//! feature's state around them (its dictionary and counts by fold), and the
//! joint counts of feature pairs and triples (see [`crate::pairs`]).

pub(crate) mod feature;
pub(crate) mod tuples;

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

pub(crate) use self::feature::FeatureState;
pub(crate) use self::tuples::{PairSpec, PairState};

/// Past this many target classes the joint table is kept sparse.
pub const DENSE_CLASS_LIMIT: usize = 64;

/// Counts `n[level][class]` of one feature against the target.
///
/// Dense (one vector of level counts per class) for targets with few classes,
/// sparse (a hash map keyed by the code pair) for many-class targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum JointCounts {
    /// `per_class[class][level]`.
    Dense {
        /// One level-count vector per class, each `levels` long.
        per_class: Vec<Vec<u64>>,
        /// Number of levels.
        levels: usize,
    },
    /// `(level << 32 | class) -> count`.
    Sparse {
        /// Non-zero cells.
        cells: HashMap<u64, u64>,
        /// Number of levels.
        levels: usize,
        /// Number of classes.
        classes: usize,
    },
}

impl Default for JointCounts {
    fn default() -> Self {
        JointCounts::Dense {
            per_class: Vec::new(),
            levels: 0,
        }
    }
}

#[inline]
fn key(level: u32, class: u32) -> u64 {
    (u64::from(level) << 32) | u64::from(class)
}

impl JointCounts {
    /// Makes room for `levels` levels and `classes` classes.
    pub fn grow(&mut self, new_levels: usize, new_classes: usize) {
        if new_classes > DENSE_CLASS_LIMIT {
            if let JointCounts::Dense { .. } = self {
                let mut cells = HashMap::new();
                self.for_each_cell(|l, c, n| {
                    cells.insert(key(l, c), n);
                });
                let (levels, _) = self.shape();
                *self = JointCounts::Sparse {
                    cells,
                    levels,
                    classes: 0,
                };
            }
        }
        match self {
            JointCounts::Dense { per_class, levels } => {
                *levels = (*levels).max(new_levels);
                if per_class.len() < new_classes {
                    per_class.resize_with(new_classes, Vec::new);
                }
                for v in per_class.iter_mut() {
                    v.resize(*levels, 0);
                }
            }
            JointCounts::Sparse {
                levels, classes, ..
            } => {
                *levels = (*levels).max(new_levels);
                *classes = (*classes).max(new_classes);
            }
        }
    }

    /// (levels, classes).
    pub fn shape(&self) -> (usize, usize) {
        match self {
            JointCounts::Dense { per_class, levels } => (*levels, per_class.len()),
            JointCounts::Sparse {
                levels, classes, ..
            } => (*levels, *classes),
        }
    }

    /// Adds one row per `(levels[r], classes[r])`; `grow` must have made room.
    pub fn add_rows(&mut self, levels: &[u32], classes: &[u32]) {
        debug_assert_eq!(levels.len(), classes.len());
        match self {
            JointCounts::Dense { per_class, .. } => {
                if per_class.len() == 2 {
                    let (c0, c1) = per_class.split_at_mut(1);
                    let (c0, c1) = (&mut c0[0], &mut c1[0]);
                    for (&l, &c) in levels.iter().zip(classes) {
                        if c == 0 {
                            c0[l as usize] += 1;
                        } else {
                            c1[l as usize] += 1;
                        }
                    }
                } else {
                    for (&l, &c) in levels.iter().zip(classes) {
                        per_class[c as usize][l as usize] += 1;
                    }
                }
            }
            JointCounts::Sparse { cells, .. } => {
                for (&l, &c) in levels.iter().zip(classes) {
                    *cells.entry(key(l, c)).or_insert(0) += 1;
                }
            }
        }
    }

    /// Adds `n` to one cell; `grow` must have made room.
    pub fn add(&mut self, level: u32, class: u32, n: u64) {
        match self {
            JointCounts::Dense { per_class, .. } => per_class[class as usize][level as usize] += n,
            JointCounts::Sparse { cells, .. } => *cells.entry(key(level, class)).or_insert(0) += n,
        }
    }

    /// Calls `f(level, class, count)` for every non-zero cell.
    pub fn for_each_cell(&self, mut f: impl FnMut(u32, u32, u64)) {
        match self {
            JointCounts::Dense { per_class, .. } => {
                for (c, v) in per_class.iter().enumerate() {
                    for (l, &n) in v.iter().enumerate() {
                        if n > 0 {
                            f(l as u32, c as u32, n);
                        }
                    }
                }
            }
            JointCounts::Sparse { cells, .. } => {
                for (&k, &n) in cells {
                    f((k >> 32) as u32, k as u32, n);
                }
            }
        }
    }

    /// Count of each level over all classes.
    pub fn level_totals(&self) -> Vec<u64> {
        let (levels, _) = self.shape();
        let mut totals = vec![0u64; levels];
        self.for_each_cell(|l, _, n| totals[l as usize] += n);
        totals
    }

    /// Count of each class over all levels (`shape().1` long).
    pub fn class_totals(&self) -> Vec<u64> {
        let (_, classes) = self.shape();
        let mut totals = vec![0u64; classes];
        self.for_each_cell(|_, c, n| totals[c as usize] += n);
        totals
    }

    /// The same counts with level `l` moved to `map[l]` (levels that map to
    /// the same new level are summed); `levels` is the new number of levels.
    pub fn remap(&self, map: &[u32], levels: usize) -> JointCounts {
        let (_, classes) = self.shape();
        let mut out = JointCounts::default();
        out.grow(levels, classes);
        self.for_each_cell(|l, c, n| out.add(map[l as usize], c, n));
        out
    }

    /// Number of non-zero cells.
    pub fn nonzero(&self) -> usize {
        let mut k = 0;
        self.for_each_cell(|_, _, _| k += 1);
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_turns_sparse_past_the_class_limit() {
        let mut j = JointCounts::default();
        j.grow(3, 2);
        j.add_rows(&[0, 1, 2, 1], &[0, 1, 1, 1]);
        j.grow(4, DENSE_CLASS_LIMIT + 1);
        assert!(matches!(j, JointCounts::Sparse { .. }));
        j.add_rows(&[3], &[DENSE_CLASS_LIMIT as u32]);
        assert_eq!(j.level_totals(), vec![1, 2, 1, 1]);
        assert_eq!(j.shape(), (4, DENSE_CLASS_LIMIT + 1));
        assert_eq!(j.nonzero(), 4);
    }
}
