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

use super::emi::{pair_emi, pair_emi_mirrored};
use super::null::{moments_of, variance_grouped};
use super::{Memo, Sum};

/// Remembered EMI terms and null moments, keyed by `(a, b, n_z)`: strata of
/// equal sizes (the many small strata of a many-valued Z) share them.
/// (Remembering whole strata by their shape was measured no faster: the
/// shapes are many, and each lookup misses the cache.)
#[derive(Debug)]
pub(crate) struct StrataMemo {
    /// Two classes (the common case): one lookup per level count.
    binary: BinaryMemo,
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
        let mut binary = Memo::new(1 << 17);
        binary.keep_for(());
        StrataMemo {
            binary: BinaryMemo {
                values: binary,
                entries: Vec::new(),
            },
            emi,
            moments,
            sorted: Vec::new(),
            buf: Vec::new(),
            rows: Vec::new(),
            cols: Vec::new(),
        }
    }
}

/// What a two-class stratum needs of one level count `a`: the EMI terms of
/// `a` with either class count, and the level's null moments.
#[derive(Debug, Clone, Copy)]
struct Binary {
    emi: [f64; 2],
    moments: [f64; 3],
}

/// [`Binary`] entries by `(a, b0, n_z)` (`b0` the smaller class count).
#[derive(Debug)]
struct BinaryMemo {
    values: Memo<(), (u64, u64, u64), Binary>,
    /// The entries of one stratum's distinct level counts, in order.
    entries: Vec<Binary>,
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
            binary,
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
        let (e, var) = if let [b0, b1] = sorted[..] {
            binary_terms([b0, b1], nz, ra, cb, binary, buf)
        } else {
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
            (e.value(), var)
        };
        let w = nz as f64 / n as f64;
        self.expected.add(w * e.max(0.0));
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

/// A two-class stratum's EMI and null variance (classes `b0 <= b1`, level
/// counts `ra` and class counts `cb` grouped): the general path's terms,
/// added in the same order, with one memo lookup per distinct level count.
fn binary_terms(
    [b0, b1]: [u64; 2],
    nz: u64,
    ra: &[(u64, u64)],
    cb: &[(u64, u64)],
    memo: &mut BinaryMemo,
    buf: &mut Vec<(f64, f64, f64)>,
) -> (f64, Option<f64>) {
    let BinaryMemo { values, entries } = memo;
    entries.clear();
    entries.extend(ra.iter().map(|&(a, _)| {
        values.get_or_insert_with((a, b0, nz), || Binary {
            emi: if b0 + b1 == nz {
                pair_emi_mirrored(a, b0, nz)
            } else {
                [pair_emi(a, b0, nz), pair_emi(a, b1, nz)]
            },
            moments: moments_of(a, b0, nz, true, buf),
        })
    }));
    let mut e = Sum::default();
    for (&(_, ma), entry) in ra.iter().zip(entries.iter()) {
        // `cb` is `[(b0, 1), (b1, 1)]`, or `[(b0, 2)]` when the classes
        // are equal (then one term, twice).
        for (&(_, mb), t) in cb.iter().zip(entry.emi) {
            e.add(t * (ma as f64 * mb as f64));
        }
    }
    // `variance_grouped` asks for the levels in `ra`'s order (those that
    // fit, all of them here: they add up to `nz`).
    let mut at = 0;
    let var = variance_grouped(ra, cb, nz, |a, b, two| {
        debug_assert!(two && b == b0);
        while ra[at].0 != a {
            at += 1;
        }
        entries[at].moments
    });
    (e.value(), var)
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

#[cfg(test)]
mod tests {
    use super::{StrataMemo, StrataSum};
    use crate::measures::{expected_mutual_info, null_sd};

    /// A stratum adds `w` times its EMI and `w^2` times its null variance,
    /// `w = n_z / N`: the two-class path (one memo lookup per level count,
    /// memo shared over strata) gives what the measures give for the
    /// stratum's table alone, and so does the multiclass path.
    #[test]
    fn a_stratum_adds_its_emi_and_null_variance() {
        let strata: [(&[u64], &[u64]); 5] = [
            (&[3, 1, 1, 2, 3], &[4, 6]),
            (&[5, 5], &[5, 5]),
            (&[1, 1, 1, 1, 1, 1, 1, 2], &[0, 9]),
            (&[40, 3, 7, 1, 1, 1], &[12, 41]),
            (&[4, 4, 2, 8], &[6, 7, 5]),
        ];
        let n = 200;
        let mut memo = StrataMemo::default();
        let (mut want_e, mut want_v) = (0.0, 0.0);
        let mut sum = StrataSum::default();
        for (rows, classes) in strata {
            let nz: u64 = rows.iter().sum();
            assert_eq!(nz, classes.iter().sum::<u64>());
            let mut one = StrataSum::default();
            one.add(&mut rows.to_vec(), classes, n, &mut memo);
            sum.add(&mut rows.to_vec(), classes, n, &mut memo);
            let w = nz as f64 / n as f64;
            let nonzero: Vec<u64> = classes.iter().copied().filter(|&c| c > 0).collect();
            if nonzero.len() < 2 {
                assert_eq!((one.expected(), one.sd()), (0.0, Some(0.0)));
                continue;
            }
            let e = expected_mutual_info(rows, &nonzero, nz);
            let sd = null_sd(rows, &nonzero, nz).unwrap();
            assert!(
                (one.expected() - w * e).abs() < 1e-13,
                "{rows:?} {classes:?}"
            );
            assert!(
                (one.sd().unwrap() - w * sd).abs() < 1e-13,
                "{rows:?} {classes:?}"
            );
            want_e += w * e;
            want_v += w * w * sd * sd;
        }
        assert!((sum.expected() - want_e).abs() < 1e-13);
        assert!((sum.sd().unwrap() - want_v.sqrt()).abs() < 1e-13);
    }
}
