//! The whole training run as one function: data, split, synthetic corpus, tokenizer, training,
//! float evaluation, int8 export through `smsguard`'s writer, int8 evaluation and float-vs-int8
//! agreement. The CLI's `train` and the tests call this.

use crate::data::{self, Example, LabelCounts};
use crate::metrics::{Confusion, Report};
use crate::trainer::{self, Encoded, EpochLog, TrainOptions};
use crate::vocab::{TrainTokenizer, VocabOptions};
use crate::{split, synth};
use anyhow::{Context, Result};
use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};
use smsguard::{Classifier, Label};
use smsguard_model::{Config, Model, QuantError};
use std::path::{Path, PathBuf};

/// Everything `train` needs.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// Labelled files to train on (their training side; the validation side is held out).
    pub data: Vec<PathBuf>,
    /// Synthetic messages to add.
    pub synthetic: usize,
    /// Seed of the synthetic corpus.
    pub synthetic_seed: u64,
    /// Template groups held out for validation (of the real files and of the synthetic corpus).
    pub holdout: split::Holdout,
    /// Model size.
    pub config: Config,
    /// Tokenizer learning.
    pub vocab: VocabOptions,
    /// Training.
    pub train: TrainOptions,
    /// Extra files to evaluate at the end (all of their rows).
    pub eval: Vec<PathBuf>,
    /// Where to keep the float checkpoint, if anywhere.
    pub checkpoint_dir: Option<PathBuf>,
}

/// One evaluation of both the float and the int8 model.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    /// What was evaluated.
    pub name: String,
    /// The candle float model.
    pub float: Report,
    /// The exported int8 model, through `smsguard::Classifier`.
    pub int8: Report,
    /// Share of messages where both give the same label.
    pub top1_agreement: f64,
}

/// What a run produced.
pub struct PipelineResult {
    /// The model file.
    pub model_bytes: Vec<u8>,
    /// Validation (held-out template groups) and each `eval` file.
    pub evaluations: Vec<Evaluation>,
    /// Per-tensor quantization error.
    pub quant: Vec<QuantError>,
    /// Per epoch.
    pub history: Vec<EpochLog>,
    /// The epoch kept.
    pub best_epoch: usize,
    /// Training wall time.
    pub train_seconds: f64,
    /// The training set's classes.
    pub train_counts: LabelCounts,
    /// The validation set's classes.
    pub val_counts: LabelCounts,
}

/// The tokenizer tables as a checkpoint stores them.
#[derive(Serialize, Deserialize)]
struct TokenizerFile {
    vocab: Vec<String>,
    merges: Vec<(u32, u32)>,
    dict: Vec<(u32, u32)>,
}

fn load_all(paths: &[PathBuf]) -> Result<Vec<Example>> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(data::read_tsv(p)?);
    }
    Ok(all)
}

/// Run training end to end.
pub fn run(opts: &PipelineOptions) -> Result<PipelineResult> {
    let real = load_all(&opts.data)?;
    let real_split = split::split_by(real, opts.holdout);
    let synthetic = if opts.synthetic > 0 {
        synth::Grammar::embedded()?.generate(&synth::Options {
            n: opts.synthetic,
            seed: opts.synthetic_seed,
            class: None,
        })?
    } else {
        Vec::new()
    };
    let synth_split = split::split_by(synthetic, opts.holdout);
    let mut train_set = real_split.train;
    train_set.extend(synth_split.train);
    // Early stopping listens to real messages when there are any.
    let val_set = if real_split.val.is_empty() {
        synth_split.val
    } else {
        real_split.val
    };
    let train_counts = LabelCounts::of(&train_set);
    let val_counts = LabelCounts::of(&val_set);
    train_counts.check_trainable().map_err(anyhow::Error::msg)?;
    anyhow::ensure!(
        !val_set.is_empty(),
        "the validation side is empty: use more data or a larger --val"
    );
    eprintln!("training on {train_counts}\nvalidating on {val_counts}");

    let texts: Vec<&str> = train_set.iter().map(|e| e.text.as_str()).collect();
    let tok = TrainTokenizer::learn(&texts, &opts.vocab)?;
    let cfg = Config {
        vocab_size: tok.vocab.len(),
        ..opts.config.clone()
    };
    eprintln!(
        "tokenizer: {} tokens, {} merges, {} dictionary words",
        tok.vocab.len(),
        tok.merges.len(),
        tok.dict.len()
    );
    let train_enc = trainer::encode_all(&tok, &train_set, &cfg, Some(opts.train.seed));
    let val_enc = trainer::encode_all(&tok, &val_set, &cfg, None);
    let trained = trainer::train(&cfg, &train_enc, &val_enc, &opts.train)?;

    if let Some(dir) = &opts.checkpoint_dir {
        save_checkpoint(dir, &cfg, &tok, &trained.varmap)?;
    }
    let mut named: Vec<(String, Vec<Example>)> = vec![("validation".into(), val_set)];
    for p in &opts.eval {
        named.push((p.display().to_string(), data::read_tsv(p)?));
    }
    let mut float = Vec::new();
    for (_, examples) in &named {
        let enc = trainer::encode_all(&tok, examples, &cfg, None);
        float.push(trainer::predict(&trained.model, &enc)?);
    }
    let meta = serde_json::json!({
        "trainer": concat!("smsguard-train ", env!("CARGO_PKG_VERSION")),
        "config": cfg,
        "data": opts.data,
        "synthetic": opts.synthetic,
        "synthetic_seed": opts.synthetic_seed,
        "seed": opts.train.seed,
        "token_dropout": opts.train.token_dropout,
        "token_noise": opts.train.token_noise,
        "train_counts": train_counts.0,
        "best_epoch": trained.best_epoch,
        "float_validation_macro_f1": trainer::score(&trainer::encode_all(&tok, &named[0].1, &cfg, None), &float[0]).macro_f1,
    });
    let labels: Vec<&str> = Label::ALL.iter().map(|l| l.as_str()).collect();
    let (file, quant) = smsguard_model::export(
        &trained.varmap,
        &cfg,
        tok.parts(),
        &labels,
        meta.to_string(),
    )?;
    let model_bytes = file.to_bytes();
    let classifier =
        Classifier::from_bytes(&model_bytes).context("reloading the exported model")?;
    let mut evaluations = Vec::new();
    for ((name, examples), fprobs) in named.iter().zip(&float) {
        evaluations.push(evaluate_both(name, examples, fprobs, &classifier));
    }
    Ok(PipelineResult {
        model_bytes,
        evaluations,
        quant,
        history: trained.history,
        best_epoch: trained.best_epoch,
        train_seconds: trained.seconds,
        train_counts,
        val_counts,
    })
}

/// Score float predictions and the int8 classifier on the same messages.
pub fn evaluate_both(
    name: &str,
    examples: &[Example],
    float: &[[f32; Label::COUNT]],
    classifier: &Classifier,
) -> Evaluation {
    let (mut f, mut q, mut agree) = (Confusion::default(), Confusion::default(), 0usize);
    for (e, fp) in examples.iter().zip(float) {
        let fl = trainer::argmax(fp);
        let ql = classifier.classify(&e.text).label;
        f.add(e.label, fl);
        q.add(e.label, ql);
        agree += usize::from(fl == ql);
    }
    Evaluation {
        name: name.to_owned(),
        float: f.report(),
        int8: q.report(),
        top1_agreement: agree as f64 / examples.len().max(1) as f64,
    }
}

/// Evaluate an exported model on labelled messages.
pub fn evaluate_int8(classifier: &Classifier, examples: &[Example]) -> Report {
    let mut c = Confusion::default();
    for (e, p) in examples.iter().zip(
        classifier.classify_batch(&examples.iter().map(|e| e.text.as_str()).collect::<Vec<_>>()),
    ) {
        c.add(e.label, p.label);
    }
    c.report()
}

/// Write `float.safetensors`, `config.json` and `tokenizer.json` under `dir`.
pub fn save_checkpoint(
    dir: &Path,
    cfg: &Config,
    tok: &TrainTokenizer,
    varmap: &VarMap,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    varmap.save(dir.join("float.safetensors"))?;
    std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(cfg)?)?;
    let t = TokenizerFile {
        vocab: tok.vocab.clone(),
        merges: tok.merges.clone(),
        dict: tok.dict.clone(),
    };
    std::fs::write(dir.join("tokenizer.json"), serde_json::to_string(&t)?)?;
    Ok(())
}

/// A checkpoint loaded back: the float model and its tokenizer.
pub struct Checkpoint {
    /// Model size.
    pub config: Config,
    /// The tokenizer.
    pub tokenizer: TrainTokenizer,
    /// The variables.
    pub varmap: VarMap,
    /// The model.
    pub model: Model,
}

/// Load what [`save_checkpoint`] wrote.
pub fn load_checkpoint(dir: &Path) -> Result<Checkpoint> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .with_context(|| format!("reading {}", dir.join(name).display()))
    };
    let config: Config = serde_json::from_str(&read("config.json")?).context("config.json")?;
    let t: TokenizerFile =
        serde_json::from_str(&read("tokenizer.json")?).context("tokenizer.json")?;
    let tokenizer = TrainTokenizer::from_parts(t.vocab, t.merges, t.dict)?;
    let mut varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let model = Model::new(&config, vb)?;
    varmap
        .load(dir.join("float.safetensors"))
        .context("float.safetensors")?;
    Ok(Checkpoint {
        config,
        tokenizer,
        varmap,
        model,
    })
}

/// Float predictions of a checkpoint on messages.
pub fn predict_float(ck: &Checkpoint, examples: &[Example]) -> Result<Vec<[f32; Label::COUNT]>> {
    let enc: Vec<Encoded> = trainer::encode_all(&ck.tokenizer, examples, &ck.config, None);
    Ok(trainer::predict(&ck.model, &enc)?)
}
