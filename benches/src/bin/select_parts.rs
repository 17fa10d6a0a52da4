//! Where the time of a default selection (`cardrank select`: group the
//! values into levels, then JMI until the last significant step) goes on
//! one training CSV, as JSON: the median of `REPEATS` runs of each part, in
//! seconds.
//!
//!     cargo run --release -p cardrank-benches --bin select_parts -- train.csv TARGET
//!
//! - `pass_from_file`: one pass over the file, every row's codes buffered;
//! - `pass_from_memory`: the same pass over record batches already read
//!   (what a fit on an in-memory table is compared with);
//! - `regroup`, `ranking` (the candidates' order), `probe` (the pairs'
//!   margins);
//! - `steps`: the selection with the pair step off; `select`: the whole
//!   selection (`pairs_measured` pair tables);
//! - `total_from_file` / `total_from_memory`: pass + regroup + select.
//!
//! `SELECT_PARTS_METHOD=cmim` (say) times another method than the default.
//! With `SELECT_PARTS_LOOP=pass|select|steps` it only runs that part many
//! times, for a profiler. `SELECT_PARTS_ROWS=5000` hands the in-memory
//! pass batches of that many rows (a CSV file is read in one batch of up
//! to 65,536 rows; a pandas frame converts to several chunks).

use std::path::PathBuf;
use std::time::Instant;

use cardrank::arrow_array::RecordBatch;
use cardrank::{
    select_target, Grouping, Method, PairProbe, PairSpec, RankParams, RankState, Ranker, Ranking,
    Score, TargetSelectParams,
};
use cardrank_io::{open, Projection, ReadOptions};

type Failure = Box<dyn std::error::Error>;

const REPEATS: usize = 15;

struct Input {
    path: PathBuf,
    target: String,
    features: Vec<String>,
}

impl Input {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            columns: Projection {
                target: Some(self.target.clone()),
                ..Projection::all()
            },
            ..ReadOptions::default()
        }
    }

    fn ranker(&self) -> Result<Ranker, Failure> {
        let params = RankParams::new(self.target.as_str()).pairs(PairSpec::among(&self.features));
        Ok(Ranker::new(params)?)
    }

    fn pass_over_file(&self) -> Result<RankState, Failure> {
        let mut ranker = self.ranker()?;
        for batch in open(std::slice::from_ref(&self.path), &self.options())? {
            ranker.update(&batch?)?;
        }
        Ok(ranker.into_state())
    }

    fn pass_over(&self, batches: &[RecordBatch]) -> Result<RankState, Failure> {
        let mut ranker = self.ranker()?;
        for batch in batches {
            ranker.update(batch)?;
        }
        Ok(ranker.into_state())
    }
}

/// Each batch cut into batches of `rows` (the last of each shorter), as a
/// table of many chunks (a pandas frame, Parquet row groups) hands them
/// over.
fn rebatched(batches: &[RecordBatch], rows: usize) -> Result<Vec<RecordBatch>, Failure> {
    let rows = rows.max(1);
    Ok(batches
        .iter()
        .flat_map(|b| {
            (0..b.num_rows())
                .step_by(rows)
                .map(move |start| b.slice(start, rows.min(b.num_rows() - start)))
        })
        .collect())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `f`, returning its value and its seconds.
fn timed<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<(T, f64), Failure> {
    let start = Instant::now();
    let v = f()?;
    Ok((v, start.elapsed().as_secs_f64()))
}

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, target] = args.as_slice() else {
        return Err("usage: select_parts TRAIN.csv TARGET".into());
    };
    let path = PathBuf::from(path);
    let header = std::fs::read_to_string(&path)?;
    let features = header
        .lines()
        .next()
        .unwrap_or("")
        .split(',')
        .filter(|f| f != target)
        .map(str::to_string)
        .collect();
    let input = Input {
        path,
        target: target.clone(),
        features,
    };
    let mut batches = open(std::slice::from_ref(&input.path), &input.options())?
        .collect::<Result<Vec<_>, _>>()?;
    if let Ok(rows) = std::env::var("SELECT_PARTS_ROWS") {
        batches = rebatched(&batches, rows.parse()?)?;
    }
    let method: Method = match std::env::var("SELECT_PARTS_METHOD") {
        Ok(m) => m.parse()?,
        Err(_) => Method::default(),
    };
    let steps_only = TargetSelectParams {
        pair_pool: 0,
        ..TargetSelectParams::new(method)
    };
    let default = TargetSelectParams::new(method);

    if let Ok(part) = std::env::var("SELECT_PARTS_LOOP") {
        let mut state = input.pass_over(&batches)?;
        state.regroup(&Grouping::SELECT)?;
        for _ in 0..100 {
            match part.as_str() {
                "pass" => drop(input.pass_over(&batches)?),
                "steps" => drop(select_target(&state, &steps_only)?),
                _ => drop(select_target(&state, &default)?),
            }
        }
        return Ok(());
    }

    let names = [
        "pass_from_file",
        "pass_from_memory",
        "regroup",
        "ranking",
        "probe",
        "steps",
        "select",
    ];
    let mut seconds: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut pairs = 0;
    for _ in 0..REPEATS {
        let (_, file_s) = timed(|| input.pass_over_file())?;
        let (mut state, memory_s) = timed(|| input.pass_over(&batches))?;
        let (_, regroup_s) = timed(|| Ok(state.regroup(&Grouping::SELECT)?))?;
        let (_, ranking_s) = timed(|| Ok(Ranking::from_state(&state, Score::Adjusted)?))?;
        let (_, probe_s) = timed(|| Ok(PairProbe::new(&state)?.features().len()))?;
        let (_, steps_s) = timed(|| Ok(select_target(&state, &steps_only)?))?;
        let (sel, select_s) = timed(|| Ok(select_target(&state, &default)?))?;
        pairs = sel.pairs_measured;
        let row = [
            file_s, memory_s, regroup_s, ranking_s, probe_s, steps_s, select_s,
        ];
        for (all, s) in seconds.iter_mut().zip(row) {
            all.push(s);
        }
    }
    let mut out = serde_json::Map::new();
    let medians: Vec<f64> = seconds.into_iter().map(median).collect();
    for (name, s) in names.iter().zip(&medians) {
        out.insert(name.to_string(), (*s).into());
    }
    let rest = medians[2] + medians[6];
    out.insert("total_from_file".into(), (medians[0] + rest).into());
    out.insert("total_from_memory".into(), (medians[1] + rest).into());
    out.insert("pairs_measured".into(), pairs.into());
    out.insert("method".into(), method.name().into());
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
