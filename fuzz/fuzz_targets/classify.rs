//! One message through the embedded model: never a panic, and every span points into the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsguard::{Classifier, Span};
use std::sync::OnceLock;

fn check(text: &str, s: &Span) {
    assert!(s.start < s.end && s.end <= text.len(), "{s:?}");
    assert_eq!(&text[s.start..s.end], s.text);
}

fuzz_target!(|data: &[u8]| {
    static MODEL: OnceLock<Classifier> = OnceLock::new();
    let c = MODEL.get_or_init(Classifier::default);
    let text = String::from_utf8_lossy(data);
    let p = c.classify(&text);
    let sum: f32 = p.scores.iter().sum();
    assert!((sum - 1.0).abs() < 1e-3, "{p:?}");
    assert_eq!(p.truncated, text.chars().count() > smsguard::normalize::MAX_CHARS);
    let f = &p.found;
    if let Some(code) = &f.code {
        check(&text, &code.value);
        if let Some(v) = &code.validity {
            check(&text, v);
        }
    }
    for s in [&f.sender, &f.pickup_code].into_iter().flatten() {
        check(&text, s);
    }
    if let Some(o) = &f.opt_out {
        check(&text, &o.phrase);
    }
    assert!(!(p.fold && f.code.is_some()), "a code was folded: {p:?}");
});
