//! The `smsguard` command: classify messages with the embedded default model or a model file.
//!
//! Output is one JSON object per message, in input order. Input lines are read as bytes, so
//! invalid UTF-8, NUL bytes or enormous lines never stop the stream: every input line gives
//! exactly one output line.
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use smsguard::{Classifier, Explained, Label, Prediction, Span};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Classify Chinese SMS as marketing, verification code or transactional notice.
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

/// Bytes kept of one input line; the rest of an enormous line is skipped (the model reads only
/// its first few dozen tokens anyway), so memory stays bounded whatever comes in.
const MAX_LINE_BYTES: usize = 1 << 20;

fn load(model: Option<PathBuf>) -> Result<Classifier> {
    match model {
        Some(path) => {
            Classifier::load(&path).with_context(|| format!("loading model {}", path.display()))
        }
        None => Classifier::embedded().context("loading the embedded default model"),
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
fn classify_line(c: &Classifier, raw: &[u8], truncated: bool, explain: bool) -> Value {
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
    if truncated {
        warnings.push("line longer than 1 MiB: only its first MiB was kept".to_owned());
    }
    if cut {
        warnings.push(format!(
            "message longer than {MAX} characters: only the first {MAX} were read",
            MAX = smsguard::normalize::MAX_CHARS
        ));
    }
    if !warnings.is_empty() {
        v["warning"] = json!(warnings.join("; "));
    }
    v
}

/// Call `f` with each line of standard input (without its newline), bounded in size.
fn for_each_line(mut f: impl FnMut(&[u8], bool) -> Result<()>) -> Result<()> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let mut truncated = false;
        let mut saw_any = false;
        loop {
            let buf = input.fill_buf().context("reading standard input")?;
            if buf.is_empty() {
                break;
            }
            saw_any = true;
            let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            let room = MAX_LINE_BYTES.saturating_sub(line.len());
            if chunk.len() > room {
                truncated = true;
            }
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = done.unwrap_or(buf.len());
            input.consume(used);
            if done.is_some() {
                break;
            }
        }
        if !saw_any {
            return Ok(());
        }
        if truncated {
            // Do not cut a multi-byte character in half.
            let valid = match std::str::from_utf8(&line) {
                Ok(_) => line.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(_) => line.len(),
            };
            line.truncate(valid);
        }
        f(&line, truncated)?;
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
            text,
        } => {
            let c = load(model)?;
            if text.is_empty() {
                for_each_line(|line, truncated| {
                    emit(classify_line(&c, line, truncated, explain), &mut out)
                })?;
            } else {
                for t in &text {
                    emit(classify_line(&c, t.as_bytes(), false, explain), &mut out)?;
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
                "meta": meta,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        Command::Normalize { text } => {
            let show = |t: &[u8]| json!({ "normalized": smsguard::normalize::normalize(&String::from_utf8_lossy(t)).display() });
            if text.is_empty() {
                for_each_line(|line, _| emit(show(line), &mut out))?;
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
