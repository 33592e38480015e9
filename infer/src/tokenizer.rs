//! Normalized text to token ids, without the full jieba dictionary.
//!
//! Three steps, identical in training and inference:
//!
//! 1. **Pre-split** ([`pieces`]): runs of CJK ideographs, runs of ASCII letters and digits,
//!    placeholders and every other non-space character become separate pieces; spaces only
//!    separate.
//! 2. **Segmentation** of CJK runs with jieba's algorithm (the most probable path through the
//!    DAG of dictionary words, no HMM), over a small dictionary stored in the model: the words
//!    of the vocabulary with their corpus frequencies. This replaces `Jieba::new()` (about
//!    100 ms and 32 MB) with a few thousand entries. The trainer segments with `jieba-rs` over
//!    the same dictionary; a test holds the two to identical output.
//! 3. **BPE** on each segment with the merges learned by the `tokenizers` crate: characters
//!    outside the vocabulary become the unknown token, then the lowest-ranked adjacent pair is
//!    merged until none is left (leftmost first on ties), with a priority queue of candidate
//!    merges as `tokenizers` does, so a segment of n characters costs O(n log n).
//!
//! Cost is bounded whatever the input: the normalizer reads at most
//! [`MAX_CHARS`](crate::normalize::MAX_CHARS) characters, a run longer than [`MAX_RUN_CHARS`]
//! is cut into several pieces (on both sides, so training and inference still agree), and
//! encoding stops at the token limit, inside a piece as well as between pieces.

use rustc_hash::FxHashMap as HashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;

/// The longest piece, in characters: a longer run of CJK ideographs or of ASCII letters and
/// digits is cut into pieces of this length. Real words are far shorter; the cut keeps
/// segmentation and BPE bounded on hostile runs (`abcabc...`, one ideograph repeated).
pub const MAX_RUN_CHARS: usize = 128;

/// Ids of the special tokens, which the trainer places first in the vocabulary (`[PAD]` is 0).
pub(crate) const CLS: u32 = 1;
pub(crate) const UNK: u32 = 2;

/// The special tokens' strings, in id order.
pub const SPECIAL_TOKENS: [&str; 3] = ["[PAD]", "[CLS]", "[UNK]"];

/// What a pre-split piece is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PieceKind {
    /// A run of CJK ideographs, to be segmented with the dictionary.
    Cjk,
    /// Anything else: an ASCII word, a placeholder, one punctuation mark or symbol.
    Other,
}

/// The CJK ranges jieba treats as Han (its `is_cjk`), so both sides cut runs identically.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2B73F}'
        | '\u{2B740}'..='\u{2B81F}'
        | '\u{2B820}'..='\u{2CEAF}'
        | '\u{2CEB0}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}'
    )
}

/// Split normalized text into pieces (step 1 above), with their byte offsets. Runs longer than
/// [`MAX_RUN_CHARS`] characters come out as several pieces.
pub fn pieces(text: &str) -> impl Iterator<Item = (PieceKind, usize, &str)> + '_ {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || loop {
        let (start, c) = rest.next()?;
        if c == ' ' {
            continue;
        }
        let same_run = |d: char| {
            if is_cjk(c) {
                is_cjk(d)
            } else if c.is_ascii_alphanumeric() {
                d.is_ascii_alphanumeric()
            } else {
                false
            }
        };
        let mut end = start + c.len_utf8();
        let mut chars = 1;
        while let Some(&(i, d)) = rest.peek() {
            if !same_run(d) || chars == MAX_RUN_CHARS {
                break;
            }
            end = i + d.len_utf8();
            chars += 1;
            rest.next();
        }
        let kind = if is_cjk(c) {
            PieceKind::Cjk
        } else {
            PieceKind::Other
        };
        return Some((kind, start, &text[start..end]));
    })
}

/// Why tokenizer tables are inconsistent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TableError(pub String);

/// The tokenizer tables: vocabulary, BPE merges and the segmentation dictionary.
#[derive(Clone, Debug)]
pub(crate) struct Tokenizer {
    vocab: Vec<String>,
    ids: HashMap<String, u32>,
    /// (left, right) -> (rank, merged id)
    merges: HashMap<(u32, u32), (u32, u32)>,
    /// word -> ln(frequency)
    dict: HashMap<String, f64>,
    log_total: f64,
    max_word_chars: usize,
}

/// Per-call scratch space, so encoding allocates nothing once warmed up.
#[derive(Default)]
pub(crate) struct Scratch {
    chars: Vec<(usize, char)>,
    route: Vec<(f64, usize)>,
    word: Vec<u32>,
    symbols: Vec<Symbol>,
    /// Candidate merges: (rank, position, merged id), lowest rank then leftmost first.
    queue: BinaryHeap<Reverse<(u32, usize, u32)>>,
}

/// One symbol of a segment during BPE: a token id in a doubly linked list, so a merge is O(1).
#[derive(Clone, Copy)]
struct Symbol {
    id: u32,
    prev: usize,
    next: usize,
    /// Merged into its left neighbour.
    gone: bool,
}

/// No neighbour.
const NONE: usize = usize::MAX;

impl Tokenizer {
    /// Build from the parts the model file stores. `merges` are pairs of token ids in rank
    /// order; each pair's concatenation must be in the vocabulary. `dict` holds (token id,
    /// frequency) for the segmentation dictionary.
    pub(crate) fn new(
        vocab: Vec<String>,
        merges: &[(u32, u32)],
        dict: &[(u32, u32)],
    ) -> Result<Tokenizer, TableError> {
        if vocab.len() < SPECIAL_TOKENS.len()
            || vocab.iter().zip(SPECIAL_TOKENS).any(|(v, s)| v != s)
        {
            return Err(TableError(format!(
                "expected the vocabulary to start with {SPECIAL_TOKENS:?}"
            )));
        }
        let mut ids = HashMap::with_capacity_and_hasher(vocab.len(), Default::default());
        for (i, t) in vocab.iter().enumerate() {
            if ids.insert(t.clone(), i as u32).is_some() {
                return Err(TableError(format!(
                    "token {t:?} appears twice in the vocabulary"
                )));
            }
        }
        let token = |id: u32| -> Result<&str, TableError> {
            vocab.get(id as usize).map(String::as_str).ok_or_else(|| {
                TableError(format!(
                    "token id {id} is outside the vocabulary of {}",
                    vocab.len()
                ))
            })
        };
        let mut merge_map = HashMap::with_capacity_and_hasher(merges.len(), Default::default());
        for (rank, &(a, b)) in merges.iter().enumerate() {
            let joined = format!("{}{}", token(a)?, token(b)?);
            let Some(&merged) = ids.get(&joined) else {
                return Err(TableError(format!(
                    "merge {rank} produces {joined:?}, which is not in the vocabulary"
                )));
            };
            merge_map.entry((a, b)).or_insert((rank as u32, merged));
        }
        let mut words = HashMap::with_capacity_and_hasher(dict.len(), Default::default());
        let mut total: u64 = 0;
        let mut max_word_chars = 1;
        for &(id, freq) in dict {
            let w = token(id)?;
            if freq == 0 || !w.chars().all(is_cjk) {
                return Err(TableError(format!(
                    "dictionary entry {w:?} must be CJK with a frequency above 0"
                )));
            }
            total += u64::from(freq);
            max_word_chars = max_word_chars.max(w.chars().count());
            words.insert(w.to_owned(), f64::from(freq).ln());
        }
        Ok(Tokenizer {
            vocab,
            ids,
            merges: merge_map,
            dict: words,
            log_total: (total.max(1) as f64).ln(),
            max_word_chars,
        })
    }

    pub(crate) fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Token ids of one normalized text, truncated to `max_tokens`, starting with `[CLS]`.
    pub(crate) fn encode_into(
        &self,
        text: &str,
        max_tokens: usize,
        s: &mut Scratch,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        out.push(CLS);
        for (kind, _, piece) in pieces(text) {
            if out.len() >= max_tokens {
                break;
            }
            match kind {
                PieceKind::Cjk => self.segment(piece, s, |word, s| {
                    // The DP needs the whole run, but words past the limit need no BPE.
                    if out.len() < max_tokens {
                        self.bpe(word, s, out);
                    }
                }),
                PieceKind::Other => self.bpe(piece, s, out),
            }
        }
        out.truncate(max_tokens);
    }

    /// The words of one normalized text (jieba segments of CJK runs, and the other pieces)
    /// with their byte ranges in `text` and their token ids, in order, until `max_tokens` ids
    /// (`[CLS]` included) are covered: the model reads no further.
    pub(crate) fn words(
        &self,
        text: &str,
        max_tokens: usize,
        s: &mut Scratch,
    ) -> Vec<(Range<usize>, Vec<u32>)> {
        let mut words: Vec<(Range<usize>, Vec<u32>)> = Vec::new();
        let base = text.as_ptr() as usize;
        let mut ids = Vec::new();
        let mut covered = 1; // [CLS]
        for (kind, start, piece) in pieces(text) {
            if covered >= max_tokens {
                break;
            }
            match kind {
                PieceKind::Cjk => self.segment(piece, s, |word, s| {
                    if covered >= max_tokens {
                        return;
                    }
                    // `word` borrows from `text`, so its address gives its offset.
                    let at = word.as_ptr() as usize - base;
                    ids.clear();
                    self.bpe(word, s, &mut ids);
                    covered += ids.len();
                    words.push((at..at + word.len(), ids.clone()));
                }),
                PieceKind::Other => {
                    ids.clear();
                    self.bpe(piece, s, &mut ids);
                    covered += ids.len();
                    words.push((start..start + piece.len(), ids.clone()));
                }
            }
        }
        words
    }

    /// jieba's `cut` without HMM over the restricted dictionary: the route of highest
    /// log-probability through the DAG of dictionary words, ties going to the longer word.
    fn segment(&self, run: &str, s: &mut Scratch, mut emit: impl FnMut(&str, &mut Scratch)) {
        let mut chars = std::mem::take(&mut s.chars);
        let mut route = std::mem::take(&mut s.route);
        chars.clear();
        chars.extend(run.char_indices());
        let n = chars.len();
        let byte_at = |i: usize| chars.get(i).map_or(run.len(), |&(b, _)| b);
        route.clear();
        route.resize(n + 1, (0.0, n));
        for idx in (0..n).rev() {
            let mut best: Option<(f64, usize)> = None;
            for end in idx + 1..=n.min(idx + self.max_word_chars) {
                if let Some(&log_freq) = self.dict.get(&run[byte_at(idx)..byte_at(end)]) {
                    let prob = log_freq - self.log_total + route[end].0;
                    if best.is_none_or(|(p, e)| prob > p || (prob == p && end > e)) {
                        best = Some((prob, end));
                    }
                }
            }
            // No word starts here: the single character with frequency 1, as jieba does.
            route[idx] = best.unwrap_or((-self.log_total + route[idx + 1].0, idx + 1));
        }
        let mut i = 0;
        while i < n {
            let end = route[i].1;
            emit(&run[byte_at(i)..byte_at(end)], s);
            i = end;
        }
        s.chars = chars;
        s.route = route;
    }

    /// Byte-pair encode one segment and append its ids.
    fn bpe(&self, segment: &str, s: &mut Scratch, out: &mut Vec<u32>) {
        self.merge(segment, s);
        out.extend_from_slice(&s.word);
    }

    /// BPE as `tokenizers` does it (`Word::merge_all`): a queue of candidate merges, lowest rank
    /// first and leftmost on ties; a popped candidate whose pair has changed since it was
    /// queued is skipped; each merge queues the new pairs with its neighbours. O(n log n).
    fn merge(&self, segment: &str, s: &mut Scratch) {
        let syms = &mut s.symbols;
        let queue = &mut s.queue;
        syms.clear();
        queue.clear();
        let mut buf = [0u8; 4];
        for (i, c) in segment.chars().enumerate() {
            let id = self
                .ids
                .get(&*c.encode_utf8(&mut buf))
                .copied()
                .unwrap_or(UNK);
            syms.push(Symbol {
                id,
                prev: i.checked_sub(1).unwrap_or(NONE),
                next: i + 1,
                gone: false,
            });
        }
        if let Some(last) = syms.last_mut() {
            last.next = NONE;
        }
        for (i, w) in syms.windows(2).enumerate() {
            if let Some(&(rank, merged)) = self.merges.get(&(w[0].id, w[1].id)) {
                queue.push(Reverse((rank, i, merged)));
            }
        }
        while let Some(Reverse((_, pos, merged))) = queue.pop() {
            let left = syms[pos];
            if left.gone || left.next == NONE {
                continue;
            }
            let right = syms[left.next];
            // An expired candidate: one side was merged with something else meanwhile.
            if self
                .merges
                .get(&(left.id, right.id))
                .is_none_or(|&(_, m)| m != merged)
            {
                continue;
            }
            syms[pos].id = merged;
            syms[pos].next = right.next;
            syms[left.next].gone = true;
            if right.next != NONE {
                syms[right.next].prev = pos;
            }
            if left.prev != NONE {
                if let Some(&(rank, m)) = self.merges.get(&(syms[left.prev].id, merged)) {
                    queue.push(Reverse((rank, left.prev, m)));
                }
            }
            if right.next != NONE {
                if let Some(&(rank, m)) = self.merges.get(&(merged, syms[right.next].id)) {
                    queue.push(Reverse((rank, pos, m)));
                }
            }
        }
        s.word.clear();
        s.word
            .extend(syms.iter().filter(|sym| !sym.gone).map(|sym| sym.id));
    }

    /// The string of a token id (for explanations and tests).
    #[allow(dead_code)]
    pub(crate) fn token(&self, id: u32) -> Option<&str> {
        self.vocab.get(id as usize).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(vocab: &[&str], merges: &[(&str, &str)], dict: &[(&str, u32)]) -> Tokenizer {
        let vocab: Vec<String> = SPECIAL_TOKENS
            .iter()
            .chain(vocab)
            .map(|s| s.to_string())
            .collect();
        let id = |t: &str| vocab.iter().position(|v| v == t).unwrap() as u32;
        let merges: Vec<(u32, u32)> = merges.iter().map(|(a, b)| (id(a), id(b))).collect();
        let dict: Vec<(u32, u32)> = dict.iter().map(|(w, f)| (id(w), *f)).collect();
        Tokenizer::new(vocab.clone(), &merges, &dict).unwrap()
    }

    fn encode(t: &Tokenizer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        t.encode_into(text, 64, &mut Scratch::default(), &mut out);
        out.iter()
            .map(|&i| t.token(i).unwrap().to_owned())
            .collect()
    }

    #[test]
    fn pieces_table() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            (
                "验证码\u{E005},请勿泄露",
                &["验证码", "\u{E005}", ",", "请勿泄露"],
            ),
            ("your code is abc", &["your", "code", "is", "abc"]),
            ("回t退订【京东】", &["回", "t", "退订", "【", "京东", "】"]),
            ("🎉双🎉", &["🎉", "双", "🎉"]),
        ];
        for (text, want) in cases {
            let got: Vec<&str> = pieces(text).map(|(_, _, p)| p).collect();
            assert_eq!(&got, want, "{text:?}");
        }
        let kinds: Vec<PieceKind> = pieces("京东a").map(|(k, _, _)| k).collect();
        assert_eq!(kinds, [PieceKind::Cjk, PieceKind::Other]);
        let offsets: Vec<usize> = pieces("a 京东").map(|(_, o, _)| o).collect();
        assert_eq!(offsets, [0, 2]);
    }

    #[test]
    fn segmentation_prefers_probable_words() {
        let t = tok(
            &["招", "商", "银", "行", "招商", "银行", "招商银行", "商银"],
            &[("招", "商"), ("银", "行"), ("招商", "银行"), ("商", "银")],
            &[
                ("招商", 50),
                ("银行", 100),
                ("招商银行", 80),
                ("商银", 1),
                ("招", 5),
                ("商", 5),
                ("银", 5),
                ("行", 5),
            ],
        );
        assert_eq!(encode(&t, "招商银行"), ["[CLS]", "招商银行"]);
        // Unknown characters become [UNK]; a word not in the dictionary falls back to pieces.
        assert_eq!(encode(&t, "招商的银行"), ["[CLS]", "招商", "[UNK]", "银行"]);
    }

    #[test]
    fn bpe_merges_by_rank_then_leftmost() {
        let t = tok(
            &["a", "b", "ab", "bb", "abb"],
            &[("b", "b"), ("a", "b"), ("a", "bb")],
            &[],
        );
        // rank 0 (b,b) first, then (a,bb)
        assert_eq!(encode(&t, "abb"), ["[CLS]", "abb"]);
        // "abab": only (a,b) applies, twice, leftmost first
        assert_eq!(encode(&t, "abab"), ["[CLS]", "ab", "ab"]);
        assert_eq!(encode(&t, "bbb"), ["[CLS]", "bb", "b"]);
        assert_eq!(encode(&t, "axb"), ["[CLS]", "a", "[UNK]", "b"]);
    }

    #[test]
    fn truncates_and_never_panics() {
        let t = tok(&["a"], &[], &[]);
        let long = "a ".repeat(10_000);
        let mut out = Vec::new();
        t.encode_into(&long, 16, &mut Scratch::default(), &mut out);
        assert_eq!(out.len(), 16);
        t.encode_into("", 16, &mut Scratch::default(), &mut out);
        assert_eq!(out, [CLS]);
    }

    /// The plain BPE loop (rescan for the lowest-ranked pair, leftmost on ties, merge, repeat):
    /// O(n^2), the reference the queue-based `merge` must agree with.
    fn merge_reference(t: &Tokenizer, segment: &str) -> Vec<u32> {
        let mut word: Vec<u32> = segment
            .chars()
            .map(|c| t.ids.get(&c.to_string()).copied().unwrap_or(UNK))
            .collect();
        loop {
            let best = (0..word.len().saturating_sub(1))
                .filter_map(|i| {
                    t.merges
                        .get(&(word[i], word[i + 1]))
                        .map(|&(r, m)| (r, i, m))
                })
                .min();
            let Some((_, i, merged)) = best else { break };
            word[i] = merged;
            word.remove(i + 1);
        }
        word
    }

    #[test]
    fn queue_bpe_agrees_with_the_plain_loop() {
        // Every pair over {a, b, c} up to length 3 is a token, merged in a scrambled rank
        // order, so merges compete and expire as they do on real text.
        let letters = ["a", "b", "c"];
        let mut vocab: Vec<String> = letters.iter().map(|s| s.to_string()).collect();
        let mut merges = Vec::new();
        for x in letters {
            for y in letters {
                vocab.push(format!("{x}{y}"));
                merges.push((x.to_string(), y.to_string()));
            }
        }
        for x in letters {
            for y in letters {
                for z in letters {
                    vocab.push(format!("{x}{y}{z}"));
                    merges.push((format!("{x}{y}"), z.to_string()));
                }
            }
        }
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for i in (1..merges.len()).rev() {
            merges.swap(i, next() as usize % (i + 1));
        }
        let vocab_refs: Vec<&str> = vocab.iter().map(String::as_str).collect();
        let merge_refs: Vec<(&str, &str)> = merges
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let t = tok(&vocab_refs, &merge_refs, &[]);
        let mut s = Scratch::default();
        for _ in 0..2000 {
            let len = next() as usize % 40;
            let word: String = (0..len)
                .map(|_| ['a', 'b', 'c', 'd'][next() as usize % 4])
                .collect();
            t.merge(&word, &mut s);
            assert_eq!(s.word, merge_reference(&t, &word), "{word}");
        }
    }

    #[test]
    fn long_runs_are_cut_into_pieces() {
        let run = "码".repeat(MAX_RUN_CHARS * 2 + 5);
        let lens: Vec<usize> = pieces(&run).map(|(_, _, p)| p.chars().count()).collect();
        assert_eq!(lens, [MAX_RUN_CHARS, MAX_RUN_CHARS, 5]);
        let run = "ab".repeat(MAX_RUN_CHARS);
        let lens: Vec<usize> = pieces(&run).map(|(_, _, p)| p.chars().count()).collect();
        assert_eq!(lens, [MAX_RUN_CHARS, MAX_RUN_CHARS]);
        // Offsets still point at each piece.
        for (_, at, p) in pieces(&run) {
            assert_eq!(&run[at..at + p.len()], p);
        }
    }

    #[test]
    fn inconsistent_tables_are_errors() {
        let v = |xs: &[&str]| -> Vec<String> {
            SPECIAL_TOKENS
                .iter()
                .chain(xs)
                .map(|s| s.to_string())
                .collect()
        };
        assert!(Tokenizer::new(vec!["a".into()], &[], &[]).is_err());
        assert!(Tokenizer::new(v(&["a", "a"]), &[], &[]).is_err());
        assert!(Tokenizer::new(v(&["a", "b"]), &[(3, 4)], &[])
            .unwrap_err()
            .0
            .contains("not in the vocabulary"));
        assert!(Tokenizer::new(v(&["a"]), &[(3, 99)], &[])
            .unwrap_err()
            .0
            .contains("outside"));
        assert!(Tokenizer::new(v(&["京"]), &[], &[(3, 0)]).is_err());
        assert!(Tokenizer::new(v(&["a"]), &[], &[(3, 5)]).is_err());
    }
}
