//! Model files: arbitrary bytes, and edits of the golden v1 fixture with the length field and
//! checksum made right, so the parser behind the checksum is reached. Whatever loads must
//! classify without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsguard::Classifier;

static GOLDEN: &[u8] = include_bytes!("../../data/fixtures/golden-v1.smsg");

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        // Edits: (u32 offset, u8 value) records written over the fixture's body; a set high
        // bit of the mode also cuts the body at the first record's offset.
        let mut body = GOLDEN[..GOLDEN.len() - 8].to_vec();
        for rec in rest.chunks_exact(5) {
            let at = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]) as usize % body.len();
            body[at] = rec[4];
        }
        if mode & 0x80 != 0 {
            if let Some(rec) = rest.get(..4) {
                let cut = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]) as usize;
                body.truncate(cut % (body.len() + 1));
            }
        }
        smsguard::internals::seal(&body)
    };
    if let Ok(c) = Classifier::from_bytes(&bytes) {
        for text in ["", "【京东】您的验证码为482913，5分钟内有效", "双11全场5折，回T退订"] {
            let p = c.classify(text);
            assert!(p.scores.iter().all(|s| s.is_finite() || s.is_nan()));
        }
        let _ = c.info();
    }
});
