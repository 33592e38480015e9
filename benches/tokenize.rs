//! Normalization + tokenization of one message (synthetic messages, prepared before timing).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smsguard::Classifier;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let classifier = Classifier::from_bytes(&smsguard_harness::default_model_bytes()).unwrap();
    let msgs = smsguard_harness::bench_messages(1000);
    let mut g = c.benchmark_group("tokenize");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("normalize_and_tokenize_one", |b| {
        b.iter(|| {
            i = (i + 1) % msgs.len();
            classifier.token_ids(black_box(&msgs[i]))
        })
    });
    g.finish();
}

criterion_group!(tokenize, benches);
criterion_main!(tokenize);
