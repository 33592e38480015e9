//! Bounded work per message: whatever its length, a message is read only up to
//! `smsguard::normalize::MAX_CHARS` characters, so its prediction is the prediction of that
//! prefix (flagged as truncated), and hostile inputs (a megabyte of digits, of `abc`, of one
//! ideograph, of code words and numbers, of emoji) cost no more than that prefix. How long they
//! take is measured by `benches/classify.rs`, not by timed tests; here we check what is read.

use smsguard::normalize::{normalize, readable_prefix, MAX_CHARS};
use smsguard::{extract, Classifier};

#[test]
fn a_long_message_is_classified_as_its_readable_prefix() {
    let c = Classifier::default();
    let mut inputs = smsguard_harness::hostile_inputs();
    inputs.push(("ordinary_long", smsguard_harness::ordinary_long_message()));
    for (name, text) in &inputs {
        let prefix = readable_prefix(text);
        assert!(prefix.chars().count() <= MAX_CHARS, "{name}");
        let whole = c.classify(text);
        let read = c.classify(prefix);
        assert_eq!(whole.truncated, prefix.len() < text.len(), "{name}");
        assert!(!read.truncated, "{name}");
        assert_eq!(whole.label, read.label, "{name}");
        assert_eq!(whole.scores, read.scores, "{name}");
        assert_eq!(whole.found, read.found, "{name}");
        assert_eq!(c.token_ids(text), c.token_ids(prefix), "{name}");
        assert!(c.token_ids(text).len() <= c.info().max_tokens, "{name}");
        assert_eq!(normalize(text), normalize(prefix), "{name}");
        assert_eq!(extract(text), extract(prefix), "{name}");
    }
    assert!(
        !c.classify(&smsguard_harness::ordinary_long_message())
            .truncated
    );
}

/// The extraction rules on the hostile inputs' prefixes find what a reader would: the code
/// after the code word, nothing in a sea of digits.
#[test]
fn hostile_inputs_extract_sanely() {
    for (name, text) in smsguard_harness::hostile_inputs() {
        let f = extract(&text);
        match name {
            "code_words_and_numbers_1mib" => {
                assert_eq!(f.code.map(|c| c.value.text).as_deref(), Some("1234"))
            }
            _ => assert_eq!(f.code, None, "{name}"),
        }
    }
}

/// Found by reading: the validity span was computed before checking that it lies apart from
/// the code, and `min1234` (unit and code run together) underflowed `s - ue` in a debug build.
#[test]
fn regression_validity_overlapping_the_code_does_not_underflow() {
    let f = extract("验证码有效期5 min1234");
    let code = f
        .code
        .expect("min1234 reads as a code of letters and digits");
    assert_eq!(code.value.text, "min1234");
    assert_eq!(code.validity, None, "the unit is part of the code");
    let f = extract("验证码1234，有效期5 min");
    assert_eq!(f.code.unwrap().validity.unwrap().text, "5 min");
}
