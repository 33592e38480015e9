//! Classification metrics: confusion matrix, per-class precision/recall/F1, macro-F1 and the
//! worst error (verification called marketing).

use serde::Serialize;
use smsguard::Label;
use std::fmt;

/// Counts of (true label, predicted label).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// `matrix[true][predicted]`, indexed by [`Label::index`].
    pub matrix: [[usize; Label::COUNT]; Label::COUNT],
}

/// Precision, recall and F1 of one class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassScores {
    /// The class.
    pub label: &'static str,
    /// Messages of this class.
    pub support: usize,
    /// Of those predicted as this class, the share that are.
    pub precision: f64,
    /// Of this class, the share found.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

/// A summary fit for text and JSON output.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Messages scored.
    pub n: usize,
    /// Share predicted right.
    pub accuracy: f64,
    /// Mean F1 over the classes present.
    pub macro_f1: f64,
    /// Per class.
    pub classes: Vec<ClassScores>,
    /// Verification messages called marketing: the worst error.
    pub verification_as_marketing: usize,
    /// Personal messages called marketing: as bad (a person's words folded away).
    pub personal_as_marketing: usize,
    /// Transactional messages called marketing: the next worst.
    pub transactional_as_marketing: usize,
    /// The confusion matrix, rows true, columns predicted (marketing, verification,
    /// transactional, personal).
    pub confusion: [[usize; Label::COUNT]; Label::COUNT],
}

impl Confusion {
    /// Count one prediction.
    pub fn add(&mut self, truth: Label, predicted: Label) {
        self.matrix[truth.index()][predicted.index()] += 1;
    }

    /// The summary.
    pub fn report(&self) -> Report {
        let m = &self.matrix;
        let n: usize = m.iter().flatten().sum();
        let correct: usize = (0..Label::COUNT).map(|i| m[i][i]).sum();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let classes: Vec<ClassScores> = Label::ALL
            .iter()
            .map(|l| {
                let i = l.index();
                let support: usize = m[i].iter().sum();
                let predicted: usize = (0..Label::COUNT).map(|r| m[r][i]).sum();
                let precision = ratio(m[i][i], predicted);
                let recall = ratio(m[i][i], support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassScores {
                    label: l.as_str(),
                    support,
                    precision,
                    recall,
                    f1,
                }
            })
            .collect();
        let present: Vec<&ClassScores> = classes.iter().filter(|c| c.support > 0).collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64
        };
        Report {
            n,
            accuracy: ratio(correct, n),
            macro_f1,
            verification_as_marketing: m[Label::Verification.index()][Label::Marketing.index()],
            personal_as_marketing: m[Label::Personal.index()][Label::Marketing.index()],
            transactional_as_marketing: m[Label::Transactional.index()][Label::Marketing.index()],
            classes,
            confusion: *m,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<14} {:>9} {:>9} {:>9} {:>8}",
            "class", "precision", "recall", "F1", "support"
        )?;
        for c in &self.classes {
            writeln!(
                f,
                "{:<14} {:>9.4} {:>9.4} {:>9.4} {:>8}",
                c.label, c.precision, c.recall, c.f1, c.support
            )?;
        }
        writeln!(
            f,
            "macro-F1 {:.4}   accuracy {:.4}   n {}",
            self.macro_f1, self.accuracy, self.n
        )?;
        writeln!(
            f,
            "verification->marketing {}   personal->marketing {}   transactional->marketing {}",
            self.verification_as_marketing,
            self.personal_as_marketing,
            self.transactional_as_marketing
        )?;
        writeln!(
            f,
            "confusion (rows true, columns predicted: marketing verification transactional personal)"
        )?;
        for (l, row) in Label::ALL.iter().zip(&self.confusion) {
            write!(f, "  {:<14}", l.as_str())?;
            for n in row {
                write!(f, " {n:>7}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn hand_computed_report() {
        let mut c = Confusion::default();
        for (t, p) in [
            (Marketing, Marketing),
            (Marketing, Marketing),
            (Marketing, Transactional),
            (Verification, Marketing),
            (Verification, Verification),
            (Transactional, Transactional),
        ] {
            c.add(t, p);
        }
        let r = c.report();
        assert_eq!(r.n, 6);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // marketing: P 2/3, R 2/3; verification: P 1, R 1/2; transactional: P 1/2, R 1
        let f1 = |p: f64, r: f64| 2.0 * p * r / (p + r);
        let want = (f1(2.0 / 3.0, 2.0 / 3.0) + f1(1.0, 0.5) + f1(0.5, 1.0)) / 3.0;
        assert!(
            (r.macro_f1 - want).abs() < 1e-12,
            "{} vs {want}",
            r.macro_f1
        );
        assert_eq!(r.verification_as_marketing, 1);
        assert_eq!(r.transactional_as_marketing, 0);
        assert!(r.to_string().contains("macro-F1"));
    }

    #[test]
    fn empty_and_missing_classes() {
        let r = Confusion::default().report();
        assert_eq!((r.n, r.macro_f1, r.accuracy), (0, 0.0, 0.0));
        let mut c = Confusion::default();
        c.add(Marketing, Marketing);
        assert_eq!(c.report().macro_f1, 1.0, "absent classes do not count");
    }

    #[test]
    fn personal_counts_like_any_class() {
        let mut c = Confusion::default();
        for (t, p) in [
            (Personal, Personal),
            (Personal, Marketing),
            (Marketing, Marketing),
            (Marketing, Personal),
        ] {
            c.add(t, p);
        }
        let r = c.report();
        assert_eq!(r.personal_as_marketing, 1);
        // marketing P 1/2 R 1/2, personal P 1/2 R 1/2; the two absent classes do not count.
        assert!((r.macro_f1 - 0.5).abs() < 1e-12, "{}", r.macro_f1);
        assert_eq!(r.classes.len(), 4);
        assert!(r.to_string().contains("personal->marketing 1"));
    }
}
