//! `smsguard-train report`: one table that answers "how fast, how big, how accurate, compared to
//! what" for the int8 model, its candle f32 counterpart and the peers of `benches/peers/`, all
//! on the same training split and the same evaluation sets, from one invocation.

use crate::data::Example;
use crate::metrics::{Confusion, Report};
use crate::pipeline;
use crate::split;
use crate::synth;
use crate::trainer::{self, Encoded};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;
use smsguard::format::ModelFile;
use smsguard::{Classifier, Label};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What to measure.
pub struct ReportOptions {
    /// Labelled files; each is evaluated on its validation side and as a whole.
    pub data: Vec<PathBuf>,
    /// The int8 model file.
    pub model: PathBuf,
    /// A float checkpoint of the same model; without one, the f32 row runs candle on the
    /// model file's dequantized weights.
    pub checkpoint: Option<PathBuf>,
    /// Share of template groups on the validation side.
    pub val: f64,
    /// Synthetic messages in the training set the peers learn from (the shipped model's is
    /// 60,000, seed 1).
    pub synthetic: usize,
    /// Seed of the synthetic corpus.
    pub synthetic_seed: u64,
    /// Train and measure the peers too (needs Python 3; installs into `benches/peers/.venv`).
    pub peers: bool,
    /// The peers script.
    pub peers_script: PathBuf,
    /// Scratch folder for the peers' files.
    pub workdir: PathBuf,
    /// The `smsguard` binary, for instruction counts and peak memory.
    pub smsguard_bin: Option<PathBuf>,
    /// The `smsguard` binary cross-built for aarch64, run under `qemu-aarch64` for the phone
    /// rows (labels and instructions per message on a core with and one without `dotprod`).
    pub aarch64_bin: Option<PathBuf>,
    /// Messages timed one by one for the median.
    pub timing_sample: usize,
}

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Model variant.
    pub model: String,
    /// Evaluation set.
    pub data: String,
    /// Messages.
    pub n: usize,
    /// Macro-F1.
    pub macro_f1: f64,
    /// F1 of marketing, verification, transactional, personal (by [`Label::index`]).
    pub f1: [f64; Label::COUNT],
    /// Verification messages called marketing.
    pub verification_to_marketing: usize,
    /// Personal messages called marketing.
    pub personal_to_marketing: usize,
    /// Median microseconds per message, one message per call, text in, label out.
    pub us_per_message: Option<f64>,
    /// Instructions per message under callgrind, when valgrind is present.
    pub instructions_per_message: Option<f64>,
    /// Model size in bytes.
    pub model_bytes: Option<u64>,
    /// Peak resident memory in bytes of classifying the set from the command line.
    pub peak_memory_bytes: Option<u64>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct FullReport {
    /// When and where.
    pub date: String,
    /// The machine.
    pub machine: String,
    /// Training set the peers learned from.
    pub train_set: String,
    /// The rows.
    pub rows: Vec<Row>,
    /// Notes (skipped measurements and why).
    pub notes: Vec<String>,
}

fn row_from(model: &str, data: &str, r: &Report) -> Row {
    let f1 = Label::ALL.map(|l| r.classes.get(l.index()).map_or(0.0, |c| c.f1));
    Row {
        model: model.to_owned(),
        data: data.to_owned(),
        n: r.n,
        macro_f1: r.macro_f1,
        f1,
        verification_to_marketing: r.verification_as_marketing,
        personal_to_marketing: r.personal_as_marketing,
        us_per_message: None,
        instructions_per_message: None,
        model_bytes: None,
        peak_memory_bytes: None,
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Evenly spaced messages, at most `n`.
fn sample(examples: &[Example], n: usize) -> Vec<&Example> {
    let step = (examples.len() / n.max(1)).max(1);
    examples.iter().step_by(step).take(n).collect()
}

/// Build the report.
pub fn run(opts: &ReportOptions) -> Result<FullReport> {
    let bytes = std::fs::read(&opts.model)
        .with_context(|| format!("reading model {}", opts.model.display()))?;
    let classifier = Classifier::from_bytes(&bytes)?;
    let model_bytes = bytes.len() as u64;
    let float_name;
    let float_model = match &opts.checkpoint {
        Some(dir) => {
            float_name = "candle f32 (checkpoint)";
            pipeline::load_checkpoint(dir)?.model
        }
        None => {
            float_name = "candle f32 (dequantized weights)";
            smsguard_model::from_model_file(&ModelFile::from_bytes(&bytes)?)?.2
        }
    };
    let mut notes = Vec::new();
    let mut eval_sets: Vec<(String, Vec<Example>)> = Vec::new();
    let mut train_set: Vec<Example> = Vec::new();
    for path in &opts.data {
        let all = crate::data::read_tsv(path)?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        let s = split::split(all.clone(), opts.val);
        train_set.extend(s.train);
        eval_sets.push((format!("{name} validation side"), s.val));
        eval_sets.push((format!("{name} (all; includes training rows)"), all));
    }
    // The validation sides together, and one message per (class, template group) of them: a
    // few real templates repeat dozens of times and would otherwise dominate the score.
    if opts.data.len() > 1 {
        let val: Vec<Example> = eval_sets
            .iter()
            .step_by(2)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect();
        let one = split::first_per_template(val.clone(), |e: &Example| (e.label, e.text.as_str()));
        eval_sets.insert(0, ("validation sides, one per template group".into(), one));
        eval_sets.insert(0, ("validation sides of all files".into(), val));
    }
    if opts.synthetic > 0 {
        let synthetic = synth::Grammar::embedded()?.generate(&synth::Options {
            n: opts.synthetic,
            seed: opts.synthetic_seed,
            class: None,
        })?;
        train_set.extend(split::split(synthetic, opts.val).train);
    }

    if opts.aarch64_bin.is_none() {
        notes.push(
            "aarch64 rows not measured: they need qemu-aarch64 and `cargo build --release -p \
             smsguard --target aarch64-unknown-linux-gnu` (see benches/phone)"
                .into(),
        );
    }
    let mut rows = Vec::new();
    for (name, examples) in &eval_sets {
        if examples.is_empty() {
            notes.push(format!("{name}: empty, skipped"));
            continue;
        }
        // int8: accuracy, then the median of single-message calls.
        let mut q = Confusion::default();
        let preds = classifier
            .classify_batch(&examples.iter().map(|e| e.text.as_str()).collect::<Vec<_>>());
        for (e, p) in examples.iter().zip(&preds) {
            q.add(e.label, p.label);
        }
        let timed = sample(examples, opts.timing_sample);
        let mut us = Vec::with_capacity(timed.len());
        for e in &timed {
            let t = Instant::now();
            std::hint::black_box(classifier.classify(std::hint::black_box(&e.text)));
            us.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let mut row = row_from("smsguard int8", name, &q.report());
        row.us_per_message = median(us);
        row.model_bytes = Some(model_bytes);
        if let Some(bin) = &opts.smsguard_bin {
            row.instructions_per_message =
                instructions(bin, &opts.model, &timed, &opts.workdir, &mut notes);
            row.peak_memory_bytes = peak_memory(bin, &opts.model, examples, &opts.workdir);
        }
        rows.push(row);
        if let Some(bin) = &opts.aarch64_bin {
            for &(cpu, what) in AARCH64_CPUS {
                match aarch64_row(bin, cpu, &opts.model, examples, &timed, &opts.workdir) {
                    Ok(mut r) => {
                        r.model = format!("smsguard int8, aarch64 {cpu} ({what}; qemu)");
                        r.data = name.clone();
                        r.model_bytes = Some(model_bytes);
                        rows.push(r);
                    }
                    Err(e) => notes.push(format!("{name}: aarch64 {cpu} row failed: {e:#}")),
                }
            }
        }

        // candle f32 on the same token ids.
        let enc: Vec<Encoded> = examples
            .iter()
            .map(|e| Encoded {
                ids: classifier.token_ids(&e.text),
                grams: trainer::grams_of(&e.text, float_model.config().ngram_buckets),
                label: e.label,
            })
            .collect();
        let probs = trainer::predict(&float_model, &enc)?;
        let mut f = Confusion::default();
        for (e, p) in examples.iter().zip(&probs) {
            f.add(e.label, trainer::argmax(p));
        }
        let mut us = Vec::with_capacity(timed.len());
        for e in &timed {
            let t = Instant::now();
            let one = [Encoded {
                ids: classifier.token_ids(&e.text),
                grams: trainer::grams_of(&e.text, float_model.config().ngram_buckets),
                label: e.label,
            }];
            std::hint::black_box(trainer::predict(&float_model, &one)?);
            us.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let mut row = row_from(float_name, name, &f.report());
        row.us_per_message = median(us);
        row.model_bytes = opts
            .checkpoint
            .as_ref()
            .and_then(|d| std::fs::metadata(d.join("float.safetensors")).ok())
            .map(|m| m.len());
        rows.push(row);
    }

    if opts.peers {
        rows.extend(peers(opts, &train_set, &eval_sets)?);
    } else {
        notes.push("peers not run (--peers not given)".into());
    }
    Ok(FullReport {
        date: Command::new("date")
            .arg("-u")
            .arg("+%Y-%m-%d %H:%M UTC")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default(),
        machine: machine(),
        train_set: format!(
            "training side of {} plus {} synthetic messages (seed {}), split by template group at {}: {} messages",
            opts.data
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            opts.synthetic,
            opts.synthetic_seed,
            opts.val,
            train_set.len()
        ),
        rows,
        notes,
    })
}

/// The CPU model and core count, from `/proc/cpuinfo` where there is one.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// Write messages one per line for the `smsguard` command.
fn write_lines(path: &Path, examples: &[&Example]) -> Result<()> {
    let body: String = examples
        .iter()
        .map(|e| e.text.replace(['\n', '\r'], " ") + "\n")
        .collect();
    std::fs::write(path, body).with_context(|| format!("writing {}", path.display()))
}

/// Instructions per message: callgrind over N messages minus callgrind over one, over N - 1,
/// so start-up and model loading cancel out.
fn instructions(
    bin: &Path,
    model: &Path,
    timed: &[&Example],
    workdir: &Path,
    notes: &mut Vec<String>,
) -> Option<f64> {
    if timed.len() < 2 {
        return None;
    }
    let count = |examples: &[&Example], tag: &str| -> Option<f64> {
        let input = workdir.join(format!("callgrind-{tag}.txt"));
        write_lines(&input, examples).ok()?;
        let wrapper = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
        ];
        wrapped_stat(&wrapper, bin, model, &input, "Collected :")
    };
    let sample = &timed[..timed.len().min(201)];
    match (count(&sample[..1], "1"), count(sample, "n")) {
        (Some(one), Some(n)) => Some((n - one) / (sample.len() - 1) as f64),
        _ => {
            notes.push("instructions not measured: valgrind not found or it failed".into());
            None
        }
    }
}

/// Run `smsguard classify --model MODEL < input` under a measuring `wrapper` (a command and its
/// arguments) and read the number after the last `:` of the first stderr line holding `key`.
fn wrapped_stat(
    wrapper: &[&str],
    bin: &Path,
    model: &Path,
    input: &Path,
    key: &str,
) -> Option<f64> {
    let out = Command::new(wrapper[0])
        .args(&wrapper[1..])
        .arg(bin)
        .args(["classify", "--model"])
        .arg(model)
        .stdin(std::fs::File::open(input).ok()?)
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().find(|l| l.contains(key))?;
    line.rsplit(':').next()?.trim().parse().ok()
}

/// The phone CPUs of the aarch64 rows: a big core with the dot-product extension (the SDOT
/// kernel) and a little core without it (widening multiplies).
const AARCH64_CPUS: &[(&str, &str)] = &[("cortex-a76", "SDOT"), ("cortex-a53", "no dotprod")];

/// Labels from the aarch64 build under qemu for every message (the accuracy columns), and
/// instructions per message from qemu's execution trace over the first 21 timed messages
/// minus the first one (as for callgrind).
fn aarch64_row(
    bin: &Path,
    cpu: &str,
    model: &Path,
    examples: &[Example],
    timed: &[&Example],
    workdir: &Path,
) -> Result<Row> {
    let qemu = |input: &Path| -> Result<Command> {
        let mut cmd = Command::new("qemu-aarch64");
        cmd.args(["-L", "/usr/aarch64-linux-gnu", "-cpu", cpu])
            .arg(bin)
            .args(["classify", "--model"])
            .arg(model)
            .stdin(std::fs::File::open(input)?);
        Ok(cmd)
    };
    let input = workdir.join(format!("aarch64-{cpu}.txt"));
    write_lines(&input, &examples.iter().collect::<Vec<_>>())?;
    let out = qemu(&input)?.output().context("running qemu-aarch64")?;
    if !out.status.success() {
        bail!("qemu-aarch64 -cpu {cpu} exited with {}", out.status);
    }
    let mut confusion = Confusion::default();
    let lines: Vec<&[u8]> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() != examples.len() {
        bail!(
            "{} predictions for {} messages",
            lines.len(),
            examples.len()
        );
    }
    for (e, line) in examples.iter().zip(lines) {
        let v: Value = serde_json::from_slice(line).context("a JSON prediction")?;
        let label: Label = v["label"]
            .as_str()
            .context("a label")?
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        confusion.add(e.label, label);
    }
    let mut row = row_from("", "", &confusion.report());
    let sample = &timed[..timed.len().min(21)];
    if sample.len() >= 2 {
        let count = |examples: &[&Example], tag: &str| -> Result<u64> {
            let input = workdir.join(format!("aarch64-{cpu}-{tag}.txt"));
            write_lines(&input, examples)?;
            // Every translated block once (`in_asm`), every execution of one (`exec`), with
            // chaining off so each execution is logged; the log (hundreds of MB) is read as
            // it streams from stderr.
            let mut child = qemu(&input)?
                .args(["-d", "in_asm,exec,nochain"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .context("running qemu-aarch64")?;
            let log = std::io::BufReader::new(child.stderr.take().context("qemu's stderr")?);
            let n = trace_instructions(log)?;
            let status = child.wait()?;
            if !status.success() {
                bail!("qemu-aarch64 -cpu {cpu} -d exited with {status}");
            }
            Ok(n)
        };
        let (one, n) = (count(&sample[..1], "1")?, count(sample, "n")?);
        row.instructions_per_message =
            Some(n.saturating_sub(one) as f64 / (sample.len() - 1) as f64);
    }
    Ok(row)
}

/// Instructions executed, from a qemu `-d in_asm,exec,nochain` log: each translated block is
/// listed once (`IN:` then one line per instruction, `0x<pc>: ...`), and each execution of a
/// block logs `Trace <cpu>: <host> [<cpu state>/<pc>/<flags>...]`.
fn trace_instructions(mut log: impl std::io::BufRead) -> Result<u64> {
    use std::collections::HashMap;
    let mut sizes: HashMap<u64, u64> = HashMap::new();
    let mut runs: HashMap<u64, u64> = HashMap::new();
    // The block being listed: its first pc and its instructions so far.
    let mut block: Option<(u64, u64)> = None;
    let mut listing = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if log.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if line.starts_with(b"IN:") {
            if let Some((pc, n)) = block.take() {
                sizes.entry(pc).or_insert(n);
            }
            listing = true;
            continue;
        }
        if listing && line.starts_with(b"0x") {
            let hex = line[2..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if line.get(2 + hex) == Some(&b':') {
                let pc = std::str::from_utf8(&line[2..2 + hex])
                    .ok()
                    .and_then(|h| u64::from_str_radix(h, 16).ok());
                if let Some(pc) = pc {
                    match &mut block {
                        Some((_, n)) => *n += 1,
                        None => block = Some((pc, 1)),
                    }
                }
                continue;
            }
        }
        if line.starts_with(b"Trace") {
            listing = false;
            if let Some((pc, n)) = block.take() {
                sizes.entry(pc).or_insert(n);
            }
            // The guest pc is the second field of the bracket.
            let pc = line
                .iter()
                .position(|&b| b == b'[')
                .and_then(|at| line[at + 1..].split(|&b| b == b'/').nth(1))
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u64::from_str_radix(h, 16).ok());
            if let Some(pc) = pc {
                *runs.entry(pc).or_insert(0) += 1;
            }
        }
    }
    if let Some((pc, n)) = block {
        sizes.entry(pc).or_insert(n);
    }
    Ok(runs
        .iter()
        .map(|(pc, &count)| count * sizes.get(pc).copied().unwrap_or(0))
        .sum())
}

/// Peak resident memory of `smsguard classify` over the set, from `/usr/bin/time -v`.
fn peak_memory(bin: &Path, model: &Path, examples: &[Example], workdir: &Path) -> Option<u64> {
    let input = workdir.join("peak-memory.txt");
    write_lines(&input, &examples.iter().collect::<Vec<_>>()).ok()?;
    let kb = wrapped_stat(
        &["/usr/bin/time", "-v"],
        bin,
        model,
        &input,
        "Maximum resident set size",
    )?;
    Some(kb as u64 * 1024)
}

/// Train and evaluate the peers on the same split, through `benches/peers/run.sh`. They get the
/// normalized text (placeholders spelled out), as the model does.
fn peers(
    opts: &ReportOptions,
    train_set: &[Example],
    eval_sets: &[(String, Vec<Example>)],
) -> Result<Vec<Row>> {
    let norm = |e: &Example| {
        format!(
            "{}\t{}\n",
            e.label.as_str(),
            smsguard::normalize::normalize(&e.text)
                .display()
                .replace(['\t', '\n', '\r'], " ")
        )
    };
    let train_path = opts.workdir.join("peers-train.tsv");
    std::fs::write(&train_path, train_set.iter().map(norm).collect::<String>())?;
    let mut cmd = Command::new("bash");
    cmd.arg(&opts.peers_script)
        .arg("--train")
        .arg(&train_path)
        .arg("--workdir")
        .arg(opts.workdir.join("peers"))
        .arg("--out")
        .arg(opts.workdir.join("peers.json"));
    for (i, (_, examples)) in eval_sets.iter().enumerate() {
        let p = opts.workdir.join(format!("peers-eval-{i}.tsv"));
        std::fs::write(&p, examples.iter().map(norm).collect::<String>())?;
        cmd.arg("--eval").arg(format!("set{i}={}", p.display()));
    }
    eprintln!("training the peers (fastText, TF-IDF + logistic regression): a few minutes");
    let status = cmd
        .status()
        .with_context(|| format!("running {}", opts.peers_script.display()))?;
    if !status.success() {
        bail!("the peers script failed ({status}); see its messages above");
    }
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(opts.workdir.join("peers.json"))?)?;
    let mut rows = Vec::new();
    for peer in v["peers"].as_array().into_iter().flatten() {
        let name = peer["name"].as_str().unwrap_or("peer");
        for r in peer["results"].as_array().into_iter().flatten() {
            let i: usize = r["data"]
                .as_str()
                .and_then(|d| d.strip_prefix("set"))
                .and_then(|d| d.parse().ok())
                .context("peers.json: result without its set")?;
            let f1 = Label::ALL.map(|l| r["f1"][l.as_str()].as_f64().unwrap_or(0.0));
            rows.push(Row {
                model: name.to_owned(),
                data: eval_sets[i].0.clone(),
                n: r["n"].as_u64().unwrap_or(0) as usize,
                macro_f1: r["macro_f1"].as_f64().unwrap_or(0.0),
                f1,
                personal_to_marketing: r["personal_to_marketing"].as_u64().unwrap_or(0) as usize,
                verification_to_marketing: r["verification_to_marketing"].as_u64().unwrap_or(0)
                    as usize,
                us_per_message: r["us_per_message"].as_f64(),
                instructions_per_message: None,
                model_bytes: peer["model_bytes"].as_u64(),
                peak_memory_bytes: None,
            });
        }
    }
    Ok(rows)
}

/// The report as one Markdown table, grouped by evaluation set.
pub fn markdown(r: &FullReport) -> String {
    let opt =
        |v: Option<f64>, digits: usize| v.map_or("n/a".to_owned(), |v| format!("{v:.digits$}"));
    let mut s = format!(
        "Report of {} on {}. Peers trained on the {}.\n\n",
        r.date, r.machine, r.train_set
    );
    s.push_str("| data | model | n | macro-F1 | marketing F1 | verification F1 | transactional F1 | personal F1 | verification→marketing | personal→marketing | µs/message | instructions/message | model bytes | peak memory |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut rows: Vec<&Row> = r.rows.iter().collect();
    // Group by data set, keeping the first-seen order of sets and models.
    let order: Vec<&str> = {
        let mut o: Vec<&str> = Vec::new();
        for row in &r.rows {
            if !o.contains(&row.data.as_str()) {
                o.push(&row.data);
            }
        }
        o
    };
    rows.sort_by_key(|row| order.iter().position(|d| *d == row.data));
    for row in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {} | {} | {} | {} | {} | {} |\n",
            row.data,
            row.model,
            row.n,
            row.macro_f1,
            row.f1[0],
            row.f1[1],
            row.f1[2],
            row.f1[3],
            row.verification_to_marketing,
            row.personal_to_marketing,
            opt(row.us_per_message, 1),
            row.instructions_per_message
                .map_or("n/a".into(), |v| format!("{:.2} M", v / 1e6)),
            row.model_bytes.map_or("n/a".into(), |b| format!("{b}")),
            row.peak_memory_bytes
                .map_or("n/a".into(), |b| format!("{:.1} MB", b as f64 / 1e6)),
        ));
    }
    for n in &r.notes {
        s.push_str(&format!("\n- {n}"));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    /// A qemu log written by hand in qemu 7.2's format: block A (3 instructions) runs twice,
    /// block B (2) once, and a block run but never listed counts nothing.
    #[test]
    fn trace_counts_instructions_of_executed_blocks() {
        let log = b"----------------\nIN: \n\
0x5502a2cc40:  d503201f  nop      \n\
0x5502a2cc44:  d280001d  movz     x29, #0\n\
0x5502a2cc48:  97ffeeac  bl       #0x5502a28700\n\
\n\
Trace 0: 0x7f97f5e00100 [0000000000001001/0000005502a2cc40/00000001/00000200] \n\
----------------\nIN: \n\
0x5502a28700:  a9b27bfd  stp      x29, x30, [sp, #-0xe0]!\n\
0x5502a28704:  b0000144  adrp     x4, #0x5502a51000\n\
Trace 0: 0x7f97f5e00240 [0000000000001001/0000005502a28700/00000001/00000200] \n\
Trace 0: 0x7f97f5e00100 [0000000000001001/0000005502a2cc40/00000001/00000200] \n\
Trace 0: 0x7f97f5e00900 [0000000000001001/0000005502a99990/00000001/00000200] \n";
        assert_eq!(trace_instructions(&log[..]).unwrap(), 3 * 2 + 2);
        assert_eq!(trace_instructions(&b""[..]).unwrap(), 0);
    }

    use super::*;

    fn row(model: &str, data: &str, f1: f64) -> Row {
        Row {
            model: model.into(),
            data: data.into(),
            n: 10,
            macro_f1: f1,
            f1: [f1; Label::COUNT],
            verification_to_marketing: 1,
            personal_to_marketing: 0,
            us_per_message: Some(12.34),
            instructions_per_message: None,
            model_bytes: Some(615_345),
            peak_memory_bytes: Some(6_500_000),
        }
    }

    #[test]
    fn median_is_the_middle_value() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0]), Some(4.0));
    }

    #[test]
    fn markdown_groups_rows_by_data_set_in_first_seen_order() {
        let r = FullReport {
            date: "d".into(),
            machine: "m".into(),
            train_set: "t".into(),
            rows: vec![
                row("int8", "val", 0.9),
                row("int8", "all", 0.95),
                row("peer", "val", 0.8),
            ],
            notes: vec!["peers not run".into()],
        };
        let md = markdown(&r);
        let lines: Vec<&str> = md
            .lines()
            .filter(|l| l.starts_with("| val") || l.starts_with("| all"))
            .collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("| val | int8 |") && lines[1].starts_with("| val | peer |"));
        assert!(lines[2].starts_with("| all | int8 | 10 | 0.9500 |"));
        assert!(
            lines[0].contains("| 12.3 | n/a | 615345 | 6.5 MB |"),
            "{}",
            lines[0]
        );
        assert!(md.contains("- peers not run"));
    }
}
