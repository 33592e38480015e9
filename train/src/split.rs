//! Deterministic train/validation split by template group.
//!
//! Public SMS corpora repeat one template with different numbers, names and links, so a split
//! by row puts near-copies on both sides and flatters the model. Here every message gets a
//! group key (its normalized text with all numbers collapsed to one symbol, punctuation and
//! spaces dropped, cut to its first [`KEY_CHARS`] characters, so messages cut short at different
//! lengths still share it), and the key's hash decides the side. The same template therefore
//! always lands on the same side, in every run and on every machine.

use crate::data::Example;
use smsguard::normalize::{normalize, Placeholder};
use smsguard::Label;

/// How many characters of the collapsed text form the group key.
pub const KEY_CHARS: usize = 20;

/// The template group of a message.
pub fn template_key(text: &str) -> String {
    let norm = normalize(text);
    let mut key = String::new();
    let mut last_was_number = false;
    for c in norm.as_str().chars() {
        match Placeholder::from_char(c) {
            Some(Placeholder::Number(_)) => {
                if !last_was_number {
                    key.push('#');
                }
                last_was_number = true;
                continue;
            }
            Some(_) => key.push('@'),
            None if c.is_alphanumeric() => key.push(c),
            // Punctuation and spaces between numbers (dates, amounts) stay inside one '#'.
            None => continue,
        }
        last_was_number = false;
        if key.chars().count() >= KEY_CHARS {
            break;
        }
    }
    key
}

/// FNV-1a, 64-bit: tiny, stable across Rust versions and platforms (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Buckets a template group's hash falls into.
const BUCKETS: u64 = 10_000;

fn bucket(text: &str) -> u64 {
    fnv1a(template_key(text).as_bytes()) % BUCKETS
}

/// Whether a message belongs to the validation side for a validation share of `fraction`.
pub fn is_validation(text: &str, fraction: f64) -> bool {
    Holdout::Share(fraction).holds(text)
}

/// Which template groups are held out from training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Holdout {
    /// About this share of the groups (the first buckets): the usual validation side.
    Share(f64),
    /// Fold `i` of `k`: the groups whose bucket falls in the `i`-th of `k` equal ranges. The `k`
    /// folds are disjoint and cover every group, so `k` runs, one per fold, score every real
    /// message once by a model that never saw its template (cross-validation). Fold 0 of 7
    /// nearly matches `Share(0.15)`.
    Fold {
        /// Number of folds (at least 2).
        k: usize,
        /// This fold, below `k`.
        i: usize,
    },
}

impl Holdout {
    /// Whether `text`'s template group is held out.
    pub fn holds(&self, text: &str) -> bool {
        let b = bucket(text);
        match *self {
            Holdout::Share(fraction) => (b as f64) < fraction.clamp(0.0, 1.0) * BUCKETS as f64,
            Holdout::Fold { k, i } => {
                let k = k.max(1) as u64;
                (b * k / BUCKETS) as usize == i
            }
        }
    }
}

/// Messages split into a training and a validation side.
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// The training side.
    pub train: Vec<Example>,
    /// The validation side.
    pub val: Vec<Example>,
}

/// Split `examples` by template group, about `fraction` of the groups going to validation.
pub fn split(examples: Vec<Example>, fraction: f64) -> Split {
    split_by(examples, Holdout::Share(fraction))
}

/// Split `examples` by template group, the `holdout` groups going to validation.
pub fn split_by(examples: Vec<Example>, holdout: Holdout) -> Split {
    let mut s = Split::default();
    for e in examples {
        if holdout.holds(&e.text) {
            s.val.push(e);
        } else {
            s.train.push(e);
        }
    }
    s
}

/// The first message of each (class, template group): real corpora repeat a few templates
/// dozens of times, so a score over all rows mostly counts those few; one row per group scores
/// how many different kinds of message a model gets right.
pub fn one_per_template(examples: Vec<Example>) -> Vec<Example> {
    first_per_template(examples, |e| (e.label, e.text.as_str()))
}

/// The first item of each (class, template group), in order, for items that are not
/// [`Example`]s but name a class and a text (for instance out-of-fold predictions).
pub fn first_per_template<T>(
    items: impl IntoIterator<Item = T>,
    class_and_text: impl Fn(&T) -> (Label, &str),
) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|item| {
            let (label, text) = class_and_text(item);
            seen.insert((label, template_key(text)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsguard::Label;

    #[test]
    fn keys_collapse_numbers_masks_and_spacing() {
        let same: &[(&str, &str)] = &[
            (
                "您的验证码是482913，5分钟内有效",
                "您的验证码是1234，10分钟内有效",
            ),
            ("优惠8888元，详询13812345678", "优惠xxxx元，详询xxxxxxxxxxx"),
            ("2014年05月21日到账", "2026年1月1日到账"),
            ("优 惠 活 动", "优惠活动！"),
            (
                "本店新到一批进口家具，欢迎选购，地址在人民路xx号",
                "本店新到一批进口家具，欢迎选购，地址在人民路12号附近，电话",
            ),
        ];
        for (a, b) in same {
            assert_eq!(template_key(a), template_key(b), "{a} / {b}");
        }
        assert_ne!(
            template_key("您的验证码是1234"),
            template_key("您的取件码是1234")
        );
        assert_eq!(template_key("验证码482913").chars().last(), Some('#'));
    }

    #[test]
    fn split_is_deterministic_and_close_to_the_fraction() {
        let examples: Vec<Example> = (0..4000)
            .map(|i| Example {
                label: Label::Marketing,
                text: format!("模板{}号活动{}", crate::split::tests::word(i), i),
                source: String::new(),
            })
            .collect();
        let a = split(examples.clone(), 0.2);
        let b = split(examples, 0.2);
        assert_eq!(a.val, b.val);
        let share = a.val.len() as f64 / 4000.0;
        assert!((0.17..0.23).contains(&share), "validation share {share}");
        assert!(split(a.val.clone(), 0.0).val.is_empty());
        assert!(split(a.val, 1.0).train.is_empty());
    }

    #[test]
    fn folds_are_disjoint_cover_everything_and_are_about_equal() {
        let texts: Vec<String> = (0..3000)
            .map(|i| format!("模板{}号通知{}", word(i), i))
            .collect();
        let k = 5;
        let mut sizes = vec![0usize; k];
        for t in &texts {
            let held: Vec<usize> = (0..k)
                .filter(|&i| Holdout::Fold { k, i }.holds(t))
                .collect();
            assert_eq!(held.len(), 1, "{t} is held out by folds {held:?}");
            sizes[held[0]] += 1;
        }
        for s in sizes {
            assert!((480..720).contains(&s), "fold of {s} of 3000");
        }
        // Fold 0 of 7 is the first 1/7 of the buckets: inside Share(0.15), and close to it.
        let fold0 = texts
            .iter()
            .filter(|t| Holdout::Fold { k: 7, i: 0 }.holds(t))
            .count();
        let share = texts.iter().filter(|t| is_validation(t, 0.15)).count();
        assert!(texts
            .iter()
            .filter(|t| Holdout::Fold { k: 7, i: 0 }.holds(t))
            .all(|t| is_validation(t, 0.15)));
        assert!(
            share - fold0 < 60,
            "{fold0} in fold 0 of 7, {share} in the 15% side"
        );
    }

    /// A distinct Chinese word per index, so each index is its own template group.
    fn word(i: usize) -> String {
        let chars: Vec<char> = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉".chars().collect();
        let mut s = String::new();
        let mut n = i;
        loop {
            s.push(chars[n % chars.len()]);
            n /= chars.len();
            if n == 0 {
                break s;
            }
        }
    }

    #[test]
    fn fnv_is_stable() {
        // Pinned values: changing them moves messages across the split.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn one_per_template_keeps_the_first_of_each_group_and_class() {
        let ex = |label, text: &str| Example {
            label,
            text: text.into(),
            source: String::new(),
        };
        let kept = one_per_template(vec![
            ex(Label::Transactional, "您尾号1234的卡消费100元"),
            ex(Label::Transactional, "您尾号5678的卡消费2,300.00元"),
            ex(Label::Marketing, "您尾号1234的卡消费100元"),
            ex(Label::Marketing, "全场5折，回T退订"),
            ex(Label::Marketing, "全场xx折，回T退订"),
        ]);
        let texts: Vec<(Label, &str)> = kept.iter().map(|e| (e.label, e.text.as_str())).collect();
        assert_eq!(
            texts,
            [
                (Label::Transactional, "您尾号1234的卡消费100元"),
                (Label::Marketing, "您尾号1234的卡消费100元"),
                (Label::Marketing, "全场5折，回T退订"),
            ]
        );
    }
}
