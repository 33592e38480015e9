//! `smsguard-train`: generate the synthetic corpus, inspect data, (soon) train and export.
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use smsguard::Label;
use smsguard_train::{data, split, synth};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about = "Train, evaluate and export smsguard models")]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
enum Side {
    Train,
    Val,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Generate {
            n,
            seed,
            class,
            out,
            synth_dir,
        } => {
            let started = std::time::Instant::now();
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
