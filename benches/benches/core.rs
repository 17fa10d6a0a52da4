//! Criterion benchmarks of the hot paths: encoding and counting a batch,
//! exact EMI, and finishing a ranking.
//!
//! `cargo bench -p cardrank-benches` (results in BENCHMARKS.md).

use std::hint::black_box;
use std::sync::Arc;

use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
use cardrank::measures::expected_mutual_info;
use cardrank::{RankParams, Ranker};
use cardrank_io::{GenParams, Generator};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Deterministic pseudo-random level sizes: `levels` levels over `n` rows.
fn level_sizes(levels: usize, n: u64) -> Vec<u64> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut w: Vec<f64> = (0..levels)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            1.0 / (1.0 + (x % 1000) as f64)
        })
        .collect();
    let s: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= s);
    let mut sizes: Vec<u64> = w
        .iter()
        .map(|p| 1 + (p * (n - levels as u64) as f64) as u64)
        .collect();
    let total: u64 = sizes.iter().sum();
    sizes[0] += n - total.min(n);
    sizes
}

fn emi(c: &mut Criterion) {
    let mut g = c.benchmark_group("expected_mutual_info");
    let n = 1_000_000u64;
    for levels in [1_000usize, 20_000, 100_000] {
        let rows = level_sizes(levels, n);
        let cols = [n - n / 20, n / 20];
        g.bench_with_input(
            BenchmarkId::new("binary_target_levels", levels),
            &rows,
            |b, rows| b.iter(|| expected_mutual_info(black_box(rows), black_box(&cols), n)),
        );
    }
    let a = level_sizes(10_000, n);
    let b2 = level_sizes(20_000, n);
    g.sample_size(10);
    g.bench_function("pair_10k_x_20k", |b| {
        b.iter(|| expected_mutual_info(black_box(&a), black_box(&b2), n))
    });
    g.finish();
}

fn batches(rows: usize, columns: usize) -> Vec<RecordBatch> {
    let params = GenParams {
        rows,
        columns,
        seed: 1,
        batch_size: 65_536,
        ..GenParams::default()
    };
    Generator::new(&params).expect("generator").collect()
}

fn update(c: &mut Criterion) {
    let data = batches(200_000, 50);
    let mut g = c.benchmark_group("ranker");
    g.sample_size(10);
    g.throughput(Throughput::Elements(200_000 * 49));
    g.bench_function("update_200k_x_50", |b| {
        b.iter(|| {
            let mut r = Ranker::new(RankParams::new("click")).expect("params");
            for batch in &data {
                r.update(batch).expect("update");
            }
            r
        })
    });
    let mut r = Ranker::new(RankParams::new("click")).expect("params");
    for batch in &data {
        r.update(batch).expect("update");
    }
    g.bench_function("finish_200k_x_50", |b| {
        b.iter(|| r.finish().expect("finish"))
    });
    g.finish();
}

fn encode_strings(c: &mut Criterion) {
    let n = 1 << 16;
    let values: Vec<String> = (0..n)
        .map(|i| format!("site_{}", (i * 7919) % 20_000))
        .collect();
    let target: Vec<&str> = (0..n)
        .map(|i| if i % 20 == 0 { "1" } else { "0" })
        .collect();
    let batch = RecordBatch::try_from_iter([
        ("site", Arc::new(StringArray::from(values)) as ArrayRef),
        ("click", Arc::new(StringArray::from(target)) as ArrayRef),
    ])
    .expect("batch");
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("one_string_column_64k_rows", |b| {
        let mut r = Ranker::new(RankParams::new("click").threads(1)).expect("params");
        b.iter(|| r.update(black_box(&batch)).expect("update"))
    });
    g.finish();
}

criterion_group!(benches, emi, update, encode_strings);
criterion_main!(benches);
