//! Sums of `f64` terms whose value does not depend on their order
//! ([`ExactSum`]) or is accurate to about one rounding ([`Sum`]).

/// An exact, order-independent sum of `f64` terms below `2^10` in
/// magnitude: each term is cut into two integers, its multiple of `2^-40`
/// nearest to it and the rest in units of `2^-90` (rounded), which add
/// without rounding. The value is the total correctly rounded to `f64`;
/// each term loses at most `2^-91` to the cut. Integer addition is
/// associative, so any order of the same terms gives the same bits.
///
/// Information terms qualify: `|(k/N) ln(N k / (a b))| <= (k/N) ln(N^2)`,
/// under 90 for any `N` below `2^64`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ExactSum {
    /// Sum of the terms' multiples of `2^-40`, in units of `2^-40`.
    hi: i64,
    /// Sum of the rest, in units of `2^-90`.
    lo: i128,
}

/// `2^40` and `2^50`: the cuts of [`ExactSum`] (exact in `f64`).
const HI_UNIT: f64 = (1u64 << 40) as f64;
const LO_UNIT: f64 = (1u64 << 50) as f64;
/// `1.5 * 2^52`: adding it to an `f64` below `2^51` in magnitude rounds it
/// to an integer held in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// `x` (below `2^51` in magnitude) rounded to the nearest integer, as the
/// integer and as an `f64`; no branch and no float-to-int conversion.
#[inline(always)]
fn round_split(x: f64) -> (i64, f64) {
    let shifted = x + ROUNDER;
    let int = (shifted.to_bits() as i64).wrapping_sub(ROUNDER.to_bits() as i64);
    (int, shifted - ROUNDER)
}

impl ExactSum {
    /// Adds `x` (see the type for the range; NaN or larger terms give
    /// garbage, which callers rule out).
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        // Scaling by a power of two, rounding through `ROUNDER` below 2^51,
        // and the difference of a value and its rounding are all exact.
        let scaled = x * HI_UNIT;
        let (whole, whole_f) = round_split(scaled);
        self.hi = self.hi.wrapping_add(whole);
        let (rest, _) = round_split((scaled - whole_f) * LO_UNIT);
        self.lo += i128::from(rest);
    }

    /// Adds another sum's total (exactly).
    #[inline]
    pub(crate) fn add_sum(&mut self, other: &ExactSum) {
        self.hi = self.hi.wrapping_add(other.hi);
        self.lo += other.lo;
    }

    /// Subtracts another sum's total (exactly).
    #[inline]
    pub(crate) fn sub(&mut self, other: &ExactSum) {
        self.hi = self.hi.wrapping_sub(other.hi);
        self.lo -= other.lo;
    }

    /// The total, rounded once to `f64`.
    pub(crate) fn value(&self) -> f64 {
        let total = (i128::from(self.hi) << 50) + self.lo;
        total as f64 / (HI_UNIT * LO_UNIT)
    }
}

/// Neumaier-compensated running sum: deterministic for a given order of
/// additions and accurate to about one rounding of the total.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Sum {
    sum: f64,
    comp: f64,
}

impl Sum {
    /// Adds `x`.
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.comp += (self.sum - t) + x;
        } else {
            self.comp += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// The compensated total.
    #[inline]
    pub(crate) fn value(&self) -> f64 {
        self.sum + self.comp
    }
}
