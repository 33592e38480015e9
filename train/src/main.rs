//! `smsguard-train`: generate the synthetic corpus, inspect data, train, evaluate and export.
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use smsguard::Label;
use smsguard_model::Config;
use smsguard_train::pipeline::{self, PipelineOptions};
use smsguard_train::trainer::{Selection, TrainOptions};
use smsguard_train::vocab::VocabOptions;
use smsguard_train::{cv, data, split, synth};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about = "Train, evaluate and export smsguard models")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Which epoch training keeps (see `smsguard_train::trainer::Selection`).
#[derive(Clone, Copy, clap::ValueEnum)]
enum Select {
    /// The last epoch of the schedule.
    Last,
    /// The best validation epoch, with early stopping.
    Best,
}

/// What a training run learns from and how: shared by `train` and `cv`.
#[derive(clap::Args)]
struct TrainArgs {
    /// Labelled files (label<TAB>text[<TAB>source]); their template-group training side is used.
    #[arg(long = "data", num_args = 1.., default_values = ["../shared/data/dev.tsv"])]
    data: Vec<PathBuf>,
    /// Train on the synthetic corpus only (ignores --data).
    #[arg(long)]
    synthetic_only: bool,
    /// Synthetic messages to add.
    #[arg(long, default_value_t = 60_000)]
    synthetic: usize,
    /// Seed of the synthetic corpus.
    #[arg(long, default_value_t = 1)]
    synthetic_seed: u64,
    /// Model size.
    #[arg(long, value_enum, default_value_t = Size::Default)]
    size: Size,
    /// Vocabulary size.
    #[arg(long, default_value_t = 6000)]
    vocab_size: usize,
    /// Feed-forward width (overrides the size preset).
    #[arg(long)]
    d_ffn: Option<usize>,
    /// Longest input in tokens, [CLS] included (overrides the size preset).
    #[arg(long)]
    max_len: Option<usize>,
    /// Encoder layers (overrides the size preset).
    #[arg(long)]
    layers: Option<usize>,
    /// Hash buckets of the character n-gram branch beside the encoder (overrides the size
    /// preset: 65,536 for the default size, 1,024 for tiny); 0 trains the encoder alone.
    #[arg(long)]
    ngram_buckets: Option<usize>,
    /// Passes over the data.
    #[arg(long, default_value_t = 8)]
    epochs: usize,
    /// Keep the weights of the last epoch of the schedule (`last`, reproducible and not
    /// swayed by a noisy validation score), or of the best validation epoch (`best`: fewest
    /// verification then transactional messages called marketing, then macro-F1; stops
    /// after --patience epochs without a better one).
    #[arg(long, value_enum, default_value = "last")]
    select: Select,
    /// Epochs without a better validation epoch before stopping (with --select best).
    #[arg(long, default_value_t = 2)]
    patience: usize,
    /// Stop (keeping the best epoch) after this many minutes. Off by default: where a
    /// wall-clock budget cuts training depends on the machine's speed, so a run with one is
    /// not reproducible.
    #[arg(long)]
    max_minutes: Option<f64>,
    /// Peak learning rate.
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    /// The n-gram branch's learning rate as a multiple of --lr.
    #[arg(long, default_value_t = 1.0)]
    ngram_lr_scale: f64,
    /// AdamW weight decay of the n-gram table (the rest of the model keeps 0.01). Adam gives a
    /// rare n-gram a large step each time it occurs; decay pulls what is not seen again back
    /// to zero, as the L2 penalty of a linear SVM does.
    #[arg(long, default_value_t = 0.01)]
    ngram_weight_decay: f64,
    /// Weight of a second loss on the n-gram branch's logits alone (0: none; the branch is
    /// trained only through the sum with the encoder's logits).
    #[arg(long, default_value_t = 0.0)]
    ngram_aux_loss: f64,
    /// Seed for initialization, shuffling, dropout and augmentation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of input tokens replaced by [UNK] in each training batch (augmentation).
    #[arg(long, default_value_t = 0.0)]
    token_dropout: f64,
    /// Share of input tokens replaced by a random token of the training corpus in each
    /// training batch (augmentation: ordinary words stop being evidence of one class).
    #[arg(long, default_value_t = 0.0)]
    token_noise: f64,
}

impl TrainArgs {
    /// The pipeline's options, holding out `holdout`.
    fn options(
        &self,
        holdout: split::Holdout,
        eval: Vec<PathBuf>,
        checkpoint_dir: Option<PathBuf>,
    ) -> Result<PipelineOptions> {
        if !(0.0..1.0).contains(&self.token_dropout) {
            bail!(
                "--token-dropout {}: expected a share in [0, 1)",
                self.token_dropout
            );
        }
        if !(0.0..1.0).contains(&self.token_noise) {
            bail!(
                "--token-noise {}: expected a share in [0, 1)",
                self.token_noise
            );
        }
        if !(self.ngram_lr_scale.is_finite() && self.ngram_lr_scale > 0.0) {
            bail!(
                "--ngram-lr-scale {}: expected a positive number",
                self.ngram_lr_scale
            );
        }
        if !(self.ngram_weight_decay.is_finite() && self.ngram_weight_decay >= 0.0) {
            bail!(
                "--ngram-weight-decay {}: expected a number >= 0",
                self.ngram_weight_decay
            );
        }
        if !(self.ngram_aux_loss.is_finite() && self.ngram_aux_loss >= 0.0) {
            bail!(
                "--ngram-aux-loss {}: expected a number >= 0",
                self.ngram_aux_loss
            );
        }
        if self.synthetic_only && self.synthetic == 0 {
            bail!("--synthetic-only needs --synthetic N with N > 0");
        }
        let mut config = match self.size {
            Size::Default => Config::default(),
            Size::Tiny => Config::tiny(0),
        };
        config.d_ffn = self.d_ffn.unwrap_or(config.d_ffn);
        config.max_len = self.max_len.unwrap_or(config.max_len);
        config.n_layers = self.layers.unwrap_or(config.n_layers);
        if config.n_layers == 0 {
            bail!("--layers 0: expected at least one encoder layer");
        }
        config.ngram_buckets = self.ngram_buckets.unwrap_or(config.ngram_buckets);
        if config.ngram_buckets > 1 << 24 {
            bail!(
                "--ngram-buckets {}: expected at most {} (each bucket costs 4 bytes of model)",
                config.ngram_buckets,
                1 << 24
            );
        }
        Ok(PipelineOptions {
            data: if self.synthetic_only {
                Vec::new()
            } else {
                self.data.clone()
            },
            synthetic: self.synthetic,
            synthetic_seed: self.synthetic_seed,
            holdout,
            config,
            vocab: VocabOptions {
                vocab_size: self.vocab_size,
                ..VocabOptions::default()
            },
            train: TrainOptions {
                epochs: self.epochs,
                lr: self.lr,
                ngram_lr_scale: self.ngram_lr_scale,
                ngram_weight_decay: self.ngram_weight_decay,
                ngram_aux_loss: self.ngram_aux_loss,
                seed: self.seed,
                token_dropout: self.token_dropout,
                token_noise: self.token_noise,
                max_minutes: self.max_minutes,
                select: match self.select {
                    Select::Last => Selection::Last,
                    Select::Best => Selection::Best {
                        patience: self.patience,
                    },
                },
                ..TrainOptions::default()
            },
            eval,
            checkpoint_dir,
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Write a synthetic labelled corpus (label<TAB>text<TAB>synth:<subtype>).
    Generate {
        /// How many messages; balanced across classes unless --class is given.
        #[arg(long, default_value_t = 60_000)]
        n: usize,
        /// Random seed: the same seed gives the same corpus.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only this class.
        #[arg(long)]
        class: Option<Label>,
        /// Output file, or - for standard output.
        #[arg(long, default_value = "synthetic.tsv")]
        out: PathBuf,
        /// Read templates and lexicons from this folder instead of the embedded copy of data/synth.
        #[arg(long)]
        synth_dir: Option<PathBuf>,
    },
    /// Summarize labelled files: counts per class and source, and the template-group split.
    Stats {
        /// Labelled files (label<TAB>text[<TAB>source]).
        #[arg(long = "data", required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        /// Share of template groups held out for validation.
        #[arg(long, default_value_t = 0.15)]
        val: f64,
    },
    /// Train a model and export it as int8.
    Train {
        #[command(flatten)]
        args: TrainArgs,
        /// Where to write the int8 model.
        #[arg(long, default_value = "smsguard.smsg")]
        out: PathBuf,
        /// Keep the float checkpoint (safetensors, config, tokenizer) in this folder.
        #[arg(long)]
        checkpoint_dir: Option<PathBuf>,
        /// Files to evaluate at the end, every row (float and int8).
        #[arg(long = "eval", num_args = 1..)]
        eval: Vec<PathBuf>,
        /// Share of template groups held out for validation.
        #[arg(long, default_value_t = 0.15)]
        val: f64,
        /// Also write the summary as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Cross-validate: train one model per fold of template groups, each holding out its fold,
    /// and score every real message with the model that never saw its template. A measure over
    /// all of --data (with all of its verification messages) instead of one 15% side; what a
    /// model change must beat, by more than the spread between folds and seeds.
    Cv {
        #[command(flatten)]
        args: TrainArgs,
        /// Number of folds.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Run only these folds (0-based; default all), to spread the work over machines or
        /// runs; each fold's result is the same whichever others run.
        #[arg(long, num_args = 1..)]
        only: Vec<usize>,
        /// Folds trained at once (each on its share of the cores; results do not depend on it).
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// Also write per-fold and pooled reports, and every out-of-fold prediction, as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Evaluate an int8 model file (or a float checkpoint) on labelled files.
    Eval {
        /// The model file.
        #[arg(long)]
        model: Option<PathBuf>,
        /// A float checkpoint folder instead of a model file.
        #[arg(long, conflicts_with = "model")]
        checkpoint: Option<PathBuf>,
        /// Labelled files.
        #[arg(long = "data", required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        /// Only the training or validation side of the template-group split.
        #[arg(long)]
        side: Option<Side>,
        /// Score one message per (class, template group) instead of every row.
        #[arg(long)]
        one_per_template: bool,
        /// Share of template groups held out for validation.
        #[arg(long, default_value_t = 0.15)]
        val: f64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also write every scored message's prediction here, one JSON object per line (row,
        /// source, label, prediction, probabilities, and `fold`: called marketing with no code
        /// found, before any fold threshold; no text), for threshold and error analysis. Int8
        /// model only.
        #[arg(long, requires = "model")]
        predictions: Option<PathBuf>,
    },
    /// Export a float checkpoint to the int8 model format and print the quantization error.
    Export {
        /// The checkpoint folder written by `train --checkpoint-dir`.
        #[arg(long)]
        checkpoint: PathBuf,
        /// Where to write the model file.
        #[arg(long)]
        out: PathBuf,
    },
    /// One table of accuracy, speed and size for the int8 model, its candle f32 counterpart and
    /// the peers (fastText, TF-IDF + logistic regression) on the same split: Markdown and JSON.
    Report {
        /// Labelled files; each is evaluated on its validation side and as a whole.
        #[arg(long = "data", required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        /// The int8 model file.
        #[arg(long, default_value = "infer/model/smsguard-default.smsg")]
        model: PathBuf,
        /// A float checkpoint of the same model (else candle runs the dequantized weights).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Share of template groups held out for validation.
        #[arg(long, default_value_t = 0.15)]
        val: f64,
        /// Synthetic messages in the peers' training set (as in the shipped model's training).
        #[arg(long, default_value_t = 60_000)]
        synthetic: usize,
        /// Seed of the synthetic corpus.
        #[arg(long, default_value_t = 1)]
        synthetic_seed: u64,
        /// Also train and measure the peers (Python 3; installs into benches/peers/.venv).
        #[arg(long)]
        peers: bool,
        /// The peers script.
        #[arg(long, default_value = "benches/peers/run.sh")]
        peers_script: PathBuf,
        /// Messages timed one at a time for the median latency.
        #[arg(long, default_value_t = 2000)]
        timing_sample: usize,
        /// Scratch folder.
        #[arg(long, default_value = "out/report-work")]
        workdir: PathBuf,
        /// Where to write the Markdown table.
        #[arg(long, default_value = "out/report.md")]
        out_md: PathBuf,
        /// Where to write the JSON.
        #[arg(long, default_value = "out/report.json")]
        out_json: PathBuf,
    },
    /// Learn BPE, WordPiece and Unigram vocabularies on the training side and compare them on
    /// the validation side (UNK share, tokens per message).
    CompareTokenizers {
        /// Labelled files.
        #[arg(long = "data", num_args = 1.., default_values = ["../shared/data/dev.tsv"])]
        data: Vec<PathBuf>,
        /// Synthetic messages added to the training side.
        #[arg(long, default_value_t = 20_000)]
        synthetic: usize,
        /// Vocabulary size.
        #[arg(long, default_value_t = 6000)]
        vocab_size: usize,
    },
    /// Print each message of labelled files in its normalized form (label<TAB>normalized<TAB>source).
    Normalize {
        /// Labelled files.
        #[arg(long = "data", required = true, num_args = 1..)]
        data: Vec<PathBuf>,
        /// Keep only the training (`train`) or validation (`val`) side of the split.
        #[arg(long)]
        side: Option<Side>,
        /// Share of template groups held out for validation.
        #[arg(long, default_value_t = 0.15)]
        val: f64,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Size {
    /// The shipped size (d_model 64, 2 layers, 4 heads, ffn 128, 64 tokens).
    Default,
    /// A very small model for tests and quick experiments.
    Tiny,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Side {
    Train,
    Val,
}

/// Keep freed memory in the process: glibc's default returns it to the OS after each candle op,
/// and the page faults roughly halve training speed.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}

fn side_filter(examples: Vec<data::Example>, side: Option<Side>, val: f64) -> Vec<data::Example> {
    match side {
        None => examples,
        Some(Side::Val) => split::split(examples, val).val,
        Some(Side::Train) => split::split(examples, val).train,
    }
}

/// One JSON line per message: where it is (source column), truth, prediction, scores, fold.
fn write_predictions(
    path: &std::path::Path,
    c: &smsguard::Classifier,
    examples: &[data::Example],
) -> Result<()> {
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for (i, e) in examples.iter().enumerate() {
        let p = c.classify(&e.text);
        let scores: serde_json::Map<String, serde_json::Value> = Label::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), serde_json::json!(p.score(*l))))
            .collect();
        let line = serde_json::json!({
            "row": i, "source": e.source, "truth": e.label.as_str(),
            "predicted": p.label.as_str(), "scores": scores, "fold": p.fold,
        });
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

fn main() -> Result<()> {
    // Die quietly on a closed pipe (`| head`), as command-line tools do, instead of panicking
    // in `println!`.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match Cli::parse().command {
        Command::Train {
            args,
            out,
            checkpoint_dir,
            eval,
            val,
            json,
        } => {
            tune_allocator();
            let opts = args.options(split::Holdout::Share(val), eval, checkpoint_dir)?;
            let r = pipeline::run(&opts)?;
            std::fs::write(&out, &r.model_bytes)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "trained in {:.0} s, best epoch {} of {}",
                r.train_seconds,
                r.best_epoch,
                r.history.len()
            );
            println!("training set: {}", r.train_counts);
            println!("validation set: {}", r.val_counts);
            let worst = r
                .quant
                .iter()
                .max_by(|a, b| a.max_abs_error.total_cmp(&b.max_abs_error));
            if let Some(q) = worst {
                println!(
                    "largest quantization error: {} {:.5} (max |w| {:.4})",
                    q.name, q.max_abs_error, q.max_abs_value
                );
            }
            for e in &r.evaluations {
                println!(
                    "\n== {} ==\nfloat (candle):\n{}int8 (smsguard):\n{}top-1 agreement {:.4}",
                    e.name, e.float, e.int8, e.top1_agreement
                );
            }
            println!("\nwrote {} ({} bytes)", out.display(), r.model_bytes.len());
            if let Some(path) = json {
                let summary = serde_json::json!({
                    "model": out, "model_bytes": r.model_bytes.len(), "train_seconds": r.train_seconds,
                    "best_epoch": r.best_epoch, "history": r.history, "evaluations": r.evaluations,
                    "quantization": r.quant,
                });
                std::fs::write(&path, serde_json::to_string_pretty(&summary)?)?;
            }
        }
        Command::Cv {
            args,
            folds,
            only,
            jobs,
            json,
        } => {
            tune_allocator();
            let opts = args.options(split::Holdout::Fold { k: folds, i: 0 }, Vec::new(), None)?;
            let r = cv::run(&opts, &cv::CvOptions { folds, only, jobs })?;
            for f in &r.per_fold {
                println!(
                    "fold {}: macro-F1 {:.4}, one per template {:.4}, verification->marketing {}, transactional->marketing {} ({} messages)",
                    f.fold,
                    f.report.macro_f1,
                    f.one_per_template.macro_f1,
                    f.report.verification_as_marketing,
                    f.report.transactional_as_marketing,
                    f.report.n
                );
            }
            println!(
                "\nfold macro-F1: mean {:.4}, range {:.4}-{:.4}; one per template: mean {:.4}, range {:.4}-{:.4}",
                r.fold_macro_f1.mean,
                r.fold_macro_f1.min,
                r.fold_macro_f1.max,
                r.fold_one_per_template_macro_f1.mean,
                r.fold_one_per_template_macro_f1.min,
                r.fold_one_per_template_macro_f1.max
            );
            println!("\n== pooled, every held-out message ==\n{}", r.pooled);
            println!(
                "== pooled, one per (class, template group) ==\n{}",
                r.pooled_one_per_template
            );
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&r)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        Command::Eval {
            model,
            checkpoint,
            data,
            side,
            one_per_template,
            val,
            json,
            predictions,
        } => {
            let mut examples = side_filter(load(&data)?, side, val);
            if one_per_template {
                examples = split::one_per_template(examples);
            }
            if let (Some(path), Some(m)) = (&predictions, &model) {
                // Threshold 0: "fold" says marketing without a code, so a threshold can be
                // applied afterwards to the scores.
                let c = smsguard::Classifier::load(m)?.with_fold_threshold(0.0);
                write_predictions(path, &c, &examples)?;
            }
            let report = match (model, checkpoint) {
                (Some(m), None) => {
                    let c = smsguard::Classifier::load(&m)?;
                    pipeline::evaluate_int8(&c, &examples)
                }
                (None, Some(dir)) => {
                    let ck = pipeline::load_checkpoint(&dir)?;
                    let probs = pipeline::predict_float(&ck, &examples)?;
                    let mut c = smsguard_train::metrics::Confusion::default();
                    for (e, p) in examples.iter().zip(&probs) {
                        c.add(e.label, smsguard_train::trainer::argmax(p));
                    }
                    c.report()
                }
                _ => bail!("give --model FILE or --checkpoint DIR"),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
        }
        Command::Report {
            data,
            model,
            checkpoint,
            val,
            synthetic,
            synthetic_seed,
            peers,
            peers_script,
            timing_sample,
            workdir,
            out_md,
            out_json,
        } => {
            std::fs::create_dir_all(&workdir)
                .with_context(|| format!("creating {}", workdir.display()))?;
            // The `smsguard` command built next to this one, for callgrind and peak memory.
            let smsguard_bin = std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(|d| d.join("smsguard")))
                .filter(|p| p.is_file());
            // The aarch64 build (`cargo build --release -p smsguard --target
            // aarch64-unknown-linux-gnu`), when it and qemu-aarch64 are there.
            let aarch64_bin = std::env::current_exe()
                .ok()
                .and_then(|p| {
                    p.parent()?
                        .parent()
                        .map(|t| t.join("aarch64-unknown-linux-gnu/release/smsguard"))
                })
                .filter(|p| p.is_file())
                .filter(|_| {
                    std::process::Command::new("qemu-aarch64")
                        .arg("--version")
                        .output()
                        .is_ok_and(|o| o.status.success())
                });
            let report = smsguard_train::report::run(&smsguard_train::report::ReportOptions {
                data,
                model,
                checkpoint,
                val,
                synthetic,
                synthetic_seed,
                peers,
                peers_script,
                workdir,
                smsguard_bin,
                aarch64_bin,
                timing_sample,
            })?;
            let md = smsguard_train::report::markdown(&report);
            for p in [&out_md, &out_json] {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
            }
            std::fs::write(&out_md, &md)
                .with_context(|| format!("writing {}", out_md.display()))?;
            std::fs::write(&out_json, serde_json::to_string_pretty(&report)?)
                .with_context(|| format!("writing {}", out_json.display()))?;
            print!("{md}");
        }
        Command::CompareTokenizers {
            data,
            synthetic,
            vocab_size,
        } => {
            let s = split::split(load(&data)?, 0.15);
            let synth = synth::Grammar::embedded()?.generate(&synth::Options {
                n: synthetic,
                seed: 1,
                class: None,
            })?;
            let train: Vec<&str> = s
                .train
                .iter()
                .chain(&synth)
                .map(|e| e.text.as_str())
                .collect();
            let eval: Vec<&str> = s.val.iter().map(|e| e.text.as_str()).collect();
            let opts = VocabOptions {
                vocab_size,
                ..VocabOptions::default()
            };
            println!(
                "{:<10} {:>10} {:>10} {:>12} {:>8}",
                "model", "vocab", "UNK share", "tokens/msg", "seconds"
            );
            for r in smsguard_train::vocab::compare_subword_models(&train, &eval, &opts) {
                match &r.vocab_size {
                    Ok(v) => println!(
                        "{:<10} {:>10} {:>10.4} {:>12.1} {:>8.1}",
                        r.model, v, r.unk_share, r.tokens_per_message, r.seconds
                    ),
                    Err(e) => println!("{:<10} failed: {e}", r.model),
                }
            }
        }
        Command::Export { checkpoint, out } => {
            let ck = pipeline::load_checkpoint(&checkpoint)?;
            // A checkpoint from before `personal` has three outputs, in `Label::ALL` order.
            let labels: Vec<&str> = Label::ALL
                .iter()
                .take(ck.config.n_labels)
                .map(|l| l.as_str())
                .collect();
            let meta =
                serde_json::json!({ "exported_from": checkpoint, "config": ck.config }).to_string();
            let (file, quant) = smsguard_model::export(
                &ck.varmap,
                &ck.config,
                ck.tokenizer.parts(),
                &labels,
                meta,
            )?;
            println!(
                "{:<32} {:>12} {:>6} {:>12} {:>12}",
                "tensor", "shape", "int8", "max |err|", "max |w|"
            );
            for q in &quant {
                println!(
                    "{:<32} {:>12} {:>6} {:>12.6} {:>12.4}",
                    q.name,
                    format!("{:?}", q.shape),
                    q.int8,
                    q.max_abs_error,
                    q.max_abs_value
                );
            }
            let bytes = file.to_bytes();
            smsguard::Classifier::from_bytes(&bytes)
                .context("the exported model does not load back")?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {} ({} bytes)", out.display(), bytes.len());
        }
        Command::Generate {
            n,
            seed,
            class,
            out,
            synth_dir,
        } => {
            let started = std::time::Instant::now();
            if n == 0 {
                bail!("--n must be at least 1");
            }
            let grammar = match &synth_dir {
                Some(dir) => synth::Grammar::from_dir(dir)?,
                None => synth::Grammar::embedded()?,
            };
            let corpus = grammar.generate(&synth::Options { n, seed, class })?;
            let mut w: Box<dyn Write> = if out.as_os_str() == "-" {
                Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
            } else {
                let f = std::fs::File::create(&out)
                    .with_context(|| format!("creating {}", out.display()))?;
                Box::new(std::io::BufWriter::new(f))
            };
            for e in &corpus {
                writeln!(w, "{}\t{}\t{}", e.label, e.text, e.source)?;
            }
            w.flush()?;
            eprint!("{}", synth::summary(&corpus));
            eprintln!(
                "wrote {} messages to {} in {:.2} s (seed {seed})",
                corpus.len(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Stats { data, val } => {
            let examples = load(&data)?;
            let s = split::split(examples.clone(), val);
            println!("all:        {}", data::LabelCounts::of(&examples));
            println!("train:      {}", data::LabelCounts::of(&s.train));
            println!("validation: {}", data::LabelCounts::of(&s.val));
            let mut by_source = std::collections::BTreeMap::<(&str, Label), usize>::new();
            for e in &examples {
                *by_source.entry((e.source.as_str(), e.label)).or_default() += 1;
            }
            for ((source, label), n) in by_source {
                println!("  {source:<28} {label:<14} {n:>7}");
            }
        }
        Command::Normalize { data, side, val } => {
            let examples = load(&data)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for e in examples {
                let keep = match side {
                    None => true,
                    Some(Side::Val) => split::is_validation(&e.text, val),
                    Some(Side::Train) => !split::is_validation(&e.text, val),
                };
                if keep {
                    let n = smsguard::normalize::normalize(&e.text);
                    writeln!(out, "{}\t{}\t{}", e.label, n.display(), e.source)?;
                }
            }
            out.flush()?;
        }
    }
    Ok(())
}

fn load(paths: &[PathBuf]) -> Result<Vec<data::Example>> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(data::read_tsv(p)?);
    }
    if all.is_empty() {
        bail!("no messages in {:?}", paths);
    }
    Ok(all)
}
