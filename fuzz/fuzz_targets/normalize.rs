//! The normalizer on any text: one span per output character, each in bounds, on character
//! boundaries, never going backwards, and placeholders only where the normalizer put them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsguard::normalize::{normalize, readable_prefix, Placeholder};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let n = normalize(&text);
    let read = readable_prefix(&text);
    assert_eq!(n.as_str().chars().count(), n.spans().len());
    let mut last = 0;
    for (c, r) in n.as_str().chars().zip(n.spans()) {
        assert!(r.start < r.end && r.end <= read.len(), "{r:?}");
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        assert!(r.start >= last, "spans go backwards");
        last = r.start;
        if let Some(p) = Placeholder::from_char(c) {
            assert!(!text[r.clone()].contains(p.as_char()), "input posed as a placeholder");
        }
    }
    assert!(!n.as_str().contains("  "), "double space survived");
    let _ = n.display();
});
