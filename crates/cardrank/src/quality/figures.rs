//! Per-column figures that follow from a dictionary and its value counts.

use serde::{Deserialize, Serialize};

use crate::encode::Dictionary;
use crate::measures::{self, Sum};
use crate::sketch::DistinctSketch;

/// One of the most frequent values of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopValue {
    /// The value (`<missing>` and `<other>` for the special levels).
    pub value: String,
    /// Rows with it.
    pub count: u64,
    /// Its share of the rows.
    pub share: f64,
}

/// One quantile of a numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantile {
    /// The probability, e.g. 0.5 for the median.
    pub q: f64,
    /// The quantile (linear interpolation between order statistics, as
    /// numpy's default).
    pub value: f64,
}

/// Summary of the values of a column that parse as finite numbers, each
/// weighted by its count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericSummary {
    /// Rows whose value parses as a finite number.
    pub rows: u64,
    /// Their share of the non-missing rows.
    pub share: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// Exact quantiles.
    pub quantiles: Vec<Quantile>,
}

/// The figures of one column that need only its dictionary and counts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CountFigures {
    pub rows: u64,
    pub missing: u64,
    pub cardinality: usize,
    pub distinct: u64,
    pub distinct_exact: bool,
    pub entropy: f64,
    pub top_share: f64,
    pub singletons: u64,
    pub rare_values: u64,
    pub rare_rows: u64,
    pub bytes_per_value: f64,
    pub distinct_bytes: u64,
    pub top_values: Vec<TopValue>,
    pub numeric: Option<NumericSummary>,
}

/// Computes the figures of a column from its dictionary and `totals[code]`.
pub(crate) fn count_figures(
    dict: &Dictionary,
    totals: &[u64],
    top_k: usize,
    rare_count: u64,
    quantiles: &[f64],
) -> CountFigures {
    let rows: u64 = totals.iter().sum();
    let special = |c: u32| Some(c) == dict.missing_code() || Some(c) == dict.other_code();
    let count = |c: u32| totals.get(c as usize).copied().unwrap_or(0);
    let missing = dict.missing_code().map(count).unwrap_or(0);
    let mut exact_values = 0u64;
    let (mut singletons, mut rare_values, mut rare_rows) = (0u64, 0u64, 0u64);
    let (mut bytes, mut distinct_bytes) = (0u64, 0u64);
    for c in 0..dict.len() as u32 {
        let n = count(c);
        if special(c) || n == 0 {
            continue;
        }
        exact_values += 1;
        singletons += u64::from(n == 1);
        if n <= rare_count {
            rare_values += 1;
            rare_rows += n;
        }
        let len = dict.value(c).len() as u64;
        bytes += n * len;
        distinct_bytes += len;
    }
    let (distinct, distinct_exact) = match dict.distinct_sketch() {
        Some(s) => ((s.estimate().round() as u64).max(exact_values), false),
        None => (exact_values, true),
    };
    let nonzero: Vec<u64> = totals.iter().copied().filter(|&n| n > 0).collect();
    // The most common value: `<other>` is many values, never the top one.
    let top = (0..dict.len() as u32)
        .filter(|&c| Some(c) != dict.other_code())
        .map(count)
        .max()
        .unwrap_or(0);
    let share = |n: u64| {
        if rows == 0 {
            0.0
        } else {
            n as f64 / rows as f64
        }
    };
    CountFigures {
        rows,
        missing,
        cardinality: nonzero.len(),
        distinct,
        distinct_exact,
        entropy: measures::entropy(&nonzero, rows),
        top_share: share(top),
        singletons,
        rare_values,
        rare_rows,
        bytes_per_value: share(bytes),
        distinct_bytes,
        top_values: top_values(dict, totals, top_k, rows),
        numeric: numeric_summary(dict, totals, rows - missing, quantiles),
    }
}

/// The `k` most frequent levels, ties broken by the value's bytes (so the
/// order does not depend on the order values were first seen).
fn top_values(dict: &Dictionary, totals: &[u64], k: usize, rows: u64) -> Vec<TopValue> {
    let mut levels: Vec<(u64, u32)> = totals
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(c, &n)| (n, c as u32))
        .collect();
    let order = |a: &(u64, u32), b: &(u64, u32)| {
        b.0.cmp(&a.0)
            .then_with(|| dict.label(a.1).cmp(&dict.label(b.1)))
    };
    if levels.len() > k && k > 0 {
        levels.select_nth_unstable_by(k - 1, order);
    }
    levels.truncate(k);
    levels.sort_by(order);
    levels
        .into_iter()
        .map(|(n, c)| TopValue {
            value: dict.label(c),
            count: n,
            share: n as f64 / rows.max(1) as f64,
        })
        .collect()
}

/// Parses a value as a finite number (surrounding spaces allowed).
pub(crate) fn parse_number(value: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(value).ok()?.trim();
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Min, max, mean and exact quantiles of the values that parse as finite
/// numbers, weighted by their counts; `None` when they cover less than half
/// of the `present` (non-missing) rows.
fn numeric_summary(
    dict: &Dictionary,
    totals: &[u64],
    present: u64,
    quantiles: &[f64],
) -> Option<NumericSummary> {
    let mut values: Vec<(f64, u64)> = (0..dict.len() as u32)
        .filter(|&c| Some(c) != dict.missing_code() && Some(c) != dict.other_code())
        .filter_map(|c| {
            let n = totals.get(c as usize).copied().unwrap_or(0);
            (n > 0).then_some(())?;
            Some((parse_number(dict.value(c))?, n))
        })
        .collect();
    let rows: u64 = values.iter().map(|v| v.1).sum();
    if rows == 0 || 2 * rows < present {
        return None;
    }
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut sum = Sum::default();
    for &(x, n) in &values {
        sum.add(x * n as f64);
    }
    // Cumulative counts: values[i] holds order statistics cum[i]..cum[i+1].
    let mut cum = Vec::with_capacity(values.len() + 1);
    cum.push(0u64);
    for &(_, n) in &values {
        cum.push(cum[cum.len() - 1] + n);
    }
    let order_stat = |k: u64| {
        let i = cum.partition_point(|&c| c <= k) - 1;
        values[i.min(values.len() - 1)].0
    };
    let quantile = |q: f64| {
        let h = (rows - 1) as f64 * q.clamp(0.0, 1.0);
        let lo = h.floor() as u64;
        let (a, b) = (order_stat(lo), order_stat((lo + 1).min(rows - 1)));
        a + (h - lo as f64) * (b - a)
    };
    Some(NumericSummary {
        rows,
        share: rows as f64 / present.max(1) as f64,
        min: values[0].0,
        max: values[values.len() - 1].0,
        mean: sum.value() / rows as f64,
        quantiles: quantiles
            .iter()
            .map(|&q| Quantile {
                q,
                value: quantile(q),
            })
            .collect(),
    })
}

/// The relative standard error of a sketched distinct count.
pub(crate) fn sketch_error() -> f64 {
    DistinctSketch::relative_standard_error()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::MissingTokens;

    fn dict_of(values: &[&str]) -> (Dictionary, Vec<u64>) {
        let mut d = Dictionary::new();
        let m = MissingTokens::new(&["", "?"]);
        let mut totals = Vec::new();
        for v in values {
            let c = d.encode(v.as_bytes(), &m) as usize;
            if totals.len() <= c {
                totals.resize(c + 1, 0);
            }
            totals[c] += 1;
        }
        (d, totals)
    }

    #[test]
    fn counts_and_shares() {
        let (d, t) = dict_of(&["a", "bb", "a", "?", "", "c", "a"]);
        let f = count_figures(&d, &t, 2, 1, &[]);
        assert_eq!((f.rows, f.missing, f.cardinality), (7, 2, 4));
        assert_eq!((f.distinct, f.distinct_exact), (3, true));
        assert_eq!((f.singletons, f.rare_values, f.rare_rows), (2, 2, 2));
        assert!((f.top_share - 3.0 / 7.0).abs() < 1e-15);
        // a,a,a (3 bytes) + bb (2) + c (1) over 7 rows.
        assert!((f.bytes_per_value - 6.0 / 7.0).abs() < 1e-15);
        assert_eq!(f.distinct_bytes, 4);
        assert_eq!(f.top_values[0].value, "a");
        assert_eq!(f.top_values[1].value, "<missing>");
        assert_eq!(f.top_values.len(), 2);
        assert!(f.numeric.is_none());
    }

    #[test]
    fn numeric_quantiles_equal_numpy() {
        // numpy.quantile([1, 2, 2, 2, 3, 10, 10], [0, .25, .5, .9, 1])
        //   = [1, 2, 2, 10, 10]; mean 30/7.
        let (d, t) = dict_of(&["2", "10", " 2", "x", "1", "2.0", "3", "10"]);
        let f = count_figures(&d, &t, 5, 1, &[0.0, 0.25, 0.5, 0.9, 1.0]);
        let n = f.numeric.unwrap();
        assert_eq!(n.rows, 7);
        assert!((n.share - 7.0 / 8.0).abs() < 1e-15);
        assert_eq!((n.min, n.max), (1.0, 10.0));
        assert!((n.mean - 30.0 / 7.0).abs() < 1e-12);
        let q: Vec<f64> = n.quantiles.iter().map(|q| q.value).collect();
        assert_eq!(q, vec![1.0, 2.0, 2.0, 10.0, 10.0]);
        // numpy.quantile([1, 2, 3, 4], 0.4) = 2.2
        let (d, t) = dict_of(&["4", "3", "2", "1"]);
        let n = count_figures(&d, &t, 5, 1, &[0.4]).numeric.unwrap();
        assert!((n.quantiles[0].value - 2.2).abs() < 1e-12);
    }

    #[test]
    fn mostly_text_is_not_numeric() {
        let (d, t) = dict_of(&["1", "a", "b", "c"]);
        assert!(count_figures(&d, &t, 5, 1, &[0.5]).numeric.is_none());
        assert_eq!(parse_number(b"inf"), None);
        assert_eq!(parse_number(b" -1e3 "), Some(-1000.0));
    }
}
