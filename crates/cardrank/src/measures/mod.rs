//! Information-theoretic measures over a contingency table, in nats.
//!
//! A feature X with levels `i` (row totals `a_i`) is cross-tabulated against a
//! target Y with classes `j` (column totals `b_j`); `n_ij` are the joint counts
//! and `N` the number of rows. Everything here is a pure function of counts:
//!
//! - [`entropy`]: `H = -sum_i (c_i/N) ln(c_i/N)`;
//! - [`mutual_info`]: plug-in `MI = sum_ij (n_ij/N) ln(N n_ij / (a_i b_j))`;
//! - [`expected_mutual_info`]: the exact expected MI under random permutation
//!   (the hypergeometric model of Vinh, Epps and Bailey 2010);
//! - [`adjusted_mutual_info`]: `AMI = (MI - EMI) / (mean(H_X, H_Y) - EMI)`;
//! - [`null_sd`] and [`z_score`]: the spread of MI under the same permutation
//!   null and the standardised excess `(MI - EMI) / sd`;
//! - [`g_test_log10_p`]: the G-test p-value, `G = 2 N MI` against chi-square;
//! - [`benjamini_hochberg`]: false-discovery-rate q-values.
//!
//! **Canonical results.** [`entropy`], [`mutual_info`],
//! [`expected_mutual_info`] and [`null_sd`] depend only on the multiset of
//! counts: terms are grouped by their count keys and summed in sorted key
//! order, so the same counts always give the same bits, whatever order the
//! values were first seen in.
//!
//! **No panics.** Empty inputs, zero totals and inconsistent counts give 0.0
//! or `None` as documented on each function.

mod emi;
mod groups;
mod gtest;
mod memo;
mod mi;
mod normal;
mod null;
mod null_multi;
mod strata;
mod sum;
#[cfg(test)]
pub(crate) mod testdata;
#[cfg(test)]
mod tests;

pub use emi::expected_mutual_info;
pub(crate) use emi::{expected_mutual_info_memo, EmiMemo, EmiTable};
pub(crate) use groups::{distinct_counts, CountGroups};
pub use gtest::{benjamini_hochberg, g_test_log10_p};
pub(crate) use memo::Memo;
pub use mi::{entropy, mutual_info};
pub(crate) use mi::{ln_count, mutual_info_from_counts, xlnx_grouped, InfoSum, FAST_MIN_CELLS};
pub(crate) use normal::log10_normal_sf;
pub use null::null_sd;
pub(crate) use null::{null_sd_memo, MomentMemo};
pub(crate) use strata::{StrataMemo, StrataSum};
pub(crate) use sum::{ExactSum, Sum};

/// A sparse contingency table of a feature (rows, levels `i`) against a
/// target (columns, classes `j`).
///
/// Invariants expected by the measures (violations never panic; see each
/// function): `rows[i] = sum_j n_ij`, `cols[j] = sum_i n_ij`,
/// `n = sum_i rows[i] = sum_j cols[j]`, every `cells` index in range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contingency {
    /// Total count `N`.
    pub n: u64,
    /// Row totals `a_i` (each > 0).
    pub rows: Vec<u64>,
    /// Column totals `b_j` (each > 0).
    pub cols: Vec<u64>,
    /// `(i, j, n_ij)` for the nonzero cells only, in any order.
    pub cells: Vec<(u32, u32, u64)>,
}

/// Adjusted mutual information with scikit-learn's semantics
/// (`adjusted_mutual_info_score`, `average_method="arithmetic"`):
/// `AMI = (MI - EMI) / ((H_rows + H_cols)/2 - EMI)`.
///
/// Special cases, as sklearn: returns 1.0 when both sides have one level (or
/// both have none), 0.0 when exactly one side has at most one level. A
/// denominator `d` is replaced by `min(d, -eps)` when negative and by
/// `max(d, eps)` otherwise, and the numerator likewise, with
/// `eps = f64::EPSILON`, so the result is finite for finite inputs.
pub fn adjusted_mutual_info(
    mi: f64,
    emi: f64,
    h_rows: f64,
    h_cols: f64,
    n_row_levels: usize,
    n_col_levels: usize,
) -> f64 {
    if n_row_levels == n_col_levels && n_row_levels <= 1 {
        return 1.0;
    }
    if n_row_levels <= 1 || n_col_levels <= 1 {
        return 0.0;
    }
    let clamp = |x: f64| {
        if x < 0.0 {
            x.min(-f64::EPSILON)
        } else {
            x.max(f64::EPSILON)
        }
    };
    let denominator = clamp(0.5 * (h_rows + h_cols) - emi);
    let numerator = clamp(mi - emi);
    numerator / denominator
}

/// Standardised excess of MI over its permutation-null mean:
/// `z = (MI - EMI) / sd`.
///
/// Returns `None` when `sd` is `None`, zero, negative or not finite.
pub fn z_score(mi: f64, emi: f64, sd: Option<f64>) -> Option<f64> {
    let sd = sd?;
    (sd.is_finite() && sd > 0.0).then(|| (mi - emi) / sd)
}
