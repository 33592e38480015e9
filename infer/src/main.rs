//! The `smsguard` command: classify messages with the embedded default model or a model file.
//!
//! Output is one JSON object per message, in input order. Input lines are read as bytes, so
//! invalid UTF-8, NUL bytes or enormous lines never stop the stream: every input line gives
//! exactly one output line.
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use smsguard::{Classifier, Explained, Label, Prediction, Span};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Classify Chinese SMS as marketing, verification code, transactional notice or personal message.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify messages: one JSON object per message on standard output.
    Classify {
        /// A model file instead of the embedded default model.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Add the words that most pushed each decision (one extra model pass per word).
        #[arg(long)]
        explain: bool,
        /// Fold marketing only when P(marketing) is at least this (0 to 1).
        #[arg(long, default_value_t = smsguard::DEFAULT_FOLD_THRESHOLD, value_parser = probability)]
        fold_threshold: f32,
        /// Messages; when none are given, one message per line is read from standard input.
        text: Vec<String>,
    },
    /// Describe the model as JSON.
    Info {
        /// A model file instead of the embedded default model.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Print the normalized form the model reads, one JSON object per message.
    Normalize {
        /// Messages; when none are given, one message per line is read from standard input.
        text: Vec<String>,
    },
}

/// Bytes kept of one input line: room for the `MAX_CHARS` characters the library reads (at most
/// 4 bytes each) and one more, so a line cut here is always one the library flags as truncated.
/// The rest of a longer line is skipped, so memory and work stay bounded whatever comes in.
const MAX_LINE_BYTES: usize = 4 * (smsguard::normalize::MAX_CHARS + 1);

fn load(model: Option<PathBuf>) -> Result<Classifier> {
    match model {
        Some(path) => {
            Classifier::load(&path).with_context(|| format!("loading model {}", path.display()))
        }
        None => Classifier::embedded().context("loading the embedded default model"),
    }
}

fn probability(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{s:?}: expected a probability between 0 and 1")),
    }
}

fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

fn span_json(s: &Span) -> Value {
    json!({ "text": s.text, "start": s.start, "end": s.end })
}

fn prediction_json(p: &Prediction) -> Value {
    let scores: serde_json::Map<String, Value> = Label::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), json!(round(p.score(*l)))))
        .collect();
    let f = &p.found;
    json!({
        "label": p.label.as_str(),
        "confidence": round(p.confidence),
        "scores": scores,
        "fold": p.fold,
        "code": f.code.as_ref().map(|c| json!({
            "value": c.value.text,
            "start": c.value.start,
            "end": c.value.end,
            "validity": c.validity.as_ref().map(span_json),
        })),
        "sender": f.sender.as_ref().map(span_json),
        "pickup_code": f.pickup_code.as_ref().map(span_json),
        "opt_out": f.opt_out.as_ref().map(|o| json!({
            "reply": o.reply,
            "phrase": o.phrase.text,
            "start": o.phrase.start,
            "end": o.phrase.end,
        })),
    })
}

fn explained_json(e: &Explained) -> Value {
    let mut v = prediction_json(&e.prediction);
    v["explanation"] = e
        .evidence
        .iter()
        .map(|ev| {
            let mut s = span_json(&ev.span);
            s["effect"] = json!(round(ev.effect));
            s
        })
        .collect();
    v
}

/// The JSON line for one raw input line.
fn classify_line(c: &Classifier, raw: &[u8], explain: bool) -> Value {
    let (text, invalid) = match std::str::from_utf8(raw) {
        Ok(t) => (std::borrow::Cow::Borrowed(t), false),
        Err(_) => (String::from_utf8_lossy(raw), true),
    };
    let text = text.strip_suffix('\r').unwrap_or(&text);
    if text.trim().is_empty() {
        return json!({ "error": "empty message: expected text to classify" });
    }
    let (mut v, cut) = if explain {
        let e = c.classify_explained(text);
        (explained_json(&e), e.prediction.truncated)
    } else {
        let p = c.classify(text);
        (prediction_json(&p), p.truncated)
    };
    let mut warnings = Vec::new();
    if invalid {
        warnings.push("invalid UTF-8 was replaced with U+FFFD before classifying".to_owned());
    }
    if cut {
        warnings.push(cut_warning());
    }
    if !warnings.is_empty() {
        v["warning"] = json!(warnings.join("; "));
    }
    v
}

fn cut_warning() -> String {
    format!(
        "message longer than {MAX} characters: only the first {MAX} were read",
        MAX = smsguard::normalize::MAX_CHARS
    )
}

/// Call `f` with each line of standard input (without its newline), cut to `MAX_LINE_BYTES`.
/// The newline is found with std's word-at-a-time `memchr` (`read_until`, `skip_until`): the
/// skipped rest of a megabyte line costs well under an instruction per byte.
fn for_each_line(mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut input)
            .take(MAX_LINE_BYTES as u64)
            .read_until(b'\n', &mut line)
            .context("reading standard input")?;
        if n == 0 {
            return Ok(());
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() == MAX_LINE_BYTES {
            // Cut: skip the rest of the line, and do not cut a multi-byte character in half.
            input.skip_until(b'\n').context("reading standard input")?;
            if let Err(e) = std::str::from_utf8(&line) {
                if e.error_len().is_none() {
                    line.truncate(e.valid_up_to());
                }
            }
        }
        f(&line)?;
    }
}

fn run(cli: Cli) -> Result<()> {
    let stdout = std::io::stdout();
    let interactive = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let emit = |v: Value, out: &mut std::io::BufWriter<std::io::StdoutLock>| -> Result<()> {
        writeln!(out, "{v}")?;
        if interactive {
            out.flush()?;
        }
        Ok(())
    };
    match cli.command {
        Command::Classify {
            model,
            explain,
            fold_threshold,
            text,
        } => {
            let c = load(model)?.with_fold_threshold(fold_threshold);
            if text.is_empty() {
                for_each_line(|line| emit(classify_line(&c, line, explain), &mut out))?;
            } else {
                for t in &text {
                    emit(classify_line(&c, t.as_bytes(), explain), &mut out)?;
                }
            }
        }
        Command::Info { model } => {
            let c = load(model)?;
            let i = c.info();
            let meta: Value =
                serde_json::from_str(&i.meta).unwrap_or(Value::String(i.meta.clone()));
            let v = json!({
                "format_version": i.format_version,
                "labels": i.labels,
                "model_bytes": i.model_bytes,
                "vocab_size": i.vocab_size,
                "dict_words": i.dict_words,
                "params": i.params,
                "max_tokens": i.max_tokens,
                "ngram_buckets": i.ngram_buckets,
                "meta": meta,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        Command::Normalize { text } => {
            let show = |t: &[u8]| {
                let t = String::from_utf8_lossy(t);
                let mut v = json!({ "normalized": smsguard::normalize::normalize(&t).display() });
                if smsguard::normalize::readable_prefix(&t).len() < t.len() {
                    v["warning"] = json!(cut_warning());
                }
                v
            };
            if text.is_empty() {
                for_each_line(|line| emit(show(line), &mut out))?;
            } else {
                for t in &text {
                    emit(show(t.as_bytes()), &mut out)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (`| head`) is not an error worth a message.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("smsguard: {e:#}");
            ExitCode::from(2)
        }
    }
}
