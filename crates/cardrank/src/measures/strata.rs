//! The null expectation and variance of a conditional mutual information,
//! one stratum at a time.
//!
//! Under the null "X tells nothing about Y beyond Z", Y is permuted within
//! each value z of Z. Then `CMI(X; Y | Z) = sum_z (n_z/N) MI_z`, where
//! `MI_z` is the plug-in MI of the X-by-Y table inside stratum z, and the
//! strata are permuted independently, so
//!
//! - `E[CMI] = sum_z (n_z/N) EMI_z` (the exact EMI of the stratum's
//!   margins), and
//! - `Var[CMI] = sum_z (n_z/N)^2 Var_z`, with `Var_z` the null variance of
//!   `MI_z` (the binary-target approximation of [`super::null_sd`], and its
//!   multiclass counterpart).
//!
//! A stratum with one value of X or one class of Y has `MI_z = 0` under
//! every permutation: it adds nothing to either sum.

use super::emi::pair_emi;
use super::null::{moments_of, variance_grouped};
use super::{Memo, Sum};

/// Remembered EMI terms and null moments, keyed by `(a, b, n_z)`: strata of
/// equal sizes (the many small strata of a many-valued Z) share them.
/// (Remembering whole strata by their shape was measured no faster: the
/// shapes are many, and each lookup misses the cache.)
#[derive(Debug)]
pub(crate) struct StrataMemo {
    emi: Memo<(), (u64, u64, u64), f64>,
    moments: Memo<(), (u64, u64, u64, bool), [f64; 3]>,
    /// The stratum's nonzero class counts, sorted.
    sorted: Vec<u64>,
    buf: Vec<(f64, f64, f64)>,
    rows: Vec<(u64, u64)>,
    cols: Vec<(u64, u64)>,
}

impl Default for StrataMemo {
    fn default() -> Self {
        let mut emi = Memo::new(1 << 18);
        emi.keep_for(());
        let mut moments = Memo::new(1 << 16);
        moments.keep_for(());
        StrataMemo {
            emi,
            moments,
            sorted: Vec::new(),
            buf: Vec::new(),
            rows: Vec::new(),
            cols: Vec::new(),
        }
    }
}

/// The running sums of the strata of one conditional MI.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct StrataSum {
    expected: Sum,
    variance: Sum,
    /// Set when a stratum's variance has no model (then there is no sd).
    no_variance: bool,
}

impl StrataSum {
    /// Adds stratum `z`: `rows` are the counts of the X values seen in it
    /// (sorted in place), `classes` its class counts (zeros allowed), `n`
    /// the total rows of the whole table.
    pub(crate) fn add(&mut self, rows: &mut [u64], classes: &[u64], n: u64, memo: &mut StrataMemo) {
        let nz: u64 = rows.iter().sum();
        if rows.len() < 2 || nz < 2 || classes.iter().filter(|&&c| c > 0).count() < 2 {
            return;
        }
        rows.sort_unstable();
        let StrataMemo {
            emi,
            moments,
            sorted,
            buf,
            rows: ra,
            cols: cb,
        } = memo;
        group_sorted(rows.iter().copied(), ra);
        sorted.clear();
        sorted.extend(classes.iter().copied().filter(|&c| c > 0));
        sorted.sort_unstable();
        group_sorted(sorted.iter().copied(), cb);
        let mut e = Sum::default();
        for &(a, ma) in ra.iter() {
            for &(b, mb) in cb.iter() {
                let t = emi.get_or_insert_with((a.min(b), a.max(b), nz), || pair_emi(a, b, nz));
                e.add(t * (ma as f64 * mb as f64));
            }
        }
        let var = variance_grouped(ra, cb, nz, |a, b, two| {
            moments.get_or_insert_with((a, b, nz, two), || moments_of(a, b, nz, two, buf))
        });
        let w = nz as f64 / n as f64;
        self.expected.add(w * e.value().max(0.0));
        match var {
            Some(v) => self.variance.add(w * w * v),
            None => self.no_variance = true,
        }
    }

    /// `E[CMI]` under the within-strata null.
    pub(crate) fn expected(&self) -> f64 {
        self.expected.value()
    }

    /// The null standard deviation of the CMI, when every stratum's
    /// variance has a model.
    pub(crate) fn sd(&self) -> Option<f64> {
        (!self.no_variance).then(|| self.variance.value().max(0.0).sqrt())
    }
}

/// Distinct values with multiplicities of sorted `values`.
fn group_sorted(values: impl Iterator<Item = u64>, out: &mut Vec<(u64, u64)>) {
    out.clear();
    for v in values {
        match out.last_mut() {
            Some((last, m)) if *last == v => *m += 1,
            _ => out.push((v, 1)),
        }
    }
}
