//! Training the candle model: encoding, class weights, AdamW with warmup and decay, seeded
//! shuffling and dropout, validation every epoch, early stopping on validation macro-F1 with
//! the best weights kept.

use crate::data::Example;
use crate::metrics::{Confusion, Report};
use crate::vocab::TrainTokenizer;
use candle_core::{DType, Device, Tensor, D};
use candle_nn::{Optimizer, VarMap};
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use smsguard::Label;
use smsguard_model::{Config, Dropout, GramBatch, Model};
use std::time::Instant;

/// Where the 80w-derived rows come from: their digits are masked and many are cut at
/// [`CUT_CHARS`] characters.
pub fn is_masked_source(source: &str) -> bool {
    source.starts_with("xiaojie16_") || source.starts_with("zpdesu_")
}

/// The length at which the 80w-derived rows were cut.
pub const CUT_CHARS: usize = 67;

/// Share of the other training messages longer than [`CUT_CHARS`] that are cut the same way,
/// so that "exactly 67 characters" says nothing about the class.
pub const CUT_SHARE: f64 = 0.4;

/// One encoded message.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// Token ids, `[CLS]` first.
    pub ids: Vec<u32>,
    /// Buckets of the character n-grams (empty for a model without the n-gram branch).
    pub grams: Vec<u32>,
    /// The class.
    pub label: Label,
}

/// The n-gram buckets `smsguard` computes for `text` with `buckets` buckets.
pub fn grams_of(text: &str, buckets: usize) -> Vec<u32> {
    let mut out = Vec::new();
    let norm = smsguard::normalize::normalize(text);
    smsguard::ngram::features(norm.as_str(), buckets as u32, &mut out);
    out
}

/// Encode messages (in parallel) for the model `cfg`. With `augment_seed`, messages from other
/// sources than the masked one are cut at [`CUT_CHARS`] characters with probability
/// [`CUT_SHARE`].
pub fn encode_all(
    tok: &TrainTokenizer,
    examples: &[Example],
    cfg: &Config,
    augment_seed: Option<u64>,
) -> Vec<Encoded> {
    examples
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            let mut text = e.text.as_str();
            if let Some(seed) = augment_seed {
                let mut rng = ChaCha8Rng::seed_from_u64(
                    seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                if !is_masked_source(&e.source) && rng.random_bool(CUT_SHARE) {
                    if let Some((at, _)) = text.char_indices().nth(CUT_CHARS) {
                        text = &text[..at];
                    }
                }
            }
            Encoded {
                ids: tok.encode(text, cfg.max_len),
                grams: grams_of(text, cfg.ngram_buckets),
                label: e.label,
            }
        })
        .collect()
}

/// Training options.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// Most passes over the training data.
    pub epochs: usize,
    /// Messages per step.
    pub batch_size: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Share of steps spent warming up.
    pub warmup: f64,
    /// Which epoch's weights to keep.
    pub select: Selection,
    /// Share of input tokens (never `[CLS]`) replaced by `[UNK]` in each training batch, drawn
    /// afresh every epoch: the model cannot lean on one word or one template's signature, and
    /// learns to read messages whose words the tokenizer has not seen.
    pub token_dropout: f64,
    /// Share of input tokens (never `[CLS]`) replaced by a token drawn from the training
    /// corpus (by frequency) in each training batch. A template corpus puts most ordinary words
    /// in templates of one class only, so the model learns them as class evidence; noise puts
    /// every word into every class a little, and only words that really go with a class stay
    /// evidence.
    pub token_noise: f64,
    /// The n-gram branch's learning rate as a multiple of the encoder's.
    pub ngram_lr_scale: f64,
    /// AdamW weight decay of the n-gram table.
    pub ngram_weight_decay: f64,
    /// Weight of a second loss on the n-gram branch's logits alone, added to the loss on the
    /// sum: 0 trains the branch only as the encoder's complement; more asks it to classify
    /// on its own too, as a linear character n-gram model (fastText, a linear SVM) does.
    pub ngram_aux_loss: f64,
    /// Seed for initialization, shuffling and dropout.
    pub seed: u64,
    /// Stop (keeping the best weights) once this much time has passed.
    pub max_minutes: Option<f64>,
    /// Show a progress bar.
    pub progress: bool,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions {
            epochs: 8,
            batch_size: 64,
            lr: 2e-3,
            weight_decay: 0.01,
            warmup: 0.05,
            select: Selection::Last,
            token_dropout: 0.0,
            token_noise: 0.0,
            ngram_lr_scale: 1.0,
            ngram_weight_decay: 0.01,
            ngram_aux_loss: 0.0,
            seed: 1,
            max_minutes: None,
            progress: true,
        }
    }
}

/// Which epoch's weights training keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Run every epoch of the schedule (warm-up, cosine decay to a tenth) and keep the last:
    /// no choice rests on the validation side, whose few verification messages make its score
    /// jump by more than an epoch changes it (two runs of one command once stopped at epoch 3
    /// and kept epoch 1 because of one dip). The default.
    Last,
    /// Keep the best epoch on the validation side, stopping after `patience` epochs without a
    /// better one. Best means fewest verification and personal messages called marketing
    /// (the worst errors, counted together), then fewest transactional called marketing, then
    /// the highest macro-F1: the safety counts first.
    Best {
        /// Epochs without improvement before stopping.
        patience: usize,
    },
}

/// How an epoch ranks under [`Selection::Best`]: higher is better.
fn selection_key(r: &Report) -> (std::cmp::Reverse<usize>, std::cmp::Reverse<usize>, f64) {
    (
        std::cmp::Reverse(r.verification_as_marketing + r.personal_as_marketing),
        std::cmp::Reverse(r.transactional_as_marketing),
        r.macro_f1,
    )
}

/// One epoch's log line.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EpochLog {
    /// 1-based.
    pub epoch: usize,
    /// Mean training loss.
    pub loss: f64,
    /// Validation macro-F1 (float model).
    pub val_macro_f1: f64,
    /// Training messages per second.
    pub samples_per_sec: f64,
}

/// A trained model with its history.
pub struct Trained {
    /// The variables (best epoch).
    pub varmap: VarMap,
    /// The model over them.
    pub model: Model,
    /// Per epoch.
    pub history: Vec<EpochLog>,
    /// The best epoch (1-based).
    pub best_epoch: usize,
    /// Wall time.
    pub seconds: f64,
}

/// Class weights: inverse frequency, normalized so the mean weight per message is 1, capped so
/// a class of a few dozen messages does not dominate.
pub fn class_weights(data: &[Encoded]) -> [f32; Label::COUNT] {
    let mut counts = [0usize; Label::COUNT];
    data.iter().for_each(|e| counts[e.label.index()] += 1);
    let n = data.len().max(1) as f32;
    let present = counts.iter().filter(|&&c| c > 0).count().max(1) as f32;
    let mut w = [0f32; Label::COUNT];
    for i in 0..Label::COUNT {
        if counts[i] > 0 {
            w[i] = (n / (present * counts[i] as f32)).clamp(0.1, 20.0);
        }
    }
    w
}

/// A copy of `e` with each token after `[CLS]` replaced by `[UNK]` with probability `unk`,
/// or else by a random token of `pool` (the training corpus's tokens, so drawn by frequency)
/// with probability `noise`.
fn corrupt_tokens(
    e: &Encoded,
    unk: f64,
    noise: f64,
    pool: &[u32],
    rng: &mut ChaCha8Rng,
) -> Encoded {
    let ids = e
        .ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            if i == 0 {
                id
            } else if unk > 0.0 && rng.random_bool(unk) {
                UNK_ID
            } else if noise > 0.0 && !pool.is_empty() && rng.random_bool(noise) {
                pool[rng.random_range(0..pool.len())]
            } else {
                id
            }
        })
        .collect();
    Encoded {
        ids,
        grams: e.grams.clone(),
        label: e.label,
    }
}

/// Id of `[UNK]` (the special tokens come first in the vocabulary, in this order).
const UNK_ID: u32 = 2;

/// Token ids, mask and n-grams of a batch; `dropout` leaves n-grams out in training.
fn batch_tensors(
    items: &[&Encoded],
    dropout: Option<&mut Dropout>,
) -> candle_core::Result<(Tensor, Tensor, GramBatch)> {
    let t = items.iter().map(|e| e.ids.len()).max().unwrap_or(1);
    let mut ids = Vec::with_capacity(items.len() * t);
    let mut mask = Vec::with_capacity(items.len() * t);
    for e in items {
        ids.extend_from_slice(&e.ids);
        mask.extend(std::iter::repeat_n(1f32, e.ids.len()));
        ids.extend(std::iter::repeat_n(0u32, t - e.ids.len()));
        mask.extend(std::iter::repeat_n(0f32, t - e.ids.len()));
    }
    let grams: Vec<&[u32]> = items.iter().map(|e| e.grams.as_slice()).collect();
    Ok((
        Tensor::from_vec(ids, (items.len(), t), &Device::Cpu)?,
        Tensor::from_vec(mask, (items.len(), t), &Device::Cpu)?,
        GramBatch::new(&grams, dropout)?,
    ))
}

/// Class probabilities from the float model, in input order.
pub fn predict(model: &Model, data: &[Encoded]) -> candle_core::Result<Vec<[f32; Label::COUNT]>> {
    // Sorting by length keeps padding small; results go back to input order.
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.sort_by_key(|&i| data[i].ids.len());
    let mut out = vec![[0f32; Label::COUNT]; data.len()];
    for chunk in order.chunks(256) {
        let items: Vec<&Encoded> = chunk.iter().map(|&i| &data[i]).collect();
        let (ids, mask, grams) = batch_tensors(&items, None)?;
        let probs =
            candle_nn::ops::softmax(&model.forward(&ids, &mask, Some(&grams), None)?, D::Minus1)?;
        let rows: Vec<Vec<f32>> = probs.to_vec2()?;
        for (&i, r) in chunk.iter().zip(rows) {
            // A checkpoint from before `personal` has three outputs; the rest stay 0.
            for (o, v) in out[i].iter_mut().zip(r) {
                *o = v;
            }
        }
    }
    Ok(out)
}

/// The label with the highest probability.
pub fn argmax(p: &[f32; Label::COUNT]) -> Label {
    let best = (0..Label::COUNT)
        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
        .unwrap_or(0);
    Label::from_index(best).unwrap_or(Label::Marketing)
}

/// Score predictions against labels.
pub fn score(data: &[Encoded], probs: &[[f32; Label::COUNT]]) -> Report {
    let mut c = Confusion::default();
    for (e, p) in data.iter().zip(probs) {
        c.add(e.label, argmax(p));
    }
    c.report()
}

/// Train a model.
pub fn train(
    cfg: &Config,
    train: &[Encoded],
    val: &[Encoded],
    opts: &TrainOptions,
) -> anyhow::Result<Trained> {
    anyhow::ensure!(!train.is_empty(), "no training messages");
    let started = Instant::now();
    let (varmap, model) = smsguard_model::build(cfg, opts.seed)?;
    let weights = class_weights(train);
    // The n-gram table gets its own optimizer so its step size can differ (AdamW updates each
    // variable on its own, so two optimizers at one rate equal one).
    let (gram_vars, other_vars): (Vec<_>, Vec<_>) = {
        let data = varmap.data().lock().expect("varmap lock");
        let mut named: Vec<(String, candle_core::Var)> =
            data.iter().map(|(n, v)| (n.clone(), v.clone())).collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        named
            .into_iter()
            .partition(|(name, _)| name.starts_with("ngram."))
    };
    let params = |lr: f64, weight_decay: f64| candle_nn::ParamsAdamW {
        lr,
        weight_decay,
        ..Default::default()
    };
    let mut opt = candle_nn::AdamW::new(
        other_vars.into_iter().map(|(_, v)| v).collect(),
        params(opts.lr, opts.weight_decay),
    )?;
    let mut gram_opt = candle_nn::AdamW::new(
        gram_vars.into_iter().map(|(_, v)| v).collect(),
        params(opts.lr * opts.ngram_lr_scale, opts.ngram_weight_decay),
    )?;
    let steps_per_epoch = train.len().div_ceil(opts.batch_size);
    let total_steps = (steps_per_epoch * opts.epochs).max(1);
    let warmup = ((total_steps as f64 * opts.warmup) as usize).max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(1));
    let bar = if opts.progress {
        ProgressBar::new(total_steps as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} steps, ETA {eta}  {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    // Every token of the training side after `[CLS]`: drawing from it draws by frequency.
    let pool: Vec<u32> = if opts.token_noise > 0.0 {
        train
            .iter()
            .flat_map(|e| e.ids[1..].iter().copied())
            .collect()
    } else {
        Vec::new()
    };
    let mut history = Vec::new();
    let mut best: Option<(f64, usize, Snapshot)> = None;
    let mut best_key = None;
    let mut step = 0usize;
    let mut out_of_time = false;
    for epoch in 1..=opts.epochs {
        let epoch_start = Instant::now();
        let mut order: Vec<usize> = (0..train.len()).collect();
        order.shuffle(&mut rng);
        // Batches of similar length pad less: sort within windows of 50 batches, then shuffle
        // the batches.
        for window in order.chunks_mut(opts.batch_size * 50) {
            window.sort_by_key(|&i| train[i].ids.len());
        }
        let mut batches: Vec<&[usize]> = order.chunks(opts.batch_size).collect();
        batches.shuffle(&mut rng);
        let (mut loss_sum, mut loss_n, mut seen) = (0.0f64, 0usize, 0usize);
        for batch in batches {
            let lr = if step < warmup {
                opts.lr * (step + 1) as f64 / warmup as f64
            } else {
                // Cosine decay to a tenth of the peak.
                let progress = (step - warmup) as f64 / (total_steps - warmup).max(1) as f64;
                opts.lr
                    * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * progress.min(1.0)).cos()))
            };
            opt.set_learning_rate(lr);
            gram_opt.set_learning_rate(lr * opts.ngram_lr_scale);
            let corrupted: Vec<Encoded>;
            let mut items: Vec<&Encoded> = batch.iter().map(|&i| &train[i]).collect();
            if opts.token_dropout > 0.0 || opts.token_noise > 0.0 {
                corrupted = items
                    .iter()
                    .map(|e| {
                        corrupt_tokens(e, opts.token_dropout, opts.token_noise, &pool, &mut rng)
                    })
                    .collect();
                items = corrupted.iter().collect();
            }
            let mut dropout = Dropout {
                p: cfg.dropout,
                rng: &mut rng,
            };
            let (ids, mask, grams) = batch_tensors(&items, Some(&mut dropout))?;
            let targets = Tensor::from_vec(
                items
                    .iter()
                    .map(|e| e.label.index() as u32)
                    .collect::<Vec<_>>(),
                items.len(),
                &Device::Cpu,
            )?;
            let w = Tensor::from_vec(
                items
                    .iter()
                    .map(|e| weights[e.label.index()])
                    .collect::<Vec<_>>(),
                items.len(),
                &Device::Cpu,
            )?;
            let (encoder, ngram) =
                model.forward_parts(&ids, &mask, Some(&grams), Some(&mut dropout))?;
            let w_sum = f64::from(w.sum_all()?.to_scalar::<f32>()?);
            // Class-weighted mean cross-entropy of a batch's logits.
            let cross_entropy = |logits: &Tensor| -> candle_core::Result<Tensor> {
                let logp = candle_nn::ops::log_softmax(logits, D::Minus1)?;
                let picked = logp.gather(&targets.unsqueeze(1)?, 1)?.squeeze(1)?;
                (picked * &w)?.sum_all()?.neg()? / w_sum
            };
            let loss = match &ngram {
                Some(g) => {
                    let main = cross_entropy(&(&encoder + g)?)?;
                    if opts.ngram_aux_loss > 0.0 {
                        (main + (cross_entropy(g)? * opts.ngram_aux_loss)?)?
                    } else {
                        main
                    }
                }
                None => cross_entropy(&encoder)?,
            };
            let grads = loss.backward()?;
            opt.step(&grads)?;
            gram_opt.step(&grads)?;
            let l = f64::from(loss.to_dtype(DType::F32)?.to_scalar::<f32>()?);
            anyhow::ensure!(l.is_finite(), "the training loss became {l} at step {step}");
            loss_sum += l;
            loss_n += 1;
            seen += items.len();
            step += 1;
            bar.inc(1);
            let rate = seen as f64 / epoch_start.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "epoch {epoch} loss {:.4} {rate:.0} msg/s",
                loss_sum / loss_n as f64
            ));
            if opts
                .max_minutes
                .is_some_and(|m| started.elapsed().as_secs_f64() > m * 60.0)
            {
                out_of_time = true;
                break;
            }
        }
        let val_report = score(val, &predict(&model, val)?);
        let log = EpochLog {
            epoch,
            loss: loss_sum / loss_n.max(1) as f64,
            val_macro_f1: val_report.macro_f1,
            samples_per_sec: seen as f64 / epoch_start.elapsed().as_secs_f64().max(1e-9),
        };
        // `suspend` prints even when the bar is hidden (output not a terminal): logs keep it.
        bar.suspend(|| {
            eprintln!(
                "epoch {epoch}: loss {:.4}, validation macro-F1 {:.4}, {:.0} msg/s",
                log.loss, log.val_macro_f1, log.samples_per_sec
            )
        });
        history.push(log);
        match opts.select {
            Selection::Last => {
                if epoch == opts.epochs || out_of_time {
                    best = Some((val_report.macro_f1, epoch, snapshot(&varmap)?));
                }
            }
            Selection::Best { patience } => {
                let key = selection_key(&val_report);
                if best_key.as_ref().is_none_or(|k| key > *k) {
                    best_key = Some(key);
                    best = Some((val_report.macro_f1, epoch, snapshot(&varmap)?));
                } else if best.as_ref().is_some_and(|(_, e, _)| epoch - e >= patience) {
                    bar.suspend(|| {
                        eprintln!("no better validation epoch for {patience} epochs: stopping")
                    });
                    break;
                }
            }
        }
        if out_of_time {
            bar.suspend(|| eprintln!("time budget reached: stopping"));
            if best.is_none() {
                best = Some((val_report.macro_f1, epoch, snapshot(&varmap)?));
            }
            break;
        }
    }
    bar.finish_and_clear();
    let (_, best_epoch, weights) = best.expect("at least one epoch ran");
    restore(&varmap, &weights)?;
    Ok(Trained {
        varmap,
        model,
        history,
        best_epoch,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A copy of every variable, by name.
type Snapshot = Vec<(String, Tensor)>;

fn snapshot(varmap: &VarMap) -> candle_core::Result<Snapshot> {
    let data = varmap.data().lock().expect("varmap lock");
    data.iter()
        .map(|(k, v)| Ok((k.clone(), v.as_tensor().copy()?)))
        .collect()
}

fn restore(varmap: &VarMap, weights: &[(String, Tensor)]) -> candle_core::Result<()> {
    let data = varmap.data().lock().expect("varmap lock");
    for (k, t) in weights {
        data[k].set(t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The safety counts rank before macro-F1: an epoch that folds a code or a person's
    /// message loses to one that does not, whatever their macro-F1.
    #[test]
    fn best_epoch_ranks_safety_first() {
        use crate::metrics::Confusion;
        use Label::*;
        let report = |pairs: &[(Label, Label, usize)]| {
            let mut c = Confusion::default();
            for &(t, p, n) in pairs {
                for _ in 0..n {
                    c.add(t, p);
                }
            }
            c.report()
        };
        let base = [
            (Marketing, Marketing, 90),
            (Verification, Verification, 10),
            (Transactional, Transactional, 10),
            (Personal, Personal, 10),
        ];
        let with = |extra: (Label, Label, usize)| {
            let mut v = base.to_vec();
            v.push(extra);
            report(&v)
        };
        let code_folded = with((Verification, Marketing, 1));
        let person_folded = with((Personal, Marketing, 1));
        let notice_folded = with((Transactional, Marketing, 1));
        let ad_shown = with((Marketing, Transactional, 5));
        // Worse macro-F1 but nothing worse than an ad shown: ranks first.
        assert!(ad_shown.macro_f1 < notice_folded.macro_f1);
        assert!(selection_key(&ad_shown) > selection_key(&notice_folded));
        assert!(selection_key(&notice_folded) > selection_key(&code_folded));
        assert!(selection_key(&notice_folded) > selection_key(&person_folded));
        // A code and a person's message count alike.
        assert_eq!(
            selection_key(&code_folded).0,
            selection_key(&person_folded).0
        );
    }

    #[test]
    fn class_weights_balance_and_cap() {
        let mk = |l: Label, n: usize| {
            (0..n).map(move |_| Encoded {
                ids: vec![1],
                grams: Vec::new(),
                label: l,
            })
        };
        let data: Vec<Encoded> = mk(Label::Marketing, 90)
            .chain(mk(Label::Verification, 10))
            .collect();
        let w = class_weights(&data);
        assert!((w[0] * 90.0 - w[1] * 10.0).abs() < 1e-3, "{w:?}");
        assert_eq!(w[2], 0.0);
        let skewed: Vec<Encoded> = mk(Label::Marketing, 10_000)
            .chain(mk(Label::Verification, 1))
            .collect();
        assert_eq!(class_weights(&skewed)[1], 20.0);
    }

    #[test]
    fn token_dropout_replaces_only_words_with_unk() {
        assert_eq!(
            smsguard::tokenizer::SPECIAL_TOKENS[UNK_ID as usize],
            "[UNK]"
        );
        let e = Encoded {
            ids: (1..=2001).collect(),
            grams: Vec::new(),
            label: Label::Marketing,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let d = corrupt_tokens(&e, 0.25, 0.0, &[], &mut rng);
        assert_eq!(d.ids.len(), e.ids.len());
        assert_eq!(d.ids[0], 1, "[CLS] stays");
        let dropped = d.ids.iter().zip(&e.ids).filter(|(a, b)| a != b).count();
        assert!(
            (400..600).contains(&dropped),
            "{dropped} of 2000 dropped at p = 0.25"
        );
        assert!(d
            .ids
            .iter()
            .zip(&e.ids)
            .all(|(a, b)| a == b || *a == UNK_ID));
        assert_eq!(corrupt_tokens(&e, 0.0, 0.0, &[], &mut rng).ids, e.ids);
    }

    #[test]
    fn token_noise_draws_replacements_from_the_pool() {
        let e = Encoded {
            ids: (1..=2001).collect(),
            grams: Vec::new(),
            label: Label::Verification,
        };
        let pool = [9000u32, 9001];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = corrupt_tokens(&e, 0.0, 0.1, &pool, &mut rng);
        assert_eq!(n.ids[0], 1, "[CLS] stays");
        assert_eq!(n.label, e.label);
        let changed: Vec<u32> = n
            .ids
            .iter()
            .zip(&e.ids)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| *a)
            .collect();
        assert!(
            (140..260).contains(&changed.len()),
            "{} of 2000 replaced at p = 0.1",
            changed.len()
        );
        assert!(changed.iter().all(|id| pool.contains(id)));
        // Both at once: [UNK] first, noise on what is left.
        let b = corrupt_tokens(&e, 0.5, 0.5, &pool, &mut rng);
        assert!(b.ids.contains(&UNK_ID) && b.ids.iter().any(|id| pool.contains(id)));
    }

    #[test]
    fn masked_sources() {
        assert!(is_masked_source("xiaojie16_6class") && is_masked_source("zpdesu_80w_head"));
        assert!(!is_masked_source("mudou_spam") && !is_masked_source("synth:login"));
    }
}
