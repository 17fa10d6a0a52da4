//! A feature's state: its dictionary and its joint counts with the target
//! (also by fold, for the cross-fitted gain).

use serde::{Deserialize, Serialize};

use super::JointCounts;
use crate::encode::Dictionary;

/// One feature's dictionary and joint counts with the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureState {
    /// The column name.
    pub name: String,
    /// Its values.
    pub dict: Dictionary,
    /// Counts of (value, target class).
    pub joint: JointCounts,
    /// Counts of (value, target class and fold), class `y` of fold `k` in
    /// column `y * FOLDS + k`, when the cross-fitted gain is counted (see
    /// [`crate::gain`]); `None` for a multivalue feature.
    pub crossfit: Option<JointCounts>,
}

impl FeatureState {
    pub(crate) fn new(name: String) -> Self {
        FeatureState {
            name,
            dict: Dictionary::new(),
            joint: JointCounts::default(),
            crossfit: None,
        }
    }

    /// Adds one batch: `levels` from this feature, `classes` from the target.
    pub(crate) fn add_rows(&mut self, levels: &[u32], classes: &[u32], n_classes: usize) {
        self.joint.grow(self.dict.len(), n_classes);
        self.joint.add_rows(levels, classes);
    }

    /// Adds one batch's counts by fold: `fold_classes[r]` is
    /// `class * FOLDS + fold` of row `r`, below `columns` (the classes
    /// times [`FOLDS`](crate::gain::FOLDS)).
    pub(crate) fn add_crossfit(&mut self, levels: &[u32], fold_classes: &[u32], columns: usize) {
        let counts = self.crossfit.get_or_insert_with(JointCounts::default);
        counts.grow(self.dict.len(), columns);
        counts.add_rows(levels, fold_classes);
    }
}
