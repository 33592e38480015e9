//! The golden models: tiny model files committed under `data/fixtures/`, one per format
//! version, with their expected token ids and scores. A later format version adds a new fixture
//! and keeps the old ones passing for as long as their versions are read; fixtures are never
//! rewritten. Library-only, so it also runs on aarch64 (under qemu in CI), where the NEON
//! kernel must reproduce the scores that x86 wrote. `tests/golden.rs` at the workspace root
//! writes the fixtures and holds the int8 forward pass to candle's.

use serde_json::Value;
use smsguard::format::ModelFile;
use smsguard::Classifier;
use std::path::PathBuf;

/// Scores must reproduce the int8-activation scores committed in `golden-vN.act8.json` to
/// this absolute difference: every kernel's integer sums are exact, so only the f32 order of
/// the attention, layer-norm and softmax sums differs between the scalar, AVX2 and NEON builds.
const GOLDEN_SCORE_BUDGET: f32 = 1e-5;

/// The fixtures' original scores (`golden-vN.json`) were computed with float activations;
/// quantizing activations to int8 per token moves them by at most this much (measured: 3.5e-3
/// on these tiny models, whose tokens have only 16 values to share a scale), and never changes
/// a label.
const ACTIVATION_QUANT_SCORE_BUDGET: f32 = 5e-3;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/fixtures")).join(name)
}

/// Every committed fixture version: each must keep passing while its version is read.
const VERSIONS: &[u32] = &[1, 2];

fn expected(v: u32) -> Value {
    let name = format!("golden-v{v}.json");
    let text = std::fs::read_to_string(fixture(&name)).expect("the fixture JSON is committed");
    serde_json::from_str(&text).expect("valid JSON")
}

fn model_bytes(v: u32) -> Vec<u8> {
    std::fs::read(fixture(&format!("golden-v{v}.smsg"))).expect("the fixture model is committed")
}

#[test]
fn golden_outputs_are_reproduced() {
    for &v in VERSIONS {
        golden_outputs(v);
    }
}

#[test]
fn fixtures_are_the_versions_they_claim() {
    for &v in VERSIONS {
        let file = ModelFile::from_bytes(&model_bytes(v)).unwrap();
        assert_eq!(file.version as u32, v);
        assert_eq!(expected(v)["format_version"], v);
        // Version 2 is the one with the n-gram branch.
        assert_eq!(file.ngram_buckets > 0, v >= 2);
    }
}

/// The int8-activation scores of each case, written once by
/// [`write_activation_scores`] when activations became int8; never rewritten.
fn act8_scores(v: u32) -> Vec<Vec<f32>> {
    let text = std::fs::read_to_string(fixture(&format!("golden-v{v}.act8.json")))
        .expect("the int8-activation scores are committed");
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    serde_json::from_value(json["scores"].clone()).expect("a list of score lists")
}

fn golden_outputs(v: u32) {
    let bytes = model_bytes(v);
    let c = Classifier::from_bytes(&bytes).expect("the fixture loads");
    let exp = expected(v);
    let cases = exp["cases"].as_array().unwrap();
    assert!(cases.len() >= 12, "the fixture lists its cases");
    let act8 = act8_scores(v);
    assert_eq!(act8.len(), cases.len(), "one score list per case");
    for (case, want8) in cases.iter().zip(act8) {
        let text = case["text"].as_str().unwrap();
        let ids: Vec<u32> = serde_json::from_value(case["ids"].clone()).unwrap();
        assert_eq!(c.token_ids(text), ids, "token ids of {text:?}");
        let want: Vec<f32> = serde_json::from_value(case["scores"].clone()).unwrap();
        let p = c.classify(text);
        for ((w, w8), g) in want.iter().zip(&want8).zip(p.scores) {
            assert!(
                (w8 - g).abs() <= GOLDEN_SCORE_BUDGET,
                "{text:?}: {want8:?} vs {:?}",
                p.scores
            );
            assert!(
                (w - g).abs() <= ACTIVATION_QUANT_SCORE_BUDGET,
                "{text:?}: float activations {want:?} vs {:?}",
                p.scores
            );
        }
        assert_eq!(p.label.as_str(), case["label"].as_str().unwrap());
    }
}

/// Writes `golden-vN.act8.json` for every fixture: the scores of the int8-activation forward
/// pass (run once, by hand, when it was introduced: `cargo test -p smsguard --test golden --
/// --ignored`). Refuses to overwrite: a later change of arithmetic adds a new file.
#[test]
#[ignore]
fn write_activation_scores() {
    for &v in VERSIONS {
        let path = fixture(&format!("golden-v{v}.act8.json"));
        assert!(!path.exists(), "fixtures are never overwritten");
        let c = Classifier::from_bytes(&model_bytes(v)).unwrap();
        let scores: Vec<Vec<f32>> = expected(v)["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|case| c.classify(case["text"].as_str().unwrap()).scores.to_vec())
            .collect();
        let json = serde_json::json!({
            "format_version": v,
            "arithmetic": "int8 weights x int8 activations (per-token symmetric, -63..=63; \
                           0..=127 after ReLU); f32 attention, layer norms and softmax",
            "scores": scores,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    }
}

#[test]
fn golden_bytes_round_trip_exactly() {
    for &v in VERSIONS {
        let bytes = model_bytes(v);
        let file = ModelFile::from_bytes(&bytes).unwrap();
        assert_eq!(
            file.to_bytes(),
            bytes,
            "the writer no longer produces the v{v} bytes"
        );
    }
}
