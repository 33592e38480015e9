//! Start-up: parse, check and prepare the default model from its bytes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smsguard::Classifier;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let bytes = smsguard_harness::default_model_bytes();
    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("from_bytes", |b| {
        b.iter(|| Classifier::from_bytes(black_box(&bytes)).unwrap())
    });
    g.finish();
}

criterion_group!(load, benches);
criterion_main!(load);
