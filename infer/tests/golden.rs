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

/// Scores must reproduce the committed ones to this absolute difference (f32 summation order
/// differs between the scalar, AVX2 and NEON kernels, nothing else).
const GOLDEN_SCORE_BUDGET: f32 = 1e-5;

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

fn golden_outputs(v: u32) {
    let bytes = model_bytes(v);
    let c = Classifier::from_bytes(&bytes).expect("the fixture loads");
    let exp = expected(v);
    let cases = exp["cases"].as_array().unwrap();
    assert!(cases.len() >= 12, "the fixture lists its cases");
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let ids: Vec<u32> = serde_json::from_value(case["ids"].clone()).unwrap();
        assert_eq!(c.token_ids(text), ids, "token ids of {text:?}");
        let want: Vec<f32> = serde_json::from_value(case["scores"].clone()).unwrap();
        let got = c.classify(text).scores;
        for (w, g) in want.iter().zip(got) {
            assert!(
                (w - g).abs() <= GOLDEN_SCORE_BUDGET,
                "{text:?}: {want:?} vs {got:?}"
            );
        }
        assert_eq!(
            c.classify(text).label.as_str(),
            case["label"].as_str().unwrap()
        );
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
