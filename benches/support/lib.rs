//! Support code shared by the workspace-level integration tests (`tests/`) and the criterion
//! benches (`benches/`).
#![deny(missing_docs)]

use std::path::PathBuf;

/// The workspace root (where the top-level `Cargo.toml` is).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/data/NAME` next to the checkout. Real messages are read at run time only and
/// never committed, so a fresh clone without `../shared` skips the tests that need them: this
/// returns `None` after printing what is skipped and why. Under CI (`CI` set to anything but
/// `false` or `0`) a missing file panics instead, so no test can pass there by skipping.
pub fn shared_data(name: &str, skipped: &str) -> Option<PathBuf> {
    let p = workspace_root().join("../shared/data").join(name);
    if p.is_file() {
        return Some(p);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "CI is set, so {} must be present for {skipped} (expected ../shared next to the checkout)",
        p.display()
    );
    eprintln!(
        "SKIPPED {skipped}: {} is not present next to the checkout",
        p.display()
    );
    None
}

/// `../shared/data/dev.tsv`, as [`shared_data`] finds it.
pub fn shared_dev_tsv(skipped: &str) -> Option<PathBuf> {
    shared_data("dev.tsv", skipped)
}

/// The committed default model's bytes.
pub fn default_model_bytes() -> Vec<u8> {
    std::fs::read(workspace_root().join("infer/model/smsguard-default.smsg"))
        .expect("the default model is committed")
}

/// `n` messages from the project's own synthetic corpus (fixed seed), so benches run on a
/// fresh clone without `../shared`.
pub fn bench_messages(n: usize) -> Vec<String> {
    smsguard_train::synth::Grammar::embedded()
        .expect("embedded templates")
        .generate(&smsguard_train::synth::Options {
            n,
            seed: 2024,
            class: None,
        })
        .expect("generate")
        .into_iter()
        .map(|e| e.text)
        .collect()
}

/// An ordinary long message (about 330 characters, written here): a promotion that carries a
/// code word, amounts, a phone number, a link, a signature and an opt-out, the kind of message
/// that costs the most among real ones. The yardstick for [`hostile_inputs`].
pub fn ordinary_long_message() -> String {
    [
        "【星河商城】尊敬的会员您好，年终感恩季正式开启！12月12日至12月31日，全场家电数码满3000减500，",
        "服饰鞋包满299减100，生鲜食品第二件半价，会员日每周三再享95折。新注册用户领取188元新人礼包，",
        "注册时请填写短信验证码，验证码5分钟内有效，请勿泄露给他人。门店地址：滨江区江南大道1088号星河广场",
        "一至三层，营业时间9:30-22:00，地铁1号线滨和路站C口出即到，停车2小时免费。线上下单满99元包邮，",
        "指定商品支持12期免息分期，详情请访问 www.xinghe-mall.com/act/2026 或致电客服热线4008-123-456，",
        "工作时间9:00-21:00。Thank you for shopping with us, see you soon! 回TD退订【星河商城】",
    ]
    .concat()
}

/// Hostile inputs for the bounded-work checks and benches, each about 1 MiB but the first:
/// `(name, text)`. Their cost must stay within a small multiple of [`ordinary_long_message`].
pub fn hostile_inputs() -> Vec<(&'static str, String)> {
    const MIB: usize = 1 << 20;
    let fill = |unit: &str| unit.repeat(MIB / unit.len());
    vec![
        // The line that once kept `smsguard classify` busy for 9 minutes (about 500 KB).
        (
            "code_word_digits_abc",
            format!("验证码{}{}", "1".repeat(200_000), "abc".repeat(100_000)),
        ),
        ("digits_1mib", fill("7")),
        ("abc_1mib", fill("abc")),
        ("one_cjk_char_1mib", fill("码")),
        ("code_words_and_numbers_1mib", fill("验证码1234 ")),
        ("emoji_1mib", fill("😀")),
        ("spaces_and_letters_1mib", fill("a ")),
        ("punctuation_1mib", fill("，")),
    ]
}
