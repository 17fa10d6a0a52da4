//! Drift between the first and the last part of the stream, and duplicate
//! columns, from a [`Tracker`](super::Tracker)'s buckets and hashes.

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use crate::measures::{self, Contingency};

/// How a column's values differ between the first and the last part of the
/// stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// Rows in the first part.
    pub first_rows: u64,
    /// Rows in the last part.
    pub last_rows: u64,
    /// Population stability index of the value shares, first vs last part
    /// (each count + 0.5, so values seen in one part only stay finite).
    pub psi: f64,
    /// MI(value; part), in nats.
    pub mi: f64,
    /// Its exact expectation if the rows were shuffled (EMI).
    pub expected_mi: f64,
    /// (MI - EMI) / sd under the same shuffle: how far beyond chance the
    /// difference is. `None` when the shuffle cannot change MI (every value
    /// unique, or constant).
    pub z: Option<f64>,
}

/// The bucket ranges of the first and the last part: the shortest prefix
/// and the shortest suffix with at least a quarter of the rows each (halves
/// when those would overlap); `None` with fewer than two buckets.
pub(crate) fn parts(bucket_rows: &[u64]) -> Option<(usize, usize)> {
    let k = bucket_rows.len();
    if k < 2 {
        return None;
    }
    let total: u64 = bucket_rows.iter().sum();
    let quarter = total.div_ceil(4);
    let mut first_end = 0;
    let mut acc = 0;
    while first_end < k && acc < quarter {
        acc += bucket_rows[first_end];
        first_end += 1;
    }
    let mut last_start = k;
    acc = 0;
    while last_start > 0 && acc < quarter {
        last_start -= 1;
        acc += bucket_rows[last_start];
    }
    if first_end > last_start {
        first_end = k / 2;
        last_start = k / 2;
    }
    Some((first_end, last_start))
}

/// Drift of one column from its per-bucket counts.
pub(crate) fn drift(buckets: &[Vec<u32>], first_end: usize, last_start: usize) -> Option<Drift> {
    let sum_range = |range: std::ops::Range<usize>| {
        let mut out: Vec<u64> = Vec::new();
        for b in &buckets[range] {
            if out.len() < b.len() {
                out.resize(b.len(), 0);
            }
            for (o, &n) in out.iter_mut().zip(b) {
                *o += u64::from(n);
            }
        }
        out
    };
    if last_start > buckets.len() || first_end > buckets.len() {
        return None;
    }
    let first = sum_range(0..first_end);
    let last = sum_range(last_start..buckets.len());
    let levels = first.len().max(last.len());
    let get = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    let (mut rows, mut cells) = (Vec::new(), Vec::new());
    for i in 0..levels {
        let (f, l) = (get(&first, i), get(&last, i));
        if f + l == 0 {
            continue;
        }
        let r = rows.len() as u32;
        rows.push(f + l);
        if f > 0 {
            cells.push((r, 0, f));
        }
        if l > 0 {
            cells.push((r, 1, l));
        }
    }
    let (nf, nl): (u64, u64) = (first.iter().sum(), last.iter().sum());
    if nf == 0 || nl == 0 {
        return None;
    }
    let n = nf + nl;
    let t = Contingency {
        n,
        rows,
        cols: vec![nf, nl],
        cells,
    };
    let mi = measures::mutual_info(&t);
    let emi = measures::expected_mutual_info(&t.rows, &t.cols, n);
    let sd = measures::null_sd(&t.rows, &t.cols, n);
    let z = measures::z_score(mi, emi, sd);
    // PSI with +0.5 smoothing of every value seen in either part.
    let k = t.rows.len() as f64;
    let (df, dl) = (nf as f64 + 0.5 * k, nl as f64 + 0.5 * k);
    let mut psi = measures::Sum::default();
    for i in 0..levels {
        let (f, l) = (get(&first, i), get(&last, i));
        if f + l == 0 {
            continue;
        }
        let p = (f as f64 + 0.5) / df;
        let q = (l as f64 + 0.5) / dl;
        psi.add((p - q) * (p / q).ln());
    }
    Some(Drift {
        first_rows: nf,
        last_rows: nl,
        psi: psi.value(),
        mi,
        expected_mi: emi,
        z,
    })
}

/// Groups of columns with the same partition: `key[i]` is column `i`'s
/// hash (with its sorted value counts, compared as well), `None` when
/// unknown. Returns, per column, the index of the first column of its group
/// when it is not the first itself.
pub(crate) fn duplicates(keys: &[Option<(u64, Vec<u64>)>]) -> Vec<Option<usize>> {
    let mut first: HashMap<&(u64, Vec<u64>), usize> = HashMap::new();
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let k = k.as_ref()?;
            match first.get(k) {
                Some(&j) => Some(j),
                None => {
                    first.insert(k, i);
                    None
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_take_quarters() {
        assert_eq!(parts(&[10]), None);
        assert_eq!(parts(&[10, 10]), Some((1, 1)));
        assert_eq!(parts(&[10; 8]), Some((2, 6)));
        assert_eq!(parts(&[20, 20, 20, 20, 3]), Some((2, 3)));
    }

    #[test]
    fn a_shifted_column_drifts_a_stable_one_does_not() {
        // Bucket counts by code: the stable column has the same shares in
        // every bucket; the shifted one swaps its values halfway.
        let stable = vec![vec![50u32, 50]; 4];
        let shifted = vec![vec![90u32, 10], vec![90, 10], vec![10, 90], vec![10, 90]];
        let s = drift(&stable, 1, 3).unwrap();
        let d = drift(&shifted, 1, 3).unwrap();
        assert!(s.psi < 1e-12 && s.z.unwrap() < 0.0, "{s:?}");
        assert!(d.psi > 1.0 && d.z.unwrap() > 10.0, "{d:?}");
        assert_eq!((d.first_rows, d.last_rows), (100, 100));
    }

    #[test]
    fn unique_values_are_not_drift() {
        // An id: every value in one bucket only. PSI is large, but a shuffle
        // gives the same MI, so there is nothing beyond chance.
        let ids = vec![vec![1u32, 1, 0, 0], vec![0, 0, 1, 1]];
        let d = drift(&ids, 1, 1).unwrap();
        assert!(d.psi > 0.5);
        assert!(d.z.is_none() || d.z.unwrap().abs() < 1e-6, "{d:?}");
        assert!((d.mi - d.expected_mi).abs() < 1e-12);
    }

    #[test]
    fn duplicate_groups() {
        let k = |h: u64| Some((h, vec![1u64, 2]));
        let got = duplicates(&[k(1), k(2), None, k(1), k(2), k(1)]);
        assert_eq!(got, vec![None, None, None, Some(0), Some(1), Some(0)]);
    }
}
