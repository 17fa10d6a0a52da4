//! TEMPORARY naive stand-in; replaced by the measures work.
#![allow(missing_docs)]

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contingency {
    pub n: u64,
    pub rows: Vec<u64>,
    pub cols: Vec<u64>,
    pub cells: Vec<(u32, u32, u64)>,
}

pub fn entropy(counts: &[u64], n: u64) -> f64 {
    let mut c: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
    c.sort_unstable();
    let n = n as f64;
    -c.iter()
        .map(|&c| {
            let p = c as f64 / n;
            p * p.ln()
        })
        .sum::<f64>()
}

pub fn mutual_info(t: &Contingency) -> f64 {
    let n = t.n as f64;
    let mut keys: Vec<(u64, u64, u64)> = t
        .cells
        .iter()
        .map(|&(i, j, k)| (t.rows[i as usize], t.cols[j as usize], k))
        .collect();
    keys.sort_unstable();
    keys.iter()
        .map(|&(a, b, k)| k as f64 / n * ((n * k as f64) / (a as f64 * b as f64)).ln())
        .sum::<f64>()
        .max(0.0)
}

pub fn expected_mutual_info(rows: &[u64], cols: &[u64], n: u64) -> f64 {
    let nf = n as f64;
    let mut total = 0.0;
    for &a in rows {
        for &b in cols {
            let lo = (a + b).saturating_sub(n).max(0);
            let hi = a.min(b);
            let lf = |k: u64| libm::lgamma(k as f64 + 1.0);
            for k in lo..=hi {
                if k == 0 {
                    continue;
                }
                let lp = lf(a) + lf(b) + lf(n - a) + lf(n - b)
                    - lf(n)
                    - lf(k)
                    - lf(a - k)
                    - lf(b - k)
                    - lf(n + k - a - b);
                total += lp.exp() * k as f64 / nf * ((nf * k as f64) / (a as f64 * b as f64)).ln();
            }
        }
    }
    total
}

pub fn adjusted_mutual_info(
    mi: f64,
    emi: f64,
    h_rows: f64,
    h_cols: f64,
    r: usize,
    c: usize,
) -> f64 {
    if (r == 1 && c == 1) || (r == 0 && c == 0) {
        return 1.0;
    }
    let mut d = 0.5 * (h_rows + h_cols) - emi;
    if d < 0.0 {
        d = d.min(-f64::EPSILON)
    } else {
        d = d.max(f64::EPSILON)
    }
    (mi - emi) / d
}

pub fn null_sd(_rows: &[u64], _cols: &[u64], _n: u64) -> Option<f64> {
    None
}

pub fn z_score(mi: f64, emi: f64, sd: Option<f64>) -> Option<f64> {
    sd.filter(|&s| s > 0.0).map(|s| (mi - emi) / s)
}

pub fn g_test_log10_p(_mi: f64, _n: u64, _df: f64) -> f64 {
    0.0
}

pub fn benjamini_hochberg(log10_p: &[f64]) -> Vec<f64> {
    log10_p.to_vec()
}
