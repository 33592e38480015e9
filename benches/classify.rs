//! End to end with the default model: classify one message (text in, label and extraction out)
//! and a batch of 1,000. Messages come from the project's own synthetic corpus, generated
//! before timing, so the benches run on a fresh clone. The `hostile` group times megabyte
//! inputs next to an ordinary long message: each must stay within a small multiple of it.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use smsguard::Classifier;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let classifier = Classifier::from_bytes(&smsguard_harness::default_model_bytes()).unwrap();
    let msgs = smsguard_harness::bench_messages(1000);

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

    let mut g = c.benchmark_group("hostile");
    g.throughput(Throughput::Elements(1));
    let ordinary = smsguard_harness::ordinary_long_message();
    g.bench_function("ordinary_long_message", |b| {
        b.iter(|| classifier.classify(black_box(&ordinary)))
    });
    for (name, text) in smsguard_harness::hostile_inputs() {
        g.bench_function(name, |b| b.iter(|| classifier.classify(black_box(&text))));
    }
    g.finish();
}

criterion_group!(classify, benches);
criterion_main!(classify);
