//! Hashed character n-grams: the features of the model's linear branch, which sits beside the
//! transformer and adds its class logits to the encoder's (fastText's idea inside the model).
//!
//! The encoder reads the first 64 tokens of a message; the branch reads every character of the
//! normalized prefix, so the end of a long message still counts, and a character n-gram model
//! is what measured best on messages nobody tuned on. Features are the n-grams of
//! [`MIN_N`]..=[`MAX_N`] characters of the normalized text, each hashed to one of `buckets`
//! rows. Public so the trainer computes exactly these features: one definition.

use crate::normalize::MAX_CHARS;

/// Shortest n-gram.
pub const MIN_N: usize = 1;
/// Longest n-gram.
pub const MAX_N: usize = 4;
/// Most characters of the normalized text that give n-grams (normalization can lengthen the
/// readable prefix a little; this keeps the work per message bounded all the same).
pub const MAX_GRAM_CHARS: usize = MAX_CHARS;

/// FNV-1a over code points, then a murmur3 finalizer so that the low bits (the bucket) depend
/// on every character; `n` is mixed in so `ab` and the 2-gram of some other pair do not share
/// a hash by construction.
#[inline(always)]
fn step(h: u32, c: char) -> u32 {
    (h ^ c as u32).wrapping_mul(0x0100_0193)
}

#[inline(always)]
fn finish(h: u32, n: usize) -> u32 {
    let mut h = h ^ (n as u32).wrapping_mul(0x9E37_79B9);
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

const SEED: u32 = 0x811C_9DC5;

/// Append the bucket of every n-gram of `text` (normalized) to `out` (cleared first), at most
/// `(MAX_N - MIN_N + 1) × MAX_GRAM_CHARS` of them. `buckets` of 0 gives none.
///
/// Each n-gram ending at a character is hashed from that character backwards, so one pass with
/// the last [`MAX_N`] characters in a ring does it: [`MAX_N`] hash steps per character.
pub fn features(text: &str, buckets: u32, out: &mut Vec<u32>) {
    out.clear();
    if buckets == 0 {
        return;
    }
    let mut ring = ['\0'; MAX_N];
    for (j, c) in text.chars().take(MAX_GRAM_CHARS).enumerate() {
        ring[j % MAX_N] = c;
        let mut h = SEED;
        for n in 1..=MAX_N.min(j + 1) {
            h = step(h, ring[(j + 1 - n) % MAX_N]);
            if n >= MIN_N {
                out.push(finish(h, n) % buckets);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain definition: hash each substring of 1..=4 characters, last character first.
    fn reference(text: &str, buckets: u32) -> Vec<u32> {
        let chars: Vec<char> = text.chars().take(MAX_GRAM_CHARS).collect();
        let mut out = Vec::new();
        for j in 0..chars.len() {
            for n in MIN_N..=MAX_N {
                if n > j + 1 {
                    break;
                }
                let h = chars[j + 1 - n..=j]
                    .iter()
                    .rev()
                    .fold(SEED, |h, &c| step(h, c));
                out.push(finish(h, n) % buckets);
            }
        }
        out
    }

    #[test]
    fn matches_the_plain_definition() {
        let mut out = Vec::new();
        for text in [
            "",
            "a",
            "ab",
            "验证码",
            "【店】双11满300减50，回T退订",
            "😀😀ＡＢ",
        ] {
            for buckets in [1, 7, 65_536] {
                features(text, buckets, &mut out);
                assert_eq!(out, reference(text, buckets), "{text:?} {buckets}");
            }
        }
    }

    #[test]
    fn counts_and_bounds() {
        let mut out = vec![99];
        features("", 16, &mut out);
        assert!(out.is_empty());
        features("abc", 0, &mut out);
        assert!(out.is_empty());
        // 1 + 2 + 3 + 4 + 4 ... n-grams for 5 characters.
        features("abcde", 1 << 16, &mut out);
        assert_eq!(out.len(), 1 + 2 + 3 + 4 + 4);
        assert!(out.iter().all(|&b| b < 1 << 16));
        let long = "字".repeat(100_000);
        features(&long, 1 << 16, &mut out);
        assert_eq!(out.len(), 1 + 2 + 3 + 4 * (MAX_GRAM_CHARS - 3));
    }

    #[test]
    fn order_and_length_matter() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        features("ab", 1 << 20, &mut a);
        features("ba", 1 << 20, &mut b);
        assert_ne!(a[1], b[1], "ab and ba are different 2-grams");
        features("a", 1 << 20, &mut b);
        assert_eq!(a[0], b[0], "the 1-gram a is the same wherever it is");
    }
}
