//! Feature selection in target units: every term of the criterion is
//! information about the target, in nats.
//!
//! The old [`crate::select()`] (mRMR / 3MR) adds relevance to a binary target
//! (hundredths of a nat) and the features' mutual information with each
//! other (up to their entropy), so redundancy swamps relevance. Here the
//! terms are the adjusted conditional relevances
//! `adjCMI(f; Y | s) = CMI(f; Y | s) - E[CMI]` of a candidate `f` given each
//! chosen (or given) feature `s` ([`crate::Conditional`], exact expectation
//! under Y permuted within the values of `s`), combined by a [`Method`].
//!
//! **Steps.** The first step (no chosen or given features) takes the most
//! relevant candidate by MI - EMI. Each later step takes the candidate with
//! the best criterion. Either way the candidates that add significantly
//! come first: the best criterion among them wins, and only when none does
//! the best of all (a many-valued noise column's score varies most and can
//! top the list by chance). A step *adds significantly* when its criterion is
//! positive and its z-score is at least `min_z`: for CMIM the z of the
//! deciding (smallest) term; for JMI the mean adjusted CMI over the mean
//! null sd (the sd of a mean of correlated terms is at most the mean sd, so
//! this z errs low); for mRMR / 3MR the criterion over the mean null sd;
//! for Joint the z of its one term.
//! Without a forced `k` the selection stops before the first step that
//! does not; `k_suggested` is the number of leading significant steps
//! either way.
//!
//! **Joint.** The pairwise methods miss what the chosen features tell
//! *together*: given `a` alone `a XOR b` tells `b`, and given `b` it tells
//! `a`, so JMI scores it high after `a` and `b`, though it adds nothing to
//! the pair. [`Method::Joint`] conditions on the observed combinations of
//! every chosen (and given) feature at once (`adjCMI(f; Y | S)`, the exact
//! expectation summed over the combinations), while there are at most one
//! per [`JOINT_ROWS`] rows; the combinations only grow, so once past that
//! it is JMI for the rest of the selection. On few-valued features (board
//! squares, survey answers) that is the first steps; on many-valued ones
//! (click logs) the first two features' combinations are already too many
//! and it is JMI from step 3.
//!
//! **Never chosen:** constant columns (they add nothing), given features,
//! and a candidate that is a function of a chosen or given feature (each
//! value of the latter seen with one value of the candidate: a relabelled
//! copy), which adds nothing to any set holding that feature.
//!
//! **Pair steps.** An XOR pair tells nothing alone, so no single step
//! starts it. When the best single candidate is not significant, the best
//! `pair_pool` candidates (by relevance) are tried in pairs; the pair whose
//! second member adds most given the first beyond its own relevance is
//! taken as two steps, if that gain is significant: at least the bar below
//! times the null sd of the conditional (a strong feature beside a noise
//! column is no pair). The bar is `min_z`
//! raised for the number of ordered pairs tried (Bonferroni: the one-sided
//! p-value of `min_z` divided by that number; 4.39 for `min_z` 3 and the
//! 240 orders of 16 candidates), else one of hundreds of noise pairs passes
//! by chance and the selection goes on with noise.
//!
//! **Budget.** Candidates are the best `max_candidates` (M) features of the
//! state's pair spec by the chosen relevance score. Pairs are finished on
//! demand ([`crate::PairProbe`]), only candidate against chosen feature:
//! JMI, mRMR and 3MR measure every remaining candidate against each newly
//! chosen feature (about M k pairs); CMIM is lazy (Fleuret 2004): a
//! candidate's running minimum only falls as the set grows, so only the
//! candidate whose bound is best is brought up to date (a few per step,
//! after M for the second step). `pairs_measured` reports the pairs used.
//! The rows must be buffered as codes (`PairSpec::buffer_bytes`) for this
//! to be cheap; if they overflowed the buffer, every pair of the spec was
//! counted into a table while reading, and those tables are used
//! (`source = "counted tables"`).

mod given;
mod greedy;
mod params;

pub use self::given::{rank_given, GivenRanking, GivenScore};
pub use self::greedy::select_target;
pub use self::params::{Method, TargetSelectParams, TargetSelection, TargetStep, JOINT_ROWS};
