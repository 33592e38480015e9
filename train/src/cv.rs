//! Cross-validation by template group: one training run per fold, each holding out its fold's
//! template groups (of the real files and of the synthetic corpus), and every real message
//! scored by the int8 model that never saw its template.
//!
//! Why: the usual 15% validation side of `dev.tsv` holds 35 verification messages, so one
//! message moves its safety count and its macro-F1 by more than most model changes do. Pooled
//! over the folds, every real message (all verification messages included) is scored once,
//! out of fold; the spread of the fold scores says how much of a difference is noise.
//!
//! With [`Selection::Last`](crate::trainer::Selection::Last) (the default) nothing in a fold's
//! run looks at its held-out side, so the pooled score is honest; with `Best` the held-out side
//! picks the epoch and the score is optimistic.

use crate::data::{self, Example};
use crate::metrics::{Confusion, Report};
use crate::pipeline::{self, PipelineOptions};
use crate::split::{self, Holdout};
use anyhow::{ensure, Context, Result};
use serde::Serialize;
use smsguard::{Classifier, Label};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How to cross-validate.
#[derive(Clone, Debug)]
pub struct CvOptions {
    /// Number of folds (at least 2).
    pub folds: usize,
    /// Folds to run (0-based); empty runs all of them.
    pub only: Vec<usize>,
    /// Folds trained at once.
    pub jobs: usize,
}

/// One real message scored out of fold.
#[derive(Clone, Debug, Serialize)]
pub struct OutOfFold {
    /// Its row among the messages of the `data` files, in file order (0-based, headers and
    /// blank lines not counted), so results can be joined without copying texts.
    pub row: usize,
    /// The fold that held it out.
    pub fold: usize,
    /// Its label.
    #[serde(serialize_with = "label_name")]
    pub truth: Label,
    /// What the int8 model said.
    #[serde(serialize_with = "label_name")]
    pub predicted: Label,
    /// The int8 model's probabilities, by [`Label::index`].
    pub scores: [f32; Label::COUNT],
}

fn label_name<S: serde::Serializer>(l: &Label, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(l.as_str())
}

/// One fold's result.
#[derive(Clone, Debug, Serialize)]
pub struct FoldResult {
    /// The fold.
    pub fold: usize,
    /// Its held-out real messages, every row.
    pub report: Report,
    /// Its held-out real messages, one per (class, template group).
    pub one_per_template: Report,
    /// The model file's size.
    pub model_bytes: usize,
    /// Training wall time.
    pub train_seconds: f64,
}

/// Mean, smallest and largest of one figure over the folds.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Spread {
    /// Mean.
    pub mean: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    fn of(values: impl IntoIterator<Item = f64>) -> Spread {
        let v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() {
            return Spread {
                mean: 0.0,
                min: 0.0,
                max: 0.0,
            };
        }
        Spread {
            mean: v.iter().sum::<f64>() / v.len() as f64,
            min: v.iter().copied().fold(f64::INFINITY, f64::min),
            max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// What cross-validation measured.
#[derive(Clone, Debug, Serialize)]
pub struct CvResult {
    /// Number of folds.
    pub folds: usize,
    /// Per fold, in fold order.
    pub per_fold: Vec<FoldResult>,
    /// All folds run, pooled: every held-out real message once.
    pub pooled: Report,
    /// Pooled, one message per (class, template group).
    pub pooled_one_per_template: Report,
    /// Macro-F1 over the folds.
    pub fold_macro_f1: Spread,
    /// One-per-template macro-F1 over the folds.
    pub fold_one_per_template_macro_f1: Spread,
    /// Every held-out real message, by row.
    pub predictions: Vec<OutOfFold>,
}

/// Cross-validate the run `base` describes (its `holdout` is replaced by each fold in turn; its
/// `eval` files are ignored).
pub fn run(base: &PipelineOptions, cv: &CvOptions) -> Result<CvResult> {
    ensure!(
        cv.folds >= 2,
        "--folds {}: expected at least 2 folds",
        cv.folds
    );
    ensure!(
        !base.data.is_empty(),
        "cross-validation scores real messages: give --data files"
    );
    let mut wanted: Vec<usize> = if cv.only.is_empty() {
        (0..cv.folds).collect()
    } else {
        cv.only.clone()
    };
    wanted.sort_unstable();
    wanted.dedup();
    if let Some(&bad) = wanted.iter().find(|&&i| i >= cv.folds) {
        anyhow::bail!("--only {bad}: expected a fold below --folds {}", cv.folds);
    }
    let mut real = Vec::new();
    for p in &base.data {
        real.extend(data::read_tsv(p)?);
    }
    let jobs = cv.jobs.clamp(1, wanted.len());
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(FoldResult, Vec<OutOfFold>)>> = Mutex::new(Vec::new());
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(&fold) = wanted.get(n) else { break };
                if first_error.lock().map(|e| e.is_some()).unwrap_or(true) {
                    break;
                }
                match run_fold(base, cv.folds, fold, &real, jobs > 1) {
                    Ok(r) => done.lock().expect("no worker panics holding it").push(r),
                    Err(e) => {
                        let mut slot = first_error.lock().expect("no worker panics holding it");
                        slot.get_or_insert(e.context(format!("fold {fold}")));
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().expect("workers have finished") {
        return Err(e);
    }
    let mut done = done.into_inner().expect("workers have finished");
    done.sort_by_key(|(f, _)| f.fold);
    let mut pooled = Confusion::default();
    let mut predictions = Vec::new();
    let mut per_fold = Vec::new();
    for (f, preds) in done {
        for p in &preds {
            pooled.add(p.truth, p.predicted);
        }
        predictions.extend(preds);
        per_fold.push(f);
    }
    predictions.sort_by_key(|p| p.row);
    let pooled_one_per_template = one_per_template_report(&real, &predictions);
    Ok(CvResult {
        folds: cv.folds,
        fold_macro_f1: Spread::of(per_fold.iter().map(|f| f.report.macro_f1)),
        fold_one_per_template_macro_f1: Spread::of(
            per_fold.iter().map(|f| f.one_per_template.macro_f1),
        ),
        per_fold,
        pooled: pooled.report(),
        pooled_one_per_template,
        predictions,
    })
}

/// Score the first prediction of each (class, template group), as
/// [`split::one_per_template`] picks them.
fn one_per_template_report(real: &[Example], predictions: &[OutOfFold]) -> Report {
    let mut c = Confusion::default();
    for p in split::first_per_template(predictions, |p| (p.truth, real[p.row].text.as_str())) {
        c.add(p.truth, p.predicted);
    }
    c.report()
}

fn run_fold(
    base: &PipelineOptions,
    k: usize,
    fold: usize,
    real: &[Example],
    quiet: bool,
) -> Result<(FoldResult, Vec<OutOfFold>)> {
    let holdout = Holdout::Fold { k, i: fold };
    let mut opts = base.clone();
    opts.holdout = holdout;
    opts.eval.clear();
    // Interleaved progress bars of parallel folds are unreadable.
    opts.train.progress &= !quiet;
    if let Some(dir) = &base.checkpoint_dir {
        opts.checkpoint_dir = Some(dir.join(format!("fold{fold}")));
    }
    eprintln!("fold {fold} of {k}: training");
    let r = pipeline::run(&opts)?;
    let classifier = Classifier::from_bytes(&r.model_bytes).context("reloading the fold model")?;
    let held: Vec<(usize, &Example)> = real
        .iter()
        .enumerate()
        .filter(|(_, e)| holdout.holds(&e.text))
        .collect();
    let texts: Vec<&str> = held.iter().map(|(_, e)| e.text.as_str()).collect();
    let mut all = Confusion::default();
    let mut preds = Vec::with_capacity(held.len());
    for ((row, e), p) in held.iter().zip(classifier.classify_batch(&texts)) {
        all.add(e.label, p.label);
        preds.push(OutOfFold {
            row: *row,
            fold,
            truth: e.label,
            predicted: p.label,
            scores: p.scores,
        });
    }
    let one = one_per_template_report(real, &preds);
    let report = all.report();
    eprintln!(
        "fold {fold} of {k}: macro-F1 {:.4} (one per template {:.4}) on {} held-out messages",
        report.macro_f1,
        one.macro_f1,
        held.len()
    );
    Ok((
        FoldResult {
            fold,
            report,
            one_per_template: one,
            model_bytes: r.model_bytes.len(),
            train_seconds: r.train_seconds,
        },
        preds,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_values() {
        assert_eq!(
            Spread::of([0.5, 1.0, 0.75]),
            Spread {
                mean: 0.75,
                min: 0.5,
                max: 1.0
            }
        );
        assert_eq!(Spread::of([]).mean, 0.0);
    }

    #[test]
    fn one_per_template_counts_each_group_once() {
        let ex = |label, text: &str| Example {
            label,
            text: text.into(),
            source: String::new(),
        };
        // Two rows of one template (numbers differ) and one of another.
        let real = vec![
            ex(Label::Verification, "验证码123456，5分钟内有效"),
            ex(Label::Verification, "验证码654321，5分钟内有效"),
            ex(Label::Marketing, "双十一全场五折，回T退订"),
        ];
        let pred = |row: usize, truth, predicted| OutOfFold {
            row,
            fold: 0,
            truth,
            predicted,
            scores: [0.0; Label::COUNT],
        };
        let preds = vec![
            pred(0, Label::Verification, Label::Verification),
            pred(1, Label::Verification, Label::Marketing),
            pred(2, Label::Marketing, Label::Marketing),
        ];
        let r = one_per_template_report(&real, &preds);
        assert_eq!(r.n, 2);
        assert_eq!(r.verification_as_marketing, 0);
    }
}
