//! The cost of crossing the C ABI: one message classified by the Rust call, by
//! `smsguard_classify` (the struct call) and by `smsguard_classify_json` (JSON string, then
//! freed), on the project's own synthetic messages. The JNI call's cost is timed on the JVM
//! by `ffi/java/test/SmsGuardCheck.java` (`SMSGUARD_JNI_TIMING=1`).
#![allow(unsafe_code)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smsguard::Classifier;
use smsguard_ffi::*;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let classifier = Classifier::from_bytes(&smsguard_harness::default_model_bytes()).unwrap();
    let ffi = smsguard_classifier_new_default();
    assert!(!ffi.is_null());
    let msgs = smsguard_harness::bench_messages(200);
    let mut g = c.benchmark_group("call");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("rust_classify", |b| {
        b.iter(|| {
            i = (i + 1) % msgs.len();
            classifier.classify(black_box(&msgs[i]))
        })
    });
    let mut out = std::mem::MaybeUninit::<SmsguardPrediction>::uninit();
    g.bench_function("c_abi_struct", |b| {
        b.iter(|| {
            i = (i + 1) % msgs.len();
            let m = &msgs[i];
            // SAFETY: a live classifier, a string's bytes and a writable struct.
            unsafe { smsguard_classify(ffi, m.as_ptr().cast(), m.len(), out.as_mut_ptr()) }
        })
    });
    g.bench_function("c_abi_json", |b| {
        b.iter(|| {
            i = (i + 1) % msgs.len();
            let m = &msgs[i];
            // SAFETY: as above; the string is freed once.
            unsafe {
                let s = smsguard_classify_json(ffi, m.as_ptr().cast(), m.len());
                smsguard_string_free(black_box(s));
            }
        })
    });
    g.finish();
    // SAFETY: freed once, after its last use.
    unsafe { smsguard_classifier_free(ffi) };
}

criterion_group!(ffi, benches);
criterion_main!(ffi);
