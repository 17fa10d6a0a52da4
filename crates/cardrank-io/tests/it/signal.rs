//! The generator's promise: at 200,000 rows every informative column's
//! chance-adjusted mutual information (MI minus its expectation under
//! permutation) clearly exceeds that of every noise column.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use cardrank_io::{GenParams, Generator};

/// ln C(n, k).
fn ln_choose(n: u64, k: u64) -> f64 {
    libm::lgamma(n as f64 + 1.0) - libm::lgamma(k as f64 + 1.0) - libm::lgamma((n - k) as f64 + 1.0)
}

/// Expected MI (nats) of a feature with value counts `a` and a target with
/// class counts `b` under random permutation (hypergeometric model).
pub fn expected_mi(a: &[u64], b: &[u64]) -> f64 {
    let n: u64 = b.iter().sum();
    let nf = n as f64;
    let mut groups: HashMap<u64, u64> = HashMap::new();
    for &ai in a {
        *groups.entry(ai).or_default() += 1;
    }
    let mut emi = 0.0;
    for (&ai, &mult) in &groups {
        for &bj in b {
            let lo = (ai + bj).saturating_sub(n).max(1);
            let hi = ai.min(bj);
            if lo > hi {
                continue;
            }
            let mode = (((ai + 1) * (bj + 1)) as f64 / (nf + 2.0)).floor() as u64;
            let mode = mode.clamp(lo, hi);
            let ln_p0 = ln_choose(ai, mode) + ln_choose(n - ai, bj - mode) - ln_choose(n, bj);
            let term = |k: u64, p: f64| p * k as f64 / nf * (nf * k as f64 / (ai * bj) as f64).ln();
            let p0 = ln_p0.exp();
            let mut sum = term(mode, p0);
            // Walk up from the mode.
            let (mut k, mut p) = (mode, p0);
            while k < hi {
                p *= ((ai - k) * (bj - k)) as f64 / ((k + 1) as f64 * (n + k + 1 - ai - bj) as f64);
                k += 1;
                sum += term(k, p);
                if p < 1e-20 {
                    break;
                }
            }
            // Walk down.
            let (mut k, mut p) = (mode, p0);
            while k > lo {
                p *= (k as f64 * (n + k - ai - bj) as f64) / ((ai - k + 1) * (bj - k + 1)) as f64;
                k -= 1;
                sum += term(k, p);
                if p < 1e-20 {
                    break;
                }
            }
            emi += mult as f64 * sum;
        }
    }
    emi
}

/// Plug-in MI (nats) from joint counts `[negatives, positives]` per value.
fn mutual_info(joint: &[[u64; 2]]) -> f64 {
    let n: u64 = joint.iter().map(|c| c[0] + c[1]).sum();
    let b = [
        joint.iter().map(|c| c[0]).sum::<u64>(),
        joint.iter().map(|c| c[1]).sum::<u64>(),
    ];
    let nf = n as f64;
    let mut mi = 0.0;
    for c in joint {
        let a = (c[0] + c[1]) as f64;
        for j in 0..2 {
            if c[j] > 0 {
                let nij = c[j] as f64;
                mi += nij / nf * (nf * nij / (a * b[j] as f64)).ln();
            }
        }
    }
    mi
}

/// `(column, MI - EMI)` for every non-target column of a generated log.
pub fn adjusted_relevance(params: &GenParams) -> Vec<(String, f64)> {
    let gen = Generator::new(params).expect("valid params");
    let schema = gen.schema();
    let ncols = schema.fields().len();
    let mut tables: Vec<HashMap<String, [u64; 2]>> = vec![HashMap::new(); ncols];
    for batch in gen {
        let click = batch.column(0).as_string::<i32>();
        for (c, table) in tables.iter_mut().enumerate().skip(1) {
            let col = batch.column(c).as_string::<i32>();
            for r in 0..batch.num_rows() {
                let y = usize::from(click.value(r) == "1");
                let v = col.value(r);
                match table.get_mut(v) {
                    Some(e) => e[y] += 1,
                    None => {
                        let mut e = [0, 0];
                        e[y] = 1;
                        table.insert(v.to_string(), e);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (c, table) in tables.iter().enumerate().skip(1) {
        let joint: Vec<[u64; 2]> = table.values().copied().collect();
        let a: Vec<u64> = joint.iter().map(|x| x[0] + x[1]).collect();
        let b = [
            joint.iter().map(|x| x[0]).sum::<u64>(),
            joint.iter().map(|x| x[1]).sum::<u64>(),
        ];
        let adj = mutual_info(&joint) - expected_mi(&a, &b);
        out.push((schema.field(c).name().clone(), adj));
    }
    out
}

/// Smallest informative score and largest noise score.
fn margins(scores: &[(String, f64)]) -> (String, f64, String, f64) {
    let inf = scores
        .iter()
        .filter(|(n, _)| n.starts_with("inf_") || n.starts_with("copy_"))
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .cloned()
        .unwrap_or_default();
    let noise = scores
        .iter()
        .filter(|(n, _)| n.starts_with("noise_") || n == "row_id_like")
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .cloned()
        .unwrap_or_default();
    (inf.0, inf.1, noise.0, noise.1)
}

#[test]
fn expected_mi_of_a_fully_split_feature_is_the_target_entropy() {
    // One row per value: every permutation gives MI = H(Y).
    let a = vec![1u64; 10];
    let b = [7u64, 3];
    let h = -(0.7f64 * 0.7f64.ln() + 0.3 * 0.3f64.ln());
    assert!((expected_mi(&a, &b) - h).abs() < 1e-12);
    // A constant feature carries nothing.
    assert!(expected_mi(&[10], &b).abs() < 1e-12);
}

#[test]
fn informative_beat_noise_at_200k_rows() {
    let params = GenParams {
        rows: 200_000,
        columns: 15,
        seed: 7,
        ..GenParams::default()
    };
    let scores = adjusted_relevance(&params);
    let (inf, inf_score, noise, noise_score) = margins(&scores);
    assert!(
        inf_score > 3.0 * noise_score.max(1e-4),
        "weakest informative {inf} = {inf_score}, strongest noise {noise} = {noise_score}: {scores:?}"
    );
}

/// Tuning aid: `cargo test --release -p cardrank-io --test it -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_signal_table() {
    for rows in [200_000] {
        for seed in 1..=12 {
            let params = GenParams {
                rows,
                columns: 20,
                seed,
                ..GenParams::default()
            };
            let scores = adjusted_relevance(&params);
            println!("rows {rows} seed {seed}");
            if std::env::var_os("SIGNAL_TABLE").is_some() {
                for (name, s) in &scores {
                    println!("  {name:20} {s:>12.6}");
                }
            }
            println!("  margins {:?}", margins(&scores));
        }
    }
}
