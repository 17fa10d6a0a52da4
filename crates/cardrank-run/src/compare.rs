//! Two rankings side by side (say, two days of logs): rank-biased overlap,
//! the features that moved most, the ones that appeared or vanished.
//!
//! Rank-biased overlap (RBO; Webber, Moffat and Zobel, "A similarity measure
//! for indefinite rankings", ACM TOIS 28(4), 2010) weighs agreement at depth
//! d by `p^(d-1)`, so the top of the rankings matters most: with p = 0.9 the
//! first 10 ranks carry 86 % of the weight. The extrapolated form (their
//! equation 32) assumes the agreement seen at the end of the lists goes on;
//! it is 1 for identical rankings and 0 for disjoint ones.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Deserialize)]
struct RankingFile {
    features: Vec<Entry>,
}

/// One feature of a ranking: its rank (1 the best), name and score.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1 is the best.
    pub rank: usize,
    /// The feature.
    pub feature: String,
    /// Its score, if the ranking has one.
    #[serde(default)]
    pub score: Option<f64>,
}

/// A feature ranked in both.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Moved {
    /// The feature.
    pub feature: String,
    /// Its rank in A.
    pub rank_a: usize,
    /// Its rank in B.
    pub rank_b: usize,
    /// `rank_a - rank_b` (positive: it rose in B).
    pub change: i64,
    /// Its score in A.
    pub score_a: Option<f64>,
    /// Its score in B.
    pub score_b: Option<f64>,
}

/// The comparison.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Path of A.
    pub a: String,
    /// Path of B.
    pub b: String,
    /// Features ranked in A.
    pub features_a: usize,
    /// Features ranked in B.
    pub features_b: usize,
    /// RBO persistence.
    pub p: f64,
    /// Extrapolated rank-biased overlap.
    pub rbo: f64,
    /// Features in both, largest rank change first.
    pub moved: Vec<Moved>,
    /// In B only (by rank in B).
    pub appeared: Vec<String>,
    /// In A only (by rank in A).
    pub vanished: Vec<String>,
}

/// Extrapolated RBO of two rankings of distinct items (Webber et al. 2010,
/// eq. 32, which covers lists of different lengths).
pub fn rbo_ext(a: &[&str], b: &[&str], p: f64) -> f64 {
    let (s, l) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (ns, nl) = (s.len(), l.len());
    if ns == 0 {
        return if nl == 0 { 1.0 } else { 0.0 };
    }
    let mut seen_s: HashSet<&str> = HashSet::new();
    let mut seen_l: HashSet<&str> = HashSet::new();
    let mut overlap = 0usize;
    let (mut sum, mut weight) = (0.0, 1.0);
    let mut x_s = 0usize;
    for d in 1..=nl {
        if d <= ns {
            let x = s[d - 1];
            if seen_l.contains(x) {
                overlap += 1;
            }
            seen_s.insert(x);
        }
        let y = l[d - 1];
        if seen_s.contains(y) {
            overlap += 1;
        }
        seen_l.insert(y);
        weight *= p;
        if d == ns {
            x_s = overlap;
        }
        let df = d as f64;
        sum += overlap as f64 / df * weight;
        if d > ns {
            sum += (x_s * (d - ns)) as f64 / (ns as f64 * df) * weight;
        }
    }
    let tail = ((overlap - x_s) as f64 / nl as f64 + x_s as f64 / ns as f64) * weight;
    ((1.0 - p) / p * sum + tail).clamp(0.0, 1.0)
}

/// The features of a ranking file (`cardrank rank --json` output or
/// ranking.json).
pub fn read(path: &Path) -> Result<Vec<Entry>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?;
    let file: RankingFile = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{} is not a cardrank ranking (`cardrank rank --json` output): {e}",
            path.display()
        ))
    })?;
    Ok(file.features)
}

/// Sorts a ranking best first; a feature ranked twice is an error.
fn checked(name: &str, mut features: Vec<Entry>) -> Result<Vec<Entry>> {
    features.sort_by(|x, y| x.rank.cmp(&y.rank).then_with(|| x.feature.cmp(&y.feature)));
    let mut seen = HashSet::new();
    for f in &features {
        if !seen.insert(f.feature.as_str()) {
            return Err(Error::Usage(format!(
                "{name} ranks feature `{}` twice",
                f.feature
            )));
        }
    }
    Ok(features)
}

/// Compares two ranking files.
pub fn compare_files(a: &Path, b: &Path, p: f64, top: usize) -> Result<Comparison> {
    let (fa, fb) = (read(a)?, read(b)?);
    compare(
        (&a.display().to_string(), fa),
        (&b.display().to_string(), fb),
        p,
        top,
    )
}

/// Compares two rankings, each with the name it is shown under.
pub fn compare(
    (name_a, a): (&str, Vec<Entry>),
    (name_b, b): (&str, Vec<Entry>),
    p: f64,
    top: usize,
) -> Result<Comparison> {
    if !(p > 0.0 && p < 1.0) {
        return Err(Error::Usage(format!(
            "invalid p {p}: expected a number strictly between 0 and 1"
        )));
    }
    let (fa, fb) = (checked(name_a, a)?, checked(name_b, b)?);
    let names_a: Vec<&str> = fa.iter().map(|f| f.feature.as_str()).collect();
    let names_b: Vec<&str> = fb.iter().map(|f| f.feature.as_str()).collect();
    let rbo = rbo_ext(&names_a, &names_b, p);
    let pos_b: HashMap<&str, &Entry> = fb.iter().map(|f| (f.feature.as_str(), f)).collect();
    let in_a: HashSet<&str> = names_a.iter().copied().collect();
    let mut moved: Vec<Moved> = fa
        .iter()
        .filter_map(|x| {
            let y = pos_b.get(x.feature.as_str())?;
            Some(Moved {
                feature: x.feature.clone(),
                rank_a: x.rank,
                rank_b: y.rank,
                change: x.rank as i64 - y.rank as i64,
                score_a: x.score,
                score_b: y.score,
            })
        })
        .collect();
    moved.sort_by(|x, y| {
        y.change
            .abs()
            .cmp(&x.change.abs())
            .then_with(|| x.rank_a.cmp(&y.rank_a))
    });
    moved.retain(|m| m.change != 0);
    moved.truncate(top);
    Ok(Comparison {
        a: name_a.to_string(),
        b: name_b.to_string(),
        features_a: fa.len(),
        features_b: fb.len(),
        p,
        rbo,
        moved,
        appeared: names_b
            .iter()
            .filter(|n| !in_a.contains(*n))
            .map(|n| n.to_string())
            .collect(),
        vanished: names_a
            .iter()
            .filter(|n| !pos_b.contains_key(*n))
            .map(|n| n.to_string())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rbo_of_identical_disjoint_and_prefix_lists() {
        let a = ["a", "b", "c", "d"];
        assert!((rbo_ext(&a, &a, 0.9) - 1.0).abs() < 1e-12);
        assert_eq!(rbo_ext(&a, &["w", "x", "y", "z"], 0.9), 0.0);
        // A prefix agrees with everything it has seen.
        assert!((rbo_ext(&a[..2], &a, 0.9) - 1.0).abs() < 1e-12);
        assert_eq!(rbo_ext(&[], &[], 0.9), 1.0);
    }

    #[test]
    fn rbo_matches_a_hand_computed_value() {
        // S = [a, b], L = [b, a]: X1 = 0, X2 = 2.
        // (1-p)/p (0/1 p + 2/2 p^2) + (2/2) p^2 = (1-p) p + p^2 = p.
        let p = 0.9;
        assert!((rbo_ext(&["a", "b"], &["b", "a"], p) - p).abs() < 1e-12);
        // Swapping the top two of a longer list costs more than the bottom two.
        let base = ["a", "b", "c", "d", "e"];
        let top = rbo_ext(&base, &["b", "a", "c", "d", "e"], p);
        let bottom = rbo_ext(&base, &["a", "b", "c", "e", "d"], p);
        assert!(top < bottom && bottom < 1.0, "{top} {bottom}");
    }

    #[test]
    fn uneven_lists_are_symmetric() {
        let a = ["a", "b", "c", "d", "e", "f"];
        let b = ["b", "x", "a"];
        let r1 = rbo_ext(&a, &b, 0.8);
        let r2 = rbo_ext(&b, &a, 0.8);
        assert!((r1 - r2).abs() < 1e-15);
        assert!(r1 > 0.0 && r1 < 1.0);
    }
}
