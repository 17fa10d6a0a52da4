//! The upper tail of the standard normal, in log space (the one-sided
//! p-value of a z-score).

/// log10 of the upper tail of the standard normal at `z`, finite for any z.
pub(crate) fn log10_normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return 0.0;
    }
    if z < 30.0 {
        (0.5 * libm::erfc(z / std::f64::consts::SQRT_2)).log10()
    } else {
        // Asymptotic series: ln sf = -z^2/2 - ln(z sqrt(2 pi)) + ln(1 - 1/z^2 + 3/z^4).
        let ln = -0.5 * z * z - (z * (2.0 * std::f64::consts::PI).sqrt()).ln()
            + (1.0 - 1.0 / (z * z) + 3.0 / z.powi(4)).ln();
        ln / std::f64::consts::LN_10
    }
}
