//! Support code shared by the workspace-level integration tests (`tests/`) and the criterion
//! benches (`benches/`).
#![deny(missing_docs)]

use std::path::PathBuf;

/// The workspace root (where the top-level `Cargo.toml` is).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/data/dev.tsv` next to the checkout, if it is there. Real messages are read at run
/// time only and never committed; tests that need them skip when this returns `None`.
pub fn shared_dev_tsv() -> Option<PathBuf> {
    let p = workspace_root().join("../shared/data/dev.tsv");
    p.is_file().then_some(p)
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
