//! `cardrank compare A.json B.json`: how two rankings differ (say, two days
//! of logs): rank-biased overlap, the features that moved most, the ones
//! that appeared or vanished.
//!
//! Rank-biased overlap (RBO; Webber, Moffat and Zobel, "A similarity measure
//! for indefinite rankings", ACM TOIS 28(4), 2010) weighs agreement at depth
//! d by `p^(d-1)`, so the top of the rankings matters most: with p = 0.9 the
//! first 10 ranks carry 86 % of the weight. The extrapolated form (their
//! equation 32) assumes the agreement seen at the end of the lists goes on;
//! it is 1 for identical rankings and 0 for disjoint ones.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// Options of `cardrank compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The first ranking (`cardrank rank --json` output or ranking.json).
    pub a: PathBuf,
    /// The second ranking.
    pub b: PathBuf,
    /// RBO persistence p in (0, 1): the weight of depth d is p^(d-1).
    #[arg(long, default_value_t = 0.9, value_name = "P")]
    pub p: f64,
    /// Features listed as moved.
    #[arg(long, default_value_t = 10, value_name = "K")]
    pub top: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Deserialize)]
struct RankingFile {
    features: Vec<Entry>,
}

#[derive(Deserialize, Clone)]
struct Entry {
    rank: usize,
    feature: String,
    #[serde(default)]
    score: Option<f64>,
}

/// A feature ranked in both.
#[derive(Serialize, Debug, Clone, PartialEq)]
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
#[derive(Serialize, Debug)]
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

fn read(path: &Path) -> Result<Vec<Entry>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    let file: RankingFile = serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{} is not a cardrank ranking (`cardrank rank --json` output): {e}",
            path.display()
        ))
    })?;
    let mut features = file.features;
    features.sort_by(|x, y| x.rank.cmp(&y.rank).then_with(|| x.feature.cmp(&y.feature)));
    let mut seen = HashSet::new();
    for f in &features {
        if !seen.insert(f.feature.as_str()) {
            return Err(CliError::Usage(format!(
                "{} ranks feature `{}` twice",
                path.display(),
                f.feature
            )));
        }
    }
    Ok(features)
}

/// Compares two ranking files.
pub fn compare(a: &Path, b: &Path, p: f64, top: usize) -> Result<Comparison, CliError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(CliError::Usage(format!(
            "invalid --p {p}: expected a number strictly between 0 and 1"
        )));
    }
    let (fa, fb) = (read(a)?, read(b)?);
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
        a: a.display().to_string(),
        b: b.display().to_string(),
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

fn table(c: &Comparison) -> String {
    let opt = |x: Option<f64>| x.map_or("-".into(), cardrank_report::svg::short);
    let mut s = format!(
        "A: {} ({} features)\nB: {} ({} features)\nrank-biased overlap (p = {}, extrapolated): {:.4}\n",
        c.a, c.features_a, c.b, c.features_b, c.p, c.rbo
    );
    if c.moved.is_empty() {
        s.push_str("\nno feature changed rank\n");
    } else {
        let width = c
            .moved
            .iter()
            .map(|m| m.feature.chars().count())
            .max()
            .unwrap_or(7)
            .clamp(7, 40);
        s.push_str(&format!(
            "\nmoved most:\n{:<width$}  {:>6}  {:>6}  {:>7}  {:>10}  {:>10}\n",
            "feature", "rank A", "rank B", "change", "score A", "score B"
        ));
        for m in &c.moved {
            s.push_str(&format!(
                "{:<width$}  {:>6}  {:>6}  {:>+7}  {:>10}  {:>10}\n",
                m.feature,
                m.rank_a,
                m.rank_b,
                m.change,
                opt(m.score_a),
                opt(m.score_b)
            ));
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    s.push_str(&format!("\nappeared in B: {}\n", list(&c.appeared)));
    s.push_str(&format!("vanished from A: {}\n", list(&c.vanished)));
    s
}

/// Runs `cardrank compare`.
pub fn run(args: &CompareArgs) -> Result<(), CliError> {
    let c = compare(&args.a, &args.b, args.p, args.top)?;
    let text = if args.json {
        serde_json::to_string_pretty(&c)
            .map_err(|e| CliError::output("JSON", std::io::Error::other(e)))?
            + "\n"
    } else {
        table(&c)
    };
    crate::output::print(&text)
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
