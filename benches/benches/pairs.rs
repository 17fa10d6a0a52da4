//! Criterion benchmarks of feature pairs: counting every pair among the
//! features of a generated click log, and finishing the pair measures.
//!
//! `cargo bench -p cardrank-benches --bench pairs` (results in BENCHMARKS.md,
//! with the whole-process 1M x 50 run).

use std::hint::black_box;

use cardrank::arrow_array::RecordBatch;
use cardrank::{PairSpec, RankParams, Ranker};
use cardrank_io::{GenParams, Generator};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn batches(rows: usize, columns: usize) -> (Vec<RecordBatch>, Vec<String>) {
    let params = GenParams {
        rows,
        columns,
        seed: 1,
        batch_size: 65_536,
        ..GenParams::default()
    };
    let generator = Generator::new(&params).expect("generator");
    let names: Vec<String> = generator
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n != "click")
        .collect();
    (generator.collect(), names)
}

fn pairs(c: &mut Criterion) {
    let rows = 200_000;
    let (data, names) = batches(rows, 51);
    let n_pairs = names.len() * (names.len() - 1) / 2;
    let mut g = c.benchmark_group("pairs");
    g.sample_size(10);
    g.throughput(Throughput::Elements((rows * n_pairs) as u64));
    let count = || {
        let params = RankParams::new("click").pairs(PairSpec::among(&names));
        let mut r = Ranker::new(params).expect("params");
        for batch in &data {
            r.update(batch).expect("update");
        }
        r
    };
    g.bench_function("count_200k_x_1225_pairs", |b| b.iter(|| black_box(count())));
    let ranker = count();
    g.bench_function("finish_200k_x_1225_pairs", |b| {
        b.iter(|| black_box(ranker.interactions().expect("interactions")))
    });
    g.finish();
}

criterion_group!(benches, pairs);
criterion_main!(benches);
