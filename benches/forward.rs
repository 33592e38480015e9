//! The full forward pass of the shipped model on the same token ids and n-grams: smsguard's int8
//! path with every kernel this CPU runs (scalar reference; AVX2 on x86-64; NEON and SDOT on
//! aarch64) against candle f32 running the same (dequantized) weights. Token ids and n-gram
//! buckets are prepared outside the timed call; a short code message and a long one at the
//! 64-token cap.

use candle_core::{DType, Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smsguard::format::ModelFile;
use smsguard::Classifier;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let bytes = smsguard_harness::default_model_bytes();
    let mut classifier = Classifier::from_bytes(&bytes).unwrap();
    let (_, _, model) =
        smsguard_model::from_model_file(&ModelFile::from_bytes(&bytes).unwrap()).unwrap();
    let messages = [
        (
            "short",
            "【京东】您的验证码为482913，5分钟内有效".to_owned(),
        ),
        (
            "long_64_tokens",
            "【星河商城】年终大促全面开启！全场服饰低至3折，满299减50，会员再享9.5折，\
             下单即送积分和运费险，爆款羽绒服限时秒杀，数量有限先到先得，活动详情请登录APP查看，\
             更多优惠等你来拿 回T退订"
                .repeat(2),
        ),
    ];
    for (name, text) in &messages {
        let ids = classifier.token_ids(text);
        let n = ids.len();
        let ids_t = Tensor::from_vec(ids.clone(), (1, n), &Device::Cpu).unwrap();
        let mask = Tensor::ones((1, n), DType::F32, &Device::Cpu).unwrap();
        let grams = smsguard::internals::grams(&classifier, text);
        let gram_batch = smsguard_model::GramBatch::new(&[&grams], None).unwrap();
        let mut g = c.benchmark_group(format!("forward_{name}_{n}_tokens"));
        g.throughput(Throughput::Elements(1));
        for kernel in smsguard::internals::kernels() {
            smsguard::internals::set_kernel(&mut classifier, &kernel);
            g.bench_function(format!("int8_smsguard_{kernel}"), |b| {
                b.iter(|| {
                    smsguard::internals::forward(&classifier, black_box(&ids), black_box(&grams))
                })
            });
        }
        g.bench_function("f32_candle", |b| {
            b.iter(|| {
                model
                    .forward(black_box(&ids_t), &mask, Some(&gram_batch), None)
                    .unwrap()
            })
        });
        g.finish();
    }
}

criterion_group!(forward, benches);
criterion_main!(forward);
