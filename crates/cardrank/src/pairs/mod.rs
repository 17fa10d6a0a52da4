//! Feature pairs and triples: redundancy, combined relevance and synergy.
//!
//! One exact table per tuple of features, keyed by the tuple of dense codes
//! and holding per-class target counts, gives both
//!
//! - the **redundancy** of a pair, MI(A; B) (the table's margin over
//!   classes), with its exact expectation under permutation from the two
//!   features' value counts, and
//! - the **joint relevance** MI(AB; Y) of the tuple taken as one feature
//!   (levels = observed code tuples, never a hash of concatenated strings),
//!   from which **synergy** (interaction gain) follows:
//!   `MI(AB;Y) - MI(A;Y) - MI(B;Y)`, and its chance-adjusted form with
//!   every MI replaced by MI - EMI.
//!
//! Which tuples are counted is a [`PairSpec`] (all pairs among a list of
//! features, plus listed triples), set on [`crate::RankParams::pairs`]; the
//! tables live in the [`crate::RankState`] as a [`PairState`] and merge
//! exactly like the rest of it. [`Interactions::from_state`] finishes them.
//!
//! Rows are first buffered as codes (up to [`PairSpec::buffer_bytes`],
//! 1 GiB by default); a state whose rows all fit is finished one tuple at a
//! time per worker thread, so the memory is the buffer rather than the sum
//! of all tables (about 5.8 GB for the 1,225 pairs of a generated 1M-row
//! click log, whose many-valued features make most tables nearly as large
//! as the rows). A tuple is then counted into the worker's dense array
//! while the product of cardinalities times classes is at most 2^20 cells,
//! else its packed row keys are radix-sorted and tallied: a large table's
//! MI needs only the multiset of its cell counts
//! (`measures::mutual_info_from_counts`), and the exact EMI terms of every
//! two value counts of the features are walked once and shared by all pairs.
//! Past the buffer, rows are counted into the tables: dense arrays, else
//! sorted runs (radix sort, run-length counts, merged by size).
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
//! use cardrank::{Interactions, PairSpec, RankParams, Ranker};
//!
//! let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
//! let batch = RecordBatch::try_from_iter([
//!     ("a", col(&["0", "0", "1", "1", "0", "0", "1", "1"])),
//!     ("b", col(&["0", "1", "0", "1", "0", "1", "0", "1"])),
//!     ("a_copy", col(&["x", "x", "y", "y", "x", "x", "y", "y"])),
//!     ("y", col(&["0", "1", "1", "0", "0", "1", "1", "0"])),
//! ]).unwrap();
//! let spec = PairSpec::among(["a", "b", "a_copy"]);
//! let mut ranker = Ranker::new(RankParams::new("y").pairs(spec)).unwrap();
//! ranker.update(&batch).unwrap();
//! let found = Interactions::from_state(ranker.state()).unwrap();
//! // y = a XOR b: each alone tells nothing, together everything.
//! assert_eq!(found.pairs[0].features, ["a", "b"]);
//! assert!((found.pairs[0].joint_mi - std::f64::consts::LN_2).abs() < 1e-12);
//! // The copy is the most redundant partner of `a`.
//! assert_eq!(found.redundancy[0].features, ["a", "a_copy"]);
//! ```

mod cond;
mod finish;
mod probe;
mod score;
mod strata;

pub use self::cond::Conditional;
pub use self::finish::JointGiven;
pub use self::probe::PairProbe;
pub use self::score::{Interactions, Redundancy, TupleInteraction};
pub use crate::counts::tuples::{PairSpec, PairState, DEFAULT_BUFFER_BYTES};
