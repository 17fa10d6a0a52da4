//! The cross-fitted gain: its required properties, a brute-force check per
//! row, and that any split of the rows gives the same folds and gains.

use std::sync::Arc;

use cardrank::arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use cardrank::gain::{fold_of, value_hash, FOLDS, PRIOR_STRENGTH};
use cardrank::{RankParams, RankState, Ranker, Ranking, Score};

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn strings(v: &[String]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn rank(batches: &[RecordBatch], params: RankParams) -> Ranking {
    let mut r = Ranker::new(params).unwrap();
    for b in batches {
        r.update(b).unwrap();
    }
    r.finish().unwrap()
}

fn gain_of(r: &Ranking, name: &str) -> f64 {
    let f = r.features.iter().find(|f| f.feature == name).unwrap();
    f.gain.unwrap()
}

/// 20,000 values of 50 rows each whose click rate is 0.1 or 0.3; a row id;
/// a noise column of three rows per value; and the click.
fn required_properties_data() -> RecordBatch {
    let mut rng = Rng(7);
    let (values, per_value) = (20_000usize, 50usize);
    let rates: Vec<f64> = (0..values)
        .map(|_| if rng.next() % 2 == 0 { 0.1 } else { 0.3 })
        .collect();
    let n = values * per_value;
    let (mut site, mut id, mut noise, mut click) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for r in 0..n {
        let v = r % values;
        site.push(format!("s{v}"));
        id.push(format!("row{r}"));
        noise.push(format!("n{}", rng.next() % (n as u64 / 3)));
        click.push(if rng.unit() < rates[v] { "1" } else { "0" }.to_string());
    }
    RecordBatch::try_from_iter([
        ("site", strings(&site)),
        ("id", strings(&id)),
        ("noise", strings(&noise)),
        ("click", strings(&click)),
    ])
    .unwrap()
}

#[test]
fn ids_and_noise_score_at_most_zero_and_an_informative_feature_above() {
    let r = rank(
        &[required_properties_data()],
        RankParams::new("click").score(Score::Gain),
    );
    let (site, id, noise) = (gain_of(&r, "site"), gain_of(&r, "id"), gain_of(&r, "noise"));
    // Every row id is unseen outside its fold: exactly the base.
    assert_eq!(id, 0.0);
    assert!(noise <= 0.0, "noise {noise}");
    assert!(site > 0.0 && site > noise, "site {site}");
    assert_eq!(r.features[0].feature, "site");
    assert_eq!(r.score_name, "gain");
    // Ranked by the gain.
    let f = r.features.iter().find(|f| f.feature == "noise").unwrap();
    assert_eq!(f.score, noise);
}

/// The gain computed row by row, from the rule in `cardrank::gain`.
fn brute_force(columns: &[(&str, &[String])], target: &[String], feature: usize) -> f64 {
    let y = target;
    let n = y.len();
    let fold: Vec<usize> = (0..n)
        .map(|r| {
            let mut key = 0u64;
            for (name, vals) in columns {
                let v = &vals[r];
                let h = value_hash(name, (!v.is_empty()).then_some(v.as_bytes()));
                key = key.wrapping_add(h);
            }
            fold_of(key) as usize
        })
        .collect();
    let classes: Vec<&String> = {
        let mut c: Vec<&String> = y.iter().collect();
        c.sort();
        c.dedup();
        c
    };
    let x = columns[feature].1;
    let mut total = 0.0;
    for r in 0..n {
        let k = fold[r];
        let out: Vec<usize> = (0..n).filter(|&s| fold[s] != k).collect();
        let base = |c: &String| {
            let hits = out.iter().filter(|&&s| &y[s] == c).count() as f64;
            (hits + 0.5) / (out.len() as f64 + 0.5 * classes.len() as f64)
        };
        let same: Vec<usize> = out.iter().copied().filter(|&s| x[s] == x[r]).collect();
        let b = base(&y[r]);
        let hits = same.iter().filter(|&&s| y[s] == y[r]).count() as f64;
        let pred = (hits + PRIOR_STRENGTH * b) / (same.len() as f64 + PRIOR_STRENGTH);
        total += (pred / b).ln();
    }
    total / n as f64
}

#[test]
fn equals_a_row_by_row_computation() {
    let mut rng = Rng(11);
    let n = 400;
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); 3];
    let mut y = Vec::new();
    for _ in 0..n {
        let a = rng.next() % 6;
        let b = rng.next() % 40;
        let c = rng.next() % 3;
        cols[0].push(format!("a{a}"));
        cols[1].push(if b == 0 {
            String::new()
        } else {
            format!("{b}")
        });
        cols[2].push(format!("c{c}"));
        let p = [0.1, 0.5, 0.8, 0.3, 0.2, 0.6][a as usize];
        let class = if rng.unit() < p {
            "yes"
        } else if c == 0 {
            "maybe"
        } else {
            "no"
        };
        y.push(class.to_string());
    }
    let names = ["a", "b", "c"];
    let batch = RecordBatch::try_from_iter(
        names
            .iter()
            .zip(&cols)
            .map(|(n, v)| (*n, strings(v)))
            .chain(std::iter::once(("y", strings(&y)))),
    )
    .unwrap();
    let r = rank(&[batch], RankParams::new("y").gain(true));
    let columns: Vec<(&str, &[String])> = names
        .iter()
        .zip(&cols)
        .map(|(n, v)| (*n, v.as_slice()))
        .collect();
    for (i, name) in names.iter().enumerate() {
        let want = brute_force(&columns, &y, i);
        let got = gain_of(&r, name);
        assert!((got - want).abs() < 1e-12, "{name}: {got} vs {want}");
    }
    // Asked for without being the score: reported, not ranked by.
    assert_eq!(r.score_name, "adjusted");
    assert!(r.features.iter().all(|f| f.score == f.adjusted));
    // Off by default.
    let plain = rank(
        &[required_properties_data().slice(0, 100)],
        RankParams::new("click"),
    );
    assert!(plain.features.iter().all(|f| f.gain.is_none()));
}

#[test]
fn any_split_of_the_rows_gives_the_same_gains() {
    let whole = required_properties_data().slice(0, 30_000);
    let params = || RankParams::new("click").score(Score::Gain).threads(2);
    let one = rank(std::slice::from_ref(&whole), params());
    // Three parts, the last two in another column order, counted apart,
    // sent through bytes and merged in another order.
    let cuts = [(0, 7_000), (7_000, 15_000), (22_000, 8_000)];
    let mut states: Vec<RankState> = cuts
        .iter()
        .enumerate()
        .map(|(i, &(start, len))| {
            let part = whole.slice(start, len);
            let part = if i == 0 {
                part
            } else {
                part.project(&[3, 2, 1, 0]).unwrap()
            };
            let mut r = Ranker::new(params()).unwrap();
            r.update(&part).unwrap();
            RankState::from_bytes(&r.into_state().to_bytes()).unwrap()
        })
        .collect();
    states.reverse();
    let merged = RankState::merge_all(states).unwrap();
    let two = Ranking::from_state(&merged, Score::Gain).unwrap();
    for f in &one.features {
        assert_eq!(f.gain, Some(gain_of(&two, &f.feature)), "{}", f.feature);
    }
    assert_eq!(one, two);
}

#[test]
fn integers_fold_like_their_text() {
    let n = 3_000;
    let mut rng = Rng(3);
    let ints: Vec<i64> = (0..n).map(|_| (rng.next() % 50) as i64).collect();
    let other: Vec<i64> = (0..n).map(|_| (rng.next() % 1_000) as i64).collect();
    let y: Vec<String> = ints
        .iter()
        .map(|&v| {
            if (v % 3 == 0) ^ (rng.next() % 5 == 0) {
                "1"
            } else {
                "0"
            }
            .to_string()
        })
        .collect();
    let text =
        |v: &[i64]| -> ArrayRef { strings(&v.iter().map(|v| v.to_string()).collect::<Vec<_>>()) };
    let as_int = RecordBatch::try_from_iter([
        ("v", Arc::new(Int64Array::from(ints.clone())) as ArrayRef),
        ("w", Arc::new(Int64Array::from(other.clone())) as ArrayRef),
        ("y", strings(&y)),
    ])
    .unwrap();
    let as_text =
        RecordBatch::try_from_iter([("v", text(&ints)), ("w", text(&other)), ("y", strings(&y))])
            .unwrap();
    let params = || RankParams::new("y").gain(true);
    let (a, b) = (
        rank(std::slice::from_ref(&as_int), params()),
        rank(&[as_text], params()),
    );
    assert!(gain_of(&a, "v") > 0.1, "{:?}", a.features);
    assert_eq!(gain_of(&a, "v"), gain_of(&b, "v"));
    assert_eq!(gain_of(&a, "w"), gain_of(&b, "w"));
    // Ranked alone, each value's rows share one fold (the key is the
    // feature vector): never seen out of fold, the base, a gain of 0.
    let alone = rank(&[as_int], params().features(&["v"]));
    assert_eq!(gain_of(&alone, "v"), 0.0);
    assert_eq!(FOLDS, 5);
}

#[test]
fn states_with_and_without_the_gain_do_not_merge() {
    let b = required_properties_data().slice(0, 100);
    let mut with = Ranker::new(RankParams::new("click").gain(true)).unwrap();
    with.update(&b).unwrap();
    let mut without = Ranker::new(RankParams::new("click")).unwrap();
    without.update(&b).unwrap();
    let mut s = with.into_state();
    assert!(s.merge(without.state()).is_err());
    assert!(Ranker::from_state(RankParams::new("click"), s).is_err());
}

#[test]
fn a_distinct_value_budget_folds_the_counts_by_fold_too() {
    let b = required_properties_data().slice(0, 20_000);
    let r = rank(
        std::slice::from_ref(&b),
        RankParams::new("click").gain(true).max_distinct(100),
    );
    let site = r.features.iter().find(|f| f.feature == "site").unwrap();
    assert_eq!(site.cardinality, 101);
    // 100 kept values of 1 row each and <other>: no value seen out of fold
    // but <other>, whose rate is the base rate.
    assert!(site.gain.unwrap().abs() < 0.01);
    let id = r.features.iter().find(|f| f.feature == "id").unwrap();
    assert!(id.gain.unwrap().abs() < 0.01);
}
