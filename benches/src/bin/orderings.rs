//! Every feature ordering cardrank offers, of one training file, as JSON:
//! the input of `examples/selection_study.py` (which needs no front-end
//! wiring for a score or method that is only in the core so far).
//!
//!     cargo run --release -p cardrank-benches --bin orderings -- train.csv TARGET
//!
//! Prints `{"orderings": {method: [feature, ...]}, "seconds": {...}}`, each
//! ordering best first over every feature: one ranking per score (`mi`,
//! `adjusted`, `ami`, `z`, `gain`), the pair-based `select` (`3mr`, and
//! `mrmr` with beta 0) among the best 50 features by MI - EMI (the `select`
//! default), and the selections in target units (`cmim`, `jmi`,
//! `mrmr_target`, `3mr_target`: `cardrank::select_target`, every feature a
//! candidate, k forced to all of them, the values grouped into levels as
//! `select` does by default; `jmi_raw`, `cmim_raw`: every value its own
//! level), each followed by the features it did not take in MI - EMI order;
//! and `adjusted_grouped`, the MI - EMI order of the grouped features.

use std::path::{Path, PathBuf};
use std::time::Instant;

use cardrank::{
    select_target, Grouping, Method, PairSpec, RankParams, Ranker, Ranking, Score, SelectParams,
    TargetSelectParams,
};
use cardrank_io::{open, Projection, ReadOptions};
use cardrank_run::plan::{run, PairBudget};

type Failure = Box<dyn std::error::Error>;

/// One score of a ranked feature.
type ScoreOf = fn(&cardrank::FeatureScore) -> f64;

fn read(
    path: &Path,
    target: &str,
    cols: Option<&[String]>,
    ranker: &mut Ranker,
) -> Result<(), Failure> {
    let opts = ReadOptions {
        columns: Projection {
            target: Some(target.to_string()),
            features: cols.map(<[String]>::to_vec),
            ..Projection::all()
        },
        ..ReadOptions::default()
    };
    for batch in open(&[path.to_path_buf()], &opts)? {
        ranker.update(&batch?)?;
    }
    Ok(())
}

fn order_by(ranking: &Ranking, score: impl Fn(&cardrank::FeatureScore) -> f64) -> Vec<String> {
    let mut f: Vec<(&str, f64)> = ranking
        .features
        .iter()
        .map(|f| (f.feature.as_str(), score(f)))
        .collect();
    f.sort_by(|a, b| {
        let key = |x: f64| if x.is_nan() { f64::NEG_INFINITY } else { x };
        key(b.1).total_cmp(&key(a.1)).then_with(|| a.0.cmp(b.0))
    });
    f.into_iter().map(|(n, _)| n.to_string()).collect()
}

/// A selection's features in the order taken, then the features it did not
/// take in the order of `rest`.
fn completed<'a>(taken: impl Iterator<Item = &'a String>, rest: &[String]) -> Vec<String> {
    let mut order: Vec<String> = taken.cloned().collect();
    for f in rest {
        if !order.contains(f) {
            order.push(f.clone());
        }
    }
    order
}

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, target] = args.as_slice() else {
        return Err("usage: orderings TRAIN.csv TARGET".into());
    };
    let path = PathBuf::from(path);
    let mut out = serde_json::Map::new();
    let mut seconds = serde_json::Map::new();

    let start = Instant::now();
    let mut ranker = Ranker::new(RankParams::new(target.as_str()).gain(true))?;
    read(&path, target, None, &mut ranker)?;
    let ranking = ranker.finish()?;
    seconds.insert(
        "rank_with_gain".into(),
        start.elapsed().as_secs_f64().into(),
    );
    let start = Instant::now();
    let mut plain = Ranker::new(RankParams::new(target.as_str()))?;
    read(&path, target, None, &mut plain)?;
    plain.finish()?;
    seconds.insert("rank".into(), start.elapsed().as_secs_f64().into());

    let by: [(&str, ScoreOf); 5] = [
        ("mi", |f| f.mi),
        ("adjusted", |f| f.adjusted),
        ("ami", |f| f.ami),
        ("z", |f| f.z.unwrap_or(f.adjusted)),
        ("gain", |f| f.gain.unwrap_or(f64::NAN)),
    ];
    for (name, score) in by {
        out.insert(name.into(), order_by(&ranking, score).into());
    }
    let adjusted = order_by(&ranking, |f| f.adjusted);

    let start = Instant::now();
    let features: Vec<String> = adjusted.clone();
    let budget = PairBudget::default();
    let pairs = run::<Failure>(
        RankParams::new(target.as_str()).score(Score::Adjusted),
        features.len(),
        &features,
        &budget,
        |ranker, cols| read(&path, target, cols, ranker),
    )?;
    seconds.insert("pairs".into(), start.elapsed().as_secs_f64().into());
    for (name, beta) in [("3mr", 1.0), ("mrmr", 0.0)] {
        let start = Instant::now();
        let k = pairs.interactions.features.len();
        let params = SelectParams {
            beta,
            ..SelectParams::new(k)
        };
        let sel = cardrank::select(&pairs.interactions, &params)?;
        let order = completed(sel.selected.iter().map(|s| &s.feature), &adjusted);
        seconds.insert(
            format!("select_{name}"),
            start.elapsed().as_secs_f64().into(),
        );
        out.insert(name.into(), order.into());
    }
    let mut suggested = serde_json::Map::new();
    // Selection in target units: every feature a candidate, pairs finished
    // on demand from the buffered codes; the values grouped into levels as
    // `select` groups them by default (`Grouping::SELECT`), and, for the
    // `_raw` orderings, every value its own level.
    let start = Instant::now();
    let mut buffered =
        Ranker::new(RankParams::new(target.as_str()).pairs(PairSpec::among(&adjusted)))?;
    read(&path, target, None, &mut buffered)?;
    let raw = buffered.into_state();
    let mut grouped = raw.clone();
    grouped.regroup(&Grouping::SELECT)?;
    seconds.insert("buffer".into(), start.elapsed().as_secs_f64().into());
    let by_grouped = order_by(
        &cardrank::Ranking::from_state(&grouped, Score::Adjusted)?,
        |f| f.adjusted,
    );
    out.insert("adjusted_grouped".into(), by_grouped.into());
    for (name, method, state) in [
        ("cmim", Method::Cmim, &grouped),
        ("jmi", Method::Jmi, &grouped),
        ("mrmr_target", Method::Mrmr, &grouped),
        ("3mr_target", Method::ThreeMr, &grouped),
        ("joint", Method::Joint, &grouped),
        ("cmim_raw", Method::Cmim, &raw),
        ("jmi_raw", Method::Jmi, &raw),
    ] {
        let start = Instant::now();
        let mut params = TargetSelectParams::new(method).k(adjusted.len());
        params.max_candidates = adjusted.len();
        let sel = select_target(state, &params)?;
        let order = completed(sel.selected.iter().map(|s| &s.feature), &adjusted);
        seconds.insert(
            format!("select_{name}"),
            start.elapsed().as_secs_f64().into(),
        );
        out.insert(name.into(), order.into());
        suggested.insert(name.into(), sel.k_suggested.into());
    }
    // What `cardrank select` does by default, timed alone: group, then JMI
    // until the last significant step.
    let start = Instant::now();
    let mut fresh = raw.clone();
    let cloned = start.elapsed();
    let start = Instant::now();
    fresh.regroup(&Grouping::SELECT)?;
    let mut params = TargetSelectParams::new(Method::Jmi);
    params.max_candidates = adjusted.len();
    let sel = select_target(&fresh, &params)?;
    seconds.insert(
        "select_default".into(),
        start.elapsed().as_secs_f64().into(),
    );
    seconds.insert("clone".into(), cloned.as_secs_f64().into());
    suggested.insert("default".into(), sel.k_suggested.into());
    let json = serde_json::json!({
        "orderings": out,
        "seconds": seconds,
        "k_suggested": suggested,
        "rows": ranking.rows,
    });
    println!("{json}");
    Ok(())
}
