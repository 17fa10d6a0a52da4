//! # cardrank
//!
//! Cardinality-aware feature ranking for large, sparse, categorical data.
//!
//! Plain mutual information over-rates features with many values: a column of
//! row ids "explains" any target perfectly. cardrank ranks each feature by
//! MI - EMI, its mutual information with the target minus the exact expected
//! mutual information of a feature with the same value counts under random
//! permutation (Vinh, Epps and Bailey 2010), so a feature scores only what it
//! tells beyond chance. This is the exact, deterministic form of the OutRank
//! method (arXiv 2309.01552).
//!
//! Data flows `Arrow batches -> dictionaries (dense u32 codes) -> joint counts
//! (a mergeable RankState) -> measures (rayon across features) -> Ranking`.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{ArrayRef, RecordBatch, StringArray};
//! use cardrank::{RankParams, RankState, Ranker};
//!
//! let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
//! let batch = RecordBatch::try_from_iter([
//!     ("device", col(&["ios", "ios", "web", "web", "ios", "web"])),
//!     ("user_id", col(&["u1", "u2", "u3", "u4", "u5", "u6"])),
//!     ("click", col(&["1", "1", "0", "0", "1", "0"])),
//! ]).unwrap();
//!
//! // Two workers each see part of the data...
//! let mut a = Ranker::new(RankParams::new("click")).unwrap();
//! a.update(&batch.slice(0, 3)).unwrap();
//! let mut b = Ranker::new(RankParams::new("click")).unwrap();
//! b.update(&batch.slice(3, 3)).unwrap();
//! // ...and their states merge, through bytes, into the exact whole.
//! let bytes = b.into_state().to_bytes();
//! let mut whole = a.into_state();
//! whole.merge(&RankState::from_bytes(&bytes).unwrap()).unwrap();
//! let ranking = cardrank::Ranking::from_state(&whole, cardrank::Score::Adjusted).unwrap();
//! assert_eq!(ranking.features[0].feature, "device");
//! // The id column has maximal raw MI, but nothing beyond chance.
//! let id = ranking.features.iter().find(|f| f.feature == "user_id").unwrap();
//! assert!(id.mi >= ranking.features[0].mi && id.adjusted <= 1e-12);
//! ```

#![warn(missing_docs)]

mod column;
pub mod counts;
pub mod encode;
mod error;
pub mod fold;
pub mod gain;
pub mod grouping;
pub mod measures;
pub mod pairs;
mod params;
pub mod quality;
mod ranker;
mod ranking;
pub mod select;
mod sketch;
mod state;
pub mod target_select;

pub use counts::feature::FeatureState;
pub use error::{Error, Result};
pub use fold::{fold_report, FoldInfo};
pub use grouping::{GroupInfo, Grouping};
pub use pairs::{
    Conditional, Interactions, JointGiven, PairProbe, PairSpec, PairState, Redundancy,
    TupleInteraction,
};
pub use params::{check_exclude, CheckedParams, RankParams, Score, MAX_THREADS};
pub use ranker::Ranker;
pub use ranking::{contingency, FeatureScore, Ranking};
pub use select::{select, Aggregate, SelectParams, SelectStep, Selection};
pub use state::RankState;
pub use target_select::{
    rank_given, select_target, GivenRanking, GivenScore, Method, TargetSelectParams,
    TargetSelection, TargetStep, JOINT_ROWS,
};

/// Re-exported so callers build batches with the same Arrow version.
pub use arrow_array;
