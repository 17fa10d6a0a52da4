//! Deterministic test tables and their reference values (tests only).
//!
//! The tables are built from integer formulas (the splitmix64 finaliser on
//! integer keys) that a Python script reproduces exactly; only the resulting
//! scalars are hard-coded here. The values below were computed once with
//! scikit-learn 1.9.1 (scipy 1.17.1, numpy 2.4.6, Python 3.11.7) by the
//! script below: it builds the same dense table, then takes
//! `mutual_info_score(None, None, contingency=csr)`,
//! `_expected_mutual_info_fast.expected_mutual_information(csr, n)`,
//! `adjusted_mutual_info_score(x, y)` on the expanded label arrays and
//! `_supervised._entropy` of each label array; `*_EMI_EXACT` is the EMI from
//! the exact hypergeometric pmf (integer binomials), summed in mpmath 1.4.1 at
//! 40 digits. Printed with Python's `repr` (the shortest decimal that
//! round-trips, at most 17 significant digits).
//!
//! ```text
//! M = (1 << 64) - 1
//! def mix(x):
//!     x = (x + 0x9E3779B97F4A7C15) & M
//!     x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
//!     x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
//!     return x ^ (x >> 31)
//! def gen(levels, k, max_size, seed, bias, p0_permille):
//!     t = np.zeros((levels, k), dtype=np.int64)
//!     for i in range(levels):
//!         for r in range(1 + mix((seed << 40) ^ i) % max_size):
//!             h = mix((seed << 48) ^ (i << 20) ^ r)
//!             if h % 100 < bias: c = (i * 7) % k
//!             elif (h >> 32) % 1000 < p0_permille: c = 0
//!             else: c = 1 + (h >> 42) % (k - 1)
//!             t[i, c] += 1
//!     return t[:, t.sum(axis=0) > 0]
//! def emi_exact(a_vals, b_vals, n):  # mpmath.mp.dps = 40
//!     total = 0
//!     for a, ma in Counter(a_vals).items():
//!         for b, mb in Counter(b_vals).items():
//!             s = sum(mpf(comb(b, k) * comb(n - b, a - k)) / comb(n, a)
//!                     * k / n * log(mpf(n) * k / (a * b))
//!                     for k in range(max(1, a + b - n), min(a, b) + 1))
//!             total += s * ma * mb
//!     return total
//! # per table t: c = csr_matrix(t); x, y = expanded row / column labels
//! ```

use super::Contingency;

/// sklearn's values for one table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ref {
    pub mi: f64,
    pub emi: f64,
    pub ami: f64,
    pub h_rows: f64,
    pub h_cols: f64,
}

/// A generated table.
pub(crate) struct Table {
    pub c: Contingency,
}

/// The next value of a 64-bit linear congruential generator at `seed`
/// (advanced), reduced below `bound`: the tests' cheap reproducible draws.
pub(crate) fn lcg(seed: &mut u64, bound: u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 33) % bound
}

/// splitmix64's output function (also the step of the test RNG).
pub(crate) fn mix(x: u64) -> u64 {
    let mut x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A seeded splitmix64 generator for permutation tests.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    /// Next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (bound > 0), by 128-bit multiply (bias < 2^-40
    /// for the bounds used in tests).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        ((self.next_u64() as u128 * bound as u128) >> 64) as u64
    }
}

/// Builds a contingency table from a dense `levels x k` matrix, dropping
/// empty columns (as the Python script does).
pub(crate) fn from_dense(t: &[Vec<u64>]) -> Contingency {
    let k = t.first().map_or(0, Vec::len);
    let colsum: Vec<u64> = (0..k).map(|j| t.iter().map(|r| r[j]).sum()).collect();
    let keep: Vec<usize> = (0..k).filter(|&j| colsum[j] > 0).collect();
    let mut c = Contingency::default();
    for (i, r) in t.iter().enumerate() {
        c.rows.push(r.iter().sum());
        for (jj, &j) in keep.iter().enumerate() {
            if r[j] > 0 {
                c.cells.push((i as u32, jj as u32, r[j]));
            }
        }
    }
    c.cols = keep.iter().map(|&j| colsum[j]).collect();
    c.n = c.rows.iter().sum();
    c
}

/// The script's `gen(levels, k, max_size, seed, bias, p0_permille)`: level
/// `i` has `1 + mix(seed<<40 ^ i) % max_size` rows; row `r` of level `i`
/// takes class `(7 i) % k` with probability `bias`%, else class 0 with
/// probability `p0_permille`/1000, else one of classes `1..k` uniformly.
pub(crate) fn gen(levels: u64, k: u64, max_size: u64, seed: u64, bias: u64, p0: u64) -> Table {
    let mut t = vec![vec![0u64; k as usize]; levels as usize];
    for (i, row) in t.iter_mut().enumerate() {
        let i = i as u64;
        let a = 1 + mix((seed << 40) ^ i) % max_size;
        for r in 0..a {
            let h = mix((seed << 48) ^ (i << 20) ^ r);
            let c = if h % 100 < bias {
                (i * 7) % k
            } else if (h >> 32) % 1000 < p0 {
                0
            } else {
                1 + (h >> 42) % (k - 1)
            };
            row[c as usize] += 1;
        }
    }
    Table { c: from_dense(&t) }
}

pub(crate) const T3X4_DENSE: [[u64; 4]; 3] = [[5, 0, 3, 2], [1, 7, 0, 4], [2, 2, 6, 1]];

// T3X4: levels=3 classes=4 n=33; sklearn EMI rel err vs exact 2.8e-14
const T3X4: Ref = Ref {
    mi: 0.35682544988203235,
    emi: 0.10498594685663974,
    ami: 0.22217597388109742,
    h_rows: 1.095853660612585,
    h_cols: 1.381145568470182,
};
const T3X4_EMI_EXACT: f64 = 0.10498594685664264;
// T2K = gen(2000, 2, 20, 1, 10, 500): n=21604; sklearn EMI rel err 3.8e-11
const T2K: Ref = Ref {
    mi: 0.0565209380497276,
    emi: 0.051272890527662415,
    ami: 0.001307493725864746,
    h_rows: 7.43706802502094,
    h_cols: 0.6931224295784133,
};
const T2K_EMI_EXACT: f64 = 0.05127289052961413;
// T100K = gen(100000, 2, 5, 2, 5, 500): n=299448; sklearn EMI rel err 6.3e-12
const T100K: Ref = Ref {
    mi: 0.21585530159919158,
    emi: 0.21528236216705665,
    ami: 9.831177966322257e-05,
    h_rows: 11.392979771527425,
    h_cols: 0.693145132829839,
};
const T100K_EMI_EXACT: f64 = 0.21528236216569888;
// T5C = gen(300, 5, 50, 3, 20, 300): n=7637; sklearn EMI rel err 7.7e-12
const T5C: Ref = Ref {
    mi: 0.15686658311787788,
    emi: 0.08341019985559343,
    ami: 0.021173228882016615,
    h_rows: 5.5143859260527055,
    h_cols: 1.5910439480664482,
};
const T5C_EMI_EXACT: f64 = 0.08341019985623242;
// T50C = gen(1000, 50, 40, 4, 15, 100): n=20819; sklearn EMI rel err 5.0e-13
const T50C: Ref = Ref {
    mi: 1.1661015248512352,
    emi: 1.0044954023167656,
    ami: 0.03771384006959152,
    h_rows: 6.731795568935377,
    h_cols: 3.847318152710353,
};
const T50C_EMI_EXACT: f64 = 1.0044954023162624;
// TSKEW = gen(3000, 2, 60, 5, 8, 950): n=92436 (5% positives); sklearn EMI rel err 7.3e-11
const TSKEW: Ref = Ref {
    mi: 0.028088764638407822,
    emi: 0.017474577280400586,
    ami: 0.002627378806937786,
    h_rows: 7.819007711912246,
    h_cols: 0.2956194319660411,
};
const TSKEW_EMI_EXACT: f64 = 0.01747457728167129;

/// Every reference table: (name, table, sklearn values, exact EMI).
pub(crate) fn all_tables() -> Vec<(&'static str, Table, Ref, f64)> {
    let dense: Vec<Vec<u64>> = T3X4_DENSE.iter().map(|r| r.to_vec()).collect();
    vec![
        (
            "T3X4",
            Table {
                c: from_dense(&dense),
            },
            T3X4,
            T3X4_EMI_EXACT,
        ),
        ("T2K", gen(2000, 2, 20, 1, 10, 500), T2K, T2K_EMI_EXACT),
        (
            "T100K",
            gen(100_000, 2, 5, 2, 5, 500),
            T100K,
            T100K_EMI_EXACT,
        ),
        ("T5C", gen(300, 5, 50, 3, 20, 300), T5C, T5C_EMI_EXACT),
        ("T50C", gen(1000, 50, 40, 4, 15, 100), T50C, T50C_EMI_EXACT),
        ("TSKEW", gen(3000, 2, 60, 5, 8, 950), TSKEW, TSKEW_EMI_EXACT),
    ]
}
