//! Criterion benchmarks that split a ranker update into its two halves, for
//! the comparison with the numpy `bincount` floor (benches/compare, issue 7):
//!
//! - `count`: adding 1M rows of ready-made codes to the joint table
//!   (`JointCounts::add_rows`), the Rust counterpart of
//!   `np.bincount(codes * 2 + y)`;
//! - `update_1m_rows_one_column`: a whole `Ranker::update` of one 1M-row
//!   column with 100,000 levels given as strings, as Int32 values and as an
//!   Arrow dictionary array (one thread), i.e. encoding plus counting.
//!
//! `cargo bench -p cardrank-benches --bench counting`

use std::hint::black_box;
use std::sync::Arc;

use cardrank::arrow_array::types::Int32Type;
use cardrank::arrow_array::{ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use cardrank::counts::JointCounts;
use cardrank::{RankParams, Ranker};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const ROWS: usize = 1_000_000;

/// Deterministic codes below `levels` and a 0/1 target with about 5% ones.
fn codes(levels: u32) -> (Vec<u32>, Vec<u32>) {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let levels_out = (0..ROWS)
        .map(|_| (next() % u64::from(levels)) as u32)
        .collect();
    let classes = (0..ROWS).map(|_| u32::from(next() % 20 == 0)).collect();
    (levels_out, classes)
}

fn count(c: &mut Criterion) {
    let mut g = c.benchmark_group("count");
    g.throughput(Throughput::Elements(ROWS as u64));
    for levels in [2u32, 1_000, 100_000] {
        let (l, y) = codes(levels);
        g.bench_with_input(
            BenchmarkId::new("add_rows_1m", levels),
            &levels,
            |b, &lv| {
                b.iter(|| {
                    let mut j = JointCounts::default();
                    j.grow(lv as usize, 2);
                    j.add_rows(black_box(&l), black_box(&y));
                    j
                })
            },
        );
    }
    g.finish();
}

fn update_one_column(c: &mut Criterion) {
    let levels = 100_000u32;
    let (l, y) = codes(levels);
    let target: ArrayRef = Arc::new(StringArray::from_iter_values(y.iter().map(|&v| {
        if v == 1 {
            "1"
        } else {
            "0"
        }
    })));
    let strings: ArrayRef = Arc::new(StringArray::from_iter_values(
        l.iter().map(|v| format!("{v:x}")),
    ));
    let ints: ArrayRef = Arc::new(Int32Array::from_iter_values(l.iter().map(|&v| v as i32)));
    let dictionary: ArrayRef = Arc::new(DictionaryArray::<Int32Type>::new(
        Int32Array::from_iter_values(l.iter().map(|&v| v as i32)),
        Arc::new(StringArray::from_iter_values(
            (0..levels).map(|v| format!("{v:x}")),
        )),
    ));
    let mut g = c.benchmark_group("update_1m_rows_one_column");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS as u64));
    for (name, column) in [
        ("strings", strings),
        ("int32", ints),
        ("dictionary", dictionary),
    ] {
        let batch = RecordBatch::try_from_iter([("f", column), ("click", Arc::clone(&target))])
            .expect("batch");
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut r = Ranker::new(RankParams::new("click").threads(1)).expect("params");
                r.update(black_box(&batch)).expect("update");
                r
            })
        });
    }
    g.finish();
}

criterion_group!(benches, count, update_one_column);
criterion_main!(benches);
