//! The quality gate of the shipped model: every hand-written message of
//! `data/cases/labelled.tsv` labelled right, no verification message folded, and the model file
//! under its size ceiling, so a bad retrain cannot land.

use smsguard::{Classifier, Label};

/// The shipped model file may not grow past this (878 KB today, 262 KB of it the n-gram
/// branch): a phone app carries it, and issue 12 caps it at 1 MB.
const MODEL_BYTES_CEILING: usize = 900_000;

fn cases() -> Vec<(Label, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/cases/labelled.tsv");
    let text = std::fs::read_to_string(path).expect("data/cases/labelled.tsv is committed");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "label<TAB>text<TAB>style: {l}");
            let label: Label = f[0].parse().expect("a known label");
            assert!(["old", "modern"].contains(&f[2]), "style: {l}");
            (label, f[1].to_owned(), f[2].to_owned())
        })
        .collect()
}

#[test]
fn the_case_file_covers_every_class_and_style() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for label in Label::ALL {
        for style in ["old", "modern"] {
            let n = cases
                .iter()
                .filter(|(l, _, s)| *l == label && s == style)
                .count();
            assert!(n >= 5, "{label} {style}: {n} cases");
        }
    }
}

#[test]
fn the_shipped_model_labels_every_case_right() {
    let c = Classifier::default();
    let mut wrong = Vec::new();
    for (label, text, _) in cases() {
        let p = c.classify(&text);
        if p.label != label {
            wrong.push(format!(
                "expected {label}, got {} ({:.3}): {text}",
                p.label, p.confidence
            ));
        }
        if matches!(label, Label::Verification | Label::Personal) {
            assert!(!p.fold, "a {label} message was folded: {text}");
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_shipped_model_is_under_its_size_ceiling() {
    let c = Classifier::default();
    let bytes = c.info().model_bytes;
    assert!(
        bytes <= MODEL_BYTES_CEILING,
        "the shipped model is {bytes} bytes, over the ceiling of {MODEL_BYTES_CEILING}"
    );
}
