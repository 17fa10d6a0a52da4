//! Both EMI terms of a level in a two-class stratum from one walk.
//!
//! In a stratum of `n` rows with class counts `b` and `n - b`, the count
//! `k` of the first class in a level of `a` rows is `Hypergeometric(n, a,
//! b)`, and the count of the second is `a - k`: the same pmf, mirrored. So
//! one walk of `k` gives the weights of both terms, and only the second
//! term's logarithm, `ln(n (a - k) / (a (n - b)))`, is followed besides
//! the first's (moved a step at a time by the same table of `ln((j+1)/j)`,
//! taken afresh every [`REANCHOR`] steps).

use super::{log_step, log_steps, Walk, REANCHOR};

/// The second class's running sum, following a [`Walk`] of the first.
struct Mirror {
    a: u64,
    nf: f64,
    /// `a (n - b)`.
    ab: f64,
    /// `a - k` at the walk's position.
    j: u64,
    /// `ln(n j / (a (n - b)))`, when `j > 0`.
    log: f64,
    anchor: u64,
    /// `sum of w(k) j ln(n j / (a (n - b)))`.
    tsum: f64,
}

impl Mirror {
    /// At the walk's mode (weight 1), with its term.
    fn new(a: u64, b1: u64, n: u64, mode: u64) -> Mirror {
        let mut m = Mirror {
            a,
            nf: n as f64,
            ab: a as f64 * b1 as f64,
            j: 0,
            log: 0.0,
            anchor: 0,
            tsum: 0.0,
        };
        m.turn(mode);
        m.tsum = m.j as f64 * m.log;
        m
    }

    /// Back at the walk's mode, ready to follow it the other way.
    fn turn(&mut self, mode: u64) {
        self.j = self.a - mode;
        self.anchor = REANCHOR - 1;
        self.log = self.fresh(self.j);
    }

    fn fresh(&self, j: u64) -> f64 {
        if j == 0 {
            0.0
        } else {
            // One logarithm of the ratio (as the walk's own), accurate
            // when it is near 1.
            (self.nf * j as f64 / self.ab).ln()
        }
    }

    /// Adds the term at the walk's new position `k`, one step from the
    /// last, with weight `w` (the logarithm moved by one table step, or
    /// taken afresh).
    #[inline(always)]
    fn moved(&mut self, k: u64, w: f64, steps: &[f64]) {
        let j = self.a - k;
        let old = self.j;
        self.j = j;
        if j == 0 {
            return;
        }
        self.log = if self.anchor == 0 || old == 0 {
            self.anchor = REANCHOR - 1;
            self.fresh(j)
        } else {
            self.anchor -= 1;
            if j > old {
                self.log + log_step(steps, old)
            } else {
                self.log - log_step(steps, j)
            }
        };
        self.tsum += w * (j as f64 * self.log);
    }
}

/// `[pair_emi(a, b, n), pair_emi(a, n - b, n)]` (to within a few units in
/// the last place) from one walk; `1 <= a <= n`, `1 <= b < n`.
pub(in crate::measures) fn pair_emi_mirrored(a: u64, b: u64, n: u64) -> [f64; 2] {
    let steps = log_steps();
    let mut walk = Walk::new(a, b, n);
    let mut mirror = Mirror::new(a, n - b, n, walk.k);
    while walk.live {
        walk.up(steps);
        mirror.moved(walk.k, walk.w, steps);
    }
    walk.turn();
    mirror.turn(walk.k);
    while walk.live {
        walk.down(steps);
        mirror.moved(walk.k, walk.w, steps);
    }
    let scale = walk.wsum * walk.nf;
    [walk.value(), mirror.tsum / scale]
}
