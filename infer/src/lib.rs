//! # smsguard
//!
//! Sort a Chinese SMS into **marketing**, **verification** (a one-time code),
//! **transactional** (a notice about the recipient's own account, order or appointment) or
//! **personal** (a person's own words), on the device, so marketing can be folded while no
//! code, bank alert or person's message is ever lost.
//!
//! ```no_run
//! use smsguard::{Classifier, Label};
//!
//! let classifier = Classifier::load("smsguard.smsg")?;
//! let p = classifier.classify("【京东】您的验证码为482913，5分钟内有效");
//! if p.label == Label::Marketing {
//!     // fold it
//! }
//! println!("{} {:.2}", p.label, p.confidence);
//! # Ok::<(), smsguard::Error>(())
//! ```
//!
//! ## How it works
//!
//! [`normalize`](normalize::normalize) folds full-width forms and case and replaces numbers
//! (and the `x` runs that mask them in some corpora), URLs and e-mail addresses with
//! placeholders; the [`tokenizer`] cuts CJK runs with jieba's algorithm over a small dictionary
//! stored in the model and applies byte-pair merges; a small transformer encoder with int8
//! weights (and int8 activations in its matrix products) scores the classes the model file names (four; files from before
//! `personal` name three and still load). Beside it, models of format version 2 carry a linear
//! branch over the message's hashed character 1- to 4-grams ([`ngram`]), which reads the whole
//! prefix rather than the encoder's first 64 tokens; its logits add to the encoder's.
//!
//! A [`Classifier`] is immutable and `Send + Sync`: share one across threads. Scratch buffers
//! belong to the calling thread (reused from call to call, never shared), so the hot path
//! allocates nothing per token and, once warm, next to nothing per message.
//!
//! ## Untrusted input
//!
//! Any `&str` is fine: empty, a megabyte, emoji, NUL, full-width text. Only the first
//! [`normalize::MAX_CHARS`] (1,024) characters are read, by the model (which keeps its first
//! 64 tokens of them) and by the extraction rules alike, and every step is linear in what it
//! reads, so one message costs at most a constant, about what a long real SMS costs (the
//! README's performance section gives the figures, and `benches/classify.rs` measures hostile
//! inputs next to ordinary ones). A longer message is flagged ([`Prediction::truncated`]).
//! Model files are checked (magic, version, checksum, every count and shape) before use, and a
//! bad one is an [`Error`], never a panic.
//!
//! ## Dependencies
//!
//! - `unicode-normalization`: NFKC tables (full-width forms and compatibility characters).
//! - `rustc-hash`: FxHash for the tokenizer's tables (SipHash was a tenth of the work outside
//!   the network; the tables are built from the model file, message text only looks them up).
//! - `clap`, `serde_json`, `anyhow`: only for the `smsguard` command (feature `cli`, on by
//!   default; `serde_json` also for feature `json`); embed the library with
//!   `default-features = false` to leave them out.
//!
//! ## Stability
//!
//! The crate root is the API: [`Classifier`], [`Prediction`], [`Label`], [`extract()`] and its
//! types, [`Error`], [`ModelInfo`]. Structs and enums that may grow are `#[non_exhaustive]`.
//! [`Label`] is exhaustive on purpose: a new class changes the length of
//! [`Prediction::scores`] and the C ABI's enum, so it would be a new major version. The
//! modules `format`, `normalize`, `tokenizer` and `ngram` are public only so the trainer and
//! exporter share one definition with the library; they are hidden from these docs and may
//! change in any release.
//!
//! ## Features
//!
//! - `default-model` (default): embeds the default model (`Classifier::default()`,
//!   `Classifier::embedded()`); leave it out to ship your own model file instead.
//! - `cli` (default): the `smsguard` command's dependencies.
//! - `json` (in `cli`): [`json::classify`], the command's JSON object for one message (used by
//!   the C ABI too); needs `serde_json`.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod extract;
// The modules below (and `ngram`, `normalize`, `tokenizer`) are the trainer's and exporter's
// plumbing: public so `smsguard-train` and `smsguard-model` share one definition, hidden from
// the docs and outside the semver promise. Apps use the crate root.
#[doc(hidden)]
pub mod format;
#[cfg(feature = "json")]
pub mod json;
mod kernels;
mod label;
mod net;
#[doc(hidden)]
pub mod ngram;
#[doc(hidden)]
pub mod normalize;
#[doc(hidden)]
pub mod tokenizer;

/// Characters of a message that are read (see [`Prediction::truncated`]).
pub const MAX_CHARS: usize = normalize::MAX_CHARS;

pub use extract::{extract, Code, Extraction, OptOut, Purpose, Secret, SecretKind, Span};

/// The kernels and the bare forward pass, for the workspace benches (feature `internals`).
/// Not a stable API.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    use crate::kernels::{Kernel, QActs, QLinear};

    /// An int8 linear layer (see the `kernels` module) with its activation scratch.
    pub struct Linear(QLinear, QActs);

    impl Linear {
        /// From row-major int8 weights `n_out × n_in`, one scale and one bias per output;
        /// `nonneg`: the inputs are never negative (ReLU outputs).
        pub fn new(
            w: &[i8],
            scales: Vec<f32>,
            bias: Vec<f32>,
            n_in: usize,
            n_out: usize,
            nonneg: bool,
        ) -> Self {
            Linear(
                QLinear::new(w, scales, bias, n_in, n_out, nonneg),
                QActs::default(),
            )
        }

        /// `out = self(x)` for `n_tok` tokens with the kernel named `kernel` (one of
        /// [`kernels`]; panics on another name: this is a benchmark hook).
        pub fn forward(&mut self, kernel: &str, x: &[f32], n_tok: usize, out: &mut [f32]) {
            self.0.forward(by_name(kernel), x, n_tok, out, &mut self.1);
        }

        /// Float activations (no activation quantization): the head's path.
        pub fn forward_f32(&self, x: &[f32], n_tok: usize, out: &mut [f32]) {
            self.0.forward_f32(x, n_tok, out);
        }
    }

    /// Every kernel this CPU runs, by name (`scalar`, `avx2`, `neon`, `neondot`), the scalar
    /// reference first and the one a classifier picks last.
    pub fn kernels() -> Vec<String> {
        Kernel::available()
            .iter()
            .map(|k| format!("{k:?}").to_lowercase())
            .collect()
    }

    fn by_name(name: &str) -> Kernel {
        *Kernel::available()
            .iter()
            .find(|k| format!("{k:?}").to_lowercase() == name)
            .expect("a kernel of kernels()")
    }

    /// Make `c` run the kernel named `kernel` (one of [`kernels`]; panics on another name).
    pub fn set_kernel(c: &mut crate::Classifier, kernel: &str) {
        c.net.set_kernel(by_name(kernel));
    }

    /// A model file from everything before its checksum, with the length field and the
    /// checksum made right, so a fuzzer's edits reach the parser behind the checksum.
    pub fn seal(body: &[u8]) -> Vec<u8> {
        crate::format::seal(body)
    }

    /// Class probabilities for token ids and n-gram buckets (see [`grams`]), without
    /// normalization or tokenization, indexed by [`Label::index`](crate::Label::index) (0 for
    /// labels the model does not know).
    pub fn forward(
        c: &crate::Classifier,
        ids: &[u32],
        grams: &[u32],
    ) -> [f32; crate::Label::COUNT] {
        c.scores(ids, grams, &mut crate::net::Buffers::default())
    }

    /// The n-gram buckets the model's n-gram branch reads for `text` (none without a branch).
    pub fn grams(c: &crate::Classifier, text: &str) -> Vec<u32> {
        let mut s = crate::Scratch::default();
        c.encode(crate::normalize::readable_prefix(text), &mut s);
        s.grams
    }
}
pub use label::{Label, UnknownLabel};

use std::fmt;
use std::path::Path;

/// Why a model could not be loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    Io {
        /// The path.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The bytes are not a valid model file.
    Format(format::FormatError),
    /// The file is valid but describes a model this build cannot run.
    Model(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, .. } => write!(f, "cannot read model {path}"),
            Error::Format(_) => f.write_str("invalid model file"),
            Error::Model(s) => write!(f, "unusable model: {s}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Format(e) => Some(e),
            Error::Model(_) => None,
        }
    }
}

impl From<format::FormatError> for Error {
    fn from(e: format::FormatError) -> Error {
        Error::Format(e)
    }
}

/// The classification of one message and what the user needs next.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Prediction {
    /// The most probable class.
    pub label: Label,
    /// Its probability.
    pub confidence: f32,
    /// The probability of every class, indexed by [`Label::index`]. A class the model was not
    /// trained with (`personal` in a three-class model file) scores 0.
    pub scores: [f32; Label::COUNT],
    /// The verification code, sender, pickup code and opt-out instruction found in the text
    /// (see [`extract()`]). They are read whatever the label: a code is worth showing even when
    /// the model disagrees, and transactional notices carry opt-out lines too.
    pub found: Extraction,
    /// Whether a client may fold the message away: the model says marketing with at least
    /// the classifier's fold threshold ([`DEFAULT_FOLD_THRESHOLD`] unless set with
    /// [`Classifier::with_fold_threshold`]) **and** no verification code or other secret
    /// (reset or activation link, initial or WLAN password) was found. Personal messages are
    /// never folded. A message with a code or a secret is always surfaced, so one misread as
    /// marketing is never hidden (the safety rule; [`Prediction::protected_by`] says which
    /// found item protects the message; the README gives the rule's cost).
    pub fold: bool,
    /// The message is longer than [`normalize::MAX_CHARS`] characters: only its first
    /// `MAX_CHARS` were read, by the model and by the rules alike.
    pub truncated: bool,
}

/// Fold only marketing the model gives at least this probability, by default. A notice or a
/// person's message the model is unsure about is then shown, at the cost of showing a few
/// promotions: measured with the shipped model on its validation side (README), 0.9 cuts the
/// personal messages folded from 1 to 0 and the transactional ones from 7 to 5, for 1.1
/// points of marketing fold recall.
pub const DEFAULT_FOLD_THRESHOLD: f32 = 0.9;

/// The safety rule: fold only what the model calls marketing, with at least `threshold`
/// probability, **and** that carries no verification code or other secret, so a code or a
/// reset link the model misreads as marketing is still surfaced.
fn may_fold(label: Label, p_marketing: f32, threshold: f32, found: &Extraction) -> bool {
    label == Label::Marketing
        && p_marketing >= threshold
        && found.code.is_none()
        && found.secret.is_none()
}

impl Prediction {
    /// What keeps the message from being folded whatever the model says: `code` when a
    /// verification code was found, else the kind of secret (`reset_link`, `activation_link`,
    /// `initial_password`, `wlan_password`), else `None`.
    pub fn protected_by(&self) -> Option<&'static str> {
        if self.found.code.is_some() {
            Some("code")
        } else {
            self.found.secret.as_ref().map(|s| s.kind.as_str())
        }
    }

    /// The probability of `label` (0 for a label the model does not know).
    pub fn score(&self, label: Label) -> f32 {
        self.scores[label.index()]
    }
}

/// A span of the message and how much it pushed the decision.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Evidence {
    /// The word or piece, in the original text.
    pub span: Span,
    /// How much it raises the predicted label's log-odds, `ln(p / (1 - p))`, on average over
    /// contexts (see [`Classifier::classify_explained`]): positive when it pushed towards the
    /// label.
    pub effect: f32,
}

/// A prediction with the spans that most pushed it (see [`Classifier::classify_explained`]).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Explained {
    /// The prediction, as [`Classifier::classify`] gives it.
    pub prediction: Prediction,
    /// Up to [`Explained::MAX_EVIDENCE`] spans, strongest push towards the label first; only
    /// spans with a positive effect are listed.
    pub evidence: Vec<Evidence>,
}

impl Explained {
    /// The most spans an explanation lists.
    pub const MAX_EVIDENCE: usize = 5;
    /// Forward passes an explanation costs.
    pub const SAMPLES: usize = 128;
}

/// Facts about a loaded model.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelInfo {
    /// The format version of the file.
    pub format_version: u32,
    /// Label names in output order.
    pub labels: Vec<String>,
    /// Size of the model file in bytes.
    pub model_bytes: usize,
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// Words in the segmentation dictionary.
    pub dict_words: usize,
    /// Number of weights.
    pub params: usize,
    /// Longest input in tokens.
    pub max_tokens: usize,
    /// Hash buckets of the character n-gram branch (0: the file has none, as every version 1
    /// file).
    pub ngram_buckets: usize,
    /// Free text the trainer stored (JSON).
    pub meta: String,
}

/// A loaded model, ready to classify. Immutable and `Send + Sync`. Its `Debug` output is the
/// model's [`ModelInfo`], not its weights.
#[derive(Clone)]
pub struct Classifier {
    tokenizer: tokenizer::Tokenizer,
    net: net::Net,
    /// The label of each model output, in output order.
    outputs: Vec<Label>,
    /// Least P(marketing) for `fold`.
    fold_threshold: f32,
    info: ModelInfo,
}

/// The labels of a model file's outputs: known names, each at most once, at least two. A file
/// stores its labels, so three-class files (before `personal`) load as they are.
fn output_labels(names: &[String]) -> Result<Vec<Label>, Error> {
    let mut out: Vec<Label> = Vec::with_capacity(names.len());
    for name in names {
        let l: Label = name
            .parse()
            .map_err(|e: UnknownLabel| Error::Model(format!("model output label: {e}")))?;
        if out.contains(&l) {
            return Err(Error::Model(format!(
                "label {name:?} names two model outputs: expected each label once"
            )));
        }
        out.push(l);
    }
    if out.len() < 2 {
        return Err(Error::Model(format!(
            "the model has {} output labels: expected at least two",
            out.len()
        )));
    }
    Ok(out)
}

/// Per-call scratch space.
#[derive(Default)]
struct Scratch {
    norm: normalize::Normalized,
    units: Vec<normalize::Unit>,
    tok: tokenizer::Scratch,
    ids: Vec<u32>,
    grams: Vec<u32>,
    net: net::Buffers,
}

/// The default model, trained by the command in the project README (feature `default-model`).
#[cfg(feature = "default-model")]
static DEFAULT_MODEL: &[u8] = include_bytes!("../model/smsguard-default.smsg");

#[cfg(feature = "default-model")]
impl Default for Classifier {
    /// The embedded default model. It is checked by the crate's tests, so loading it cannot
    /// fail in a released build.
    fn default() -> Classifier {
        Classifier::embedded().expect("the embedded default model is valid (tested)")
    }
}

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The weights are megabytes of numbers; what identifies a model is its description.
        f.debug_struct("Classifier")
            .field("info", &self.info)
            .field("fold_threshold", &self.fold_threshold)
            .finish_non_exhaustive()
    }
}

impl Classifier {
    /// The embedded default model (feature `default-model`, on by default).
    #[cfg(feature = "default-model")]
    pub fn embedded() -> Result<Classifier, Error> {
        Classifier::from_bytes(DEFAULT_MODEL)
    }

    /// Load a model file.
    pub fn load(path: impl AsRef<Path>) -> Result<Classifier, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Classifier::from_bytes(&bytes)
    }

    /// Load a model from its bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier, Error> {
        let file = format::ModelFile::from_bytes(bytes)?;
        let outputs = output_labels(&file.labels)?;
        let tokenizer = tokenizer::Tokenizer::new(file.vocab.clone(), &file.merges, &file.dict)
            .map_err(|e| Error::Model(e.0))?;
        let net = net::Net::from_file(&file).map_err(Error::Model)?;
        let info = ModelInfo {
            format_version: file.version as u32,
            labels: file.labels.clone(),
            model_bytes: bytes.len(),
            vocab_size: tokenizer.vocab_size(),
            dict_words: file.dict.len(),
            params: net.params(),
            max_tokens: file.dims.max_len as usize,
            ngram_buckets: file.ngram_buckets as usize,
            meta: file.meta.clone(),
        };
        Ok(Classifier {
            tokenizer,
            net,
            outputs,
            fold_threshold: DEFAULT_FOLD_THRESHOLD,
            info,
        })
    }

    /// Class probabilities for token ids, placed by [`Label::index`], 0 for labels the model
    /// lacks.
    fn scores(&self, ids: &[u32], grams: &[u32], b: &mut net::Buffers) -> [f32; Label::COUNT] {
        let n = self.outputs.len();
        let mut out = [0.0f32; Label::COUNT];
        self.net.forward(ids, grams, b, &mut out[..n]);
        let mut scores = [0.0f32; Label::COUNT];
        for (l, &v) in self.outputs.iter().zip(&out[..n]) {
            scores[l.index()] = v;
        }
        scores
    }

    /// The same model, folding marketing only when P(marketing) is at least `threshold`
    /// (clamped to 0..=1; NaN keeps the current one). 0 folds everything called marketing
    /// (without a code); 1 folds only what the model is certain of.
    pub fn with_fold_threshold(mut self, threshold: f32) -> Classifier {
        if !threshold.is_nan() {
            self.fold_threshold = threshold.clamp(0.0, 1.0);
        }
        self
    }

    /// The least P(marketing) at which a message may be folded.
    pub fn fold_threshold(&self) -> f32 {
        self.fold_threshold
    }

    /// Facts about the model.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Classify one message.
    pub fn classify(&self, text: &str) -> Prediction {
        // One scratch per thread, reused across calls and models: fresh buffers cost a tenth of
        // a short message in allocation and zeroing. A nested call (none today) gets its own.
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
        }
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut s) => self.classify_with(text, &mut s),
            Err(_) => self.classify_with(text, &mut Scratch::default()),
        })
    }

    /// Classify many messages, reusing one set of buffers.
    pub fn classify_batch<S: AsRef<str>>(&self, texts: &[S]) -> Vec<Prediction> {
        let mut s = Scratch::default();
        texts
            .iter()
            .map(|t| self.classify_with(t.as_ref(), &mut s))
            .collect()
    }

    /// Classify one message and say which words pushed the decision.
    ///
    /// The words are the units the model reads: jieba segments of CJK runs, Latin words,
    /// numbers, URLs and punctuation marks. Removing one word at a time says little, because
    /// a message repeats its evidence (a code, `分钟内有效` and `验证码` each suffice), so each
    /// word is judged in many contexts instead: the message is scored again
    /// [`Explained::SAMPLES`] times with a random half of its words left out (a fixed seed,
    /// so the answer is reproducible), and a word's effect is the mean log-odds of the
    /// predicted label, `ln(p / (1 - p))` computed from the logits, over the samples that kept
    /// it minus the mean over those that left it out: a sampled Banzhaf value. It costs
    /// `SAMPLES` forward passes over shorter inputs (about 10 ms), so use it on request.
    pub fn classify_explained(&self, text: &str) -> Explained {
        let mut s = Scratch::default();
        let prediction = self.classify_with(text, &mut s);
        let n = self.outputs.len();
        let label = self
            .outputs
            .iter()
            .position(|&l| l == prediction.label)
            .expect("the predicted label is one of the model's outputs");
        let log_odds = |z: &[f32]| {
            let others: f32 = (0..n)
                .filter(|&j| j != label)
                .map(|j| (z[j] - z[label]).exp())
                .sum();
            -others.ln()
        };
        let max = self.info.max_tokens;
        // With an n-gram branch every word of the prefix counts, not only the encoder's window.
        let reach = if self.net.ngram_buckets() > 0 {
            usize::MAX
        } else {
            max
        };
        let norm = s.norm.as_str();
        let words = self.tokenizer.words(norm, reach, &mut s.tok);
        let k = words.len();
        let mut kept_text = String::with_capacity(norm.len());
        // Per word: (sum, count) over samples that kept it, then over samples that did not.
        let mut kept = vec![(0.0f64, 0u32); k];
        let mut left = vec![(0.0f64, 0u32); k];
        let mut mask = vec![false; k];
        let mut logits = [0.0f32; Label::COUNT];
        let logits = &mut logits[..n];
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..Explained::SAMPLES {
            s.ids.clear();
            s.ids.push(tokenizer::CLS);
            kept_text.clear();
            let mut last = 0;
            for (i, (range, ids)) in words.iter().enumerate() {
                // xorshift64: a few bits per word are plenty for a fair coin.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                mask[i] = rng >> 63 == 1;
                // What lies between words (spaces) is always kept.
                kept_text.push_str(&norm[last..range.start]);
                if mask[i] {
                    s.ids.extend_from_slice(ids);
                    kept_text.push_str(&norm[range.clone()]);
                }
                last = range.end;
            }
            kept_text.push_str(&norm[last..]);
            s.ids.truncate(max);
            ngram::features(&kept_text, self.net.ngram_buckets(), &mut s.grams);
            self.net.logits(&s.ids, &s.grams, &mut s.net, logits);
            let f = f64::from(log_odds(logits));
            for i in 0..k {
                let acc = if mask[i] { &mut kept[i] } else { &mut left[i] };
                acc.0 += f;
                acc.1 += 1;
            }
        }
        let mut evidence = Vec::new();
        for (i, (range, _)) in words.iter().enumerate() {
            let (a, b) = (kept[i], left[i]);
            if a.1 == 0 || b.1 == 0 {
                continue;
            }
            let effect = (a.0 / f64::from(a.1) - b.0 / f64::from(b.1)) as f32;
            if effect > 0.0 {
                if let Some(r) = s.norm.original_range(range.clone()) {
                    evidence.push(Evidence {
                        span: Span {
                            text: text[r.clone()].to_owned(),
                            start: r.start,
                            end: r.end,
                        },
                        effect,
                    });
                }
            }
        }
        evidence.sort_by(|a, b| b.effect.total_cmp(&a.effect));
        evidence.truncate(Explained::MAX_EVIDENCE);
        Explained {
            prediction,
            evidence,
        }
    }

    /// The token ids the model reads for `text` (after normalization), `[CLS]` first.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        let mut s = Scratch::default();
        self.encode(text, &mut s);
        s.ids
    }

    fn encode(&self, text: &str, s: &mut Scratch) {
        normalize::normalize_into(text, &mut s.norm, &mut s.units);
        self.tokenizer.encode_into(
            s.norm.as_str(),
            self.info.max_tokens,
            &mut s.tok,
            &mut s.ids,
        );
        ngram::features(s.norm.as_str(), self.net.ngram_buckets(), &mut s.grams);
    }

    fn classify_with(&self, text: &str, s: &mut Scratch) -> Prediction {
        // Everything below reads this prefix only, so the work is bounded by a constant.
        let read = normalize::readable_prefix(text);
        self.encode(read, s);
        let scores = self.scores(&s.ids, &s.grams, &mut s.net);
        let label = *self
            .outputs
            .iter()
            .max_by(|a, b| scores[a.index()].total_cmp(&scores[b.index()]))
            .expect("a model has at least two outputs");
        let confidence = scores[label.index()];
        let found = extract(read);
        Prediction {
            label,
            confidence,
            scores,
            fold: may_fold(
                label,
                scores[Label::Marketing.index()],
                self.fold_threshold,
                &found,
            ),
            found,
            truncated: read.len() < text.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_labels_from_the_file() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        use Label::*;
        let ok: &[(&[&str], &[Label])] = &[
            (
                &["marketing", "verification", "transactional"],
                &[Marketing, Verification, Transactional],
            ),
            (
                &["marketing", "verification", "transactional", "personal"],
                &[Marketing, Verification, Transactional, Personal],
            ),
            // Any order: scores are placed by label, not by position.
            (&["personal", "marketing"], &[Personal, Marketing]),
        ];
        for (file, want) in ok {
            assert_eq!(output_labels(&names(file)).unwrap(), *want, "{file:?}");
        }
        let bad: &[(&[&str], &str)] = &[
            (&["marketing", "spam"], "unknown label \"spam\""),
            (&["marketing", "marketing"], "names two model outputs"),
            (&["marketing"], "expected at least two"),
            (&[], "expected at least two"),
        ];
        for (file, want) in bad {
            let e = output_labels(&names(file)).unwrap_err().to_string();
            assert!(e.contains(want), "{file:?}: {e}");
        }
    }

    /// `Debug` describes the model instead of printing its 800 KB of weights.
    #[cfg(feature = "default-model")]
    #[test]
    fn debug_is_short() {
        let s = format!("{:?}", Classifier::default());
        assert!(s.len() < 2_000 && s.contains("vocab_size"), "{s}");
    }

    #[cfg(feature = "default-model")]
    #[test]
    fn embedded_model_loads_and_classifies() {
        let c = Classifier::default();
        assert_eq!(
            c.info().labels,
            ["marketing", "verification", "transactional", "personal"]
        );
        for text in [
            "",
            "【京东】您的验证码为482913，5分钟内有效",
            &"优惠".repeat(50_000),
            "\0🎉ＡＢＣ",
        ] {
            let p = c.classify(text);
            let sum: f32 = p.scores.iter().sum();
            assert!(
                (sum - 1.0).abs() < 1e-4 && p.confidence >= 1.0 / Label::COUNT as f32,
                "{p:?}"
            );
        }
    }

    #[test]
    fn safety_rule_surfaces_marketing_with_a_code() {
        let with_code = extract("双11狂欢购，注册验证码482913，全场5折，回T退订");
        let without = extract("双11狂欢购，全场5折，回T退订");
        assert!(with_code.code.is_some() && without.code.is_none());
        // (label, P(marketing), extraction, folded at the default threshold)
        let table = [
            (Label::Marketing, 0.99, &without, true),
            (Label::Marketing, 0.90, &without, true),
            (Label::Marketing, 0.89, &without, false),
            (Label::Marketing, 0.99, &with_code, false),
            (Label::Verification, 0.0, &with_code, false),
            (Label::Transactional, 0.4, &without, false),
            (Label::Personal, 0.3, &without, false),
            (Label::Personal, 0.3, &with_code, false),
        ];
        for (label, p, found, fold) in table {
            assert_eq!(
                may_fold(label, p, DEFAULT_FOLD_THRESHOLD, found),
                fold,
                "{label:?} {p} {found:?}"
            );
        }
    }

    #[cfg(feature = "default-model")]
    #[test]
    fn fold_threshold_is_set_and_clamped() {
        let c = Classifier::default();
        assert_eq!(c.fold_threshold(), DEFAULT_FOLD_THRESHOLD);
        let text = "双12狂欢最后一天！全场满300减50，戳 t.cn/A6xYz3Qp 抢券，回T退订";
        let p = c.classify(text);
        assert_eq!(p.label, Label::Marketing);
        let strict = c.clone().with_fold_threshold(2.0);
        assert_eq!(strict.fold_threshold(), 1.0);
        let lax = c.clone().with_fold_threshold(-1.0);
        assert_eq!(lax.fold_threshold(), 0.0);
        assert!(lax.classify(text).fold);
        assert_eq!(strict.classify(text).fold, p.score(Label::Marketing) >= 1.0);
        assert_eq!(
            c.clone().with_fold_threshold(f32::NAN).fold_threshold(),
            DEFAULT_FOLD_THRESHOLD
        );
    }

    #[cfg(feature = "default-model")]
    #[test]
    fn no_prediction_with_a_code_is_folded() {
        let c = Classifier::default();
        for text in [
            "【京东】您的验证码为482913，5分钟内有效",
            "双11狂欢购，注册验证码482913，全场5折，回T退订",
            "【某商城】会员日全场满199减100，登录验证码：7391，戳 t.cn/abc 回TD退订",
            "领券中心上新！动态密码846213，抢购限时秒杀 回N退订",
        ] {
            let p = c.classify(text);
            assert!(p.found.code.is_some(), "{text}");
            assert!(!p.fold, "{text}: {p:?}");
        }
    }

    /// Buffers reused from call to call only grow and hold the previous message's values
    /// past the current one's length: a long message, then short ones, then long again must
    /// score exactly as with fresh buffers.
    #[test]
    fn reused_scratch_scores_like_fresh() {
        let c = Classifier::default();
        let texts = [
            "【京东】您的验证码为482913，5分钟内有效，请勿泄露。如非本人操作，请忽略本短信。双11狂欢季，全场5折起，领券再减100元，详情见App首页活动专区，回TD退订",
            "好",
            "验证码1234",
            "",
            "妈，我下班了，晚上回家吃饭",
            "【京东】您的验证码为482913，5分钟内有效，请勿泄露。如非本人操作，请忽略本短信。双11狂欢季，全场5折起，领券再减100元，详情见App首页活动专区，回TD退订",
        ];
        let mut reused = Scratch::default();
        for t in texts {
            let a = c.classify_with(t, &mut reused);
            let b = c.classify_with(t, &mut Scratch::default());
            let bits = |p: &Prediction| p.scores.map(f32::to_bits);
            assert_eq!(bits(&a), bits(&b), "{t}");
        }
    }

    #[test]
    fn classifier_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Classifier>();
    }
}
