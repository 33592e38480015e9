//! The extraction rules alone, on any text: never a panic or an overflow (debug assertions are
//! on under `cargo fuzz`), spans on character boundaries of the original text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsguard::Span;

fn check(text: &str, s: &Span) {
    assert!(s.start < s.end && s.end <= text.len(), "{s:?}");
    assert_eq!(&text[s.start..s.end], s.text);
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let f = smsguard::extract(&text);
    if let Some(code) = &f.code {
        check(&text, &code.value);
        // 4 to 8 letters and digits, written together or one space or dash apart
        // (`7 1 5 0 3 6`, `381-904`, `38 29 10`).
        let text = &code.value.text;
        let n = text.chars().filter(|c| c.is_alphanumeric()).count();
        let separated = text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\u{3000}'));
        assert!((4..=8).contains(&n) && separated, "{code:?}");
        if let Some(v) = &code.validity {
            check(&text, v);
            let apart = v.end <= code.value.start || code.value.end <= v.start;
            assert!(apart, "validity overlaps the code: {code:?}");
        }
    }
    for s in [&f.sender, &f.pickup_code].into_iter().flatten() {
        check(&text, s);
    }
    if let Some(o) = &f.opt_out {
        check(&text, &o.phrase);
        assert!(!o.reply.is_empty());
    }
});
