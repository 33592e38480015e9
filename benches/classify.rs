//! End-to-end speed of the embedded default model: load, normalize + tokenize, classify one
//! message, classify a batch of 1,000. Messages come from the project's own synthetic corpus,
//! generated before timing, so the benches run on a fresh clone.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use smsguard::Classifier;
use smsguard_train::synth::{Grammar, Options};
use std::hint::black_box;

fn messages(n: usize) -> Vec<String> {
    let g = Grammar::embedded().expect("embedded templates");
    g.generate(&Options {
        n,
        seed: 2024,
        class: None,
    })
    .expect("generate")
    .into_iter()
    .map(|e| e.text)
    .collect()
}

fn benches(c: &mut Criterion) {
    let bytes =
        std::fs::read(smsguard_harness::workspace_root().join("infer/model/smsguard-default.smsg"))
            .expect("the default model is committed");
    let classifier = Classifier::from_bytes(&bytes).unwrap();
    let msgs = messages(1000);

    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("from_bytes", |b| {
        b.iter(|| Classifier::from_bytes(black_box(&bytes)).unwrap())
    });
    g.finish();

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

    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("one_message", |b| {
        b.iter(|| {
            i = (i + 1) % msgs.len();
            classifier.classify(black_box(&msgs[i]))
        })
    });
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.sample_size(20);
    g.bench_function("batch_1000", |b| {
        b.iter_batched(
            || msgs.clone(),
            |m| classifier.classify_batch(black_box(&m)),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(classify, benches);
criterion_main!(classify);
