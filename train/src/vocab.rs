//! Learning the tokenizer, and the training side's tokenization.
//!
//! 1. Every normalized message is pre-split with `smsguard::tokenizer::pieces`; CJK runs are
//!    segmented by `jieba-rs` with its full default dictionary (HMM on, so new words such as
//!    brand names can appear).
//! 2. A BPE vocabulary is learned over those words with the `tokenizers` crate (special tokens
//!    and the normalizer's placeholders first, the alphabet limited so the vocabulary size is
//!    what was asked).
//! 3. The segmentation dictionary is every CJK word of the corpus that BPE encodes as a single
//!    token, with its corpus frequency. Training and inference segment with jieba's algorithm
//!    over that dictionary only; here that is `jieba-rs` (`Jieba::empty()` plus the words), in
//!    `smsguard` its own small implementation, and a test holds them to identical ids.

use jieba_rs::Jieba;
use smsguard::normalize::{normalize, Placeholder};
use smsguard::tokenizer::{pieces, PieceKind, SPECIAL_TOKENS};
use std::collections::HashMap;
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::{AddedToken, Model, Trainer};

/// Tokenizer learning options.
#[derive(Clone, Debug)]
pub struct VocabOptions {
    /// Target vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// Most distinct characters kept (the rest become `[UNK]`).
    pub limit_alphabet: usize,
    /// Words seen fewer times are not merged.
    pub min_frequency: u64,
}

impl Default for VocabOptions {
    fn default() -> VocabOptions {
        VocabOptions {
            vocab_size: 6000,
            limit_alphabet: 2500,
            min_frequency: 3,
        }
    }
}

/// A learned tokenizer as the trainer uses it.
pub struct TrainTokenizer {
    bpe: BPE,
    jieba: Jieba,
    /// Token strings by id.
    pub vocab: Vec<String>,
    /// Merges in rank order, as token ids.
    pub merges: Vec<(u32, u32)>,
    /// The segmentation dictionary: (token id, frequency).
    pub dict: Vec<(u32, u32)>,
}

/// The special tokens and placeholders, which must be single tokens with fixed ids.
fn reserved_tokens() -> Vec<String> {
    SPECIAL_TOKENS
        .iter()
        .map(|s| s.to_string())
        .chain(Placeholder::ALL.iter().map(|p| p.as_char().to_string()))
        .collect()
}

/// The `limit` most frequent characters of the words (each counted once per occurrence, times
/// its word's count), ties broken by code point so the choice never depends on hash order.
fn alphabet(counts: &HashMap<String, u32>, limit: usize) -> std::collections::HashSet<char> {
    let mut chars: HashMap<char, u64> = HashMap::new();
    for (w, &n) in counts {
        for c in w.chars() {
            *chars.entry(c).or_default() += u64::from(n);
        }
    }
    let mut ranked: Vec<(char, u64)> = chars.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(limit).map(|(c, _)| c).collect()
}

/// Pre-split and segment with the full jieba dictionary (used to learn the vocabulary only).
fn words_for_learning(jieba: &Jieba, normalized: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, _, piece) in pieces(normalized) {
        match kind {
            PieceKind::Cjk => out.extend(
                jieba
                    .cut(piece, true)
                    .into_iter()
                    .map(|w| w.word.to_string()),
            ),
            PieceKind::Other => out.push(piece.to_string()),
        }
    }
    out
}

impl TrainTokenizer {
    /// Learn a tokenizer from raw messages.
    pub fn learn<S: AsRef<str> + Sync>(
        texts: &[S],
        opts: &VocabOptions,
    ) -> anyhow::Result<TrainTokenizer> {
        let full = Jieba::new();
        let normalized: Vec<String> = texts
            .iter()
            .map(|t| normalize(t.as_ref()).as_str().to_owned())
            .collect();
        // The alphabet is chosen here, not by `limit_alphabet`: `tokenizers` cuts it by count
        // and breaks ties at the cut in hash-map order, so one command learned two different
        // vocabularies on two runs.
        let mut trainer = BpeTrainerBuilder::new()
            .vocab_size(opts.vocab_size)
            .min_frequency(opts.min_frequency)
            .max_token_length(Some(8))
            .show_progress(false)
            .special_tokens(
                reserved_tokens()
                    .into_iter()
                    .map(|t| AddedToken::from(t, true))
                    .collect(),
            )
            .build();
        let mut counts: HashMap<String, u32> = HashMap::new();
        for t in &normalized {
            for w in words_for_learning(&full, t) {
                *counts.entry(w).or_default() += 1;
            }
        }
        let alphabet = alphabet(&counts, opts.limit_alphabet);
        // Characters outside the alphabet are dropped from the words, as `tokenizers` does
        // with the ones its own limit drops.
        trainer
            .feed(normalized.iter(), |t| {
                Ok(words_for_learning(&full, t)
                    .into_iter()
                    .map(|w| w.chars().filter(|c| alphabet.contains(c)).collect())
                    .filter(|w: &String| !w.is_empty())
                    .collect())
            })
            .map_err(|e| anyhow::anyhow!("feeding the BPE trainer: {e}"))?;
        let mut bpe = BPE::builder()
            .unk_token(SPECIAL_TOKENS[2].to_string())
            .build()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        trainer
            .train(&mut bpe)
            .map_err(|e| anyhow::anyhow!("training BPE: {e}"))?;
        Self::from_bpe(bpe, |w| counts.get(w).copied())
    }

    /// Wrap a trained BPE model; `count` gives a word's corpus frequency.
    fn from_bpe(bpe: BPE, count: impl Fn(&str) -> Option<u32>) -> anyhow::Result<TrainTokenizer> {
        let json = serde_json::to_value(&bpe)?;
        let vocab_map = bpe.get_vocab();
        let mut vocab = vec![String::new(); vocab_map.len()];
        for (t, &id) in &vocab_map {
            vocab[id as usize] = t.clone();
        }
        for (i, r) in reserved_tokens().iter().enumerate() {
            anyhow::ensure!(
                &vocab[i] == r,
                "expected token {i} to be {r:?}, found {:?}",
                vocab[i]
            );
        }
        let merges: Vec<(u32, u32)> = json["merges"]
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("BPE JSON has no merges"))?
            .iter()
            .map(|m| -> anyhow::Result<(u32, u32)> {
                let (a, b) = match m {
                    serde_json::Value::Array(p) => (p[0].as_str(), p[1].as_str()),
                    serde_json::Value::String(s) => {
                        let (a, b) = s.split_once(' ').unwrap_or((s, ""));
                        (Some(a), Some(b))
                    }
                    _ => (None, None),
                };
                let id = |s: Option<&str>| s.and_then(|s| vocab_map.get(s).copied());
                Ok((
                    id(a).ok_or_else(|| anyhow::anyhow!("merge {m} names an unknown token"))?,
                    id(b).ok_or_else(|| anyhow::anyhow!("merge {m} names an unknown token"))?,
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        let mut dict = Vec::new();
        for (id, tok) in vocab.iter().enumerate() {
            if tok.is_empty() || !tok.chars().all(smsguard::tokenizer::is_cjk) {
                continue;
            }
            let ids: Vec<u32> = bpe
                .tokenize(tok)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .map(|t| t.id)
                .collect();
            if ids == [id as u32] {
                dict.push((id as u32, count(tok).unwrap_or(1).max(1)));
            }
        }
        let mut jieba = Jieba::empty();
        for &(id, freq) in &dict {
            jieba.add_word(&vocab[id as usize], Some(freq as usize), None);
        }
        Ok(TrainTokenizer {
            bpe,
            jieba,
            vocab,
            merges,
            dict,
        })
    }

    /// Token ids of a raw message: normalize, pre-split, segment CJK runs over the restricted
    /// dictionary with jieba-rs, BPE-encode each segment with `tokenizers`; `[CLS]` first,
    /// at most `max_len` ids.
    pub fn encode(&self, text: &str, max_len: usize) -> Vec<u32> {
        let norm = normalize(text);
        let mut ids = vec![1u32]; // [CLS]
        let push = |seg: &str, ids: &mut Vec<u32>| {
            // BPE::tokenize fails only for an unknown token without an unk token; we have one.
            if let Ok(toks) = self.bpe.tokenize(seg) {
                ids.extend(toks.iter().map(|t| t.id));
            }
        };
        for (kind, _, piece) in pieces(norm.as_str()) {
            if ids.len() >= max_len {
                break;
            }
            match kind {
                PieceKind::Cjk => {
                    for w in self.jieba.cut(piece, false) {
                        push(w.word, &mut ids);
                    }
                }
                PieceKind::Other => push(piece, &mut ids),
            }
        }
        ids.truncate(max_len);
        ids
    }

    /// The parts stored in the model file.
    pub fn parts(&self) -> smsguard_model::TokenizerParts {
        smsguard_model::TokenizerParts {
            vocab: self.vocab.clone(),
            merges: self.merges.clone(),
            dict: self.dict.clone(),
        }
    }

    /// Rebuild from stored parts (a checkpoint), without relearning.
    pub fn from_parts(
        vocab: Vec<String>,
        merges: Vec<(u32, u32)>,
        dict: Vec<(u32, u32)>,
    ) -> anyhow::Result<TrainTokenizer> {
        let token = |id: u32| {
            vocab
                .get(id as usize)
                .ok_or_else(|| anyhow::anyhow!("token id {id} is outside the vocabulary"))
        };
        let vocab_map: serde_json::Map<String, serde_json::Value> = vocab
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), serde_json::Value::from(i)))
            .collect();
        let merge_strings = merges
            .iter()
            .map(|&(a, b)| Ok(serde_json::json!([token(a)?, token(b)?])))
            .collect::<anyhow::Result<Vec<_>>>()?;
        // The builder wants ahash's map; the serialized form takes plain JSON.
        let bpe: BPE = serde_json::from_value(serde_json::json!({
            "type": "BPE",
            "dropout": null,
            "unk_token": SPECIAL_TOKENS[2],
            "continuing_subword_prefix": null,
            "end_of_word_suffix": null,
            "fuse_unk": false,
            "byte_fallback": false,
            "ignore_merges": false,
            "vocab": vocab_map,
            "merges": merge_strings,
        }))?;
        let counts: HashMap<String, u32> = dict
            .iter()
            .map(|&(id, f)| (vocab[id as usize].clone(), f))
            .collect();
        let t = Self::from_bpe(bpe, |w| counts.get(w).copied())?;
        anyhow::ensure!(
            t.dict == dict,
            "the stored dictionary does not match the vocabulary"
        );
        Ok(t)
    }
}

/// A trained subword model's encoding of one word, as token ids.
type Encoder = Box<dyn Fn(&str) -> Vec<u32>>;

/// One subword model's figures in [`compare_subword_models`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct SubwordReport {
    /// BPE, WordPiece or Unigram.
    pub model: &'static str,
    /// Tokens in the learned vocabulary (or the error that stopped training).
    pub vocab_size: Result<usize, String>,
    /// Share of evaluation tokens that are `[UNK]`.
    pub unk_share: f64,
    /// Mean tokens per evaluation message (before truncation).
    pub tokens_per_message: f64,
    /// Learning time.
    pub seconds: f64,
}

/// Learn BPE, WordPiece and Unigram vocabularies of the same size over the same jieba words and
/// measure them on held-out messages: how this project chose BPE.
pub fn compare_subword_models(
    train: &[&str],
    eval: &[&str],
    opts: &VocabOptions,
) -> Vec<SubwordReport> {
    use tokenizers::models::unigram::{Unigram, UnigramTrainer};
    use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainerBuilder};
    let full = Jieba::new();
    let norm = |t: &&str| normalize(t).as_str().to_owned();
    let train_n: Vec<String> = train.iter().map(norm).collect();
    let eval_words: Vec<Vec<String>> = eval
        .iter()
        .map(|t| words_for_learning(&full, &norm(t)))
        .collect();
    let specials = || {
        reserved_tokens()
            .into_iter()
            .map(|t| AddedToken::from(t, true))
            .collect::<Vec<_>>()
    };
    let measure = |name: &'static str,
                   started: std::time::Instant,
                   model: Result<Encoder, String>,
                   size: usize| {
        let seconds = started.elapsed().as_secs_f64();
        match model {
            Err(e) => SubwordReport {
                model: name,
                vocab_size: Err(e),
                unk_share: f64::NAN,
                tokens_per_message: f64::NAN,
                seconds,
            },
            Ok(encode) => {
                let (mut tokens, mut unk) = (0usize, 0usize);
                for words in &eval_words {
                    for w in words {
                        let ids = encode(w);
                        tokens += ids.len();
                        unk += ids.iter().filter(|&&i| i == 2).count();
                    }
                }
                SubwordReport {
                    model: name,
                    vocab_size: Ok(size),
                    unk_share: unk as f64 / tokens.max(1) as f64,
                    tokens_per_message: tokens as f64 / eval_words.len().max(1) as f64,
                    seconds,
                }
            }
        }
    };
    let feed = |t: &str| Ok(words_for_learning(&full, t));
    let mut out = Vec::new();

    let started = std::time::Instant::now();
    let bpe = TrainTokenizer::learn(train, opts).map_err(|e| e.to_string());
    let size = bpe.as_ref().map_or(0, |t| t.vocab.len());
    let enc: Result<Encoder, String> = bpe.map(|t| {
        Box::new(move |w: &str| {
            t.bpe
                .tokenize(w)
                .map(|v| v.iter().map(|x| x.id).collect())
                .unwrap_or_default()
        }) as Encoder
    });
    out.push(measure("BPE", started, enc, size));

    let started = std::time::Instant::now();
    let mut trainer = WordPieceTrainerBuilder::new()
        .vocab_size(opts.vocab_size)
        .min_frequency(opts.min_frequency)
        .limit_alphabet(opts.limit_alphabet)
        .show_progress(false)
        .special_tokens(specials())
        .build();
    let mut wp = WordPiece::builder()
        .unk_token(SPECIAL_TOKENS[2].into())
        .build()
        .expect("default WordPiece");
    let trained = trainer
        .feed(train_n.iter(), feed)
        .and_then(|_| trainer.train(&mut wp))
        .map_err(|e| e.to_string());
    let size = wp.get_vocab_size();
    let enc = trained.map(|_| {
        Box::new(move |w: &str| {
            wp.tokenize(w)
                .map(|v| v.iter().map(|x| x.id).collect())
                .unwrap_or_default()
        }) as Encoder
    });
    out.push(measure("WordPiece", started, enc, size));

    let started = std::time::Instant::now();
    let built = UnigramTrainer::builder()
        .vocab_size(opts.vocab_size as u32)
        .unk_token(Some(SPECIAL_TOKENS[2].into()))
        .special_tokens(specials())
        .show_progress(false)
        .build();
    let mut uni = Unigram::default();
    let trained = match built {
        Ok(mut trainer) => trainer
            .feed(train_n.iter(), feed)
            .and_then(|_| trainer.train(&mut uni))
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let size = uni.get_vocab_size();
    let enc = trained.map(|_| {
        Box::new(move |w: &str| {
            uni.tokenize(w)
                .map(|v| v.iter().map(|x| x.id).collect())
                .unwrap_or_default()
        }) as Encoder
    });
    out.push(measure("Unigram", started, enc, size));
    out
}
