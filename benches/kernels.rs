//! The matrix products of one layer at the shipped model's real shapes (64 tokens, d_model 64,
//! ffn 128): int8 weights × int8 activations with every kernel this CPU runs (scalar reference,
//! AVX2 on x86-64; NEON and, with `dotprod`, SDOT on aarch64), int8 weights × float activations
//! (the head's path), and f32 weights through ndarray's matrix product (the fastest f32 path
//! measured at these shapes). Weights and inputs are made up front from a fixed seed.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array2;
use smsguard::internals::Linear;
use std::hint::black_box;

/// A small deterministic generator (the values do not matter, only the shapes).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    const TOKENS: usize = 64;
    // (name, n_in, n_out) of one encoder layer and the head.
    let shapes = [
        ("qkv_64x192", 64, 192),
        ("attn_out_64x64", 64, 64),
        ("ffn_up_64x128", 64, 128),
        ("ffn_down_128x64", 128, 64),
    ];
    for (name, n_in, n_out) in shapes {
        let w = values(n_in * n_out, 7);
        let wq: Vec<i8> = w.iter().map(|v| (v * 254.0).round() as i8).collect();
        // The second layer of the feed-forward reads ReLU outputs (non-negative).
        let nonneg = name.starts_with("ffn_down");
        let mut linear = Linear::new(
            &wq,
            vec![1.0 / 127.0; n_out],
            vec![0.0; n_out],
            n_in,
            n_out,
            nonneg,
        );
        let mut x = values(TOKENS * n_in, 11);
        if nonneg {
            x.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        let mut out = vec![0f32; TOKENS * n_out];
        let xa = Array2::from_shape_vec((TOKENS, n_in), x.clone()).unwrap();
        let wa = Array2::from_shape_vec((n_in, n_out), w).unwrap();

        let mut g = c.benchmark_group(format!("matmul_{name}"));
        g.throughput(Throughput::Elements((TOKENS * n_in * n_out) as u64));
        for kernel in smsguard::internals::kernels() {
            g.bench_function(format!("int8_{kernel}"), |b| {
                b.iter(|| linear.forward(&kernel, black_box(&x), TOKENS, &mut out))
            });
        }
        g.bench_function("int8_weights_f32_activations", |b| {
            b.iter(|| linear.forward_f32(black_box(&x), TOKENS, &mut out))
        });
        g.bench_function("f32_ndarray", |b| {
            b.iter(|| black_box(&xa).dot(black_box(&wa)))
        });
        g.finish();
    }
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
