//! The `smsguard` command: classify messages with the embedded default model or a model file.
//!
//! Output is one JSON object per message, in input order. Input lines are read as bytes, so
//! invalid UTF-8, NUL bytes or enormous lines never stop the stream: every input line gives
//! exactly one output line.
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use smsguard::Classifier;
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
    let emit = |v: String, out: &mut std::io::BufWriter<std::io::StdoutLock>| -> Result<()> {
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
                for_each_line(|line| emit(smsguard::json::classify(&c, line, explain), &mut out))?;
            } else {
                for t in &text {
                    emit(
                        smsguard::json::classify(&c, t.as_bytes(), explain),
                        &mut out,
                    )?;
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
                    v["warning"] = json!(smsguard::json::cut_warning());
                }
                v.to_string()
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
