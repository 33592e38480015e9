//! The hand-written hard cases of `data/cases/extraction.tsv` (written for this project, not
//! taken from any data set): verification codes, validity periods, sender signatures, pickup
//! codes and opt-out replies, including many messages where the right answer is "none".
//! Extraction is rule-based and model-free, so these cases do not depend on the shipped model.

mod common;

use smsguard::extract;

#[test]
fn hand_written_hard_cases() {
    let cases = common::read("extraction.tsv", 6);
    assert!(
        cases.len() >= 100,
        "at least 100 cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for c in &cases {
        let e = extract(&c.text);
        // The file's five columns are the first five fields.
        let checks = common::FIELDS.iter().zip(&c.columns).zip(common::found(&e));
        for ((what, want), got) in checks {
            if want != &got {
                failures.push(format!(
                    "line {}: {what}: expected {want:?}, got {got:?}\n    {}",
                    c.line, c.text
                ));
            }
        }
        // Every span points at its own text in the original message.
        let spans = [
            e.code.as_ref().map(|k| &k.value),
            e.code.as_ref().and_then(|k| k.validity.as_ref()),
            e.sender.as_ref(),
            e.pickup_code.as_ref(),
            e.opt_out.as_ref().map(|o| &o.phrase),
        ];
        for s in spans.into_iter().flatten() {
            assert_eq!(&c.text[s.start..s.end], s.text, "line {}", c.line);
        }
        // A pickup code is never also the verification code.
        if let (Some(k), Some(p)) = (&e.code, &e.pickup_code) {
            assert!(
                k.value.end <= p.start || p.end <= k.value.start,
                "line {}: pickup code reported as a verification code",
                c.line
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
